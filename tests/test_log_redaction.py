"""Token plaintext that a client puts in a URL never reaches Django's request log."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from ctfy_auth import crypto
from ctfy_auth.log_redaction import LOGGERS, RedactTokens, redact

pytestmark = pytest.mark.django_db


def test_a_token_in_a_404_path_is_redacted_in_django_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = crypto.generate("fine_grained")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = APIClient().get(f"/api/v1/auth/{token}")
    assert response.status_code == 404
    messages = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert messages, "Django logged no 'Not Found' record"
    assert all(token not in m for m in messages)
    assert any(f"{token[:7]}…[redacted]" in m for m in messages)


@pytest.mark.parametrize("kind", ["user", "fine_grained"])
def test_redact_cuts_every_token_and_leaves_other_text(kind: str) -> None:
    a, b = crypto.generate(kind), crypto.generate(kind)
    text = f"GET /x/{a}?t={b} HTTP/1.1 pf_short pt_{'x' * 10}"
    assert redact(text) == (
        f"GET /x/{a[:7]}…[redacted]?t={b[:7]}…[redacted] HTTP/1.1 pf_short pt_{'x' * 10}"
    )


def test_the_filter_keeps_the_record_and_folds_its_arguments() -> None:
    token = crypto.generate("user")
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s', (f"GET /{token}", 404), None
    )
    assert RedactTokens().filter(record) is True
    assert record.getMessage() == f'"GET /{token[:7]}…[redacted]" 404'


def test_the_app_installs_the_filter_once_on_djangos_request_loggers() -> None:
    from ctfy_auth.log_redaction import install

    install()
    for name in LOGGERS:
        assert sum(isinstance(f, RedactTokens) for f in logging.getLogger(name).filters) == 1
