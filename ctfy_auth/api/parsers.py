"""The JSON parser of every ctfy_auth view: DRF's, with a bound on how deeply a body nests.

Python's ``json`` recurses once per ``[`` or ``{``: a body of a few kilobytes of ``[`` raises
``RecursionError``, which DRF's parser does not catch (a 500). No ctfy_auth body nests more than
three levels, so :class:`DepthLimitedJSONParser` refuses anything deeper than
:attr:`~DepthLimitedJSONParser.max_depth` with 400 ``http_400``, ctfy's answer to a body it
cannot parse. Installed per view by :class:`ctfy_auth.api.base.CtfyAPIView`, never globally.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.parsers import JSONParser

from ctfy_auth.exceptions import RequestBodyTooDeep

__all__ = ["DepthLimitedJSONParser"]


def _nests_deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels in ``value`` (a list or dict).

    Iterative, so checking a deep value cannot itself exhaust the stack.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        depth += 1
        if depth > limit:
            return True
        stack.extend((child, depth) for child in children if isinstance(child, dict | list))
    return False


class DepthLimitedJSONParser(JSONParser):
    """DRF's ``JSONParser`` that refuses a body nesting more than :attr:`max_depth` levels.

    Too deep for Python's parser (``RecursionError``) or deeper than the bound once parsed:
    :class:`~ctfy_auth.exceptions.RequestBodyTooDeep` (400 ``http_400``, detail
    ``{message, max_depth}``). Malformed JSON stays DRF's ``ParseError`` (422
    ``validation_error``, issue ``json_invalid``). A host view may subclass it to change the
    bound.
    """

    #: Arrays and objects inside one another; ctfy_auth's own bodies use three at most.
    max_depth = 32

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise RequestBodyTooDeep(max_depth=self.max_depth) from None
        if isinstance(data, dict | list) and _nests_deeper_than(data, self.max_depth):
            raise RequestBodyTooDeep(max_depth=self.max_depth)
        return data
