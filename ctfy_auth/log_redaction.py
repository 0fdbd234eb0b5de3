"""Keep token plaintext out of log records that Django writes about a request.

Django logs the path of every 4xx/5xx answer (``django.request``: "Not Found:
/api/v1/auth/tokens/pf_...") and runserver logs every request line
(``django.server``). A client that puts a token in a URL, by mistake or in an
attack, would otherwise have it written to the log. :class:`RedactTokens`
rewrites any ``pt_``/``pf_``/``po_``/``pr_`` token in a record's message to its prefix and
first four characters, the part ``GET /auth/tokens`` shows anyway.

oauthlib, under django-oauth-toolkit, logs token requests at ``DEBUG`` with the tokens in
them ("Validating refresh token pr_..."), so the filter also goes on every logger of the
``oauthlib`` and ``oauth2_provider`` packages (:data:`LIBRARY_LOGGERS`).

ctfy_auth puts the filter on those loggers when the app is ready (:func:`install`); a
logger's filters see only the records it creates itself, so add it to any handler of your
own too, e.g. in ``LOGGING``::

    "filters": {"redact_tokens": {"()": "ctfy_auth.log_redaction.RedactTokens"}},
"""

from __future__ import annotations

import logging
import re

from ctfy_auth import crypto

__all__ = ["LIBRARY_LOGGERS", "LOGGERS", "RedactTokens", "install", "redact"]

#: Django's loggers that put a request path into the message.
LOGGERS = ("django.request", "django.server")
#: Packages whose every logger (``oauthlib.oauth2.rfc6749.grant_types.refresh_token``, ...)
#: gets the filter: they log OAuth requests with the tokens in them.
LIBRARY_LOGGERS = ("oauthlib", "oauth2_provider")

_TOKEN = re.compile(
    "(" + "|".join(re.escape(p) for p in crypto.ALL_PREFIXES) + r")([0-9A-Za-z]{4})[0-9A-Za-z]{45}"
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


def _library_loggers() -> list[str]:
    # Import what creates them (module-level getLogger(__name__)) before listing them.
    import oauth2_provider.oauth2_validators
    import oauth2_provider.views  # noqa: F401
    import oauthlib.oauth2  # type: ignore[import-untyped]
    import oauthlib.openid  # type: ignore[import-untyped]  # noqa: F401

    return [
        name
        for name in list(logging.root.manager.loggerDict)
        if any(name == p or name.startswith(p + ".") for p in LIBRARY_LOGGERS)
    ]


def install() -> None:
    """Put one :class:`RedactTokens` on :data:`LOGGERS` and every library logger (idempotent)."""
    for name in [*LOGGERS, *LIBRARY_LOGGERS, *_library_loggers()]:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
