"""OAuth scopes: the catalog's ``category:level`` pairs plus the OpenID Connect scopes.

One vocabulary serves API tokens and OAuth clients (DESIGN §5): ``challenges:read`` is the
scope an OAuth client asks for and the permission an API token carries. ``write`` implies
``read`` here as everywhere. :class:`CatalogScopes` is DOT's ``SCOPES_BACKEND_CLASS``; it
never answers "every scope" for a client: a client gets at most what its policy allows
(``ctfy_auth.models.OAuthClientPolicy.scopes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from oauth2_provider.scopes import BaseScopes

from ctfy_auth import scopes
from ctfy_auth.models import OAuthClientPolicy

__all__ = [
    "OIDC_SCOPES",
    "CatalogScopes",
    "all_scopes",
    "allowed_scopes",
    "clamp_to",
    "permissions_from_scopes",
    "policy_of",
    "scope_string",
]

#: OpenID Connect scopes, in the order discovery lists them. They name claims and refresh
#: tokens, never a permission.
OIDC_SCOPES: tuple[str, ...] = ("openid", "profile", "email", "offline_access")
#: Scopes a client must ask for by name; a request without ``scope`` never gets them.
_ASK_BY_NAME = frozenset({"openid", "offline_access"})


def _oidc_labels() -> dict[str, str]:
    return {
        "openid": _("Sign you in with your account"),
        "profile": _("Read your name and picture"),
        "email": _("Read your email address"),
        "offline_access": _("Stay signed in (refresh tokens)"),
    }


def all_scopes() -> dict[str, str]:
    """Every scope this server knows, with a label: ``category:level`` in catalog order."""
    out: dict[str, str] = {}
    for entry in scopes.catalog():
        key, label = str(entry["key"]), str(entry.get("label") or entry["key"])
        top = scopes.level_rank(str(entry.get("max_level", "write")))
        for level in scopes.REQUIRABLE_LEVELS:
            if scopes.level_rank(level) <= top:
                out[f"{key}:{level}"] = f"{label} ({level})"
    out.update(_oidc_labels())
    return out


def _implied(scope: str) -> set[str]:
    """``scope`` and what it implies (``x:write`` implies ``x:read``)."""
    category, sep, level = scope.partition(":")
    if sep and level == "write":
        return {scope, f"{category}:read"}
    return {scope}


def clamp_to(requested: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The requested scopes that ``allowed`` covers, in request order, without repeats.

    Only lowers: a scope outside ``allowed`` (or unknown) is dropped, never widened.
    """
    known = all_scopes()
    covered: set[str] = set()
    for scope in allowed:
        covered |= _implied(scope)
    out: list[str] = []
    for scope in requested:
        if scope in known and scope in covered and scope not in out:
            out.append(scope)
    return out


def policy_of(application: Any) -> OAuthClientPolicy | None:
    """The client's policy row, or ``None`` (a client without one may do nothing)."""
    if application is None:
        return None
    try:
        policy: OAuthClientPolicy = application.ctfy_policy
    except OAuthClientPolicy.DoesNotExist:
        return None
    return policy


def allowed_scopes(application: Any) -> list[str]:
    """The scopes ``application`` may be given (its policy ∩ the known scopes)."""
    policy = policy_of(application)
    if policy is None:
        return []
    known = all_scopes()
    return [s for s in dict.fromkeys(policy.scopes or ()) if s in known]


def permissions_from_scopes(scope: str) -> dict[str, str]:
    """The dense category → level map that an OAuth token's ``scope`` string grants.

    The highest level named per category, clamped to the catalog's ``max_level``; OpenID
    Connect scopes and unknown words grant nothing.
    """
    wanted: dict[str, str] = {}
    for word in scope.split():
        category, sep, level = word.partition(":")
        if sep and scopes.level_rank(level) > scopes.level_rank(wanted.get(category, "none")):
            wanted[category] = level
    return scopes.clamp(wanted)


def scope_string(permissions: dict[str, str]) -> str:
    """``permissions`` as a space-separated scope string (``none`` left out)."""
    return " ".join(f"{k}:{v}" for k, v in permissions.items() if v != "none")


class CatalogScopes(BaseScopes):
    """DOT's scopes backend (``OAUTH2_PROVIDER["SCOPES_BACKEND_CLASS"]``).

    * ``get_all_scopes``: the catalog's scopes and the OpenID Connect ones;
    * ``get_available_scopes``: what the client's policy allows (everything known when DOT
      asks without a client, e.g. for discovery);
    * ``get_default_scopes``: for a request without ``scope``, the client's allowed scopes
      except ``openid`` and ``offline_access``, which must be asked for. Never DOT's
      ``"__all__"``.
    """

    def get_all_scopes(self) -> dict[str, str]:
        return all_scopes()

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if application is None:
            return list(all_scopes())
        return allowed_scopes(application)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return [s for s in allowed_scopes(application) if s not in _ASK_BY_NAME]
