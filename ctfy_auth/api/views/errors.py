"""Answers for paths under our prefixes that match no route: the envelope, never HTML."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from ctfy_auth.api.exception_handler import envelope

__all__ = ["not_found"]


def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return JsonResponse(envelope("http_404", "Not Found"), status=404)
