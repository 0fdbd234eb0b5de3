"""End to end in a real browser: a CLI asks, a person approves in Chromium, the CLI gets a token.

Playwright drives Debian's Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it)
against pytest-django's live server. Missing pieces fail the test, never skip it, unless
``CTFY_SKIP_BROWSER_TESTS`` gives the reason they cannot run (``.ci/run`` sets it where Chromium
is missing and only root could install it): then the test reports itself skipped, with that reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Any:
    if reason := os.environ.get("CTFY_SKIP_BROWSER_TESTS"):
        pytest.skip(f"browser test not run: {reason}")
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (bash .ci/run does it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.fail("playwright is missing: pip install -e '.[test]'")
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class _JoiningWSGIServer(ThreadedWSGIServer):
    """Joins its request threads on close, so none still holds a database connection.

    A thread serves one connection for as long as the client keeps it alive, waiting for the
    next request. Clients let go of idle connections only when they get around to it: the
    ``requests`` calls below leave theirs in a urllib3 pool that closes them when it is
    garbage collected, and the test's frame (and so its responses, and so the pools) sits in a
    reference cycle through Playwright's captured call stacks until the cyclic collector runs.
    Python 3.13 runs it less often (a first-generation threshold of 2000, was 700), so the
    collection that came before teardown by luck on 3.11 and 3.12 came after it, and joining
    such a thread waited forever. So closing ends every connection's wait first.
    """

    daemon_threads = False
    block_on_close = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open_requests: set[socket.socket] = set()
        self._open_requests_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_requests_lock:
            self._open_requests.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_requests_lock:
            self._open_requests.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        # terminate() calls shutdown() first: no request starts after this snapshot.
        with self._open_requests_lock:
            still_open = list(self._open_requests)
        for request in still_open:
            with contextlib.suppress(OSError):  # the client closed it meanwhile
                request.shutdown(socket.SHUT_RDWR)  # its thread reads EOF and returns
        super().server_close()  # joins the request threads


class _ServerThread(LiveServerThread):
    server_class = _JoiningWSGIServer


@pytest.fixture
def device_server(transactional_db: None) -> Any:
    """A live server for this test only, stopped (every connection closed) before teardown.

    pytest-django's session-wide ``live_server`` keeps a database connection open
    until the session ends, and Django's server leaves request threads (a browser's
    keep-alive connection) running past its shutdown; either stops PostgreSQL from
    dropping the test database.
    """
    thread = _ServerThread("127.0.0.1", _StaticFilesHandler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    try:
        yield SimpleNamespace(url=f"http://127.0.0.1:{thread.port}")
    finally:
        thread.terminate()


@pytest.fixture
def person(user_factory: Any) -> Any:
    """The account that approves. Created before Chromium starts: an ORM call made while
    Playwright's event loop is set on this thread opens a connection in asgiref's
    per-context storage, which pytest-django never closes (PostgreSQL then cannot drop
    the test database)."""
    return user_factory(email="player@example.com")


def test_a_cli_signs_in_through_the_approval_page(
    device_server: Any, person: Any, chromium: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "DEVICE_POLL_INTERVAL_SECONDS": 1}
    api = f"{device_server.url}/api/v1/auth/device"

    # The CLI side: ask for a code, poll once (pending).
    issued = requests.post(f"{api}/code", headers={"User-Agent": "ctfy-cli/0.7.0"}, timeout=10)
    assert issued.status_code == 200
    codes = issued.json()
    assert codes["verification_uri_complete"].startswith(f"{device_server.url}/device?user_code=")
    first = requests.post(f"{api}/token", json={"device_code": codes["device_code"]}, timeout=10)
    assert first.json() == {"status": "pending", "token": ""}

    # The person: open the link, sign in, confirm the code, check, approve.
    page = chromium.new_page(viewport={"width": 420, "height": 860})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(codes["verification_uri_complete"])
    assert page.get_by_role("heading", name="Sign in to approve a device").is_visible()
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    code_box = page.get_by_label("Code shown by your device")
    assert code_box.input_value() == codes["user_code"]  # prefilled, not yet confirmed
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_role("heading", name="Approve this device?").is_visible()
    assert page.get_by_text("ctfy-cli/0.7.0").is_visible()
    page.screenshot(path=str(tmp_path / "device-approval.png"), full_page=True)
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_role("heading", name="Device approved").is_visible()
    page.screenshot(path=str(tmp_path / "device-approved.png"), full_page=True)
    assert problems == []
    assert (tmp_path / "device-approval.png").stat().st_size > 0

    # The CLI again: the next poll after the interval hands over a working session, once.
    time.sleep(1.1)
    answer = requests.post(f"{api}/token", json={"device_code": codes["device_code"]}, timeout=10)
    body = answer.json()
    assert body["status"] == "approved" and body["token"].startswith("pt_")
    me = requests.get(
        f"{device_server.url}/api/v1/me",
        headers={"Authorization": f"Bearer {body['token']}"},
        timeout=10,
    )
    assert me.status_code == 200 and me.json()["email"] == person.email
    time.sleep(1.1)
    again = requests.post(f"{api}/token", json={"device_code": codes["device_code"]}, timeout=10)
    assert again.json() == {"status": "expired", "token": ""}
    if os.environ.get("CTFY_KEEP_SCREENSHOTS"):
        shutil.copy(tmp_path / "device-approval.png", os.environ["CTFY_KEEP_SCREENSHOTS"])
