"""Fine-grained API tokens: mint, PATCH, renew, rotate and the catalog (ctfy wire §3.2-§3.8)."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from ctfy_auth import scopes
from ctfy_auth.models import Token
from ctfy_auth.presets import CTFY_SCOPE_CATALOG, CTFY_TOKEN_TEMPLATES

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/tokens"
KEYS = [c["key"] for c in CTFY_SCOPE_CATALOG]
BROAD = {
    "challenges": "read",
    "submissions": "write",
    "instances": "write",
    "teams": "write",
    "scoreboard": "read",
    "profile": "write",
}


def full(**levels: str) -> dict[str, str]:
    return {key: levels.get(key, "none") for key in KEYS}


def mint(client, **body):
    return client.post(URL, body, format="json")


def stale(user, client_for):
    return client_for(user, reauthenticated_at=timezone.now() - timedelta(hours=1))


# --- catalog -----------------------------------------------------------------------------


def test_scope_catalog_is_public_and_in_ctfy_order(api_client):
    body = api_client.get(f"{URL}/scopes").json()
    assert [c["key"] for c in body["categories"]] == KEYS
    assert body["levels"] == ["none", "read", "write"]
    challenges = body["categories"][0]
    assert (challenges["competition_scoped"], challenges["max_level"]) == (True, "read")
    assert set(challenges) == {"key", "label", "description", "competition_scoped", "max_level"}


def test_templates_are_dense_and_in_order(api_client):
    templates = api_client.get(f"{URL}/templates").json()["templates"]
    assert [t["name"] for t in templates] == [t["name"] for t in CTFY_TOKEN_TEMPLATES]
    by_name = {t["name"]: t for t in templates}
    assert by_name["registry_push"]["competition_access"] == "none"
    assert by_name["read_only"]["permissions"] == {k: "read" for k in KEYS}
    assert by_name["ci_submit"]["expires_in_days"] == 90
    assert by_name["full_access"]["permissions"] == full(**BROAD)
    for t in templates:
        assert list(t["permissions"]) == KEYS


@pytest.mark.parametrize("tpl", CTFY_TOKEN_TEMPLATES, ids=lambda t: t["name"])
def test_every_template_survives_the_clamp_unchanged(tpl):
    assert scopes.clamp(tpl["permissions"]) == scopes.dense(tpl["permissions"])


# --- clamp -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"challenges": "write"}, full(challenges="read")),
        ({"tokens": "write", "identities": "write"}, full(tokens="read", identities="read")),
        ({"bogus": "write", "profile": "read"}, full(profile="read")),
        ({"profile": "admin", "registry": 3, "teams": None}, full()),
        ({"submissions": "write", "scoreboard": "none"}, full(submissions="write")),
        ({}, full()),
    ],
)
def test_clamp_table(raw, expected):
    assert scopes.clamp(raw) == expected


# --- mint --------------------------------------------------------------------------------


def test_mint_without_scope_arguments_is_the_broad_profile(user_client):
    response = mint(user_client, label="ci")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["token"].startswith("pf_")
    assert (body["kind"], body["label"], body["is_current"]) == ("fine_grained", "ci", False)
    assert (body["competition_access"], body["competition_ids"]) == ("all", [])
    assert body["permissions"] == full(**BROAD)
    assert body["template"] == "full_access"
    token = Token.objects.get(pk=body["id"])
    assert token.digest != body["token"]
    assert body["token"] not in str(token.__dict__)


def test_plaintext_is_shown_once(user_client):
    minted = mint(user_client, label="ci").json()
    listing = user_client.get(URL).content.decode()
    assert minted["token"] not in listing
    assert "token" not in next(
        r for r in user_client.get(URL).json()["items"] if r["id"] == minted["id"]
    )


def test_template_arm_and_explicit_permissions_replace_wholesale(user_client):
    body = mint(
        user_client,
        template="agent_play",
        permissions={"challenges": "write", "tokens": "write", "bogus": "write"},
    ).json()
    assert body["permissions"] == full(challenges="read", tokens="read")
    assert body["template"] == ""
    assert body["competition_access"] == "all"


def test_template_narrowed_to_competitions_still_reports_the_template(user_client):
    body = mint(
        user_client,
        template="agent_play",
        competition_access="selected",
        competition_ids=["b", "a", "b"],
    ).json()
    assert body["template"] == "agent_play"
    assert (body["competition_access"], body["competition_ids"]) == ("selected", ["b", "a"])
    expires = Token.objects.get(pk=body["id"]).expires_at
    assert timedelta(days=29, hours=23) < expires - timezone.now() <= timedelta(days=30)


def test_template_lifetime_is_the_default(user_client):
    token = Token.objects.get(pk=mint(user_client, template="ci_submit").json()["id"])
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)


def test_explicit_arm(user_client):
    only_ids = mint(user_client, competition_ids=["a"]).json()
    assert (only_ids["competition_access"], only_ids["competition_ids"]) == ("none", [])
    assert only_ids["permissions"] == full()
    empty = mint(user_client, permissions={}).json()
    assert empty["permissions"] == full()
    assert empty["competition_access"] == "none"
    explicit = mint(user_client, competition_access="all", permissions={"profile": "read"}).json()
    assert (explicit["competition_access"], explicit["permissions"]) == (
        "all",
        full(profile="read"),
    )


@pytest.mark.parametrize(
    ("days", "expected"),
    [(None, timedelta(days=30)), (0, None), (1, timedelta(days=1)), (1825, timedelta(days=1825))],
)
def test_expiry_encodings(user_client, days, expected):
    body = {"label": "x"} if days is None else {"label": "x", "expires_in_days": days}
    token = Token.objects.get(pk=mint(user_client, **body).json()["id"])
    if expected is None:
        assert token.expires_at is None
    else:
        assert expected - timedelta(minutes=1) < token.expires_at - timezone.now() <= expected


@pytest.mark.parametrize("days", [-1, 1826, "ten", True, 1.5])
def test_expiry_out_of_range_is_422(user_client, days):
    response = mint(user_client, expires_in_days=days)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["code"] == "validation_error"
    assert not Token.objects.filter(kind="fine_grained").exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"competition_access": "some"}, "invalid_competition_access"),
        ({"competition_access": "selected"}, "competition_scope_required"),
        ({"competition_access": "selected", "competition_ids": []}, "competition_scope_required"),
        ({"competition_access": "selected", "competition_ids": [""]}, "unknown_competition_id"),
        ({"template": "nope"}, "validation_error"),
        ({"template": "agent_play", "competition_access": "x"}, "invalid_competition_access"),
        ({"permissions": {"challenges": 1}}, "validation_error"),
        ({"permissions": ["challenges"]}, "validation_error"),
        ({"competition_ids": "a"}, "validation_error"),
        ({"label": "x" * 65}, "validation_error"),
        ({"label": 5}, "validation_error"),
    ],
)
def test_mint_refusals_write_nothing(user_client, body, code):
    response = mint(user_client, **body)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["code"] == code
    assert not Token.objects.filter(kind="fine_grained").exists()


def test_unknown_resource_ids_are_refused_by_the_host_callable(user_client, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "RESOURCE_EXISTS": lambda rid: rid in {"a", "b"}}
    assert (
        mint(user_client, competition_access="selected", competition_ids=["a"]).status_code == 200
    )
    response = mint(user_client, competition_access="selected", competition_ids=["a", "zz"])
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["code"] == "unknown_competition_id"
    assert response.json()["detail"]["competition_id"] == "zz"
    # ids are cleared when access is not "selected"
    body = mint(user_client, competition_access="all", competition_ids=["zz"]).json()
    assert body["competition_ids"] == []


def test_the_cap_counts_expired_but_not_revoked_tokens(user, user_client, token_row_factory):
    for _ in range(18):
        token_row_factory(user, kind="fine_grained")
    token_row_factory(user, kind="fine_grained", expires_at=timezone.now() - timedelta(days=1))
    token_row_factory(user, kind="fine_grained", revoked_at=timezone.now())
    assert mint(user_client).status_code == HTTPStatus.OK  # 19 held → 20
    response = mint(user_client)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["code"] == "token_limit_reached"
    assert response.json()["detail"]["limit"] == 20


def test_the_cap_comes_before_the_sudo_window(user, client_for, token_row_factory, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "API_TOKEN_LIMIT": 1}
    client = stale(user, client_for)
    assert mint(client).json()["code"] == "reauthentication_required"
    token_row_factory(user, kind="fine_grained")
    assert mint(client).json()["code"] == "token_limit_reached"


def test_mint_needs_the_sudo_window(user, client_for):
    response = mint(stale(user, client_for))
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["detail"]["window_seconds"] == 900
    assert not Token.objects.filter(kind="fine_grained").exists()


def test_api_tokens_cannot_manage_auth(user, user_client):
    pf = mint(user_client).json()["token"]
    user_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pf}")
    for method, path in [
        ("get", URL),
        ("post", URL),
        ("delete", f"{URL}/others"),
        ("post", "/api/v1/me/reauthenticate"),
        ("get", "/api/v1/auth/identities"),
        ("delete", "/api/v1/auth/password"),
    ]:
        response = getattr(user_client, method)(path, {}, format="json")
        assert response.status_code == HTTPStatus.FORBIDDEN, path
        assert response.json()["detail"] == (
            "This operation requires a user session (logged-in OAuth token)"
        )


# --- PATCH -------------------------------------------------------------------------------


def test_patch_empty_body_is_a_no_op_without_proof(user, user_client, client_for):
    token_id = mint(user_client, template="agent_play").json()["id"]
    before = Token.objects.get(pk=token_id)
    response = stale(user, client_for).patch(f"{URL}/{token_id}", {}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["template"] == "agent_play"
    after = Token.objects.get(pk=token_id)
    assert (after.permissions, after.label) == (before.permissions, before.label)


def test_patch_null_means_leave_alone_and_empty_list_clears(user_client):
    token_id = mint(
        user_client, template="agent_play", competition_access="selected", competition_ids=["a"]
    ).json()["id"]
    kept = user_client.patch(
        f"{URL}/{token_id}",
        {"competition_ids": None, "permissions": None, "label": None},
        format="json",
    ).json()
    assert kept["competition_ids"] == ["a"]
    assert kept["template"] == "agent_play"
    cleared = user_client.patch(
        f"{URL}/{token_id}", {"competition_ids": [], "competition_access": "all"}, format="json"
    ).json()
    assert (cleared["competition_access"], cleared["competition_ids"]) == ("all", [])
    refused = user_client.patch(
        f"{URL}/{token_id}",
        {"competition_access": "selected", "competition_ids": []},
        format="json",
    )
    assert refused.json()["code"] == "competition_scope_required"


def test_patch_template_reseeds_then_explicit_fields_win(user_client):
    token_id = mint(
        user_client, competition_access="selected", competition_ids=["a"], permissions={}
    ).json()["id"]
    body = user_client.patch(
        f"{URL}/{token_id}",
        {"template": "ci_submit", "permissions": {"scoreboard": "read"}},
        format="json",
    ).json()
    assert body["competition_access"] == "all"
    assert body["competition_ids"] == []
    assert body["permissions"] == full(scoreboard="read")


def test_patch_label_only_needs_no_proof(user, user_client, client_for):
    token_id = mint(user_client).json()["id"]
    response = stale(user, client_for).patch(
        f"{URL}/{token_id}", {"label": "renamed"}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    assert response.json()["label"] == "renamed"


@pytest.mark.parametrize(
    "change",
    [
        {"permissions": {"profile": "read"}},
        {"competition_access": "none"},
        {"template": "read_only"},
    ],
)
def test_patch_moving_authority_either_way_needs_proof(user, user_client, client_for, change):
    token_id = mint(user_client).json()["id"]
    before = Token.objects.get(pk=token_id)
    response = stale(user, client_for).patch(f"{URL}/{token_id}", change, format="json")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "reauthentication_required"
    after = Token.objects.get(pk=token_id)
    assert (after.permissions, after.resource_access) == (
        before.permissions,
        before.resource_access,
    )


def test_patch_reorders_ids_is_an_authority_change(user, user_client, client_for):
    token_id = mint(user_client, competition_access="selected", competition_ids=["a", "b"]).json()[
        "id"
    ]
    response = stale(user, client_for).patch(
        f"{URL}/{token_id}", {"competition_ids": ["b", "a"]}, format="json"
    )
    assert response.json()["code"] == "reauthentication_required"


def test_patch_rechecks_that_kept_ids_exist(user_client, settings):
    token_id = mint(user_client, competition_access="selected", competition_ids=["a"]).json()["id"]
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "RESOURCE_EXISTS": lambda rid: False}
    response = user_client.patch(f"{URL}/{token_id}", {"label": "x"}, format="json")
    assert response.json()["code"] == "unknown_competition_id"


def test_patch_expired_token_is_allowed(user, user_client, token_row_factory):
    token_row_factory(user, kind="fine_grained", expires_at=timezone.now() - timedelta(days=1))
    token = Token.objects.get(kind="fine_grained")
    assert (
        user_client.patch(f"{URL}/{token.id}", {"label": "old"}, format="json").status_code == 200
    )


# --- resolve: ownership, revoked, sessions ------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("patch", "", {"label": "x"}), ("post", "/renew", {}), ("post", "/rotate", {})],
)
def test_resolve_rules(
    user, user_client, user_factory, client_for, token_row_factory, method, suffix, body
):
    stranger = user_factory()
    foreign = mint(client_for(stranger)).json()["id"]
    response = getattr(user_client, method)(f"{URL}/{foreign}{suffix}", body, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "token_not_found")
    response = getattr(user_client, method)(f"{URL}/unknown{suffix}", body, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "token_not_found")
    token_row_factory(user, kind="fine_grained", revoked_at=timezone.now(), label="gone")
    revoked = Token.objects.get(label="gone").id
    response = getattr(user_client, method)(f"{URL}/{revoked}{suffix}", body, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "token_revoked")
    session = Token.objects.filter(user=user, kind="user").first().id
    response = getattr(user_client, method)(f"{URL}/{session}{suffix}", body, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "token_not_an_api_token")
    assert response.json()["detail"]["token_kind"] == "user"


# --- renew / rotate ----------------------------------------------------------------------


def test_renew_measures_from_now_and_keeps_the_secret(user, user_client, client_for):
    minted = mint(user_client, expires_in_days=5).json()
    response = stale(user, client_for).post(
        f"{URL}/{minted['id']}/renew", {"expires_in_days": 2}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "reauthentication_required")
    response = user_client.post(
        f"{URL}/{minted['id']}/renew", {"expires_in_days": 2}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    token = Token.objects.get(pk=minted["id"])
    assert timedelta(days=1, hours=23) < token.expires_at - timezone.now() <= timedelta(days=2)
    assert user_client.post(f"{URL}/{minted['id']}/renew", {}, format="json").status_code == 200
    token.refresh_from_db()
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    user_client.post(f"{URL}/{minted['id']}/renew", {"expires_in_days": 0}, format="json")
    token.refresh_from_db()
    assert token.expires_at is None


def test_renew_of_an_expired_token_is_409(user, user_client, token_row_factory):
    token_row_factory(user, kind="fine_grained", expires_at=timezone.now() - timedelta(seconds=1))
    token = Token.objects.get(kind="fine_grained")
    response = user_client.post(f"{URL}/{token.id}/renew", {}, format="json")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "token_expired"
    assert response.json()["detail"]["token_id"] == token.id


def test_renew_and_rotate_need_a_json_body(user_client):
    token_id = mint(user_client).json()["id"]
    for action in ("renew", "rotate"):
        response = user_client.post(f"{URL}/{token_id}/{action}")
        assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert response.json()["code"] == "validation_error"


def test_rotate_revives_an_expired_token_as_a_new_row(
    user, user_client, token_row_factory, client_for
):
    old_client = token_row_factory(
        user,
        kind="fine_grained",
        label="deploy",
        resource_access="selected",
        resource_ids=["a"],
        permissions=full(challenges="read"),
        expires_at=timezone.now() - timedelta(days=1),
    )
    old = Token.objects.get(kind="fine_grained")
    response = stale(user, client_for).post(
        f"{URL}/{old.id}/rotate", {"expires_in_days": 7}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "reauthentication_required")
    response = user_client.post(f"{URL}/{old.id}/rotate", {"expires_in_days": 7}, format="json")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["id"] != old.id
    assert body["rotated_from"] == old.id
    assert body["token"].startswith("pf_")
    assert (body["label"], body["competition_access"], body["competition_ids"]) == (
        "deploy",
        "selected",
        ["a"],
    )
    assert body["permissions"] == full(challenges="read")
    old.refresh_from_db()
    assert old.revoked_at is not None
    ids = [r["id"] for r in user_client.get(URL).json()["items"]]
    assert body["id"] in ids and old.id not in ids
    refused = old_client.get("/api/v1/me").json()
    assert (refused["code"], refused["detail"]) == ("http_403", "Invalid or revoked token")


def test_rotate_is_exempt_from_the_cap(user, user_client, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "API_TOKEN_LIMIT": 1}
    token_id = mint(user_client).json()["id"]
    assert mint(user_client).json()["code"] == "token_limit_reached"
    assert user_client.post(f"{URL}/{token_id}/rotate", {}, format="json").status_code == 200


def test_rotating_twice_is_409_the_second_time(user_client):
    token_id = mint(user_client).json()["id"]
    assert user_client.post(f"{URL}/{token_id}/rotate", {}, format="json").status_code == 200
    response = user_client.post(f"{URL}/{token_id}/rotate", {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "token_revoked")


def test_delete_routes_revoke_api_tokens(user, user_client):
    minted = mint(user_client).json()
    assert user_client.delete(f"{URL}/{minted['id']}").json() == {"status": "ok"}
    assert Token.objects.get(pk=minted["id"]).revoked_at is not None
