"""The RS256 signing keys of the OAuth server: loading, strength, and their ``kid``.

The keys are DOT's settings: ``OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]`` (the active key, PEM)
and ``["OIDC_RSA_PRIVATE_KEYS_INACTIVE"]`` (older keys still published at ``{issuer}/jwks`` so
tokens they signed verify during a rotation). A key's ``kid`` is its RFC 7638 JWK thumbprint,
the value DOT puts in both the JWKS and the ID token header. ``manage.py
ctfy_auth_generate_oauth_key`` writes a new key; system check ``ctfy_auth.E016`` refuses a
missing, unreadable, non-RSA or short key.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["MIN_RSA_BITS", "generate_pem", "key_problem"]

#: Shortest RSA modulus accepted (NIST SP 800-57: 2048 bits through 2030).
MIN_RSA_BITS = 2048


def generate_pem(bits: int = 3072) -> str:
    """A new RSA private key in unencrypted PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def key_problem(pem: object) -> str | None:
    """Why ``pem`` cannot sign ID tokens, or ``None`` when it can."""
    if not isinstance(pem, str) or not pem.strip():
        return "is missing"
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError) as exc:
        return f"is not an unencrypted PEM private key ({type(exc).__name__})"
    if not isinstance(key, rsa.RSAPrivateKey):
        return "is not an RSA key (RS256 needs one)"
    if key.key_size < MIN_RSA_BITS:
        return f"has {key.key_size} bits, fewer than {MIN_RSA_BITS}"
    return None
