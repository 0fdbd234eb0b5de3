"""The OpenAPI description (drf-spectacular) is valid, complete and true.

* ``/api/v1/schema`` is a valid OpenAPI document, generated without a single warning.
* Every route of ``ctfy_auth.api.urls`` is in it with exactly its methods, and nothing else is
  (not the host's demo routes, not the catch-all).
* Every error answer is the envelope component; 401s carry ``WWW-Authenticate``, 429s
  ``Retry-After``; routes that read a credential name the bearer schemes, the others declare
  ``security: []``.
* Real answers of the running app validate against the schema's response for their operation
  and status: the status is documented, required headers are present, the body matches.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import URLPattern, resolve, reverse
from django.urls.resolvers import RoutePattern
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from openapi_spec_validator import validate as validate_spec
from rest_framework.test import APIClient

import ctfy_auth
from ctfy_auth.api.base import CtfyPublicAPIView
from ctfy_auth.api.urls import urlpatterns
from tests.conftest import PASSWORD

SCHEMA_URL = "/api/v1/schema?format=json"
ERROR_REF = "#/components/schemas/ErrorEnvelope"
RATE_LIMITED_REF = "#/components/schemas/RateLimitedEnvelope"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
#: The routes that take no credential (the issue's list).
ANONYMOUS = {
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("get", "/api/v1/auth/providers"),
    ("get", "/api/v1/auth/login/{}"),
    ("get", "/api/v1/auth/callback/{}"),
    ("post", "/api/v1/auth/device/code"),
    ("post", "/api/v1/auth/device/token"),
    ("get", "/api/v1/auth/tokens/scopes"),
    ("get", "/api/v1/auth/tokens/templates"),
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    response = APIClient().get(SCHEMA_URL)
    assert response.status_code == HTTPStatus.OK, response.content[:500]
    document: dict[str, Any] = response.json()
    return document


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def _template(path: str) -> str:
    return re.sub(r"\{[^}/]+\}", "{}", path)


def _routes() -> dict[tuple[str, str], Any]:
    """``{(method, mounted path with {} for parameters): view class}`` of ctfy_auth.api.urls."""
    routes: dict[tuple[str, str], Any] = {}
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        if not isinstance(pattern.pattern, RoutePattern):
            assert pattern.name == "not-found", f"{pattern} is a regex route: describe it"
            continue
        kwargs = {name: "PARAM" for name in pattern.pattern.converters}
        path = reverse(f"ctfy_auth:{pattern.name}", kwargs=kwargs)
        match = resolve(path)
        assert match.url_name == pattern.name
        callback = match.func
        actions = getattr(callback, "actions", None)
        view_class = callback.cls  # type: ignore[attr-defined]
        if actions is not None:
            methods = set(actions) & set(HTTP_METHODS)  # DRF adds "head" to "get"
        else:
            methods = {m for m in HTTP_METHODS if hasattr(view_class, m)}
        for method in methods:
            routes[(method, path.replace("PARAM", "{}"))] = view_class
    return routes


# --- the document ---------------------------------------------------------------------------


def test_schema_is_valid_openapi(schema: dict[str, Any]) -> None:
    validate_spec(schema)
    assert schema["openapi"].startswith("3.0")
    assert schema["info"]["title"] == "ctfy_auth"
    assert schema["info"]["version"] == ctfy_auth.__version__


def test_generation_emits_no_warning(tmp_path: Path) -> None:
    # --fail-on-warn turns every warning or error spectacular collects into a failure.
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.read_text().startswith("openapi: 3.0")


def test_every_route_is_described_with_its_methods_and_nothing_else(
    schema: dict[str, Any],
) -> None:
    routes = _routes()
    described = {(method, _template(path)) for path, method, _op in _operations(schema)}
    assert described == set(routes)
    assert not [p for p in schema["paths"] if "/demo/" in p or re.search(r"[()^$?*\\]", p)]


def test_operation_ids_are_unique(schema: dict[str, Any]) -> None:
    ids = [op["operationId"] for _path, _method, op in _operations(schema)]
    assert len(ids) == len(set(ids)) == len(_routes())


def test_every_error_is_the_envelope(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    envelope = components["ErrorEnvelope"]
    assert set(envelope["required"]) == {"code", "detail", "timestamp"}
    rate_limited = components["RateLimitedEnvelope"]
    assert set(rate_limited["properties"]) == {*envelope["properties"], "error"}
    assert set(rate_limited["required"]) == {*envelope["required"], "error"}
    for path, method, operation in _operations(schema):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            where = f"{method.upper()} {path} {status}"
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref == (RATE_LIMITED_REF if status == "429" else ERROR_REF), where
            assert response["description"], where
            headers = response.get("headers", {})
            if status == "401":
                assert headers["WWW-Authenticate"]["required"] is True, where
            if status == "429":
                assert headers["Retry-After"]["required"] is True, where


def test_security(schema: dict[str, Any]) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert {name: (s["type"], s["scheme"]) for name, s in schemes.items()} == {
        "sessionToken": ("http", "bearer"),
        "apiToken": ("http", "bearer"),
    }
    routes = _routes()
    anonymous = set()
    for path, method, operation in _operations(schema):
        view_class = routes[(method, _template(path))]
        where = f"{method.upper()} {path}"
        if not view_class.authentication_classes:
            anonymous.add((method, _template(path)))
            assert operation["security"] == [], where
            assert operation["x-ctfy-auth"] == "none", where
            assert "401" not in operation["responses"] or path.endswith("/login"), where
            continue
        requirements = operation["security"]
        assert requirements, where
        assert all(set(r) <= set(schemes) and len(r) == 1 for r in requirements), where
        assert {"sessionToken": []} in requirements, where
        accepts_api_tokens = {"apiToken": []} in requirements
        assert accepts_api_tokens == (path == "/api/v1/me"), where
        assert {"401", "403"} <= set(operation["responses"]), where
    assert anonymous == ANONYMOUS


def test_each_handler_spends_the_rate_bucket_its_429_names(schema: dict[str, Any]) -> None:
    """``rate_buckets`` is one declaration: the handler spends it, the schema documents it.

    A handler calls ``self.check_rate()`` exactly when its view names a bucket for it, and
    its operation's 429 names that bucket (and only then has a rate's 429).
    """
    operations = {(m, _template(p)): op for p, m, op in _operations(schema)}
    checked = 0
    for pattern in urlpatterns:
        view_class = getattr(pattern.callback, "cls", None)
        if view_class is None:
            continue  # the catch-all
        kwargs = {name: "PARAM" for name in pattern.pattern.converters}  # type: ignore[attr-defined]
        path = reverse(f"ctfy_auth:{pattern.name}", kwargs=kwargs).replace("PARAM", "{}")
        actions = getattr(pattern.callback, "actions", None) or {
            m: m for m in HTTP_METHODS if hasattr(view_class, m)
        }
        for method, name in actions.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{view_class.__name__}.{name}"
            spends = "self.check_rate()" in inspect.getsource(getattr(view_class, name))
            bucket = view_class.rate_buckets.get(name)
            assert spends == (bucket is not None), where
            too_many = operations[(method, path)]["responses"].get("429", {})
            rates = re.findall(r"past the `(\w+)` rate", too_many.get("description", ""))
            assert rates == ([bucket] if bucket else []), where
            checked += bucket is not None
    assert checked > 15, "no handler spends a bucket: check the test"


def test_a_handler_without_a_declared_bucket_cannot_spend_one(rf: Any) -> None:
    class View(CtfyPublicAPIView):
        rate_buckets = {"get": "login"}

    view = View()
    view.request = view.initialize_request(rf.post("/x"))
    with pytest.raises(ImproperlyConfigured, match="names no bucket for 'post'"):
        view.check_rate()


def test_session_only_and_role_routes_are_marked(schema: dict[str, Any]) -> None:
    marks = {(m, _template(p)): op["x-ctfy-auth"] for p, m, op in _operations(schema)}
    assert marks[("get", "/api/v1/auth/tokens")] == "session"
    assert marks[("get", "/api/v1/me")] == "profile:read"
    assert marks[("get", "/api/v1/admin/users")] == "admin"
    assert marks[("patch", "/api/v1/admin/users/{}/role")] == "super-admin"


def test_request_bodies_state_the_server_side_bounds(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    password = components["RegisterRequest"]["properties"]["password"]
    assert (password["minLength"], password["maxLength"]) == (12, 256)
    assert components["RoleChangeRequest"]["required"] == ["role"]
    expiry = components["ExpiryRequest"]["properties"]["expires_in_days"]
    assert (expiry["minimum"], expiry["maximum"], expiry["nullable"]) == (0, 1825, True)


def test_swagger_ui_is_served_without_a_cdn(client: Any) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "drf_spectacular_sidecar" in page
    assert "cdn.jsdelivr.net" not in page


# --- real answers against the schema ----------------------------------------------------------


def _operation_for(schema: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The operation whose path template matches ``path``; literal segments win."""
    candidates = []
    for template, item in schema["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method in item:
            candidates.append((template.count("{"), item[method]))
    assert candidates, f"{method.upper()} {path} is not in the schema"
    return min(candidates, key=lambda c: c[0])[1]


def _validate(schema: dict[str, Any], body_schema: dict[str, Any], body: Any) -> None:
    validator = OAS30ReadValidator(
        {**body_schema, "components": schema["components"]}, format_checker=oas30_format_checker
    )
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.fixture
def conforms(schema: dict[str, Any]) -> Callable[..., Any]:
    """``conforms(response)``: its status is documented for its operation, and it matches."""

    def check(response: Any, status: int | None = None) -> Any:
        method = response.request["REQUEST_METHOD"].lower()
        path = response.request["PATH_INFO"]
        where = f"{method.upper()} {path} → {response.status_code}"
        if status is not None:
            assert response.status_code == status, f"{where}: {response.content[:300]!r}"
        operation = _operation_for(schema, method, path)
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, f"{where} is not documented"
        for name, header in documented.get("headers", {}).items():
            if header.get("required"):
                # Django keeps cookies apart; a server sends them as Set-Cookie headers.
                present = bool(response.cookies) if name == "Set-Cookie" else name in response
                assert present, f"{where}: no {name} header"
        content = documented.get("content")
        if content is None:
            assert not response.content, where
            return None
        media_type = response["Content-Type"].split(";")[0]
        assert media_type in content, where
        body = response.json()
        _validate(schema, content[media_type]["schema"], body)
        return body

    return check


@pytest.mark.django_db
def test_account_and_token_answers_match_the_schema(
    conforms: Callable[..., Any], client_for: Callable[..., APIClient]
) -> None:
    anonymous = APIClient()
    body = conforms(
        anonymous.post(
            "/api/v1/auth/register",
            {"email": "ada@example.com", "password": PASSWORD},
            format="json",
        ),
        HTTPStatus.OK,
    )
    session = APIClient()
    session.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    conforms(
        anonymous.post(
            "/api/v1/auth/register",
            {"email": "ada@example.com", "password": "short"},
            format="json",
        ),
        HTTPStatus.UNPROCESSABLE_ENTITY,
    )
    conforms(
        anonymous.post(
            "/api/v1/auth/register",
            {"email": "ada@example.com", "password": PASSWORD},
            format="json",
        ),
        HTTPStatus.CONFLICT,
    )
    conforms(
        anonymous.post(
            "/api/v1/auth/register", "email=a", content_type="application/x-www-form-urlencoded"
        ),
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    )
    conforms(
        anonymous.post("/api/v1/auth/register", "{not json", content_type="application/json"),
        HTTPStatus.UNPROCESSABLE_ENTITY,
    )
    conforms(
        anonymous.post(
            "/api/v1/auth/login",
            {"email": "ada@example.com", "password": "not the password"},
            format="json",
        ),
        HTTPStatus.UNAUTHORIZED,
    )
    conforms(session.get("/api/v1/me"), HTTPStatus.OK)
    conforms(session.get("/api/v1/auth/identities"), HTTPStatus.OK)
    conforms(session.get("/api/v1/auth/identities?limit=0"), HTTPStatus.UNPROCESSABLE_ENTITY)
    conforms(session.delete("/api/v1/auth/identities/password"), HTTPStatus.NOT_FOUND)

    created = conforms(
        session.post("/api/v1/auth/tokens", {"label": "ci"}, format="json"), HTTPStatus.OK
    )
    never = conforms(
        session.post(
            "/api/v1/auth/tokens",
            {"template": "read_only", "expires_in_days": 0, "competition_access": "all"},
            format="json",
        ),
        HTTPStatus.OK,
    )
    assert never["expires_at"] is None
    conforms(
        session.post("/api/v1/auth/tokens", {"competition_access": "some"}, format="json"),
        HTTPStatus.UNPROCESSABLE_ENTITY,
    )
    listing = conforms(session.get("/api/v1/auth/tokens"), HTTPStatus.OK)
    assert any(row["last_used_at"] is None for row in listing["items"])
    token_id = created["id"]
    conforms(
        session.patch(f"/api/v1/auth/tokens/{token_id}", {"label": "ci 2"}, format="json"),
        HTTPStatus.OK,
    )
    conforms(session.post(f"/api/v1/auth/tokens/{token_id}/renew"), HTTPStatus.UNPROCESSABLE_ENTITY)
    conforms(
        session.post(f"/api/v1/auth/tokens/{token_id}/renew", {}, format="json"), HTTPStatus.OK
    )
    rotated = conforms(
        session.post(f"/api/v1/auth/tokens/{token_id}/rotate", {}, format="json"), HTTPStatus.OK
    )
    conforms(
        session.post(f"/api/v1/auth/tokens/{token_id}/rotate", {}, format="json"),
        HTTPStatus.CONFLICT,
    )
    conforms(
        session.patch("/api/v1/auth/tokens/scopes", {}, format="json"),
        HTTPStatus.METHOD_NOT_ALLOWED,
    )
    conforms(session.delete("/api/v1/auth/tokens/no-such-token"), HTTPStatus.NOT_FOUND)

    api_token = APIClient()
    api_token.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated['token']}")
    conforms(api_token.get("/api/v1/auth/tokens"), HTTPStatus.FORBIDDEN)
    assert conforms(api_token.get("/api/v1/me"), HTTPStatus.OK)["token_kind"] == "fine_grained"
    conforms(anonymous.get("/api/v1/auth/tokens"), HTTPStatus.UNAUTHORIZED)
    conforms(session.delete(f"/api/v1/auth/tokens/{rotated['id']}"), HTTPStatus.OK)
    conforms(session.delete("/api/v1/auth/tokens/others"), HTTPStatus.OK)

    conforms(session.post("/api/v1/me/reauthenticate", {}, format="json"), HTTPStatus.UNAUTHORIZED)
    conforms(
        session.post("/api/v1/me/reauthenticate", {"current_password": PASSWORD}, format="json"),
        HTTPStatus.OK,
    )
    conforms(session.delete("/api/v1/auth/password"), HTTPStatus.CONFLICT)
    conforms(
        session.post(
            "/api/v1/auth/password",
            {"new_password": PASSWORD + "!", "current_password": PASSWORD},
            format="json",
        ),
        HTTPStatus.OK,
    )


@pytest.mark.django_db
def test_public_device_and_admin_answers_match_the_schema(
    conforms: Callable[..., Any],
    user_factory: Callable[..., Any],
    client_for: Callable[..., APIClient],
) -> None:
    anonymous = APIClient()
    conforms(anonymous.get("/api/v1/auth/providers"), HTTPStatus.OK)
    conforms(anonymous.get("/api/v1/auth/tokens/scopes"), HTTPStatus.OK)
    conforms(anonymous.get("/api/v1/auth/tokens/templates"), HTTPStatus.OK)
    conforms(anonymous.get("/api/v1/auth/login/github"), HTTPStatus.NOT_FOUND)
    conforms(anonymous.get("/api/v1/auth/callback/github"), HTTPStatus.BAD_REQUEST)
    conforms(  # the provider is checked before the state (it is not configured here)
        anonymous.get("/api/v1/auth/callback/github?code=c&state=forged"), HTTPStatus.NOT_FOUND
    )

    admin = user_factory(role="super_admin")
    admin_client = client_for(admin)
    person = user_factory()
    person_client = client_for(person)

    device = conforms(anonymous.post("/api/v1/auth/device/code"), HTTPStatus.OK)
    poll = {"device_code": device["device_code"]}
    conforms(anonymous.post("/api/v1/auth/device/token", poll, format="json"), HTTPStatus.OK)
    conforms(anonymous.post("/api/v1/auth/device/token", {}, format="json"), 422)
    user_code = device["user_code"]
    conforms(person_client.get(f"/api/v1/auth/device/info?user_code={user_code}"), HTTPStatus.OK)
    conforms(person_client.get("/api/v1/auth/device/info"), HTTPStatus.UNPROCESSABLE_ENTITY)
    conforms(
        person_client.post("/api/v1/auth/device/approve", {"user_code": user_code}, format="json"),
        HTTPStatus.OK,
    )
    conforms(
        person_client.post("/api/v1/auth/device/deny", {"user_code": "ZZZZ-ZZZZ"}, format="json"),
        HTTPStatus.NOT_FOUND,
    )

    page = conforms(admin_client.get("/api/v1/admin/users?sort=name&dir=asc"), HTTPStatus.OK)
    assert any(row["last_active_at"] is None for row in page["items"])
    conforms(admin_client.get("/api/v1/admin/users?dir=up"), HTTPStatus.UNPROCESSABLE_ENTITY)
    conforms(person_client.get("/api/v1/admin/users"), HTTPStatus.FORBIDDEN)
    conforms(admin_client.get(f"/api/v1/admin/users/{person.pk}"), HTTPStatus.OK)
    conforms(admin_client.get("/api/v1/admin/users/nobody"), HTTPStatus.NOT_FOUND)
    conforms(
        admin_client.patch(
            f"/api/v1/admin/users/{person.pk}/role", {"role": "admin"}, format="json"
        ),
        HTTPStatus.OK,
    )
    conforms(
        admin_client.patch(f"/api/v1/admin/users/{admin.pk}/role", {"role": "user"}, format="json"),
        HTTPStatus.BAD_REQUEST,
    )
    found = conforms(
        admin_client.post(
            "/api/v1/admin/token-trace",
            {"token": person_client.token},  # type: ignore[attr-defined]
            format="json",
        ),
        HTTPStatus.OK,
    )
    assert found["found"] is True
    missing = conforms(
        admin_client.post("/api/v1/admin/token-trace", {"token": "pt_nope"}, format="json"),
        HTTPStatus.OK,
    )
    assert missing["found"] is False
    token_id = found["token_id"]
    conforms(admin_client.post(f"/api/v1/admin/tokens/{token_id}/revoke"), HTTPStatus.OK)
    conforms(admin_client.post(f"/api/v1/admin/tokens/{token_id}/revoke"), HTTPStatus.OK)
    conforms(admin_client.post("/api/v1/admin/tokens/nope/revoke"), HTTPStatus.NOT_FOUND)
    conforms(person_client.get("/api/v1/auth/tokens"), HTTPStatus.FORBIDDEN)  # revoked


@pytest.mark.django_db
def test_rate_limited_answer_matches_the_schema(
    conforms: Callable[..., Any], settings: Any
) -> None:
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_RATES": {"login": "1/minute"}}
    client = APIClient()
    body = {"email": "nobody@example.com", "password": "whatever it is"}
    conforms(client.post("/api/v1/auth/login", body, format="json"), HTTPStatus.UNAUTHORIZED)
    limited = conforms(client.post("/api/v1/auth/login", body, format="json"), 429)
    assert limited["code"] == "rate_limited"


@pytest.mark.django_db
def test_catch_all_404_is_the_envelope(schema: dict[str, Any], client: Any) -> None:
    for path in ("/api/v1/auth/nope", "/api/v1/me/emails", "/api/v1/auth/tokens/"):
        response = client.get(path)
        assert response.status_code == HTTPStatus.NOT_FOUND
        _validate(schema, {"$ref": ERROR_REF}, response.json())


@pytest.mark.django_db
def test_provider_sign_in_answers_match_the_schema(
    conforms: Callable[..., Any], settings: Any, fake_github: Any
) -> None:
    settings.CTFY_AUTH = {
        **settings.CTFY_AUTH,
        "PROVIDERS": {
            "github": {
                "client_id": fake_github.client_id,
                "client_secret": fake_github.client_secret,
                "authorize_url": fake_github.authorize_url,
                "token_url": fake_github.token_url,
                "api_url": fake_github.api_url,
            }
        },
    }
    fake_github.add_user(7, "octocat", name="The Octocat")
    fake_github.sign_in_as("octocat")
    browser = APIClient()
    conforms(browser.get("/api/v1/auth/providers"), HTTPStatus.OK)
    conforms(browser.get("/api/v1/auth/callback/github"), HTTPStatus.BAD_REQUEST)
    started = conforms(browser.get("/api/v1/auth/login/github"), HTTPStatus.FOUND)
    assert started is None
    back = urlsplit(fake_github.approve(browser.get("/api/v1/auth/login/github")["Location"]))
    landed = browser.get(f"{back.path}?{back.query}")
    conforms(landed, HTTPStatus.FOUND)
    token = parse_qs(landed["Location"].partition("#")[2])["token"][0]
    session = APIClient()
    session.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    identities = conforms(session.get("/api/v1/auth/identities"), HTTPStatus.OK)
    assert [row["provider"] for row in identities["items"]] == ["github"]
    conforms(session.delete(f"/api/v1/auth/identities/{identities['items'][0]['id']}"), 409)
    conforms(session.post("/api/v1/auth/identities/link/github"), HTTPStatus.OK)
    conforms(session.post("/api/v1/auth/identities/link/nope"), HTTPStatus.NOT_FOUND)
    conforms(session.delete("/api/v1/auth/password"), HTTPStatus.NOT_FOUND)  # has none
    conforms(session.post("/api/v1/me/reauthenticate", {}, format="json"), 401)


# --- answers fuzzing the schema once found outside it (server bugs, fixed) -----------------------


@pytest.mark.django_db
def test_unknown_paths_answer_the_envelope_to_unsafe_methods_too(schema: dict[str, Any]) -> None:
    # DELETE /auth/tokens/{id} with an id holding a "/" lands on the catch-all.
    response = APIClient(enforce_csrf_checks=True).delete("/api/v1/auth/tokens/a/b")
    assert response.status_code == HTTPStatus.NOT_FOUND
    _validate(schema, {"$ref": ERROR_REF}, response.json())


@pytest.mark.django_db
def test_an_offset_past_the_database_integer_is_422(user_client: APIClient) -> None:
    response = user_client.get(f"/api/v1/auth/tokens?offset={10**30}")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
