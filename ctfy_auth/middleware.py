"""Bearer tokens for plain Django views.

Place ``ctfy_auth.middleware.BearerTokenMiddleware`` **after**
``django.contrib.auth.middleware.AuthenticationMiddleware`` (system check
``ctfy_auth.E002``). For a request carrying ``Authorization: Bearer`` with a
full-account credential (a session token), ``request.user`` becomes the
token's owner, lazily, so untouched requests cost nothing. Scoped API tokens
never become ``request.user``: views that accept them declare scopes with
:func:`ctfy_auth.decorators.require_scope`, which reads the same resolution.
Every response gets ``Vary: Authorization``.

Django admin is a browser-session surface: a view of an admin site (every view
``AdminSite``/``ModelAdmin`` route, and the admin login) sees only the Django
session's user, never a bearer token's owner.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from ctfy_auth.credentials import resolve_request
from ctfy_auth.errors import DATABASE_ERRORS, database_unavailable, error_response
from ctfy_auth.exceptions import CtfyError

__all__ = ["BearerTokenMiddleware"]


def _is_admin_view(view_func: Callable[..., Any]) -> bool:
    """Whether ``view_func`` is a Django admin view (``AdminSite.get_urls`` / ``ModelAdmin``).

    Admin wraps its views with ``admin_site`` or ``model_admin`` set; the login view is
    the site's bound method.
    """
    if getattr(view_func, "admin_site", None) is not None:
        return True
    if getattr(view_func, "model_admin", None) is not None:
        return True
    owner = getattr(view_func, "__self__", None)
    return owner is not None and hasattr(owner, "admin_view") and hasattr(owner, "login_form")


#: Set on a request whose bearer credential could not be resolved: the database was unreachable.
_OUTAGE_ATTR = "_ctfy_auth_database_outage"


def _bearer_user(request: HttpRequest, fallback: Any) -> Any:
    try:
        principal = resolve_request(request)
    except CtfyError:
        principal = None
    except DATABASE_ERRORS:
        # Re-raised into the view that read request.user; process_exception answers it.
        request.__dict__[_OUTAGE_ATTR] = True
        raise
    if principal is not None and principal.is_full_account:
        return principal.user
    return fallback() if callable(fallback) else fallback


class BearerTokenMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        # Decided once and kept, as Django's MiddlewareMixin does (``async_mode``).
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def _prepare(self, request: HttpRequest) -> None:
        if "HTTP_AUTHORIZATION" not in request.META:
            return
        previous = request.__dict__.get("user")

        def fallback() -> Any:
            if previous is None:
                from django.contrib.auth.models import AnonymousUser

                return AnonymousUser()
            return previous

        request.user = SimpleLazyObject(lambda: _bearer_user(request, fallback))  # type: ignore[assignment]
        request._ctfy_auth_session_user = fallback  # type: ignore[attr-defined]

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> None:
        """Admin views see the Django session's user: a bearer token never opens them."""
        fallback = request.__dict__.get("_ctfy_auth_session_user")
        if fallback is not None and _is_admin_view(view_func):
            request.user = SimpleLazyObject(fallback)  # type: ignore[assignment]
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        """The 503 envelope when resolving the bearer credential met an unreachable database.

        The same answer as every other ctfy_auth entry point; the host's own database
        errors (no resolution failed here) are left to the host.
        """
        if request.__dict__.get(_OUTAGE_ATTR) and isinstance(exception, DATABASE_ERRORS):
            return error_response(database_unavailable(exception, "BearerTokenMiddleware"))
        return None

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.async_mode:
            return self.__acall__(request)
        self._prepare(request)
        response: HttpResponseBase = self.get_response(request)
        patch_vary_headers(response, ("Authorization",))
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        self._prepare(request)
        response: HttpResponseBase = await self.get_response(request)
        patch_vary_headers(response, ("Authorization",))
        return response
