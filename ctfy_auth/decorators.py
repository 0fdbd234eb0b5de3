"""Scope enforcement for plain Django function views.

DRF views use :class:`ctfy_auth.permissions.HasScopes`; plain views use
:func:`require_scope`. Both resolve the credential with
:func:`ctfy_auth.credentials.resolve_request` and decide with
:func:`ctfy_auth.permissions.check_scopes`, so a token gets the same verdict and
the same error from either.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers

from ctfy_auth.credentials import resolve_request
from ctfy_auth.errors import ctfy_error, error_response
from ctfy_auth.exceptions import ClientTokenRefused, NotAuthenticated
from ctfy_auth.permissions import check_scopes, validated_required_scopes
from ctfy_auth.scopes import REQUIRABLE_LEVELS

__all__ = ["require_scope"]

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def require_scope(
    category: str, level: str, *, resource_kwarg: str | None = None, clients: bool = False
) -> Callable[[_View], _View]:
    """Let a plain Django view through only for a credential that may act on ``category:level``.

    * No bearer credential (or another scheme) → 401 ``http_401`` "Not
      authenticated" with ``WWW-Authenticate: Bearer realm="api"``; a bad one →
      its 403 (``Invalid or revoked token``, ``Token has expired``).
    * Sessions pass. API tokens need the level (403 ``token_missing_scope``) and,
      for a resource-scoped category, the resource named by the URL keyword
      argument ``resource_kwarg`` (403 ``token_competition_forbidden``); without
      ``resource_kwarg`` the resource is empty, which only ``all`` access passes.
    * An OAuth client token (client credentials, no person behind it) → 403
      ``token_scope_required`` unless ``clients=True``; a view that serves clients must not
      read ``principal.user``.
    * The database unreachable while the credential is resolved → 503
      ``service_unavailable``, as on the DRF views.

    Errors are ctfy JSON envelopes; every response gets ``Vary: Authorization``.
    Only ctfy_auth bearer credentials count: a Django login cookie does not.
    Stack one decorator per category (the outermost is checked first); the
    credential is resolved once per request. Inside the view,
    :func:`ctfy_auth.get_principal` returns the same
    :class:`~ctfy_auth.principal.Principal` at no cost. For sync views only
    (decorating a coroutine function raises ``ImproperlyConfigured``); DRF
    views use :class:`~ctfy_auth.permissions.HasScopes`.

    ``level`` is checked when decorating; ``category`` against
    ``CTFY_AUTH["SCOPE_CATALOG"]`` on each request (settings are never read at
    import time), raising ``ImproperlyConfigured`` when it is not there.

    Example::

        @require_scope("scoreboard", "read", resource_kwarg="competition_id")
        def scoreboard(request, competition_id):
            user = get_principal(request).user
            ...
    """
    if level not in REQUIRABLE_LEVELS:
        raise ImproperlyConfigured(
            f"require_scope({category!r}, {level!r}): a required level is 'read' or 'write'."
        )

    def decorator(view_func: _View) -> _View:
        if iscoroutinefunction(view_func):
            raise ImproperlyConfigured("require_scope decorates synchronous views only.")
        owner = getattr(view_func, "__qualname__", repr(view_func))

        @functools.wraps(view_func)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            required_scopes = validated_required_scopes({category: level}, owner)
            resource_id = None
            if resource_kwarg is not None:
                if resource_kwarg not in kwargs:
                    raise ImproperlyConfigured(
                        f"{owner}: require_scope(resource_kwarg={resource_kwarg!r}), "
                        "but the URL passes no such argument."
                    )
                resource_id = str(kwargs[resource_kwarg])
            response: HttpResponseBase
            try:
                principal = resolve_request(request)
                if principal is None:
                    raise NotAuthenticated()
                if principal.acts_as_client and not clients:
                    raise ClientTokenRefused()
                check_scopes(principal, required_scopes, resource_id)
            except Exception as exc:
                error = ctfy_error(exc, owner)
                if error is None:
                    raise
                response = error_response(error)
            else:
                response = view_func(request, *args, **kwargs)
            patch_vary_headers(response, ("Authorization",))
            return response

        return wrapped  # type: ignore[return-value]

    return decorator
