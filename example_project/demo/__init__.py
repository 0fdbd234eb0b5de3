"""A host app whose own views are protected by ctfy_auth's scopes (see ``views.py``)."""
