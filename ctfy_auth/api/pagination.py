"""The ctfy page envelope: ``{"items", "total", "limit", "offset"}``.

``limit`` and ``offset`` are integers written in ASCII digits; anything else (``1.0``, ``1e2``,
an empty value, a value out of bounds) is a 422 ``validation_error``, as the schema says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request

__all__ = ["PageQuerySerializer", "paginate"]


_INTEGER = re.compile(r"-?[0-9]+")


class _QueryInteger(serializers.IntegerField):
    """An integer query parameter: optional, but when present, an integer and nothing else.

    DRF's ``IntegerField`` reads ``1.0`` as 1 and an empty optional value (``?limit=``) as an
    absent one; the schema says ``integer``, so both are refused here (422).
    """

    default_error_messages = {
        "invalid": _("Input should be a valid integer, unable to parse string as an integer")
    }

    def get_value(self, dictionary: Mapping[str, Any]) -> Any:
        if self.field_name is not None and dictionary.get(self.field_name) == "":
            return ""  # present and empty: an invalid integer, not the default
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str) or not _INTEGER.fullmatch(data):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class PageQuerySerializer(serializers.Serializer):
    """``?limit=&offset=`` of every list route; the schema adds it where a page is the answer."""

    limit = _QueryInteger(min_value=1, max_value=10000, default=50)
    # Bounded so an absurd offset is a 422, not an integer overflow in the database.
    offset = _QueryInteger(min_value=0, max_value=2**31 - 1, default=0)


def paginate(
    request: Request,
    items: QuerySet[Any] | Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    query = PageQuerySerializer(data=request.query_params)
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
