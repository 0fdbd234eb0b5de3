"""The ctfy error envelope, and the one translation of failures into ctfy_auth errors.

``{"code": str, "detail": str | object, "timestamp": ISO-8601 UTC}`` is the body of every
error a ctfy_auth entry point answers: the DRF views (through
:func:`~ctfy_auth.api.exception_handler.exception_handler`),
:func:`~ctfy_auth.decorators.require_scope`,
:class:`~ctfy_auth.middleware.BearerTokenMiddleware`, the device pages and
:class:`~ctfy_auth.authentication.BearerTokenAuthentication`. It lives outside ``api/`` because
the plain-Django entry points use it without DRF's views.

:func:`ctfy_error` is the one place that turns what Django and the database raise (an
unreachable database, a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``) into ctfy_auth errors, so
every entry point answers one failure with one envelope. :func:`error_response` renders an error
for a plain Django view, and :func:`answer_database_outages` wraps one (the device pages) to
answer an unreachable database with it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from rest_framework import status

from ctfy_auth.exceptions import CtfyError, RateLimited, RequestTooLarge, ServiceUnavailable

__all__ = [
    "DATABASE_ERRORS",
    "answer_database_outages",
    "ctfy_error",
    "database_unavailable",
    "envelope",
    "error_response",
    "rendered",
]

# The logger keeps the name it had when this module was ``ctfy_auth.api.exception_handler``:
# hosts' LOGGING configurations and docs/install.md name it.
logger = logging.getLogger("ctfy_auth.api")

#: What Django raises when the database cannot be reached (or the connection broke).
DATABASE_ERRORS = (OperationalError, InterfaceError)

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def envelope(code: str, detail: Any) -> dict[str, Any]:
    """The envelope's body: ``code``, ``detail`` (a message or an object) and the time now."""
    return {"code": code, "detail": detail, "timestamp": datetime.now(UTC).isoformat()}


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


def rendered(error: CtfyError) -> tuple[int, dict[str, Any], dict[str, str]]:
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
    code, body, headers = rendered(error)
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
