"""OpenID Connect: any issuer found by discovery, and Google as one of them.

The ID token is checked with joserfc (authlib's JOSE library): its signature
against the issuer's published JWKS (asymmetric algorithms only, never ``none``),
then ``iss``, ``aud`` (and ``azp`` when there are several audiences), ``exp``,
``sub`` and the ``nonce`` this sign-in sent. The profile comes from the token's
claims, completed from the userinfo endpoint when the token carries no email.
The address counts as verified only when ``email_verified`` is the JSON boolean
``true``, or, by the provider's explicit ``trust_email_without_claim`` opt-in,
when the claim is missing (see :meth:`OIDCProvider.email_status`).
"""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ctfy_auth.providers.base import Profile, Provider, ProviderError

__all__ = ["GoogleProvider", "OIDCProvider", "clear_discovery_cache"]

GOOGLE_DISCOVERY_URL = "https://accounts.google.com/.well-known/openid-configuration"
#: Signature algorithms accepted for ID tokens: asymmetric only (a shared-secret HS256 token
#: could be forged by anyone holding the client secret, and ``none`` by anyone at all).
ASYMMETRIC_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
#: Clock skew tolerated on ``exp``/``iat``/``nbf``.
LEEWAY_SECONDS = 60
#: How long a discovery document is reused in this process.
DISCOVERY_TTL_SECONDS = 3600

_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_discovery_lock = threading.Lock()


def clear_discovery_cache() -> None:
    with _discovery_lock:
        _discovery.clear()


class OIDCProvider(Provider):
    """A generic OIDC issuer: ``{"issuer": ..., "client_id": ..., "client_secret": ...}``."""

    default_scope: ClassVar[str] = "openid email profile"
    uses_nonce: ClassVar[bool] = True

    def expected_issuer(self, document: dict[str, Any]) -> str:
        """The ``iss`` ID tokens must carry: the configured issuer, which discovery must echo."""
        issuer = str(self.config.get("issuer") or "").rstrip("/")
        if str(document.get("issuer", "")).rstrip("/") != issuer:
            raise ProviderError(f"{self.name}: discovery names another issuer")
        return str(document["issuer"])

    def discovery_url(self) -> str:
        configured = self.config.get("discovery_url")
        if configured:
            return str(configured)
        return (
            str(self.config.get("issuer") or "").rstrip("/") + "/.well-known/openid-configuration"
        )

    def discovery(self) -> dict[str, Any]:
        url = self.discovery_url()
        now = time.monotonic()
        with _discovery_lock:
            cached = _discovery.get(url)
        if cached and cached[0] > now:
            return cached[1]
        try:
            with requests.Session() as http:
                document = self.get_json(http, url)
        except requests.RequestException:
            raise ProviderError(f"{self.name}: discovery could not be reached") from None
        except ValueError:
            raise ProviderError(f"{self.name}: discovery is not JSON") from None
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(document, dict) or not all(document.get(k) for k in needed):
            raise ProviderError(f"{self.name}: discovery lacks {', '.join(needed)}")
        with _discovery_lock:
            _discovery[url] = (now + DISCOVERY_TTL_SECONDS, document)
        return document

    def authorization_endpoint(self) -> str:
        return str(self.discovery()["authorization_endpoint"])

    def token_endpoint(self) -> str:
        return str(self.discovery()["token_endpoint"])

    def trust_email_verified(self) -> bool:
        """``False``: the issuer's addresses prove nothing; its email is ignored."""
        return bool(self.config.get("trust_email_verified", True))

    def trust_email_without_claim(self) -> bool:
        """``True``: an address without a usable ``email_verified`` claim counts as verified."""
        return self.config.get("trust_email_without_claim", False) is True

    def email_status(self, claims: dict[str, Any]) -> tuple[bool, bool]:
        """``(verified, vouched)`` for the claims' address.

        Only a JSON ``true`` proves it, ``false`` never does; anything else (no
        claim, ``null``, the string ``"true"``) proves nothing unless this provider
        opts in with ``trust_email_without_claim``, and then it is *vouched*: usable
        for the account, never for a role. Wire §4.5 counts an absent claim as true:
        an issuer that lets people edit their address would then hand out accounts.
        """
        claim = claims.get("email_verified")
        if claim is True:
            return True, False
        if claim is not False and self.trust_email_without_claim():
            return True, True
        return False, False

    def read_profile(self, session: OAuth2Session, token: dict[str, Any], nonce: str) -> Profile:
        document = self.discovery()
        claims = self.verify_id_token(str(token.get("id_token") or ""), document, nonce)
        if not claims.get("email") and document.get("userinfo_endpoint"):
            userinfo = self.get_json(session, str(document["userinfo_endpoint"]))
            if isinstance(userinfo, dict) and userinfo.get("sub") == claims["sub"]:
                claims = {**userinfo, **claims}
        email = str(claims.get("email") or "")
        verified, vouched = self.email_status(claims)
        if not email or not self.trust_email_verified():
            # No address, or a configuration that does not trust the issuer's addresses
            # (the email is blanked: no merge, no address): nothing to verify.
            email, verified, vouched = "", True, False
        return Profile(
            provider=self.name,
            provider_user_id=str(claims["sub"]),
            email=email,
            email_verified=verified,
            email_vouched=vouched,
            login=str(claims.get("preferred_username") or ""),
            display_name=str(claims.get("name") or claims.get("preferred_username") or ""),
            avatar_url=str(claims.get("picture") or ""),
        )

    def verify_id_token(
        self, id_token: str, document: dict[str, Any], nonce: str
    ) -> dict[str, Any]:
        if not id_token:
            raise ProviderError(f"{self.name} sent no ID token")
        issuer = self.expected_issuer(document)
        offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in offered if a in ASYMMETRIC_ALGORITHMS]
        try:
            with requests.Session() as http:
                keys = KeySet.import_key_set(self.get_json(http, str(document["jwks_uri"])))
            decoded = jwt.decode(id_token, keys, algorithms=algorithms)
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": self.client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except JoseError as exc:
            # joserfc's text names the failed check ("invalid_claim: Invalid claim: 'nonce'").
            raise ProviderError(f"{self.name} sent an ID token we cannot accept ({exc})") from None
        claims = dict(decoded.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise ProviderError(f"{self.name} sent an ID token for another client (azp)")
        return claims


class GoogleProvider(OIDCProvider):
    """Google through OIDC discovery (``discovery_url`` may point elsewhere, e.g. in tests)."""

    def discovery_url(self) -> str:
        return str(self.config.get("discovery_url") or GOOGLE_DISCOVERY_URL)

    def expected_issuer(self, document: dict[str, Any]) -> str:
        # The configured discovery URL is the trust anchor; Google's own issuer unless overridden.
        configured = self.config.get("issuer")
        if configured and str(document.get("issuer", "")).rstrip("/") != str(configured).rstrip(
            "/"
        ):
            raise ProviderError(f"{self.name}: discovery names another issuer")
        return str(document["issuer"])

    def extra_authorize_params(self) -> dict[str, str]:
        return {"prompt": "select_account"}
