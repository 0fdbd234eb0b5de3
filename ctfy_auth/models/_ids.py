"""Primary keys of our models.

Private to ``ctfy_auth.models`` (the migrations name ``new_id`` by this path, so it
stays); other layers use the public :func:`ctfy_auth.models.looks_like_id`.
"""

from __future__ import annotations

import re
import secrets

_ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def new_id() -> str:
    """A random, URL-safe, 16-character primary key (96 bits)."""
    return secrets.token_urlsafe(12)


def looks_like_id(value: str) -> bool:
    """Could ``value`` be one of our primary keys? Anything else is "not found" without a query."""
    return bool(_ID_SHAPE.fullmatch(value))
