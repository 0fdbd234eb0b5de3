"""Keep token plaintext out of log records that Django writes about a request.

Django logs the path of every 4xx/5xx answer (``django.request``: "Not Found:
/api/v1/auth/tokens/pf_...") and runserver logs every request line
(``django.server``). A client that puts a token in a URL, by mistake or in an
attack, would otherwise have it written to the log. :class:`RedactTokens`
rewrites any ``pt_``/``pf_`` token in a record's message to its prefix and
first four characters, the part ``GET /auth/tokens`` shows anyway.

ctfy_auth puts the filter on those two loggers when the app is ready
(:func:`install`); add it to any handler of your own, e.g. in ``LOGGING``::

    "filters": {"redact_tokens": {"()": "ctfy_auth.log_redaction.RedactTokens"}},
"""

from __future__ import annotations

import logging
import re

from ctfy_auth import crypto

__all__ = ["LOGGERS", "RedactTokens", "install", "redact"]

#: Django's loggers that put a request path into the message.
LOGGERS = ("django.request", "django.server")

_TOKEN = re.compile(
    "(" + "|".join(re.escape(p) for p in crypto.PREFIXES) + r")([0-9A-Za-z]{4})[0-9A-Za-z]{45}"
)


def redact(text: str) -> str:
    """``text`` with every token-shaped string cut to its prefix and four characters."""
    return _TOKEN.sub(r"\1\2…[redacted]", text)


class RedactTokens(logging.Filter):
    """A logging filter that redacts tokens in the formatted message; it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's business, not ours
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install() -> None:
    """Put one :class:`RedactTokens` on each of :data:`LOGGERS` (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
