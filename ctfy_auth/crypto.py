"""Token plaintext format and digests.

A token is ``<prefix><secret><checksum>``:

* ``prefix`` names the kind (``pt_`` session, ``pf_`` API token), so people and
  secret scanners can tell what leaked;
* ``secret`` is 43 base62 characters drawn from :mod:`secrets` (256 bits);
* ``checksum`` is the CRC32 of prefix + secret in 6 base62 characters, as
  GitHub's tokens do, so a mistyped or forged string is refused without a
  database query.

Only :func:`digest` (SHA-256) of the whole plaintext is ever stored.
"""

from __future__ import annotations

import hashlib
import secrets
import zlib

__all__ = ["PREFIXES", "digest", "generate", "parse_kind"]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_SECRET_LEN = 43  # 43 * log2(62) = 256.03 bits
_CHECKSUM_LEN = 6  # 62**6 > 2**32

#: Token kind (``Token.kind`` value) by plaintext prefix.
PREFIXES: dict[str, str] = {"pt_": "user", "pf_": "fine_grained"}
_PREFIX_BY_KIND = {kind: prefix for prefix, kind in PREFIXES.items()}
_LENGTH = 3 + _SECRET_LEN + _CHECKSUM_LEN


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), _CHECKSUM_LEN)


def generate(kind: str) -> str:
    """Return a fresh plaintext token of ``kind`` (a ``TokenKind`` value)."""
    body = _PREFIX_BY_KIND[kind] + "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_LEN))
    return body + _checksum(body)


def parse_kind(plaintext: str) -> str | None:
    """Return the kind a well-formed token claims, or ``None`` if it cannot be ours.

    Pure string work: no database, constant-time enough (the checksum is not a
    secret, it only filters typos and forgeries before the indexed lookup).
    """
    if len(plaintext) != _LENGTH:
        return None
    kind = PREFIXES.get(plaintext[:3])
    if kind is None:
        return None
    body, check = plaintext[:-_CHECKSUM_LEN], plaintext[-_CHECKSUM_LEN:]
    if any(c not in _INDEX for c in plaintext[3:]):
        return None
    if _checksum(body) != check:
        return None
    return kind


def digest(plaintext: str) -> str:
    """SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()
