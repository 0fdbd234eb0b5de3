"""Bearer tokens for plain Django views.

Place ``ctfy_auth.middleware.BearerTokenMiddleware`` **after**
``django.contrib.auth.middleware.AuthenticationMiddleware`` (system check
``ctfy_auth.E002``). For a request carrying ``Authorization: Bearer`` with a
full-account credential (a session token), ``request.user`` becomes the
token's owner, lazily, so untouched requests cost nothing. Scoped API tokens
never become ``request.user``: views that accept them declare scopes with
:func:`ctfy_auth.decorators.require_scope`, which reads the same resolution.
Every response gets ``Vary: Authorization``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

from ctfy_auth.authentication import resolve_request
from ctfy_auth.exceptions import CtfyError

__all__ = ["BearerTokenMiddleware"]


def _bearer_user(request: HttpRequest, fallback: Any) -> Any:
    try:
        principal = resolve_request(request)
    except CtfyError:
        principal = None
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
