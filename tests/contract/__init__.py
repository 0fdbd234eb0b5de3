"""Black-box contract tests: the ctfy 0.7.0 SDK against a live example project (``tox -e contract``)."""
