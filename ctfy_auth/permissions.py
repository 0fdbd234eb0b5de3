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
* :class:`IsAdmin`, :class:`IsSuperAdmin` — the owner's role; they do not rule on
  API tokens, so pair them with :class:`IsUserSession`.

Composition: like DRF's and django-oauth-toolkit's classes, these return ``False`` and
set ``message`` and ``code`` (and :attr:`CtfyPermission.error`, the ctfy_auth error
that explains the refusal), so ``&``, ``|`` and ``~`` work as DRF defines them.
:func:`evaluate` walks a composed permission the way DRF does and returns the error
of the refusal that decided (:class:`~ctfy_auth.api.base.CtfyAPIView` answers it in
the envelope).

Whether a view lets API tokens reach its permissions at all is one rule,
:func:`view_rules_on_api_tokens`, asked by
:class:`~ctfy_auth.authentication.BearerTokenAuthentication` and by the OpenAPI
schema: a class marked ``rules_on_api_tokens = True`` (:class:`HasScopes`,
:class:`IsFullAccount`, :class:`IsUserSession`) rules; ``a & b`` rules when either
operand does, ``a | b`` only when both do (otherwise the other operand could admit
a token nobody judged: ``IsAuthenticated | HasScopes``), ``~a`` never does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import AND, NOT, OR, BasePermission
from rest_framework.request import Request

from ctfy_auth import scopes
from ctfy_auth.constants import ADMIN_ROLES, CredentialKind, Role
from ctfy_auth.exceptions import (
    AdminPrivilegesRequired,
    CtfyError,
    InvalidToken,
    SuperAdminPrivilegesRequired,
    TokenMissingScope,
    TokenResourceForbidden,
    TokenScopeRequired,
    UserSessionRequired,
)
from ctfy_auth.principal import Principal
from ctfy_auth.scopes import LEVELS, REQUIRABLE_LEVELS

__all__ = [
    "CtfyPermission",
    "HasScopes",
    "IsAdmin",
    "IsFullAccount",
    "IsSuperAdmin",
    "IsUserSession",
    "Verdict",
    "check_scopes",
    "evaluate",
    "validated_required_scopes",
    "view_rules_on_api_tokens",
    "view_serves_oauth_clients",
]


def _principal_of(request: Request) -> Principal | None:
    """``request.auth`` when it is our Principal. Hosts use :func:`ctfy_auth.get_principal`."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Principal) else None


# --- the rule: which views let API tokens reach their permissions ---------------------------


def view_rules_on_api_tokens(view: Any) -> bool:
    """Whether ``view``'s permissions rule on API tokens, so an API token may reach them.

    The one rule, asked by :class:`~ctfy_auth.authentication.BearerTokenAuthentication`
    (an API token at a view that does not rule on it is refused with 403
    ``token_scope_required``, never admitted) and by the OpenAPI schema (which routes list
    the ``apiToken`` scheme). The permission list is an AND, so the view rules when one
    of its permissions does; a permission rules when:

    * it is a class marked ``rules_on_api_tokens = True`` (:class:`HasScopes`,
      :class:`IsFullAccount`, :class:`IsUserSession`; a host's own class may set it when it
      never returns ``True`` for an API token it has not judged);
    * ``a & b``: either operand rules (both must admit, so the ruling one decides);
    * ``a | b``: both operands rule (either may admit alone, so each must judge);
    * ``~a``: never (it admits what ``a`` refuses).

    A view without ``get_permissions`` (not a DRF view) does not rule. Makes no query.
    """
    get_permissions = getattr(view, "get_permissions", None)
    if get_permissions is None:
        return False
    return any(_rules_on_api_tokens(permission) for permission in get_permissions())


def _rules_on_api_tokens(permission: Any) -> bool:
    if isinstance(permission, AND):
        first, second = _operands(permission)
        return _rules_on_api_tokens(first) or _rules_on_api_tokens(second)
    if isinstance(permission, OR):
        first, second = _operands(permission)
        return _rules_on_api_tokens(first) and _rules_on_api_tokens(second)
    if isinstance(permission, NOT):
        return False
    return bool(getattr(permission, "rules_on_api_tokens", False))


def _operands(permission: AND | OR | NOT) -> tuple[Any, Any]:
    # The stubs leave out the operands DRF keeps in op1 / op2 (NOT has no op2).
    return getattr(permission, "op1", None), getattr(permission, "op2", None)


def view_serves_oauth_clients(view: Any) -> bool:
    """Whether ``view`` admits OAuth client tokens (client credentials, no person behind them).

    Only a view that says so with ``serves_oauth_clients = True`` does: a client has no user
    row to write as or read from, so every other view refuses it (403 ``token_scope_required``)
    before its permissions run. Such a view must read only ``principal.allows(...)`` and
    ``principal.client_id``, never ``principal.user``. Makes no query.
    """
    return getattr(view, "serves_oauth_clients", False) is True


# --- evaluating a composed permission, with the refusal that decided -------------------------


class Verdict(NamedTuple):
    """What a (composed) permission decided, and the ctfy_auth error that explains a refusal."""

    admitted: bool
    error: CtfyError | None = None


def evaluate(permission: Any, request: Request, view: Any) -> Verdict:
    """Evaluate ``permission`` exactly as DRF does (same order, same short-circuits).

    The verdict carries the error of the refusal that decided it, so a composed permission
    refuses with the same envelope as its operand would alone: ``a & b`` reports the
    operand that refused; ``a | b`` reports ``b``'s refusal when it has one, else ``a``'s
    (the last one evaluated); ``~a`` has none (``a`` admitted). A refusal by a class that is
    not a :class:`CtfyPermission` has none either: the caller answers DRF's generic 403.
    """
    if isinstance(permission, AND | OR | NOT):
        first_operand, second_operand = _operands(permission)
        first = evaluate(first_operand, request, view)
        if isinstance(permission, NOT):
            return Verdict(not first.admitted)
        if first.admitted != isinstance(permission, AND):  # AND refused, or OR admitted
            return first
        second = evaluate(second_operand, request, view)
        return second if second.admitted else Verdict(False, second.error or first.error)
    if isinstance(permission, CtfyPermission):
        permission.error = None
        admitted = bool(permission.has_permission(request, view))
        return Verdict(admitted, None if admitted else permission.error)
    return Verdict(bool(permission.has_permission(request, view)))


# --- the classes ---------------------------------------------------------------------------


class CtfyPermission(BasePermission):
    """Base of ctfy_auth's permission classes: refusals return ``False`` and say why.

    A refusal sets ``message`` and ``code`` (what DRF's ``permission_denied`` reads, so a
    host's own ``APIView`` answers ``{"detail": message}`` with the status of the error)
    and :attr:`error`, the ctfy_auth error with its context, which
    :class:`~ctfy_auth.api.base.CtfyAPIView` renders in the envelope, composed or not.
    A request without a ctfy_auth credential gets a plain ``False`` (DRF answers 401, or
    403 when another authentication class authenticated it).
    """

    #: Whether this class judges API tokens itself (see :func:`view_rules_on_api_tokens`).
    rules_on_api_tokens: ClassVar[bool] = False
    message: str | None = None
    code: str | None = None
    #: The error of the last refusal; ``None`` after an admission or a plain ``False``.
    error: CtfyError | None = None

    def refuse(self, error: CtfyError) -> bool:
        """Record ``error`` as the reason, and return ``False``."""
        self.error, self.message, self.code = error, str(error.detail), error.code
        return False


class IsUserSession(CtfyPermission):
    """Only a user session (``pt_``) passes: every /auth management route, /me/reauthenticate."""

    rules_on_api_tokens = True

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = _principal_of(request)
        if principal is None:
            return False
        if principal.credential_kind != CredentialKind.SESSION or not principal.user.is_active:
            return self.refuse(UserSessionRequired())
        return True


class IsFullAccount(CtfyPermission):
    """Credentials that carry the whole account; scoped tokens get 403 ``token_scope_required``."""

    rules_on_api_tokens = True

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = _principal_of(request)
        if principal is None:
            return False
        if not principal.is_full_account or not principal.user.is_active:
            return self.refuse(TokenScopeRequired())
        return True


def check_scopes(
    principal: Principal,
    required_scopes: Mapping[str, str],
    resource_id: str | None = None,
    *,
    resource_gate: bool = True,
) -> None:
    """Return when ``principal`` meets every need; otherwise raise the ctfy 403 that explains why.

    ``required_scopes`` maps category to level (``{"submissions": "write"}``). The verdict
    is :meth:`Principal.allows(category, level, resource_id)
    <ctfy_auth.principal.Principal.allows>` for each entry; this function only
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
    error = _scope_refusal(principal, required_scopes, resource_id, resource_gate)
    if error is not None:
        raise error


def _scope_refusal(
    principal: Principal,
    required_scopes: Mapping[str, str],
    resource_id: str | None,
    resource_gate: bool,
) -> CtfyError | None:
    denied = [
        (c, lvl) for c, lvl in required_scopes.items() if not principal.allows(c, lvl, resource_id)
    ]
    if not denied:
        return None
    if not principal.holder_is_active:  # authentication refuses these first; fail closed anyway
        return InvalidToken(_("This account is disabled."))
    for category, level in denied:
        granted = principal.permissions.get(category, "none")
        if scopes.level_rank(granted) < scopes.level_rank(level):
            return TokenMissingScope(
                category=category, level=level, granted=granted if granted in LEVELS else "none"
            )
    if resource_gate:
        return TokenResourceForbidden(
            resource_id=resource_id, resource_access=principal.resource_access
        )
    return None


def validated_required_scopes(required_scopes: Any, owner: str) -> dict[str, str]:
    """``needs`` as a dict, or ``ImproperlyConfigured``: a bad declaration never opens a door.

    ``owner`` names the view or function in the message. Checks that ``required_scopes`` is a
    non-empty mapping of catalog categories to a level of :data:`REQUIRABLE_LEVELS` that
    the category's ``max_level`` allows. Read at request time, because the catalog is a
    setting. Shared by :class:`HasScopes` and :func:`ctfy_auth.decorators.require_scope`.
    """
    if not isinstance(required_scopes, Mapping) or not required_scopes:
        raise ImproperlyConfigured(
            f"{owner} uses HasScopes but declares no scopes. Set required_scopes = "
            '{"<category>": "read" | "write"} or define get_required_scopes(); a view that '
            "accepts no API token uses IsFullAccount instead."
        )
    max_levels = {str(e["key"]): str(e.get("max_level", "write")) for e in scopes.catalog()}
    for category, level in required_scopes.items():
        if category not in max_levels:
            raise ImproperlyConfigured(
                f"{owner} requires scope category {category!r}, which is not in "
                f"CTFY_AUTH['SCOPE_CATALOG'] ({', '.join(max_levels) or 'empty'})."
            )
        if level not in REQUIRABLE_LEVELS:
            raise ImproperlyConfigured(
                f"{owner} requires {category}:{level}; a required level is 'read' or 'write'."
            )
        if scopes.level_rank(level) > scopes.level_rank(max_levels[category]):
            raise ImproperlyConfigured(
                f"{owner} requires {category}:{level}, but no token can be granted more than "
                f"{category}:{max_levels[category]} (the catalog's max_level)."
            )
    return dict(required_scopes)


class HasScopes(CtfyPermission):
    """The view declares its scopes; sessions pass, API tokens need every declared level.

    The view declares, read per request:

    * ``required_scopes = {"challenges": "read", ...}`` (category → ``read`` or
      ``write``), or a ``get_required_scopes(self) -> dict`` method for scopes
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

    API tokens are refused (``False``, with :attr:`~CtfyPermission.error`) with 403
    ``token_missing_scope`` (a level is short) or ``token_competition_forbidden`` (the
    resource gate); see :func:`check_scopes`. A request without a ctfy_auth credential
    gets ``False`` (DRF answers 401 when no authenticator succeeded). Subclasses may
    override :meth:`get_required_scopes` and :meth:`get_resource_id`.

    Example::

        class ChallengeList(CtfyAPIView):
            permission_classes = [HasScopes]
            required_scopes = {"challenges": "read"}
            scope_resource_kwarg = "competition_id"
    """

    rules_on_api_tokens = True

    def has_permission(self, request: Request, view: Any) -> bool:
        required_scopes = self.get_required_scopes(view)
        gate = bool(getattr(view, "scope_resource_gate", True))
        resource_id = self.get_resource_id(view)
        if not gate and resource_id is not None:
            raise ImproperlyConfigured(
                f"{type(view).__name__} names a resource but sets scope_resource_gate = False."
            )
        principal = _principal_of(request)
        if principal is None:
            return False
        error = _scope_refusal(principal, required_scopes, resource_id, gate)
        return True if error is None else self.refuse(error)

    def get_required_scopes(self, view: Any) -> dict[str, str]:
        """The view's validated ``get_required_scopes()`` or ``required_scopes``."""
        hook = getattr(view, "get_required_scopes", None)
        declared = hook() if callable(hook) else getattr(view, "required_scopes", None)
        return validated_required_scopes(declared, type(view).__name__)

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


class IsAdmin(CtfyPermission):
    """The credential's owner is ``admin`` or ``super_admin``. Put after :class:`IsUserSession`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = _principal_of(request)
        if principal is None:
            return False
        if principal.user.role not in ADMIN_ROLES:
            return self.refuse(AdminPrivilegesRequired())
        return True


class IsSuperAdmin(CtfyPermission):
    """The credential's owner is ``super_admin``. Put after :class:`IsUserSession`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = _principal_of(request)
        if principal is None:
            return False
        if principal.user.role != Role.SUPER_ADMIN:
            return self.refuse(SuperAdminPrivilegesRequired())
        return True
