from __future__ import annotations

import secrets


def new_id() -> str:
    """A random, URL-safe, 16-character primary key (96 bits)."""
    return secrets.token_urlsafe(12)
