"""ctfy_auth: a complete auth layer for Django speaking the ctfy wire contract."""

__version__ = "0.1.0.dev0"
