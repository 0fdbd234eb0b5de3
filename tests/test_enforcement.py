"""Scope enforcement on a host's own views (ctfy wire §3.9), through the demo app's routes.

Every credential kind against every kind of route: DRF views with ``HasScopes``,
the DRF view that declares no scopes (``IsFullAccount``) and a plain Django view
with ``require_scope``. Plus the declaration rules, DRF composition and the
hot-path query budget.
"""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.http import JsonResponse
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from ctfy_auth import crypto
from ctfy_auth.api.base import CtfyAPIView
from ctfy_auth.authentication import BearerTokenAuthentication
from ctfy_auth.constants import CredentialKind, Role
from ctfy_auth.decorators import require_scope
from ctfy_auth.exceptions import InvalidToken, TokenMissingScope, TokenResourceForbidden
from ctfy_auth.models import Token
from ctfy_auth.permissions import (
    HasScopes,
    IsAdmin,
    IsFullAccount,
    IsUserSession,
    check_scopes,
    view_rules_on_api_tokens,
)
from ctfy_auth.principal import Principal
from ctfy_auth.testing import api_client_for, bearer, create_user_with_token
from demo.models import Competition, Submission

pytestmark = pytest.mark.django_db

LIST = "/api/v1/demo/competitions"
PROFILE = "/api/v1/demo/profile"
UNSCOPED = "/api/v1/demo/unscoped"


def challenges(competition_id: str) -> str:
    return f"/api/v1/demo/competitions/{competition_id}/challenges"


def submissions(competition_id: str) -> str:
    return f"/api/v1/demo/competitions/{competition_id}/submissions"


def scoreboard(competition_id: str) -> str:
    return f"/demo/plain/competitions/{competition_id}/scoreboard"


#: Everything the demo routes need, for an API token that passes them all.
EVERY_DEMO_SCOPE = {
    "challenges": "read",
    "submissions": "write",
    "scoreboard": "read",
    "profile": "read",
}


@pytest.fixture(autouse=True)
def competitions() -> None:
    """The data migration creates them; transactional tests elsewhere may have flushed them."""
    for pk, name in (("ctf-2026", "CTF 2026"), ("quals", "Qualifiers")):
        Competition.objects.get_or_create(pk=pk, defaults={"name": name})


def token_client(scopes: dict[str, str] | None = None, **kwargs: Any) -> APIClient:
    _user, plaintext = create_user_with_token(scopes, **kwargs)
    client = api_client_for(plaintext)
    client.token = plaintext  # type: ignore[attr-defined]
    return client


def submit(client: APIClient, competition_id: str, body: Any = None) -> Any:
    return client.post(
        submissions(competition_id), {"answer": "42"} if body is None else body, format="json"
    )


def error(response: Any) -> tuple[int, str, Any]:
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["timestamp"].endswith("+00:00")
    return response.status_code, body["code"], body["detail"]


def every_scoped_route(client: APIClient, competition_id: str = "ctf-2026") -> list[Any]:
    return [
        client.get(LIST),
        client.get(challenges(competition_id)),
        submit(client, competition_id),
        client.get(PROFILE),
        client.get(scoreboard(competition_id)),
    ]


# --- sessions ----------------------------------------------------------------------------


def test_a_session_passes_every_route():
    user, plaintext = create_user_with_token(display_name="Ada")
    client = api_client_for(plaintext)
    assert client.get(LIST).json() == {
        "items": [{"id": "ctf-2026", "name": "CTF 2026"}, {"id": "quals", "name": "Qualifiers"}]
    }
    body = client.get(challenges("quals")).json()
    assert body["competition_id"] == "quals" and body["items"][0]["id"] == "sanity-check"
    response = submit(client, "ctf-2026", {"answer": "flag{x}"})
    assert response.status_code == HTTPStatus.OK
    row = Submission.objects.get()
    assert response.json() == {"id": row.pk, "competition_id": "ctf-2026", "answer": "flag{x}"}
    assert row.user == user
    assert client.get(PROFILE).json() == {
        "id": user.id,
        "email": user.email,
        "display_name": "Ada",
    }
    assert client.get(UNSCOPED).json() == {"id": user.id, "kind": "session"}
    response = client.get(scoreboard("ctf-2026"))
    assert response.status_code == HTTPStatus.OK
    assert response.json()["competition_id"] == "ctf-2026" and response.json()["rows"]
    assert "Authorization" in response["Vary"]


def test_a_session_gets_404_for_an_unknown_competition():
    client = token_client()
    assert error(client.get(challenges("nope"))) == (
        HTTPStatus.NOT_FOUND,
        "http_404",
        "Competition not found",
    )
    assert error(submit(client, "nope"))[:2] == (HTTPStatus.NOT_FOUND, "http_404")
    assert error(client.get(scoreboard("nope")))[:2] == (HTTPStatus.NOT_FOUND, "http_404")
    assert not Submission.objects.exists()


# --- API tokens with `all` access ---------------------------------------------------------


def test_an_all_token_with_every_needed_scope_passes_every_scoped_route():
    client = token_client(EVERY_DEMO_SCOPE)
    for response in every_scoped_route(client, "quals"):
        assert response.status_code == HTTPStatus.OK, response.content
    assert [c["id"] for c in client.get(LIST).json()["items"]] == ["ctf-2026", "quals"]
    assert Submission.objects.filter(competition_id="quals").count() == 1


def test_write_implies_read():
    client = token_client({"profile": "write"})
    assert client.get(PROFILE).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("request_", "required", "granted"),
    [
        (lambda c: c.get(LIST), "challenges:read", "challenges:none"),
        (lambda c: c.get(challenges("ctf-2026")), "challenges:read", "challenges:none"),
        (lambda c: submit(c, "ctf-2026"), "submissions:write", "submissions:read"),
        (lambda c: c.get(PROFILE), "profile:read", "profile:none"),
        (lambda c: c.get(scoreboard("ctf-2026")), "scoreboard:read", "scoreboard:none"),
    ],
)
def test_a_short_level_is_token_missing_scope(request_, required, granted):
    client = token_client({"submissions": "read"})
    status, code, detail = error(request_(client))
    assert (status, code) == (HTTPStatus.FORBIDDEN, "token_missing_scope")
    assert (detail["required"], detail["granted"]) == (required, granted)
    assert required in detail["message"]
    assert not Submission.objects.exists()


def test_an_all_token_gets_404_for_an_unknown_competition():
    client = token_client(EVERY_DEMO_SCOPE)
    assert error(client.get(challenges("nope")))[:2] == (HTTPStatus.NOT_FOUND, "http_404")
    assert error(client.get(scoreboard("nope")))[:2] == (HTTPStatus.NOT_FOUND, "http_404")


# --- API tokens with `selected` access ----------------------------------------------------


def test_a_selected_token_passes_on_its_competitions_only():
    client = token_client(EVERY_DEMO_SCOPE, resource_access="selected", resource_ids=["ctf-2026"])
    for response in every_scoped_route(client, "ctf-2026"):
        assert response.status_code == HTTPStatus.OK, response.content
    assert client.get(LIST).json() == {"items": [{"id": "ctf-2026", "name": "CTF 2026"}]}
    for response in (
        client.get(challenges("quals")),
        submit(client, "quals"),
        client.get(scoreboard("quals")),
    ):
        status, code, detail = error(response)
        assert (status, code) == (HTTPStatus.FORBIDDEN, "token_competition_forbidden")
        assert detail["competition_id"] == "quals"
        assert detail["competition_access"] == "selected"
    assert list(Submission.objects.values_list("competition_id", flat=True)) == ["ctf-2026"]


def test_a_selected_token_cannot_probe_which_competitions_exist():
    client = token_client(EVERY_DEMO_SCOPE, resource_access="selected", resource_ids=["ctf-2026"])
    unknown, forbidden = client.get(challenges("nope")), client.get(challenges("quals"))
    assert (
        error(unknown)[:2]
        == error(forbidden)[:2]
        == (
            HTTPStatus.FORBIDDEN,
            "token_competition_forbidden",
        )
    )


def test_the_level_is_checked_before_the_resource_gate():
    client = token_client({"challenges": "read"}, resource_access="selected", resource_ids=["x"])
    assert error(submit(client, "quals"))[1] == "token_missing_scope"
    assert error(client.get(challenges("quals")))[1] == "token_competition_forbidden"


# --- API tokens with `none` access --------------------------------------------------------


def test_a_none_token_is_refused_on_resource_scoped_routes_but_not_elsewhere():
    client = token_client(EVERY_DEMO_SCOPE, resource_access="none")
    for response in (
        client.get(challenges("ctf-2026")),
        submit(client, "ctf-2026"),
        client.get(scoreboard("ctf-2026")),
    ):
        status, code, detail = error(response)
        assert (status, code) == (HTTPStatus.FORBIDDEN, "token_competition_forbidden")
        assert (detail["competition_id"], detail["competition_access"]) == ("ctf-2026", "none")
    assert client.get(LIST).json() == {"items": []}
    assert client.get(PROFILE).status_code == HTTPStatus.OK


# --- dead credentials, no credential ------------------------------------------------------


ALL_ROUTES = [
    ("get", LIST),
    ("get", challenges("ctf-2026")),
    ("post", submissions("ctf-2026")),
    ("get", PROFILE),
    ("get", UNSCOPED),
    ("get", scoreboard("ctf-2026")),
]


def call(client: APIClient, method: str, url: str) -> Any:
    if method == "post":
        return client.post(url, {"answer": "42"}, format="json")
    return client.get(url)


@pytest.mark.parametrize(("method", "url"), ALL_ROUTES)
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "Token has expired"),
        ({"revoked_at": timezone.now()}, "Invalid or revoked token"),
    ],
)
@pytest.mark.parametrize("scopes", [None, EVERY_DEMO_SCOPE])
def test_expired_and_revoked_tokens_are_403(method, url, change, message, scopes):
    client = token_client(scopes)
    Token.objects.filter(digest=crypto.digest(client.token)).update(**change)
    assert error(call(client, method, url)) == (HTTPStatus.FORBIDDEN, "http_403", message)


@pytest.mark.parametrize(("method", "url"), ALL_ROUTES)
@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Bearer "])
def test_no_credential_is_401(method, url, header):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = call(client, method, url)
    assert error(response) == (HTTPStatus.UNAUTHORIZED, "http_401", "Not authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_forged_token_is_403_on_the_plain_view():
    response = APIClient().get(scoreboard("ctf-2026"), **bearer("pf_" + "A" * 49))
    assert error(response) == (HTTPStatus.FORBIDDEN, "http_403", "Invalid or revoked token")


# --- the view that declares no scopes ------------------------------------------------------


@pytest.mark.parametrize("scopes", [{}, EVERY_DEMO_SCOPE, {"profile": "write"}])
def test_a_view_without_scopes_refuses_every_api_token(scopes):
    status, code, detail = error(token_client(scopes).get(UNSCOPED))
    assert (status, code) == (HTTPStatus.FORBIDDEN, "token_scope_required")
    assert detail["error"] == "token_scope_required"


# --- request bodies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [{}, {"answer": ""}, {"answer": "x" * 201}, {"answer": None}, ["42"]]
)
def test_a_bad_body_is_422_after_the_scope_and_before_the_competition(body):
    assert error(submit(token_client(), "nope", body))[:2] == (
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "validation_error",
    )
    assert error(submit(token_client({"challenges": "read"}), "ctf-2026", body))[1] == (
        "token_missing_scope"
    )
    assert not Submission.objects.exists()


def test_a_longest_answer_is_accepted():
    response = submit(token_client(EVERY_DEMO_SCOPE), "quals", {"answer": "x" * 200})
    assert response.status_code == HTTPStatus.OK


# --- tokens minted through the API against the host's RESOURCE_EXISTS -----------------------


def test_tokens_select_only_competitions_that_exist(settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "RESOURCE_EXISTS": "demo.models.competition_exists"}
    session = token_client()

    def mint(ids: list[str]) -> Any:
        body = {
            "competition_access": "selected",
            "competition_ids": ids,
            "permissions": {"challenges": "read"},
        }
        return session.post("/api/v1/auth/tokens", body, format="json")

    assert error(mint(["quals", "nope"]))[:2] == (
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "unknown_competition_id",
    )
    minted = mint(["quals"])
    assert minted.status_code == HTTPStatus.OK
    client = api_client_for(minted.json()["token"])
    assert client.get(challenges("quals")).status_code == HTTPStatus.OK
    assert error(client.get(challenges("ctf-2026")))[1] == "token_competition_forbidden"


# --- declarations --------------------------------------------------------------------------


factory = APIRequestFactory()


def run(view_class: type, plaintext: str | None = None, method: str = "get", **kwargs: Any) -> Any:
    headers = bearer(plaintext) if plaintext else {}
    request = getattr(factory, method)("/x", **headers)
    return view_class.as_view()(request, **kwargs)


class _Bare(APIView):
    """A host view on DRF's own exception handler."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [HasScopes]

    def get(self, request: Any, **kwargs: Any) -> Response:
        return Response({"ok": True})


@pytest.mark.parametrize(
    ("declaration", "match"),
    [
        ({}, "declares no scopes"),
        ({"required_scopes": {}}, "declares no scopes"),
        ({"required_scopes": None}, "declares no scopes"),
        ({"required_scopes": ["challenges"]}, "declares no scopes"),
        ({"required_scopes": {"challenge": "read"}}, "not in CTFY_AUTH"),
        ({"required_scopes": {"challenges": "none"}}, "'read' or 'write'"),
        ({"required_scopes": {"challenges": "admin"}}, "'read' or 'write'"),
        ({"required_scopes": {"challenges": "write"}}, "max_level"),
        (
            {"required_scopes": {"challenges": "read"}, "scope_resource_kwarg": "competition_id"},
            "no such argument",
        ),
        (
            {
                "required_scopes": {"challenges": "read"},
                "scope_resource_kwarg": "competition_id",
                "scope_resource_gate": False,
            },
            "scope_resource_gate = False",
        ),
    ],
)
@pytest.mark.parametrize("scopes", ["anonymous", None, EVERY_DEMO_SCOPE])
def test_a_missing_or_bad_declaration_is_improperly_configured(declaration, match, scopes):
    view = type("Declared", (_Bare,), declaration)
    plaintext = None if scopes == "anonymous" else create_user_with_token(scopes)[1]
    kwargs = {"competition_id": "quals"} if declaration.get("scope_resource_gate") is False else {}
    with pytest.raises(ImproperlyConfigured, match=match):
        run(view, plaintext, **kwargs)


def test_a_bad_declaration_on_our_base_class_is_a_500_never_a_pass(caplog):
    view = type("Undeclared", (CtfyAPIView,), {"permission_classes": [HasScopes], "get": _Bare.get})
    response = run(view, create_user_with_token(EVERY_DEMO_SCOPE)[1])
    response.render()
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "ImproperlyConfigured" in caplog.text


class _PerMethod(CtfyAPIView):
    permission_classes = [HasScopes]

    def get_required_scopes(self) -> dict[str, str]:
        if self.request.method == "GET":
            return {"challenges": "read"}
        return {"challenges": "read", "submissions": "write"}

    def get_scope_resource_id(self) -> str | None:
        return self.request.query_params.get("competition")

    def get(self, request: Any) -> Response:
        return Response({"ok": True})

    post = get


def test_view_hooks_give_per_method_needs_and_the_resource():
    _user, plaintext = create_user_with_token(
        {"challenges": "read"}, resource_access="selected", resource_ids=["quals"]
    )

    def call_(method: str, competition: str) -> Any:
        request = getattr(factory, method)(f"/x?competition={competition}", **bearer(plaintext))
        response = _PerMethod.as_view()(request)
        response.render()
        return response

    assert call_("get", "quals").status_code == HTTPStatus.OK
    assert error(call_("get", "ctf-2026"))[1] == "token_competition_forbidden"
    status, code, detail = error(call_("post", "quals"))
    assert (status, code, detail["required"]) == (
        HTTPStatus.FORBIDDEN,
        "token_missing_scope",
        "submissions:write",
    )


def test_a_resource_scoped_need_without_a_resource_passes_only_all_access():
    view = type("NoResource", (CtfyAPIView,), {"permission_classes": [HasScopes], "get": _Bare.get})
    view.required_scopes = {"challenges": "read"}
    everything = create_user_with_token({"challenges": "read"})[1]
    selected = create_user_with_token(
        {"challenges": "read"}, resource_access="selected", resource_ids=["quals"]
    )[1]
    assert run(view, everything).status_code == HTTPStatus.OK
    response = run(view, selected)
    response.render()
    status, code, detail = error(response)
    assert (status, code) == (HTTPStatus.FORBIDDEN, "token_competition_forbidden")
    assert (detail["competition_id"], detail["competition_access"]) == ("", "selected")


# --- DRF composition -----------------------------------------------------------------------


def composed(permission: Any) -> type:
    return type(
        "Composed",
        (CtfyAPIView,),
        {
            "permission_classes": [permission],
            "required_scopes": {"challenges": "read"},
            "get": _Bare.get,
        },
    )


def outcome(view: type, plaintext: str | None = None, user: Any = None) -> tuple[int, str]:
    request = factory.get("/x", **(bearer(plaintext) if plaintext else {}))
    if user is not None:
        force_authenticate(request, user=user)
    response = view.as_view()(request)
    response.render()
    return response.status_code, (json.loads(response.content).get("code") or "")


def test_and_composition_needs_both():
    view = composed(HasScopes & IsFullAccount)
    assert outcome(view, create_user_with_token()[1]) == (HTTPStatus.OK, "")
    assert outcome(view, create_user_with_token({"challenges": "read"})[1]) == (
        HTTPStatus.FORBIDDEN,
        "token_scope_required",
    )
    assert outcome(view, create_user_with_token({"profile": "read"})[1]) == (
        HTTPStatus.FORBIDDEN,
        "token_missing_scope",
    )
    assert outcome(view) == (HTTPStatus.UNAUTHORIZED, "http_401")


def body(view: type, plaintext: str | None = None, user: Any = None) -> tuple[int, str, Any]:
    request = factory.get("/x", **(bearer(plaintext) if plaintext else {}))
    if user is not None:
        force_authenticate(request, user=user)
    response = view.as_view()(request)
    response.render()
    return error(response) if response.status_code >= 400 else (response.status_code, "", None)


def test_or_of_two_ruling_classes_admits_what_either_admits():
    # Both operands rule on API tokens, so the OR does: a token reaches it, and either may admit.
    view = composed(IsFullAccount | HasScopes)
    assert outcome(view, create_user_with_token()[1]) == (HTTPStatus.OK, "")
    assert outcome(view, create_user_with_token({"challenges": "read"})[1]) == (HTTPStatus.OK, "")
    # Both refuse: the envelope is the last refusal's (HasScopes), exactly as HasScopes alone.
    status, code, detail = body(view, create_user_with_token({"profile": "read"})[1])
    assert (status, code) == (HTTPStatus.FORBIDDEN, "token_missing_scope")
    assert (detail["required"], detail["granted"]) == ("challenges:read", "challenges:none")
    assert outcome(view) == (HTTPStatus.UNAUTHORIZED, "http_401")


def test_or_reports_the_first_refusal_when_the_second_has_none():
    user, _plaintext = create_user_with_token()
    view = composed(HasScopes | IsFullAccount)
    status, code, detail = body(view, create_user_with_token({"profile": "read"})[1])
    assert (status, code, detail["error"]) == (
        HTTPStatus.FORBIDDEN,
        "token_scope_required",
        "token_scope_required",
    )
    # A user authenticated another way: both return a plain False, DRF's generic 403.
    assert outcome(view, user=user) == (HTTPStatus.FORBIDDEN, "http_403")


def test_an_or_with_a_class_that_does_not_rule_refuses_every_api_token():
    # IsAuthenticated would admit any token, so the OR does not rule: authentication refuses.
    user, session = create_user_with_token()
    view = composed(HasScopes | IsAuthenticated)
    assert outcome(view, user=user) == (HTTPStatus.OK, "")  # e.g. the host's cookie login
    assert outcome(view, session) == (HTTPStatus.OK, "")
    for scopes in ({"challenges": "read"}, {"profile": "read"}):
        token = create_user_with_token(scopes)[1]
        assert outcome(view, token) == (HTTPStatus.FORBIDDEN, "token_scope_required")
    assert outcome(view) == (HTTPStatus.UNAUTHORIZED, "http_401")


def test_negation_composes_and_its_refusal_is_drfs_generic_403():
    # A route for API tokens only: HasScopes rules, so the AND does; ~IsUserSession never does.
    view = composed(HasScopes & ~IsUserSession)
    assert outcome(view, create_user_with_token({"challenges": "read"})[1]) == (HTTPStatus.OK, "")
    status, code, detail = body(view, create_user_with_token()[1])
    assert (status, code) == (HTTPStatus.FORBIDDEN, "http_403")
    assert detail == "You do not have permission to perform this action."
    assert outcome(composed(~IsUserSession), create_user_with_token({"challenges": "read"})[1]) == (
        HTTPStatus.FORBIDDEN,
        "token_scope_required",
    )


def test_a_nested_refusal_keeps_its_envelope():
    view = composed((IsFullAccount | HasScopes) & IsAdmin)
    status, code, detail = body(view, create_user_with_token()[1])
    assert (status, code, detail) == (HTTPStatus.FORBIDDEN, "http_403", "Admin privileges required")
    admin, session = create_user_with_token()
    admin.role = Role.ADMIN
    admin.save(update_fields=["role"])
    assert outcome(view, session) == (HTTPStatus.OK, "")
    status, code, detail = body(view, create_user_with_token({"profile": "read"})[1])
    assert (status, code, detail["required"]) == (
        HTTPStatus.FORBIDDEN,
        "token_missing_scope",
        "challenges:read",
    )


def test_a_host_view_on_drfs_handler_gets_the_message_of_a_single_class():
    # DRF reads message/code off the refusing class; its & | ~ do not pass them on.
    token = create_user_with_token({"profile": "read"})[1]
    request = factory.get("/x", **bearer(token))
    attrs = {"required_scopes": {"challenges": "read"}}
    response = type("Single", (_Bare,), attrs).as_view()(request)
    response.render()
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert json.loads(response.content) == {
        "detail": "Token lacks challenges:read permission (granted: challenges:none)"
    }
    attrs["permission_classes"] = [IsFullAccount | HasScopes]
    response = type("Composed", (_Bare,), attrs).as_view()(factory.get("/x", **bearer(token)))
    response.render()
    assert response.status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(
    ("permission", "rules"),
    [
        (HasScopes, True),
        (IsFullAccount, True),
        (IsUserSession, True),
        (IsAdmin, False),
        (IsAuthenticated, False),
        (HasScopes & IsAuthenticated, True),
        (IsAuthenticated & IsFullAccount, True),
        (IsAuthenticated & IsAdmin, False),
        (HasScopes | IsFullAccount, True),
        (HasScopes | IsAuthenticated, False),
        (IsAuthenticated | HasScopes, False),
        (~HasScopes, False),
        (~IsAuthenticated & HasScopes, True),
        ((HasScopes | IsAuthenticated) & IsUserSession, True),
        ((HasScopes | IsAuthenticated) | IsUserSession, False),
        ((HasScopes & IsAuthenticated) | (IsFullAccount & IsAdmin), True),
    ],
)
def test_the_rule_for_api_tokens(permission, rules):
    view = composed(permission)()
    assert view_rules_on_api_tokens(view) is rules
    assert view_rules_on_api_tokens(object()) is False  # not a DRF view


class _HostView(APIView):
    """A host's own DRF view: our authentication, DRF's IsAuthenticated, no scope declaration."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Any) -> Response:
        return Response({"code": "", "user": request.user.pk})


@pytest.mark.parametrize(
    "permission",
    [
        IsAuthenticated,
        ~IsFullAccount,
        IsAuthenticated | IsAuthenticated,
        IsAuthenticated | HasScopes,
        IsAuthenticated | IsFullAccount,
        HasScopes | IsAuthenticated,
    ],
    ids=[
        "is-authenticated",
        "negated",
        "composed-without-ours",
        "ours-second-in-or",
        "full-second",
        "ours-first-in-or",
    ],
)
def test_a_view_without_a_scope_ruling_refuses_api_tokens(permission):
    attrs = {"permission_classes": [permission], "required_scopes": {"submissions": "write"}}
    view = type("HostView", (_HostView,), attrs)
    _user, token = create_user_with_token({"challenges": "write", "profile": "read"})
    status, _code = outcome(view, token)
    assert status == HTTPStatus.FORBIDDEN


def test_a_host_view_guarded_by_is_authenticated_admits_sessions_only():
    _owner, session = create_user_with_token()
    assert outcome(_HostView, session) == (HTTPStatus.OK, "")
    _user, token = create_user_with_token({"challenges": "write", "profile": "read"})
    request = factory.get("/x", **bearer(token))
    response = _HostView.as_view()(request)
    response.render()
    # The host's own exception handler renders it; the status and message are ours.
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "does not accept scoped API tokens" in json.loads(response.content)["detail"]


def test_composition_with_one_of_ours_reaches_the_permission_checks():
    view = type(
        "HostView",
        (_HostView,),
        {
            "permission_classes": [IsAuthenticated & HasScopes],
            "required_scopes": {"challenges": "read"},
        },
    )
    assert outcome(view, create_user_with_token({"challenges": "read"})[1]) == (HTTPStatus.OK, "")
    assert outcome(view, create_user_with_token({"profile": "read"})[1])[0] == HTTPStatus.FORBIDDEN


def test_has_scopes_alone_refuses_a_user_authenticated_another_way():
    user, _plaintext = create_user_with_token()
    assert outcome(composed(HasScopes), user=user)[0] == HTTPStatus.FORBIDDEN


# --- the decorator -------------------------------------------------------------------------


rf = RequestFactory()


@require_scope("challenges", "read", resource_kwarg="competition_id")
@require_scope("scoreboard", "read", resource_kwarg="competition_id")
def _stacked(request: Any, competition_id: str) -> Any:
    """Docstring kept."""
    return JsonResponse({"ok": competition_id})


def test_decorators_stack_and_keep_the_view_metadata():
    assert (_stacked.__name__, _stacked.__doc__) == ("_stacked", "Docstring kept.")
    both = create_user_with_token({"challenges": "read", "scoreboard": "read"})[1]
    response = _stacked(rf.get("/x", **bearer(both)), competition_id="quals")
    assert response.status_code == HTTPStatus.OK
    assert "Authorization" in response["Vary"]
    one = create_user_with_token({"challenges": "read"})[1]
    status, code, detail = error(_stacked(rf.get("/x", **bearer(one)), competition_id="quals"))
    assert (status, code, detail["required"]) == (
        HTTPStatus.FORBIDDEN,
        "token_missing_scope",
        "scoreboard:read",
    )


def test_decorator_errors_carry_vary_and_www_authenticate():
    response = _stacked(rf.get("/x"), competition_id="quals")
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Authorization" in response["Vary"]


def test_decorator_misuse_is_improperly_configured():
    with pytest.raises(ImproperlyConfigured, match="'read' or 'write'"):
        require_scope("challenges", "none")

    async def async_view(request: Any) -> Any:
        return None

    with pytest.raises(ImproperlyConfigured, match="synchronous"):
        require_scope("challenges", "read")(async_view)

    session = create_user_with_token()[1]
    unknown = require_scope("bogus", "read")(lambda request: None)
    with pytest.raises(ImproperlyConfigured, match="not in CTFY_AUTH"):
        unknown(rf.get("/x", **bearer(session)))
    no_kwarg = require_scope("challenges", "read", resource_kwarg="competition_id")(
        lambda request, **kw: None
    )
    with pytest.raises(ImproperlyConfigured, match="no such argument"):
        no_kwarg(rf.get("/x", **bearer(session)), other="quals")


# --- query budget --------------------------------------------------------------------------


def recently_used(scopes: dict[str, str] | None, **kwargs: Any) -> APIClient:
    client = token_client(scopes, **kwargs)
    Token.objects.filter(digest=crypto.digest(client.token)).update(
        last_used_at=timezone.now() - timedelta(seconds=10)
    )
    return client


def assert_no_write(ctx: Any) -> None:
    sql = [q["sql"].lstrip().upper() for q in ctx.captured_queries]
    assert all(s.startswith("SELECT") for s in sql), sql


@pytest.mark.parametrize("scopes", [None, {"profile": "read"}])
def test_an_authenticated_scoped_request_costs_one_query(scopes, django_assert_num_queries):
    client = recently_used(scopes)
    with django_assert_num_queries(1) as ctx:  # token JOIN user; the scope check and view: none
        assert client.get(PROFILE).status_code == HTTPStatus.OK
    assert_no_write(ctx)
    assert "JOIN" in ctx.captured_queries[0]["sql"]


def test_last_used_at_is_touched_once_then_not(django_assert_num_queries):
    client = token_client({"profile": "read"})
    with django_assert_num_queries(2):  # SELECT + the conditional UPDATE
        assert client.get(PROFILE).status_code == HTTPStatus.OK
    with django_assert_num_queries(1):
        assert client.get(PROFILE).status_code == HTTPStatus.OK


def test_refusals_by_scope_cost_only_the_authentication_query(django_assert_num_queries):
    short = recently_used(
        {"challenges": "read", "scoreboard": "read"}, resource_access="selected", resource_ids=["x"]
    )
    for url, code in [
        (PROFILE, "token_missing_scope"),
        (challenges("quals"), "token_competition_forbidden"),
        (scoreboard("quals"), "token_competition_forbidden"),
        (UNSCOPED, "token_scope_required"),
    ]:
        with django_assert_num_queries(1):
            response = short.get(url)
        assert response.json()["code"] == code


def test_resource_scoped_routes_add_only_their_own_query(django_assert_num_queries):
    client = recently_used(EVERY_DEMO_SCOPE)
    with django_assert_num_queries(2) as ctx:  # authentication + the competition lookup
        assert client.get(challenges("quals")).status_code == HTTPStatus.OK
    assert_no_write(ctx)
    with django_assert_num_queries(2) as ctx:  # the same through the decorator
        assert client.get(scoreboard("quals")).status_code == HTTPStatus.OK
    assert_no_write(ctx)


@pytest.mark.parametrize("url", [PROFILE, scoreboard("quals")])
def test_a_forged_token_costs_no_query(url, django_assert_num_queries):
    forged = crypto.generate("fine_grained")[:-1] + "0"
    forged = forged if crypto.parse_kind(forged) is None else "pf_" + "A" * 49
    with django_assert_num_queries(0):
        response = APIClient().get(url, **bearer(forged))
    assert error(response) == (HTTPStatus.FORBIDDEN, "http_403", "Invalid or revoked token")


# --- the data migration --------------------------------------------------------------------


def test_the_data_migration_creates_and_removes_the_competitions():
    migration = importlib.import_module("demo.migrations.0002_competitions")
    Competition.objects.filter(pk="quals").delete()
    migration.create_competitions(apps, None)
    migration.create_competitions(apps, None)  # idempotent
    assert dict(Competition.objects.values_list("id", "name")) == {
        "ctf-2026": "CTF 2026",
        "quals": "Qualifiers",
    }
    migration.remove_competitions(apps, None)
    assert not Competition.objects.exists()


# --- check_scopes, the shared decision ----------------------------------------------------


def test_check_scopes_directly():
    user, _plaintext = create_user_with_token()
    token = Principal(
        user=user,
        credential_kind=CredentialKind.API_TOKEN,
        permissions={"challenges": "read", "profile": "bogus"},
        resource_access="selected",
        resource_ids=frozenset({"quals"}),
    )
    check_scopes(token, {"challenges": "read"}, "quals")
    check_scopes(token, {"challenges": "read"}, None, resource_gate=False)
    with pytest.raises(TokenResourceForbidden):
        check_scopes(token, {"challenges": "read"}, None)
    with pytest.raises(TokenMissingScope) as missing:
        check_scopes(token, {"challenges": "read", "profile": "read"}, "ctf-2026")
    assert missing.value.payload["granted"] == "profile:none"  # levels before the gate
    check_scopes(Principal(user=user, credential_kind=CredentialKind.SESSION), {"x": "write"})
    user.is_active = False
    with pytest.raises(InvalidToken):
        check_scopes(token, {"challenges": "read"}, "quals")
