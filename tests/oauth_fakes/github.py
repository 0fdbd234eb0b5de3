"""A fake of GitHub's OAuth web application flow and of the REST API a sign-in reads.

Mimics ``github.com/login/oauth/authorize``, ``github.com/login/oauth/access_token`` and
``api.github.com/user`` + ``/user/emails`` (under ``/api`` here), as documented at
https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps:

* the token endpoint answers **200** with an ``error`` body when the exchange fails, and a
  form-encoded body unless the request sends ``Accept: application/json``;
* token responses carry the granted scopes comma-separated; ``/user`` carries only the
  *public* primary email (or null); ``/user/emails`` needs the ``user:email`` (or ``user``) scope,
  else 404 ``Not Found``, like GitHub.

Differences from the real service: there is one OAuth app (``client_id``/``client_secret``) and
no registered callback URL, so any ``redirect_uri`` is accepted at authorize, but the token request
must repeat it exactly (GitHub lets it be omitted); PKCE (``S256`` only) is mandatory; codes never
expire but die at the first exchange attempt that gets past client authentication; no login or
consent page: the user chosen with `FakeGitHub.sign_in_as` (by default the first one added)
approves at once; only the fields a sign-in reads are returned.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import string
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, TypedDict
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import requests

from tests.oauth_fakes._server import (
    LOOPBACK,
    RecordedState,
    RecordingServer,
    redirect_location,
    s256,
)

_DOCS = (
    "https://docs.github.com/apps/managing-oauth-apps/"
    "troubleshooting-oauth-app-access-token-request-errors/"
)
_TOKEN_ERRORS = {
    "incorrect_client_credentials": "The client_id and/or client_secret passed are incorrect.",
    "redirect_uri_mismatch": (
        "The redirect_uri MUST match the registered callback URL for this application."
    ),
    "bad_verification_code": "The code passed is incorrect or expired.",
    "unsupported_grant_type": "The grant type is not supported.",
}

_ALPHANUMERIC = string.ascii_letters + string.digits
_Response = tuple[int, dict[str, str], bytes]


class GitHubEmail(TypedDict):
    """One entry of GitHub's ``GET /user/emails``."""

    email: str
    primary: bool
    verified: bool
    visibility: Literal["public", "private"] | None


@dataclass
class GitHubUser:
    id: int
    login: str
    name: str
    avatar_url: str
    emails: list[GitHubEmail]

    def profile(self) -> dict[str, Any]:
        """``GET /user`` as GitHub shows it (trimmed): ``email`` is the public primary one."""
        public = [e["email"] for e in self.emails if e["primary"] and e["visibility"] == "public"]
        return {
            "id": self.id,
            "login": self.login,
            "name": self.name or None,
            "avatar_url": self.avatar_url,
            "email": public[0] if public else None,
            "type": "User",
            "html_url": f"https://github.com/{self.login}",
        }


@dataclass(frozen=True)
class _Grant:
    login: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    scope: str


@dataclass
class _State(RecordedState):
    users: dict[str, GitHubUser] = field(default_factory=dict)
    signed_in: str | None = None
    deny_next: bool = False
    codes: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, _Grant] = field(default_factory=dict)
    fail_user_api: int | None = None


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> _Response:
    content_type = {"Content-Type": "application/json; charset=utf-8"}
    return status, {**content_type, **(headers or {})}, json.dumps(body).encode()


def _text(status: int, body: str) -> _Response:
    return status, {"Content-Type": "text/plain; charset=utf-8"}, body.encode()


def _redirect(redirect_uri: str, params: dict[str, str]) -> _Response:
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return 302, {"Location": redirect_uri + separator + urlencode(params)}, b""


class FakeGitHub(RecordingServer):
    """GitHub's OAuth app flow and REST API on ``127.0.0.1`` (see the module docstring).

    Thread-safe; `reset` forgets users, sign-in, codes, tokens, logs and pending failures.
    """

    def __init__(
        self, client_id: str = "gh-client-id", client_secret: str = "gh-client-secret"
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self._lock = threading.Lock()
        self._state = _State()

    def _make_server(self) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer((LOOPBACK, 0), _Handler)
        server.fake = self  # type: ignore[attr-defined]
        return server

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/login/oauth/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/login/oauth/access_token"

    @property
    def api_url(self) -> str:
        """The REST API root: ``{api_url}/user`` and ``{api_url}/user/emails``."""
        return f"{self.base_url}/api"

    # Test controls

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    def add_user(
        self,
        id: int,
        login: str,
        name: str = "",
        avatar_url: str = "",
        emails: list[GitHubEmail] | None = None,
    ) -> GitHubUser:
        """Register an account; the first one added is signed in. ``emails`` defaults to one
        primary, verified, public ``{login}@users.example.com``."""
        if emails is None:
            emails = [
                {
                    "email": f"{login}@users.example.com",
                    "primary": True,
                    "verified": True,
                    "visibility": "public",
                }
            ]
        avatar_url = avatar_url or f"https://avatars.githubusercontent.com/u/{id}?v=4"
        user = GitHubUser(id, login, name, avatar_url, [e.copy() for e in emails])
        with self._lock:
            self._state.users[login] = user
            self._state.signed_in = self._state.signed_in or login
        return user

    def sign_in_as(self, login: str) -> None:
        """Who is signed in at "github.com", hence who approves the following authorize calls."""
        with self._lock:
            if login not in self._state.users:
                raise KeyError(f"no such fake GitHub user: {login}")
            self._state.signed_in = login

    def deny_next(self) -> None:
        """The next authorize call redirects back with ``error=access_denied``."""
        with self._lock:
            self._state.deny_next = True

    def fail_next_user_api(self, status: int = 502) -> None:
        """The next ``/api/user*`` request gets this status."""
        with self._lock:
            self._state.fail_user_api = status

    # Browser side

    def approve(self, authorize_url: str) -> str:
        """What the browser does: GET the authorize URL; return the redirect's ``Location``."""
        return redirect_location(requests.get(authorize_url, allow_redirects=False, timeout=10))

    def deny(self, authorize_url: str) -> str:
        """Like `approve`, but the user clicks "Cancel": ``error=access_denied``."""
        self.deny_next()
        return self.approve(authorize_url)

    # Server side

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Response:
        url = urlsplit(target)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        with self._lock:
            self._state.requests_log.append((method, url.path))
            if (method, url.path) == ("GET", "/login/oauth/authorize"):
                return self._authorize(query)
            if (method, url.path) == ("POST", "/login/oauth/access_token"):
                form = dict(parse_qsl(body.decode(), keep_blank_values=True))
                return self._access_token(form, headers)
            if method == "GET" and url.path in ("/api/user", "/api/user/emails"):
                return self._api(url.path.removeprefix("/api"), headers)
        return _json(404, {"message": "Not Found"})

    def _authorize(self, query: dict[str, str]) -> _Response:
        state = self._state
        state.authorize_requests.append(query)
        if query.get("client_id") != self.client_id:
            return _text(400, "fake GitHub: unknown client_id")
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            return _text(400, "fake GitHub: redirect_uri is required (no registered callback)")
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return _text(400, "fake GitHub: PKCE is required (code_challenge, method S256)")
        back = {"state": query["state"]} if "state" in query else {}
        if state.deny_next:
            state.deny_next = False
            return _redirect(
                redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "The user has denied your application access.",
                    "error_uri": _DOCS + "#access-denied",
                    **back,
                },
            )
        if state.signed_in is None:  # GitHub would show its sign-in page
            return 200, {"Content-Type": "text/html"}, b"<h1>Sign in to GitHub</h1>"
        code = secrets.token_hex(10)
        state.codes[code] = _Grant(
            login=state.signed_in,
            client_id=self.client_id,
            redirect_uri=redirect_uri,
            code_challenge=query["code_challenge"],
            scope=",".join(query.get("scope", "").replace(",", " ").split()),
        )
        return _redirect(redirect_uri, {"code": code, **back})

    def _access_token(self, form: dict[str, str], headers: dict[str, str]) -> _Response:
        state = self._state
        state.token_exchanges += 1
        if state.fail_token is not None:
            status, state.fail_token = state.fail_token, None
            return _text(status, "fake GitHub: simulated outage")
        as_json = "application/json" in headers.get("accept", "")

        def answer(body: dict[str, str]) -> _Response:
            if as_json:
                return _json(200, body)
            content_type = "application/x-www-form-urlencoded; charset=utf-8"
            return 200, {"Content-Type": content_type}, urlencode(body).encode()

        def error(name: str) -> _Response:
            uri = _DOCS + "#" + name.replace("_", "-")
            return answer(
                {"error": name, "error_description": _TOKEN_ERRORS[name], "error_uri": uri}
            )

        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            client_id, _, client_secret = (unquote(part) for part in decoded.partition(":"))
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return error("incorrect_client_credentials")
        if form.get("grant_type", "authorization_code") != "authorization_code":
            return error("unsupported_grant_type")
        grant = state.codes.pop(form.get("code", ""), None)  # single use, even if refused below
        if grant is None or grant.client_id != client_id:
            return error("bad_verification_code")
        if form.get("redirect_uri") != grant.redirect_uri:
            return error("redirect_uri_mismatch")
        verifier = form.get("code_verifier")
        if not verifier or s256(verifier) != grant.code_challenge:
            return error("bad_verification_code")
        token = "gho_" + "".join(secrets.choice(_ALPHANUMERIC) for _ in range(36))
        state.tokens[token] = grant
        return answer({"access_token": token, "token_type": "bearer", "scope": grant.scope})

    def _api(self, path: str, headers: dict[str, str]) -> _Response:
        state = self._state
        if state.fail_user_api is not None:
            status, state.fail_user_api = state.fail_user_api, None
            return _json(status, {"message": "Server Error"})
        scheme, _, token = headers.get("authorization", "").partition(" ")
        grant = state.tokens.get(token) if scheme.lower() in ("bearer", "token") else None
        if grant is None:
            docs = "https://docs.github.com/rest"
            return _json(401, {"message": "Bad credentials", "documentation_url": docs})
        user = state.users[grant.login]
        scopes = grant.scope.split(",") if grant.scope else []
        scope_headers = {"X-OAuth-Scopes": ", ".join(scopes)}
        if path == "/user":
            return _json(200, user.profile(), scope_headers)
        scope_headers["X-Accepted-OAuth-Scopes"] = "user, user:email"
        if not {"user", "user:email"} & set(scopes):
            return _json(404, {"message": "Not Found"}, scope_headers)
        return _json(200, user.emails, scope_headers)


class _Handler(BaseHTTPRequestHandler):
    """Hands each request to the `FakeGitHub` the server belongs to (HTTP/1.0, no logging)."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        fake: FakeGitHub = self.server.fake  # type: ignore[attr-defined]
        status, response_headers, payload = fake.handle(self.command, self.path, headers, body)
        self.send_response(status)
        for name, value in {**response_headers, "Content-Length": str(len(payload))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass
