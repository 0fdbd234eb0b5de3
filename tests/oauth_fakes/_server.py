"""A socketserver-style HTTP server on ``127.0.0.1:<free port>``, run in a daemon thread."""

from __future__ import annotations

import base64
import hashlib
import socketserver
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import requests

LOOPBACK = "127.0.0.1"


def s256(code_verifier: str) -> str:
    """The PKCE ``S256`` challenge of a verifier: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def redirect_location(response: requests.Response) -> str:
    """The ``Location`` of a 302, or an AssertionError that shows what came back instead."""
    if response.status_code != 302:
        raise AssertionError(
            f"expected a 302 from {response.request.method} {response.url}, "
            f"got {response.status_code}: {response.text[:500]}"
        )
    return response.headers["Location"]


class LoopbackServer:
    """Start/stop and context-manager plumbing; subclasses build the server in `_make_server`.

    Servers must close each connection after its response (http.server's HTTP/1.0 default,
    werkzeug always), so that `stop` never waits on a client's idle keep-alive connection.
    """

    def __init__(self) -> None:
        self._server: socketserver.TCPServer | None = None
        self._thread: threading.Thread | None = None

    def _make_server(self) -> socketserver.TCPServer:
        raise NotImplementedError

    def start(self) -> Self:
        if self._server is None:
            self._server = self._make_server()
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{type(self).__name__}-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None and thread is not None:
            server.shutdown()
            server.server_close()  # joins the (short-lived) request threads
            thread.join(timeout=5)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, no trailing slash."""
        return f"http://{LOOPBACK}:{self.port}"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass
class RecordedState:
    """What both fakes record for tests, and the failure they can be told to inject."""

    requests_log: list[tuple[str, str]] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_exchanges: int = 0
    fail_token: int | None = None


class RecordingServer(LoopbackServer):
    """A `LoopbackServer` whose subclass keeps a `RecordedState` in ``_state`` under ``_lock``."""

    _lock: threading.Lock
    _state: RecordedState

    def fail_next_token_exchange(self, status: int = 500) -> None:
        """The next token request gets this status (an outage: its code stays usable)."""
        with self._lock:
            self._state.fail_token = status

    @property
    def requests_log(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every request, query string left out."""
        with self._lock:
            return list(self._state.requests_log)

    @property
    def authorize_requests(self) -> list[dict[str, str]]:
        """The query parameters of each request to the authorize endpoint."""
        with self._lock:
            return [dict(q) for q in self._state.authorize_requests]

    @property
    def token_exchanges(self) -> int:
        """How many requests reached the token endpoint (failed ones included)."""
        with self._lock:
            return self._state.token_exchanges
