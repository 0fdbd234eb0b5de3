"""The authorization code grant's pages in headless Chromium: sign-in, consent, the client.

Playwright drives Debian's Chromium (``/usr/bin/chromium``) against the live server, as
``tests/e2e/test_device_browser.py`` does. Chromium holds a form's redirect chain to the
page's CSP ``form-action``, so this is where the pages' headers are proven: signing in for a
client whose consent is skipped (or remembered) ends at the client's redirect URI in one
chain, which only works because ``/signin`` names that registered origin. The client's
redirect URI is answered by Playwright (nothing listens on it).
Missing pieces fail the test unless ``CTFY_SKIP_BROWSER_TESTS`` gives the reason they cannot run.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.integrations.requests_client import OAuth2Session

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
REDIRECT = "http://127.0.0.1:9999/callback"


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Any:
    if reason := os.environ.get("CTFY_SKIP_BROWSER_TESTS"):
        pytest.skip(f"browser test not run: {reason}")
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (bash .ci/run does it)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(params=[False, True], ids=["consent", "skip-consent"])
def registered(request: Any, oauth_client_factory: Any, user_factory: Any) -> tuple[Any, Any]:
    """The client and the person, made before Chromium starts: an ORM call made while
    Playwright's event loop is set on this thread opens a connection that pytest-django never
    closes (PostgreSQL then cannot drop the test database)."""
    user_factory("player@example.org")
    return oauth_client_factory(
        grants=("authorization_code",),
        scopes="challenges:read offline_access",
        name="Scoreboard Viewer",
        redirect_uris=[REDIRECT],
        skip_consent=request.param,
    )


def test_sign_in_and_consent_end_at_the_client_with_a_code(issuer, registered, chromium):
    application, secret = registered
    skip_consent = application.skip_authorization
    client = OAuth2Session(
        client_id=application.client_id,
        client_secret=secret,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        scope="challenges:read offline_access",
    )
    verifier = secrets.token_urlsafe(48)
    url, state = client.create_authorization_url(f"{issuer}/authorize", code_verifier=verifier)

    page = chromium.new_page()
    page.route("http://127.0.0.1:9999/**", lambda route: route.fulfill(status=200, body="ok"))
    page.goto(url)
    page.get_by_label("Email").fill("player@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if not skip_consent:
        page.get_by_text("Scoreboard Viewer").wait_for()
        page.get_by_text("Stay signed in (refresh tokens)").wait_for()
        page.get_by_role("button", name="Allow").click()
    page.wait_for_url(f"{REDIRECT}?**", timeout=10_000)

    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == [state] and query["iss"] == [issuer]
    token = client.fetch_token(
        f"{issuer}/token", authorization_response=page.url, code_verifier=verifier
    )
    assert token["access_token"].startswith("po_") and token["refresh_token"].startswith("pr_")
