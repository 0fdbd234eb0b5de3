"""The DRF exception handler of every ctfy_auth view: every error in the ctfy envelope.

Installed per view by :class:`ctfy_auth.api.base.CtfyAPIView` (never globally), so the
host's own ``REST_FRAMEWORK["EXCEPTION_HANDLER"]`` is left alone. The envelope itself, and the
translation of Django's and the database's failures, are :mod:`ctfy_auth.errors`, shared with the
plain-Django entry points.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from ctfy_auth.errors import ctfy_error, envelope, rendered

__all__ = ["exception_handler"]

logger = logging.getLogger("ctfy_auth.api")


def _issues(detail: Any, loc: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    """Flatten DRF's nested error detail into pydantic-like issue dicts."""
    if isinstance(detail, dict):
        return [i for key, value in detail.items() for i in _issues(value, (*loc, key))]
    if isinstance(detail, list):
        if all(isinstance(d, str) for d in detail):
            return [i for d in detail for i in _issues(d, loc)]
        return [i for n, d in enumerate(detail) for i in _issues(d, (*loc, n))]
    loc = tuple(p for p in loc if p != "non_field_errors")
    return [{"type": getattr(detail, "code", "invalid"), "loc": list(loc), "msg": str(detail)}]


def _validation_body(issues: list[dict[str, Any]]) -> dict[str, Any]:
    parts = [
        (".".join(str(p) for p in i["loc"]) + ": " if i["loc"] else "") + i["msg"] for i in issues
    ]
    return envelope("validation_error", {"message": "; ".join(parts), "issues": issues})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    headers: dict[str, str] = {}
    code: int
    body: dict[str, Any]
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    error = ctfy_error(exc, context.get("view").__class__.__name__)

    if error is not None:
        code, body, headers = rendered(error)
    elif isinstance(exc, drf.ValidationError):
        code, body = status.HTTP_422_UNPROCESSABLE_ENTITY, _validation_body(_issues(exc.detail))
    elif isinstance(exc, drf.ParseError):
        issue = {"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error"}
        code, body = status.HTTP_422_UNPROCESSABLE_ENTITY, _validation_body([issue])
    elif isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        code, body = status.HTTP_401_UNAUTHORIZED, envelope("http_401", "Not authenticated")
    elif isinstance(exc, drf.Throttled):
        message = "Rate limit exceeded"
        code, body = status.HTTP_429_TOO_MANY_REQUESTS, envelope("rate_limited", message)
        body["error"] = message
        # djangorestframework-stubs omit Throttled.wait, which __init__ sets (None or an int).
        wait: int | None = exc.wait  # type: ignore[attr-defined]
        if wait:
            headers["Retry-After"] = str(int(wait))
    elif isinstance(exc, drf.APIException):
        code = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
        body = envelope(f"http_{code}", str(detail))
    else:
        logger.exception("Unhandled error in %s", context.get("view").__class__.__name__)
        code, body = (
            status.HTTP_500_INTERNAL_SERVER_ERROR,
            envelope("internal_error", "Internal server error"),
        )

    if code == status.HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    set_rollback()
    return Response(body, status=code, headers=headers)
