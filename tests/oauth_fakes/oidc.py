"""An OpenID Connect provider: ``oidc-provider-mock`` behind a middleware that enforces PKCE.

``oidc-provider-mock`` (Flask + authlib) implements discovery, ``/oauth2/authorize`` (a form: the
"user" types a ``sub``), ``/oauth2/token`` (RS256 ID tokens), ``/userinfo`` and ``/jwks``. What it
does not do, and the middleware adds:

* PKCE: the mock ignores ``code_challenge``. Here an authorize request without an ``S256``
  challenge gets 400 (``require_pkce=True``), the challenge is bound to the code read from the
  authorize redirect, and the token request must carry the matching ``code_verifier``, else
  400 ``invalid_grant`` (the code stays redeemable, but only with the right verifier);
* client identity: the mock accepts *any* client id and secret (``require_client_registration``
  off). Here authorize wants ``client_id`` and the token endpoint wants ``client_id`` +
  ``client_secret``, sent either way (``client_secret_basic`` or ``client_secret_post``), else
  400 at authorize and 401 ``invalid_client`` at the token endpoint;
* ``state`` on a denial: the mock leaves it off ``error=access_denied`` redirects; added here.

Mock behaviours kept as they are (0.3.4):

* the issuer is ``http://`` + the request's Host header, no trailing slash: always use the
  ``127.0.0.1`` URLs handed out here (a request to ``localhost`` gets another issuer);
* ID tokens carry ``iss``, ``aud`` as a one-element *list*, ``exp``, ``iat``, ``auth_time``,
  ``nonce``, ``at_hash``, ``sub``, and the user's claims (standard ones only when their scope was
  granted: ``email``/``email_verified`` with ``email``, ``name``/``picture``/... with
  ``profile``; non-standard ones always). Version 0.3 (Python 3.11) sends a JWT header **without
  ``kid``**, 0.4 (Python 3.12+) with one; ``/jwks`` serves the single signing key with its
  ``kid``, so a client must accept a kid-less token against a one-key set (joserfc does);
* a ``sub`` approved without `set_user` gets the claims ``{"email": sub}``; nonces are required
  (``require_nonce=True``) but never checked for replay; codes are single use; tokens carry a
  refresh token;
* plain http works without ``AUTHLIB_INSECURE_TRANSPORT``: the installed authlib (1.9) treats
  loopback addresses as secure transport, on both the provider and the client side;
* authlib warns (DeprecationWarning, `DEPRECATION_NOISE`) inside the mock on every token request;
  the ``oidc_provider`` fixture silences exactly that message.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import flask
import requests
import werkzeug.serving

from tests.oauth_fakes._server import (
    LOOPBACK,
    RecordedState,
    RecordingServer,
    redirect_location,
    s256,
)

with warnings.catch_warnings():  # the mock imports the deprecated authlib.jose and httpx client
    import authlib.deprecate  # first: importing it installs an "always" filter for its warnings

    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    import oidc_provider_mock

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

#: The mock's ID-token code path warns about authlib's own deprecated API on every token request.
DEPRECATION_NOISE = r"get_jwt_config\(self, grant\) is deprecated"


@dataclass
class _State(RecordedState):
    challenges: dict[str, str] = field(default_factory=dict)  # code -> S256 challenge


class _QuietHandler(werkzeug.serving.WSGIRequestHandler):
    """No access log. (Werkzeug closes every connection after its response.)"""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class OIDCProvider(RecordingServer):
    """An OpenID provider on ``127.0.0.1`` for one confidential client (see module docstring)."""

    def __init__(
        self,
        client_id: str = "oidc-client-id",
        client_secret: str = "oidc-client-secret",
        *,
        require_pkce: bool = True,
        require_nonce: bool = True,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.require_pkce = require_pkce
        self._app = oidc_provider_mock.app(require_nonce=require_nonce)
        with self._app.test_request_context():
            self._app.preprocess_request()  # the mock's before_request puts its storage on g
            self._storage = flask.g.oidc_provider_mock_storage
        self._lock = threading.Lock()
        self._state = _State()

    def _make_server(self) -> werkzeug.serving.BaseWSGIServer:
        return werkzeug.serving.make_server(
            LOOPBACK, 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )

    @property
    def issuer(self) -> str:
        """``http://127.0.0.1:PORT``: the ``iss`` of ID tokens and the ``issuer`` of discovery."""
        return self.base_url

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/oauth2/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/token"

    # Test controls

    def reset(self) -> None:
        """Forget users, codes, tokens, logs and pending failures; the signing key stays."""
        with self._lock:
            self._state = _State()
            for value in vars(self._storage).values():  # the mock's dicts, sets and deque
                if hasattr(value, "clear"):
                    value.clear()

    def set_user(self, sub: str, **claims: Any) -> None:
        """Replace the user's claims (``email``, ``email_verified``, ``name``, ``picture``...)."""
        url = f"{self.base_url}/users/{quote(sub, safe='@')}"
        requests.put(url, json=claims, timeout=10).raise_for_status()

    # Browser side

    def approve(self, authorize_url: str, sub: str) -> str:
        """Submit the mock's consent form as ``sub`` for this authorize URL; return the redirect's
        ``Location`` (the client's redirect_uri with ``code`` and ``state``, or an ``error``)."""
        response = requests.post(
            authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10
        )
        return redirect_location(response)

    def deny(self, authorize_url: str) -> str:
        """Click "Deny": the ``Location`` carries ``error=access_denied`` and the ``state``."""
        response = requests.post(
            authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=10
        )
        return redirect_location(response)

    # Middleware

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        with self._lock:
            self._state.requests_log.append((method, path))
        if path == "/oauth2/authorize":
            _buffer_body(environ)  # werkzeug would hang draining a body left unread by a refusal
            return self._authorize(environ, start_response)
        if (method, path) == ("POST", "/oauth2/token"):
            return self._token(environ, start_response)
        return self._app(environ, start_response)

    def _authorize(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        with self._lock:
            self._state.authorize_requests.append(query)
        if query.get("client_id") != self.client_id:
            return _plain(start_response, "400 Bad Request", "unknown client_id")
        challenge = query.get("code_challenge")
        if (challenge or self.require_pkce) and (
            not challenge or query.get("code_challenge_method") != "S256"
        ):
            return _plain(start_response, "400 Bad Request", "PKCE required: S256 code_challenge")
        if environ["REQUEST_METHOD"] != "POST":
            return self._app(environ, start_response)

        response: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            response.update(status=status, headers=headers)
            return lambda data: None  # Flask never uses write()

        app_iter = self._app(environ, capture)  # a generator: the debugger middleware's
        try:
            body = list(app_iter)
        finally:
            getattr(app_iter, "close", lambda: None)()
        headers: list[tuple[str, str]] = response["headers"]
        for i, (name, location) in enumerate(headers):
            if name.lower() != "location":
                continue
            params = dict(parse_qsl(urlsplit(location).query))
            if "code" in params and challenge:
                with self._lock:
                    self._state.challenges[params["code"]] = challenge
            if "error" in params and "state" not in params and "state" in query:
                separator = "&" if "?" in location else "?"
                headers[i] = (name, location + separator + urlencode({"state": query["state"]}))
        start_response(response["status"], headers)
        return body

    def _token(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        form = dict(parse_qsl(_buffer_body(environ).decode(), keep_blank_values=True))
        with self._lock:
            self._state.token_exchanges += 1
            status, self._state.fail_token = self._state.fail_token, None
            challenge = self._state.challenges.get(form.get("code", ""))
        if status is not None:
            return _plain(start_response, f"{status} Simulated Outage", "simulated outage")
        if _client_credentials(environ, form) != (self.client_id, self.client_secret):
            error = {"error": "invalid_client", "error_description": "bad client credentials"}
            return _json(start_response, "401 Unauthorized", error)
        if form.get("grant_type") == "authorization_code" and challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier or s256(verifier) != challenge:
                error = {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                return _json(start_response, "400 Bad Request", error)
        return self._app(environ, start_response)


def _buffer_body(environ: WSGIEnvironment) -> bytes:
    """Read the request body and put it back, in memory, for the app behind."""
    raw: bytes = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(raw), str(len(raw))
    return raw


def _client_credentials(environ: WSGIEnvironment, form: dict[str, str]) -> tuple[str, str]:
    """``(client_id, client_secret)`` from HTTP Basic (``client_secret_basic``) or the body."""
    scheme, _, credentials = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, client_secret = decoded.partition(":")
        return unquote(client_id), unquote(client_secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    return _respond(start_response, status, "text/plain; charset=utf-8", text.encode())


def _json(start_response: StartResponse, status: str, body: object) -> list[bytes]:
    return _respond(start_response, status, "application/json", json.dumps(body).encode())


def _respond(
    start_response: StartResponse, status: str, content_type: str, payload: bytes
) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(payload)))]
    start_response(status, [*headers, ("Cache-Control", "no-store")])
    return [payload]
