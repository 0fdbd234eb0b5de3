"""GitHub: OAuth2 (with PKCE) plus its REST API for the user and their addresses.

GitHub is not an OIDC issuer, so there is no ID token: the profile is
``GET /user``, and the email is the ``GET /user/emails`` row that is both
``primary`` and ``verified``. Without one the profile says ``email_verified=False``
and the sign-in is refused (ctfy wire §4.5).
"""

from __future__ import annotations

from typing import Any, ClassVar

from authlib.integrations.requests_client import OAuth2Session

from ctfy_auth.providers.base import Profile, Provider, ProviderError

__all__ = ["GitHubProvider"]

#: github.com's endpoints; each can be overridden in the provider's settings.
GITHUB_DEFAULTS = {
    "authorize_url": "https://github.com/login/oauth/authorize",
    "token_url": "https://github.com/login/oauth/access_token",
    "api_url": "https://api.github.com",
}


class GitHubProvider(Provider):
    default_scope: ClassVar[str] = "read:user user:email"
    # GitHub documents client_id and client_secret as form fields of the token request.
    token_endpoint_auth_method: ClassVar[str] = "client_secret_post"

    def _url(self, key: str) -> str:
        return str(self.config.get(key) or GITHUB_DEFAULTS[key]).rstrip("/")

    def authorization_endpoint(self) -> str:
        return self._url("authorize_url")

    def token_endpoint(self) -> str:
        return self._url("token_url")

    def read_profile(self, session: OAuth2Session, token: dict[str, Any], nonce: str) -> Profile:
        api = self._url("api_url")
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        user = self.get_json(session, f"{api}/user", headers=headers)
        emails = self.get_json(session, f"{api}/user/emails", headers=headers)
        if not isinstance(user, dict) or not isinstance(emails, list) or "id" not in user:
            raise ProviderError("github sent a user we cannot read")
        proved = next(
            (
                str(row["email"])
                for row in emails
                if isinstance(row, dict)
                and row.get("primary") is True
                and row.get("verified") is True
            ),
            "",
        )
        return Profile(
            provider=self.name,
            provider_user_id=str(user["id"]),
            email=proved or str(user.get("email") or ""),
            email_verified=bool(proved),
            login=str(user.get("login") or ""),
            display_name=str(user.get("name") or user.get("login") or ""),
            avatar_url=str(user.get("avatar_url") or ""),
        )
