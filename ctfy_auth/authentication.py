"""Bearer authentication for DRF: :class:`BearerTokenAuthentication`.

The credential is resolved by :func:`ctfy_auth.credentials.resolve_request`, the one resolver
the middleware and the decorator share too (the outcome is kept on the request, so none of
them resolves twice).
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from ctfy_auth.credentials import resolve_request
from ctfy_auth.errors import DATABASE_ERRORS, database_unavailable
from ctfy_auth.exceptions import ClientTokenRefused, TokenScopeRequired
from ctfy_auth.permissions import view_rules_on_api_tokens, view_serves_oauth_clients
from ctfy_auth.principal import Principal

__all__ = ["BearerTokenAuthentication"]


class BearerTokenAuthentication(BaseAuthentication):
    """DRF authentication for ctfy_auth tokens: ``Authorization: Bearer pt_…``, ``pf_…``, ``po_…``.

    ``request.user`` is the token's owner and ``request.auth`` the
    :class:`~ctfy_auth.principal.Principal`. Returns ``None`` for other schemes
    so it composes with the host's other authentication classes.

    An API token (``pf_``) reaches only a view whose permissions rule on API
    tokens (:func:`ctfy_auth.permissions.view_rules_on_api_tokens`, the one rule, also
    used by the OpenAPI schema); any other view answers 403
    ``token_scope_required``, so a view that declares no scopes is never an open
    door. An OAuth client token (client credentials) reaches only a view that also sets
    ``serves_oauth_clients = True`` (:func:`ctfy_auth.permissions.view_serves_oauth_clients`).
    """

    def authenticate(self, request: Request) -> tuple[Any, Principal] | None:
        try:
            principal = resolve_request(request)
        except DATABASE_ERRORS as exc:  # the 503 of every entry point, whatever the view's handler
            view = (getattr(request, "parser_context", None) or {}).get("view")
            raise database_unavailable(exc, type(view).__name__) from exc
        if principal is None:
            return None
        if not principal.is_full_account:
            view = (getattr(request, "parser_context", None) or {}).get("view")
            if not view_rules_on_api_tokens(view):
                # The view never said what an API token may do here: refuse, never admit.
                raise TokenScopeRequired()
            if principal.acts_as_client and not view_serves_oauth_clients(view):
                # No person behind it: only views that say they serve clients admit it.
                raise ClientTokenRefused()
        return (principal.user, principal)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
