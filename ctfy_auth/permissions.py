"""DRF permission classes. Every decision asks the request's Principal.

``request.auth`` is the :class:`~ctfy_auth.principal.Principal` set by
:class:`~ctfy_auth.authentication.BearerTokenAuthentication`. A request with no
credential gets DRF's 401; a credential of the wrong kind gets a 403 that
names what is needed.

Which class for which view:

* :class:`HasScopes` — the view declares the scopes it needs
  (``required_scopes = {"challenges": "read"}``); sessions pass, API tokens
  pass when they hold every declared level (and, for resource-scoped
  categories, the resource the URL names).
* :class:`IsFullAccount` — the view declares no scopes: sessions pass, API
  tokens get 403 ``token_scope_required`` (ctfy wire §3.9). Use it on every
  host view that does not opt into scopes.
* :class:`IsUserSession` — session tokens only (ctfy_auth's own /auth routes).

Composition: these classes *raise* their descriptive 403s (``token_missing_scope``,
``token_competition_forbidden``, ``token_scope_required``) instead of returning
``False``, so the client learns what is missing. Combine them with ``&``. Inside
``|`` a raise short-circuits: ``IsFullAccount | HasScopes`` refuses every API
token at ``IsFullAccount``; ``HasScopes | Other`` reaches ``Other`` only for
requests that carry no ctfy_auth credential (anonymous, or authenticated by
another class), because for those ``HasScopes`` returns ``False``. Do not
negate them with ``~``. Put ours first in ``|``: ``IsAuthenticated | HasScopes``
would admit any API token at ``IsAuthenticated``, so
:class:`~ctfy_auth.authentication.BearerTokenAuthentication` refuses API tokens
(403 ``token_scope_required``) on a view whose permissions do not rule on them
alone, inside ``&`` or first in ``|``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ctfy_auth import scopes
from ctfy_auth.constants import ADMIN_ROLES, CredentialKind, Role
from ctfy_auth.exceptions import (
    AdminPrivilegesRequired,
    InvalidToken,
    SuperAdminPrivilegesRequired,
    TokenMissingScope,
    TokenResourceForbidden,
    TokenScopeRequired,
    UserSessionRequired,
)
from ctfy_auth.principal import LEVELS, Principal

__all__ = [
    "HasScopes",
    "IsAdmin",
    "IsFullAccount",
    "IsSuperAdmin",
    "IsUserSession",
    "check_scopes",
    "get_principal",
]

#: Levels a view may require; requiring ``none`` would admit every token.
_REQUIRABLE_LEVELS = ("read", "write")


def get_principal(request: Request) -> Principal | None:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Principal) else None


class IsUserSession(BasePermission):
    """Only a user session (``pt_``) passes: every /auth management route, /me/reauthenticate."""

    decides_scoped_tokens = True

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = get_principal(request)
        if principal is None:
            return False
        if principal.credential_kind != CredentialKind.SESSION or not principal.user.is_active:
            raise UserSessionRequired()
        return True


class IsFullAccount(BasePermission):
    """Credentials that carry the whole account; scoped tokens get 403 ``token_scope_required``."""

    decides_scoped_tokens = True

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = get_principal(request)
        if principal is None:
            return False
        if not principal.is_full_account or not principal.user.is_active:
            raise TokenScopeRequired()
        return True


def check_scopes(
    principal: Principal,
    needs: Mapping[str, str],
    resource_id: str | None = None,
    *,
    resource_gate: bool = True,
) -> None:
    """Return when ``principal`` meets every need; otherwise raise the ctfy 403 that explains why.

    ``needs`` maps category to level (``{"submissions": "write"}``). The verdict
    is :meth:`Principal.allows(category, level, resource_id)
    <ctfy_auth.principal.Principal.allows>` for each need; this function only
    chooses the error for a refusal, in ctfy's order (wire §3.9): every level
    first (:class:`~ctfy_auth.exceptions.TokenMissingScope`, detail ``required``
    and ``granted``), then the resource gate
    (:class:`~ctfy_auth.exceptions.TokenResourceForbidden`, detail
    ``competition_id`` and ``competition_access``). Full-account credentials meet
    every need. With ``resource_gate=False`` only the levels are enforced, for a
    view that spans several resources and filters them itself with
    ``principal.allows``. Makes no query. Shared by :class:`HasScopes` and
    :func:`ctfy_auth.decorators.require_scope`; call it in a handler too, when
    the resource is only known after loading an object or reading the body.
    """
    denied = [(c, lvl) for c, lvl in needs.items() if not principal.allows(c, lvl, resource_id)]
    if not denied:
        return
    if not principal.user.is_active:  # authentication refuses these first; fail closed anyway
        raise InvalidToken(_("This account is disabled."))
    for category, level in denied:
        granted = principal.grants.get(category, "none")
        if scopes.level_rank(granted) < scopes.level_rank(level):
            raise TokenMissingScope(
                category=category, level=level, granted=granted if granted in LEVELS else "none"
            )
    if resource_gate:
        raise TokenResourceForbidden(
            resource_id=resource_id, resource_access=principal.resource_access
        )


def _validated_needs(needs: Any, owner: str) -> dict[str, str]:
    """``needs`` as a dict, or ``ImproperlyConfigured``: a bad declaration never opens a door.

    Read at request time, because the catalog is a setting.
    """
    if not isinstance(needs, Mapping) or not needs:
        raise ImproperlyConfigured(
            f"{owner} uses HasScopes but declares no scopes. Set required_scopes = "
            '{"<category>": "read" | "write"} or define get_required_scopes(); a view that '
            "accepts no API token uses IsFullAccount instead."
        )
    max_levels = {str(e["key"]): str(e.get("max_level", "write")) for e in scopes.catalog()}
    for category, level in needs.items():
        if category not in max_levels:
            raise ImproperlyConfigured(
                f"{owner} requires scope category {category!r}, which is not in "
                f"CTFY_AUTH['SCOPE_CATALOG'] ({', '.join(max_levels) or 'empty'})."
            )
        if level not in _REQUIRABLE_LEVELS:
            raise ImproperlyConfigured(
                f"{owner} requires {category}:{level}; a required level is 'read' or 'write'."
            )
        if scopes.level_rank(level) > scopes.level_rank(max_levels[category]):
            raise ImproperlyConfigured(
                f"{owner} requires {category}:{level}, but no token can be granted more than "
                f"{category}:{max_levels[category]} (the catalog's max_level)."
            )
    return dict(needs)


class HasScopes(BasePermission):
    """The view declares its scopes; sessions pass, API tokens need every declared level.

    The view declares, read per request:

    * ``required_scopes = {"challenges": "read", ...}`` (category → ``read`` or
      ``write``), or a ``get_required_scopes(self) -> dict`` method for needs
      that depend on the action or method. A view without a declaration, or
      with an empty one, an unknown category or a level the catalog cannot
      grant, raises ``ImproperlyConfigured``: a missing declaration is never an
      open door. Views that accept no API token use :class:`IsFullAccount`.
    * which resource a resource-scoped category applies to:
      ``scope_resource_kwarg = "competition_id"`` (a URL keyword argument), or a
      ``get_scope_resource_id(self) -> str | None`` method. With neither, the
      resource is empty, which only ``all`` access passes (wire §3.9).
    * ``scope_resource_gate = False`` for a view that spans several resources
      (a list): only the levels are checked here and the view filters its
      results with ``principal.allows(category, level, resource_id)``. It cannot
      be combined with a resource id (``ImproperlyConfigured``).

    API tokens are refused with 403 ``token_missing_scope`` (a level is short)
    or ``token_competition_forbidden`` (the resource gate); see
    :func:`check_scopes`. A request without a ctfy_auth credential gets
    ``False`` (DRF answers 401 when no authenticator succeeded). Subclasses may
    override :meth:`get_required_scopes` and :meth:`get_resource_id`.

    Example::

        class ChallengeList(CtfyAPIView):
            permission_classes = [HasScopes]
            required_scopes = {"challenges": "read"}
            scope_resource_kwarg = "competition_id"
    """

    decides_scoped_tokens = True

    def has_permission(self, request: Request, view: Any) -> bool:
        needs = self.get_required_scopes(view)
        gate = bool(getattr(view, "scope_resource_gate", True))
        resource_id = self.get_resource_id(view)
        if not gate and resource_id is not None:
            raise ImproperlyConfigured(
                f"{type(view).__name__} names a resource but sets scope_resource_gate = False."
            )
        principal = get_principal(request)
        if principal is None:
            return False
        check_scopes(principal, needs, resource_id, resource_gate=gate)
        return True

    def get_required_scopes(self, view: Any) -> dict[str, str]:
        """The view's validated ``get_required_scopes()`` or ``required_scopes``."""
        hook = getattr(view, "get_required_scopes", None)
        needs = hook() if callable(hook) else getattr(view, "required_scopes", None)
        return _validated_needs(needs, type(view).__name__)

    def get_resource_id(self, view: Any) -> str | None:
        """The view's ``get_scope_resource_id()``, else the URL kwarg ``scope_resource_kwarg``."""
        hook = getattr(view, "get_scope_resource_id", None)
        if callable(hook):
            value = hook()
            return None if value is None else str(value)
        kwarg = getattr(view, "scope_resource_kwarg", None)
        if kwarg is None:
            return None
        kwargs = getattr(view, "kwargs", None) or {}
        if kwarg not in kwargs:
            raise ImproperlyConfigured(
                f"{type(view).__name__}.scope_resource_kwarg is {kwarg!r}, "
                "but the URL passes no such argument."
            )
        return str(kwargs[kwarg])


class IsAdmin(BasePermission):
    """The credential's owner is ``admin`` or ``super_admin``. Put after :class:`IsUserSession`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = get_principal(request)
        if principal is None:
            return False
        if principal.user.role not in ADMIN_ROLES:
            raise AdminPrivilegesRequired()
        return True


class IsSuperAdmin(BasePermission):
    """The credential's owner is ``super_admin``. Put after :class:`IsUserSession`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = get_principal(request)
        if principal is None:
            return False
        if principal.user.role != Role.SUPER_ADMIN:
            raise SuperAdminPrivilegesRequired()
        return True
