"""What every provider does: build the authorize URL, and turn a code into a :class:`Profile`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from ctfy_auth.conf import app_settings

__all__ = ["Profile", "Provider", "ProviderError"]

logger = logging.getLogger("ctfy_auth.providers")


class ProviderError(Exception):
    """The provider refused or failed (HTTP error, bad answer, invalid ID token).

    The message is safe to show: it never carries a secret, a code or a token.
    """


@dataclass(frozen=True, slots=True)
class Profile:
    """Who the provider says signed in; ``email`` is ``""`` when it gave none we trust.

    ``email_verified``: the address may be used (merge by email, the account's
    address). ``email_vouched``: it is trusted only because the configuration says
    so (an OIDC issuer that sends no usable ``email_verified`` claim, with
    ``trust_email_without_claim``), not because the provider proved it; such an
    address never grants a role.
    """

    provider: str
    provider_user_id: str
    email: str = ""
    email_verified: bool = False
    email_vouched: bool = False
    login: str = ""
    display_name: str = ""
    avatar_url: str = ""


class Provider:
    """One configured provider. Subclasses set the endpoints and read the profile.

    ``config`` is the provider's ``CTFY_AUTH["PROVIDERS"]`` entry with the client
    credentials resolved (settings first, then the environment).
    """

    #: Scope asked for when the configuration names none.
    default_scope: ClassVar[str] = ""
    #: How the client authenticates at the token endpoint (RFC 6749 §2.3.1).
    token_endpoint_auth_method: ClassVar[str] = "client_secret_basic"
    #: Does the authorize request carry an OIDC ``nonce``?
    uses_nonce: ClassVar[bool] = False

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        self.name = name
        self.config = config
        self.client_id = str(config["client_id"])
        self.client_secret = str(config.get("client_secret") or "")
        self.scope = str(config.get("scope") or self.default_scope)
        self.link_only = bool(config.get("link_only", False))

    def __repr__(self) -> str:  # never the secret
        return f"<{type(self).__name__} {self.name} client_id={self.client_id!r}>"

    # --- endpoints (subclasses) -------------------------------------------------------------

    def authorization_endpoint(self) -> str:
        raise NotImplementedError

    def token_endpoint(self) -> str:
        raise NotImplementedError

    def extra_authorize_params(self) -> dict[str, str]:
        return {}

    def read_profile(self, session: OAuth2Session, token: dict[str, Any], nonce: str) -> Profile:
        """The profile behind a freshly exchanged ``token``."""
        raise NotImplementedError

    # --- the flow ---------------------------------------------------------------------------

    def session(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope=self.scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method=self.token_endpoint_auth_method,
        )

    def authorize_url(
        self, *, redirect_uri: str, state: str, code_verifier: str, nonce: str
    ) -> str:
        """Where to send the person: the provider's consent page, with PKCE (S256)."""
        params = self.extra_authorize_params()
        if self.uses_nonce:
            params["nonce"] = nonce
        with self.session(redirect_uri) as client:
            url, _state = client.create_authorization_url(
                self.authorization_endpoint(), state=state, code_verifier=code_verifier, **params
            )
        return str(url)

    def profile_for_code(
        self, *, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> Profile:
        """Exchange ``code`` (PKCE verifier included) and read the profile, or ProviderError."""
        with self.session(redirect_uri) as client:
            try:
                token = client.fetch_token(
                    self.token_endpoint(),
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                    headers={"Accept": "application/json"},
                    timeout=self.timeout,
                )
                return self.read_profile(client, dict(token), nonce)
            except OAuthError as exc:
                raise ProviderError(f"{self.name} refused the code: {exc.error}") from None
            except requests.RequestException as exc:
                logger.warning("ctfy_auth: %s did not answer: %s", self.name, type(exc).__name__)
                raise ProviderError(f"{self.name} could not be reached") from None
            except (ValueError, KeyError, TypeError) as exc:
                raise ProviderError(f"{self.name} sent an answer we cannot read") from exc

    @property
    def timeout(self) -> float:
        return float(app_settings.PROVIDER_HTTP_TIMEOUT_SECONDS)

    def get_json(self, session: requests.Session, url: str, **kwargs: Any) -> Any:
        """GET ``url`` and decode JSON; an HTTP error status is a :class:`ProviderError`."""
        response = session.get(url, timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            raise ProviderError(f"{self.name} answered {response.status_code} at {url}")
        return response.json()
