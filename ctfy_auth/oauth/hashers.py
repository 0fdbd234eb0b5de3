"""The hasher of OAuth client secrets: one salted HMAC-SHA256, fast on purpose.

A client secret is 256 random bits (:func:`ctfy_auth.crypto.generate_client_secret`), so it
needs no key stretching; a token request must not spend 100 ms of Argon2 on it. Django's
``make_password``/``check_password`` find a hasher by its ``algorithm`` in
``PASSWORD_HASHERS``, and DOT's ``ClientSecretField`` asks them whether a stored secret is
already hashed, so this class must be listed there (after Argon2, never first: system check
``ctfy_auth.E017``), and ``OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]`` names its algorithm.

It refuses to verify anything shorter than a generated secret, so it can never serve as a
person's password hasher, even if a hash of its kind were written into a password column.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop as _

__all__ = ["ALGORITHM", "ClientSecretHasher"]

ALGORITHM = "ctfy_client_secret_sha256"
_MIN_SECRET_LENGTH = 32


class ClientSecretHasher(BasePasswordHasher):
    algorithm = ALGORITHM

    def encode(self, password: str, salt: str) -> str:
        if password is None or not salt or "$" in salt:
            raise TypeError("a password and a salt without '$' are required")
        mac = hmac.new(salt.encode(), password.encode(), hashlib.sha256).hexdigest()
        return f"{self.algorithm}${salt}${mac}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, mac = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": mac, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        if len(password) < _MIN_SECRET_LENGTH:
            return False
        decoded = self.decode(encoded)
        return constant_time_compare(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict[Any, Any]:
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("salt"): mask_hash(decoded["salt"], show=2),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return False

    def harden_runtime(self, password: str, encoded: str) -> None:
        return None
