"""The ctfy page envelope: ``{"items", "total", "limit", "offset"}``; bad bounds are a 422."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request

__all__ = ["paginate"]


class _PageQuery(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=10000, default=50)
    # Bounded so an absurd offset is a 422, not an integer overflow in the database.
    offset = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)


def paginate(
    request: Request,
    items: QuerySet[Any] | Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    query = _PageQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    limit, offset = query.validated_data["limit"], query.validated_data["offset"]
    page = list(items[offset : offset + limit])
    if not isinstance(items, QuerySet):
        total = len(items)
    elif len(page) < limit and (page or offset == 0):
        total = offset + len(page)  # this page ends the list: no COUNT query needed
    else:
        total = items.count()  # a full page, or past the end: only a count tells
    return {"items": [render(i) for i in page], "total": total, "limit": limit, "offset": offset}
