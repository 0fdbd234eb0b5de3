"""Issue #11, items 10, 15, 16 and 17: malformed bodies, outages on plain views, SQLite writes,
query parsing.

* 10: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 ``request_too_large`` and JSON nested
  deeper than the parser's bound a 400 ``http_400``, both in the envelope; no body gives a 500 on
  any ctfy_auth route (the API under /api/v1/, the device pages, the host's decorated views).
* 15: an unreachable database answers the same 503 ``service_unavailable`` envelope at every
  entry point: DRF views, ``require_scope``, the device pages, and
  ``BearerTokenAuthentication`` under a host's own exception handler.
* 16: on SQLite, concurrent writes of one account against a live server all succeed (the
  example project uses ``BEGIN IMMEDIATE`` transactions).
* 17: ``limit`` and ``offset`` are integers or a 422; the schema says so.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from ctfy_auth.api.parsers import DepthLimitedJSONParser
from ctfy_auth.authentication import BearerTokenAuthentication
from ctfy_auth.permissions import IsFullAccount
from tests.adversarial.test_faults import assert_service_unavailable, database_unreachable
from tests.conftest import PASSWORD
from tests.live_example import running_example, tail

API = "/api/v1"
LIMIT = 4096  # DATA_UPLOAD_MAX_MEMORY_SIZE in these tests: small, so the suite stays fast


def _nested(depth: int) -> bytes:
    return b'{"email": ' + b"[" * depth + b"]" * depth + b', "password": "x"}'


def _envelope(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"code", "detail", "timestamp"}, body
    return dict(body)


@pytest.fixture
def session(user_factory: Callable[..., Any], session_factory: Callable[..., str]) -> str:
    return session_factory(user_factory(email="ada@example.com", role="super_admin"))


#: Routes that parse a JSON body: anonymous ones, and ones that take a session.
BODY_ROUTES = [
    ("post", f"{API}/auth/register", False),
    ("post", f"{API}/auth/login", False),
    ("post", f"{API}/auth/device/token", False),
    ("post", f"{API}/auth/tokens", True),
    ("post", f"{API}/auth/password", True),
    ("post", f"{API}/me/reauthenticate", True),
    ("post", f"{API}/auth/device/approve", True),
    ("post", f"{API}/admin/token-trace", True),
    ("post", f"{API}/demo/competitions/ctf-2026/submissions", True),
]


# --- 10: bodies --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "authenticated"), BODY_ROUTES)
def test_a_body_over_the_upload_limit_answers_413_in_the_envelope(
    settings: Any, session: str, method: str, path: str, authenticated: bool
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    client = Client(raise_request_exception=False)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {session}"} if authenticated else {}
    body = json.dumps({"email": "a" * LIMIT, "password": PASSWORD}).encode()
    response = getattr(client, method)(path, body, content_type="application/json", **headers)
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE, response.content[:300]
    payload = _envelope(response)
    assert payload["code"] == "request_too_large"
    assert payload["detail"] == {"message": "The request body is too large.", "max_bytes": LIMIT}


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "authenticated"), BODY_ROUTES)
@pytest.mark.parametrize("depth", [33, 100_000])  # past the bound; past Python's recursion limit
def test_deeply_nested_json_answers_400_in_the_envelope(
    session: str, method: str, path: str, authenticated: bool, depth: int
) -> None:
    client = Client(raise_request_exception=False)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {session}"} if authenticated else {}
    response = getattr(client, method)(
        path, _nested(depth), content_type="application/json", **headers
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content[:300]
    payload = _envelope(response)
    assert payload["code"] == "http_400"
    assert payload["detail"] == {
        "message": "The JSON body is nested too deeply.",
        "max_depth": DepthLimitedJSONParser.max_depth,
    }


@pytest.mark.django_db
def test_json_at_the_depth_bound_is_parsed_and_validated() -> None:
    """The bound refuses only what is deeper: 32 levels reach validation (a 422 here)."""
    body = b"[" * 32 + b"]" * 32
    response = Client().post(f"{API}/auth/login", body, content_type="application/json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert _envelope(response)["code"] == "validation_error"


#: Every kind of route a request body can reach: the API (anonymous, with a session, the
#: catch-all), the device pages, and the host's views behind require_scope and the middleware.
ALL_ROUTES = [
    *[(method, path) for method, path, _auth in BODY_ROUTES],
    ("patch", f"{API}/auth/tokens/tok_unknown"),
    ("post", f"{API}/auth/tokens/tok_unknown/renew"),
    ("patch", f"{API}/admin/users/1/role"),
    ("post", f"{API}/auth/device/code"),
    ("post", f"{API}/auth/identities/link/github"),
    ("post", f"{API}/auth/nowhere"),
    ("post", "/device"),
    ("post", "/device/sign-in"),
    ("post", "/device/decide"),
    ("post", "/device/sign-out"),
    ("post", "/plain/whoami"),
    ("post", "/demo/plain/competitions/ctf-2026/scoreboard"),
]

BODIES = {
    "too large json": (b'{"email": "' + b"a" * LIMIT + b'"}', "application/json"),
    "too large form": (
        b"email=" + b"a" * LIMIT + b"&password=x",
        "application/x-www-form-urlencoded",
    ),
    "too many form fields": (
        b"&".join(b"f%d=1" % n for n in range(1100)),
        "application/x-www-form-urlencoded",
    ),
    "deep json": (_nested(100_000), "application/json"),
    "deep form": (b"email=" + b"[" * 5000, "application/x-www-form-urlencoded"),
    "not utf-8": (b'{"email": "\xff\xfe"}', "application/json"),
    "huge integer": (b'{"expires_in_days": ' + b"9" * 5000 + b"}", "application/json"),
    "huge float": (b'{"expires_in_days": 1e999, "label": 1e999}', "application/json"),
    "NaN": (b'{"expires_in_days": NaN}', "application/json"),
    "not json": (b"\x00\x01\x02", "application/octet-stream"),
}


@pytest.mark.django_db
def test_no_request_body_gives_a_500_on_any_ctfy_auth_route(settings: Any, session: str) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    failures = []
    for who in ("anonymous", "session"):
        client = Client(raise_request_exception=False, enforce_csrf_checks=True)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {session}"} if who == "session" else {}
        for method, path in ALL_ROUTES:
            for name, (body, content_type) in BODIES.items():
                response = getattr(client, method)(path, body, content_type=content_type, **headers)
                if response.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
                    failures.append(f"{who} {method.upper()} {path} {name}: {response.status_code}")
    assert failures == []


# --- 15: the database unreachable at every entry point -----------------------------------------


@pytest.mark.django_db(transaction=True)  # a lost connection cannot keep the test's transaction
def test_require_scope_answers_the_503_envelope_while_the_database_is_unreachable(
    session: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(raise_request_exception=False)
    with database_unreachable(), caplog.at_level(logging.ERROR, logger="ctfy_auth.api"):
        response = client.get(
            "/demo/plain/competitions/ctf-2026/scoreboard", HTTP_AUTHORIZATION=f"Bearer {session}"
        )
    assert_service_unavailable(response)
    assert "Authorization" in response["Vary"]
    logged = [r for r in caplog.records if r.name == "ctfy_auth.api"]
    assert [r.getMessage() for r in logged] == ["Database unavailable in scoreboard"]
    assert logged[0].exc_info


@pytest.mark.django_db(transaction=True)
def test_the_device_pages_answer_the_503_envelope_while_the_database_is_unreachable(
    user_factory: Callable[..., Any],
) -> None:
    user = user_factory(email="ada@example.com")
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(user)  # a database-backed Django session
    anonymous = Client(raise_request_exception=False)
    with database_unreachable():
        assert_service_unavailable(signed_in.get("/device"))
        assert_service_unavailable(signed_in.get("/device?user_code=BCDF-GHJK"))
        assert_service_unavailable(
            anonymous.post("/device/sign-in", {"email": user.email, "password": PASSWORD})
        )


class _HostView(APIView):
    """A host's own DRF view: our authentication, DRF's default exception handler."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsFullAccount]

    def get(self, request: Any) -> Response:
        return Response({"ok": True})


@pytest.mark.django_db(transaction=True)
def test_bearer_authentication_answers_503_under_the_hosts_own_exception_handler(
    session: str,
) -> None:
    request = APIRequestFactory().get("/host", HTTP_AUTHORIZATION=f"Bearer {session}")
    with database_unreachable():
        response = _HostView.as_view()(request)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.data == {"detail": "The service is temporarily unavailable."}


# --- 16: concurrent writes on SQLite -----------------------------------------------------------


def _call(url: str, body: dict[str, Any], token: str = "") -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_concurrent_writes_of_one_account_on_sqlite_all_succeed(tmp_path: Path) -> None:
    """16 parallel ``POST /auth/tokens`` for one account, file-based SQLite, a live server."""
    with running_example(tmp_path) as example:
        api = f"{example.url}{API}/auth"
        status, registered = _call(
            f"{api}/register", {"email": "ada@example.com", "password": PASSWORD}
        )
        assert status == HTTPStatus.OK, registered
        session = str(registered["token"])
        statuses: list[int] = []
        start = threading.Barrier(16)

        def mint(n: int) -> None:
            start.wait()
            body = {
                "label": f"parallel {n}",
                "permissions": {"challenges": "read"},
                "competition_access": "all",
            }
            statuses.append(_call(f"{api}/tokens", body, session)[0])

        threads = [threading.Thread(target=mint, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(statuses) == [HTTPStatus.OK] * 16, f"{statuses}\n{tail(example.log, 20)}"


# --- 17: query integers ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("value", ["1.0", "", "1e1", " 1", "1 ", "+1", "0x1", "\u0661"])
def test_pagination_refuses_what_is_not_an_integer(session: str, name: str, value: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {session}")
    response = client.get(f"{API}/auth/tokens", {name: value})
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, response.content
    payload = _envelope(response)
    assert payload["code"] == "validation_error"
    assert payload["detail"]["issues"] == [
        {
            "type": "invalid",
            "loc": [name],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
        }
    ]


@pytest.mark.django_db
def test_pagination_still_reads_integers_and_defaults(session: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {session}")
    page = client.get(f"{API}/auth/tokens", {"limit": "7", "offset": "0"}).json()
    assert (page["limit"], page["offset"]) == (7, 0)
    page = client.get(f"{API}/auth/tokens").json()
    assert (page["limit"], page["offset"]) == (50, 0)
    assert client.get(f"{API}/auth/tokens", {"offset": "-1"}).status_code == 422


@pytest.mark.django_db
def test_the_schema_describes_integer_queries_bodies_and_outages() -> None:
    schema = Client().get(f"{API}/schema", HTTP_ACCEPT="application/json").json()
    listing = schema["paths"]["/api/v1/auth/tokens"]
    for parameter in listing["get"]["parameters"]:
        if parameter["name"] in ("limit", "offset"):
            assert parameter["schema"]["type"] == "integer"
            assert "allowEmptyValue" not in parameter, parameter
    mint = listing["post"]["responses"]
    assert {"400", "413", "503"} <= set(mint), sorted(mint)
    assert "request_too_large" in mint["413"]["description"]
    assert "service_unavailable" in mint["503"]["description"]
    # A route that needs no database documents no outage.
    assert "503" not in schema["paths"]["/api/v1/auth/providers"]["get"]["responses"]


@pytest.mark.django_db(transaction=True)
def test_the_middleware_answers_the_503_envelope_while_the_database_is_unreachable(
    session: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A plain view that reads ``request.user`` resolved by ``BearerTokenMiddleware``."""
    client = Client(raise_request_exception=False)
    with database_unreachable(), caplog.at_level(logging.ERROR, logger="ctfy_auth.api"):
        response = client.get("/plain/whoami", HTTP_AUTHORIZATION=f"Bearer {session}")
    assert_service_unavailable(response)
    assert "Authorization" in response["Vary"]
    logged = [r.getMessage() for r in caplog.records if r.name == "ctfy_auth.api"]
    assert logged == ["Database unavailable in BearerTokenMiddleware"]
