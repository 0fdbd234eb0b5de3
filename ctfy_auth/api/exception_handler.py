"""The ctfy error envelope for every response a ctfy_auth view produces.

``{"code": str, "detail": str | object, "timestamp": ISO-8601 UTC}``. Installed
per view by :class:`ctfy_auth.api.base.CtfyAPIView` (never globally), so the
host's own ``REST_FRAMEWORK["EXCEPTION_HANDLER"]`` is left alone.

:func:`ctfy_error` is the one place that turns what Django and the database
raise (an unreachable database, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``) into
ctfy_auth errors; the DRF handler here, :func:`ctfy_auth.decorators.require_scope`,
the device pages and :class:`~ctfy_auth.authentication.BearerTokenAuthentication`
all ask it, so every entry point answers one failure with one envelope.
:func:`error_response` renders an error for a plain Django view, and
:func:`answer_database_outages` wraps one (the device pages) to answer an
unreachable database with it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponseBase, JsonResponse
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from ctfy_auth.exceptions import (
    CtfyError,
    RateLimited,
    RequestTooLarge,
    ServiceUnavailable,
)

__all__ = [
    "DATABASE_ERRORS",
    "answer_database_outages",
    "ctfy_error",
    "database_unavailable",
    "envelope",
    "error_response",
    "exception_handler",
]

logger = logging.getLogger("ctfy_auth.api")

#: What Django raises when the database cannot be reached (or the connection broke).
DATABASE_ERRORS = (OperationalError, InterfaceError)

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def envelope(code: str, detail: Any) -> dict[str, Any]:
    return {"code": code, "detail": detail, "timestamp": datetime.now(UTC).isoformat()}


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


def database_unavailable(exc: BaseException, where: str) -> ServiceUnavailable:
    """Log ``exc`` (the database is unreachable) with its traceback; the 503 to answer instead."""
    logger.error("Database unavailable in %s", where, exc_info=exc)
    return ServiceUnavailable()


def ctfy_error(exc: BaseException, where: str) -> CtfyError | None:
    """The ctfy_auth error that answers ``exc`` at a ctfy_auth entry point; ``None`` if none does.

    A :class:`CtfyError` is itself. An unreachable database (``OperationalError``,
    ``InterfaceError``) is :class:`ServiceUnavailable` (503 ``service_unavailable``), logged
    with its traceback on ``ctfy_auth.api`` as "Database unavailable in <where>". A body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's ``RequestDataTooBig``, raised when the body is
    read) is :class:`RequestTooLarge` (413 ``request_too_large``); any other
    ``SuspiciousOperation`` is a 400 ``http_400``. Both are logged, without a traceback, on
    Django's ``django.security.<name>`` logger.
    """
    if isinstance(exc, CtfyError):
        return exc
    if isinstance(exc, DATABASE_ERRORS):
        return database_unavailable(exc, where)
    if isinstance(exc, SuspiciousOperation):
        logging.getLogger(f"django.security.{type(exc).__name__}").warning("%s", exc)
        if isinstance(exc, RequestDataTooBig):
            return RequestTooLarge(max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return CtfyError()
    return None


def _rendered(error: CtfyError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, envelope and headers of ``error``, for DRF and plain Django views alike."""
    headers: dict[str, str] = {}
    body = envelope(error.code, error.payload)
    if isinstance(error, RateLimited):
        body["error"] = str(error.payload)  # ctfy's 429 body key, which the SDK shows
        headers["Retry-After"] = str(error.retry_after)
    if error.status_code == status.HTTP_401_UNAUTHORIZED:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return error.status_code, body, headers


def error_response(error: CtfyError) -> JsonResponse:
    """``error`` in the envelope, for a plain Django view (a ``JsonResponse``)."""
    code, body, headers = _rendered(error)
    response = JsonResponse(body, status=code)
    for name, value in headers.items():
        response[name] = value
    return response


def answer_database_outages(view: _View) -> _View:
    """Wrap a plain Django view so an unreachable database answers the 503 envelope.

    For ctfy_auth's own HTML pages, which meet the database through the Django session and
    the sign-in; the host's views keep the host's error pages.
    """
    where = getattr(view, "__qualname__", repr(view))

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except DATABASE_ERRORS as exc:
            return error_response(database_unavailable(exc, where))

    return wrapped  # type: ignore[return-value]


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
        code, body, headers = _rendered(error)
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
