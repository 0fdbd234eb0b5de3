"""Answers for paths under our prefixes that match no route: the envelope, never HTML."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ctfy_auth.errors import envelope

__all__ = ["not_found"]


@csrf_exempt  # a POST to an unknown path is a 404 envelope, not Django's CSRF page
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return JsonResponse(envelope("http_404", "Not Found"), status=404)
