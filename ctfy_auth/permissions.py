"""DRF permission classes. Every decision asks the request's Principal.

``request.auth`` is the :class:`~ctfy_auth.principal.Principal` set by
:class:`~ctfy_auth.authentication.BearerTokenAuthentication`. A request with no
credential gets DRF's 401; a credential of the wrong kind gets a 403 that
names what is needed.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ctfy_auth.constants import CredentialKind
from ctfy_auth.exceptions import TokenScopeRequired, UserSessionRequired
from ctfy_auth.principal import Principal

__all__ = ["IsFullAccount", "IsUserSession", "get_principal"]


def get_principal(request: Request) -> Principal | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Principal) else None


class IsUserSession(BasePermission):
    """Only a user session (``pt_``) passes: every /auth management route, /me/reauthenticate."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = get_principal(request)
        if principal is None:
            return False
        if principal.credential_kind != CredentialKind.SESSION or not principal.user.is_active:
            raise UserSessionRequired()
        return True


class IsFullAccount(BasePermission):
    """Credentials that carry the whole account; scoped tokens get 403 ``token_scope_required``."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = get_principal(request)
        if principal is None:
            return False
        if not principal.is_full_account or not principal.user.is_active:
            raise TokenScopeRequired()
        return True
