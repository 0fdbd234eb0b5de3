"""DOT's ``OAuth2Validator`` with ctfy_auth's client policy.

``OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"]``.

Stock DOT decides grants by ``Application.authorization_grant_type`` (one per client) and
accepts any scope of ``SCOPES`` the request names (refusing the whole request for one
unknown). This subclass changes exactly that, from the client's
:class:`~ctfy_auth.models.OAuthClientPolicy`:

* :meth:`validate_grant_type`: the policy's grant types (several); ``refresh_token`` for a
  client with a grant that issues refresh tokens; ``client_credentials`` for confidential
  clients only. Grants this release does not serve yet (``password``, the device grant) are
  refused whatever the policy says.
* :meth:`validate_response_type`: ``code`` for a client allowed ``authorization_code``; never
  an implicit or hybrid response.
* :meth:`validate_scopes`: the request is clamped to the scopes the policy allows (``write``
  implies ``read``); it is refused (``invalid_scope``) only when nothing is left.
* :attr:`oidc_claim_scope` and :meth:`get_additional_claims`: the ID token's and userinfo's
  claims by scope (``ctfy_auth.oauth.claims``); DOT adds ``sub`` (the user's public id),
  ``iss``, ``exp``, ``auth_time``, oauthlib ``aud``, ``iat``, ``nonce``, ``at_hash``, and DOT
  signs with RS256 and the key's ``kid``.

Everything else (client authentication by ``client_secret_basic`` or ``client_secret_post``,
code exchange with PKCE, refresh rotation with reuse detection, storage of token digests) is
DOT's, unchanged.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.models import AbstractApplication
from oauth2_provider.oauth2_validators import OAuth2Validator

from ctfy_auth.models import OAuthGrantType
from ctfy_auth.oauth.claims import CLAIM_SCOPES, person_claims
from ctfy_auth.oauth.scopes import allowed_scopes, clamp_to, policy_of

__all__ = ["SERVED_GRANTS", "CtfyOAuth2Validator"]

#: Grant types the token endpoint serves in this release (``refresh_token`` included).
SERVED_GRANTS = frozenset(
    {
        OAuthGrantType.AUTHORIZATION_CODE.value,
        OAuthGrantType.CLIENT_CREDENTIALS.value,
        "refresh_token",
    }
)


class CtfyOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = dict(CLAIM_SCOPES)

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        # Request-aware (two parameters): DOT then leaves discovery's claim list to us.
        return person_claims(request.user)

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if grant_type not in SERVED_GRANTS:
            return False
        policy = policy_of(request.client)
        if policy is None or not policy.allows_grant(grant_type):
            return False
        if grant_type == OAuthGrantType.CLIENT_CREDENTIALS:
            # A public client holds no secret, so it cannot prove it is itself.
            return bool(request.client.client_type == AbstractApplication.CLIENT_CONFIDENTIAL)
        return True

    def validate_response_type(
        self,
        client_id: str,
        response_type: str,
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        if response_type != "code":
            return False
        policy = policy_of(client)
        return policy is not None and policy.allows_grant(OAuthGrantType.AUTHORIZATION_CODE)

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        kept = clamp_to(scopes, allowed_scopes(client))
        if not kept:
            return False
        # oauthlib issues the token with ``request.scopes``: clamping it here is what the
        # client gets (and the response's ``scope`` says so, RFC 6749 §5.1).
        request.scopes = kept
        return True
