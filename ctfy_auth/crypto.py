"""Token plaintext format and digests.

A token is ``<prefix><secret><checksum>``:

* ``prefix`` names the kind (``pt_`` session, ``pf_`` API token, ``po_`` OAuth access
  token, ``pr_`` OAuth refresh token), so people and secret scanners can tell what leaked;
* ``secret`` is 43 base62 characters drawn from :mod:`secrets` (256 bits);
* ``checksum`` is the CRC32 of prefix + secret in 6 base62 characters, as
  GitHub's tokens do, so a mistyped or forged string is refused without a
  database query.

Only :func:`digest` (SHA-256) of the whole plaintext is ever stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib

__all__ = [
    "ALL_PREFIXES",
    "OAUTH_ACCESS_TOKEN",
    "OAUTH_PREFIXES",
    "OAUTH_REFRESH_TOKEN",
    "PREFIXES",
    "USER_CODE_ALPHABET",
    "digest",
    "generate",
    "generate_client_secret",
    "generate_device_code",
    "generate_user_code",
    "normalize_user_code",
    "parse_kind",
]

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_RUN = re.compile("[0-9A-Za-z]+")
_SECRET_LEN = 43  # 43 * log2(62) = 256.03 bits
_CHECKSUM_LEN = 6  # 62**6 > 2**32

#: Token kind (``Token.kind`` value) by plaintext prefix.
PREFIXES: dict[str, str] = {"pt_": "user", "pf_": "fine_grained"}
#: The kinds of django-oauth-toolkit's tokens (no ``Token`` row) in the same format.
OAUTH_ACCESS_TOKEN = "oauth_access"
OAUTH_REFRESH_TOKEN = "oauth_refresh"
#: OAuth token kind by plaintext prefix.
OAUTH_PREFIXES: dict[str, str] = {"po_": OAUTH_ACCESS_TOKEN, "pr_": OAUTH_REFRESH_TOKEN}
#: Every prefix ctfy_auth issues, with its kind.
ALL_PREFIXES: dict[str, str] = {**PREFIXES, **OAUTH_PREFIXES}
_PREFIX_BY_KIND = {kind: prefix for prefix, kind in ALL_PREFIXES.items()}
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
    """Return a fresh plaintext token of ``kind`` (a ``TokenKind`` value or an OAuth kind)."""
    body = _PREFIX_BY_KIND[kind] + "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_LEN))
    return body + _checksum(body)


def parse_kind(plaintext: str) -> str | None:
    """Return the kind a well-formed token claims, or ``None`` if it cannot be ours.

    Pure string work: no database, constant-time enough (the checksum is not a
    secret, it only filters typos and forgeries before the indexed lookup).
    """
    if len(plaintext) != _LENGTH:
        return None
    kind = ALL_PREFIXES.get(plaintext[:3])
    if kind is None:
        return None
    body, check = plaintext[:-_CHECKSUM_LEN], plaintext[-_CHECKSUM_LEN:]
    if not _BASE62_RUN.fullmatch(plaintext, 3):
        return None
    if _checksum(body) != check:
        return None
    return kind


def digest(plaintext: str) -> str:
    """SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def generate_client_secret() -> str:
    """An OAuth client secret: 32 random bytes, URL-safe (43 characters, 256 bits)."""
    return secrets.token_urlsafe(32)


# --- device authorization (RFC 8628) -------------------------------------------------------

#: User-code characters: no 0/O, 1/I/L look-alikes (31 symbols; 31**8 ≈ 8.5e11 codes).
USER_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
USER_CODE_LENGTH = 8
_USER_CODE_CHARS = frozenset(USER_CODE_ALPHABET)


def generate_device_code() -> str:
    """The polling client's secret: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def generate_user_code() -> str:
    """Eight characters of :data:`USER_CODE_ALPHABET`, stored without the hyphen."""
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def normalize_user_code(value: str) -> str | None:
    """What a person typed, as a stored user code; ``None`` when it cannot be one.

    Case, spaces and punctuation are ignored (RFC 8628 §6.1): ``abcd-efgh``,
    `` ABCD EFGH `` and ``abcdefgh`` are all ``ABCDEFGH``.
    """
    code = "".join(c for c in value if c.isascii() and c.isalnum()).upper()
    if len(code) != USER_CODE_LENGTH or not set(code) <= _USER_CODE_CHARS:
        return None
    return code
