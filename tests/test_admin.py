"""Django admin: role-based access, no secrets on any page, the revoke action, role rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import crypto
from ctfy_auth.constants import Role, TokenKind
from ctfy_auth.models import DeviceRequest, DeviceStatus, Identity, ResourceAccess, Token

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase"
MODELS = ("user", "identity", "token", "devicerequest")


def url(model: str, view: str = "changelist", *args: Any) -> str:
    return reverse(f"admin:ctfy_auth_{model}_{view}", args=[quote(a) for a in args])


@pytest.fixture
def super_admin(user_factory: Callable[..., Any]) -> Any:
    return user_factory(email="root@example.com", role=Role.SUPER_ADMIN)


@pytest.fixture
def staff(user_factory: Callable[..., Any]) -> Any:
    return user_factory(email="staff@example.com", role=Role.ADMIN)


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def root_client(super_admin: Any) -> Client:
    return logged_in(super_admin)


@pytest.fixture
def make_token(db: Any) -> Callable[..., tuple[Token, str]]:
    """``make_token(user, **fields)`` → ``(row, digest)``; a fine-grained token by default."""

    def make(user: Any, kind: str = TokenKind.API_TOKEN, **fields: Any) -> tuple[Token, str]:
        digest = crypto.digest(crypto.generate(kind))
        return Token.objects.create(user=user, kind=kind, digest=digest, **fields), digest

    return make


@pytest.fixture
def device_request(staff: Any) -> DeviceRequest:
    now = timezone.now()
    return DeviceRequest.objects.create(
        device_code_digest="d" * 64,
        user_code="BCDFGHJK",
        status=DeviceStatus.APPROVED,
        expires_at=now + timedelta(minutes=10),
        decided_at=now,
        user=staff,
        requester_ip="203.0.113.9",
        requester_user_agent="ctfy-cli/1.0",
    )


@pytest.fixture
def objects(
    super_admin: Any, staff: Any, make_token: Callable[..., Any], device_request: DeviceRequest
) -> dict[str, Any]:
    """One of each: the pk of a row per admin model, and every digest stored."""
    identity = Identity.objects.create(
        user=staff, provider="github", provider_user_id="4242", login="octo", email="o@gh.test"
    )
    token, digest = make_token(
        staff,
        label="ci",
        permissions={"submissions": "write", "challenges": "read", "profile": "none"},
        resource_access=ResourceAccess.SELECTED,
        resource_ids=["ctf-2026", "quals"],
        ip_address="198.51.100.7",
        user_agent="pytest-agent",
    )
    session, session_digest = make_token(staff, kind=TokenKind.SESSION, label="login")
    return {
        "pks": {
            "user": staff.pk,
            "identity": identity.pk,
            "token": token.pk,
            "devicerequest": device_request.pk,
        },
        "session": session,
        "secrets": [digest, session_digest, device_request.device_code_digest],
    }


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_super_admin_loads_changelist_and_change_page(
    root_client: Client, objects: dict[str, Any], model: str
) -> None:
    assert root_client.get(url(model)).status_code == HTTPStatus.OK
    response = root_client.get(url(model, "change", objects["pks"][model]))
    assert response.status_code == HTTPStatus.OK


def test_index_lists_the_app_for_both_admin_roles(super_admin: Any, staff: Any) -> None:
    for person in (super_admin, staff):
        response = logged_in(person).get(reverse("admin:index"))
        assert response.status_code == HTTPStatus.OK
        assert url("token") in response.content.decode()


def test_only_users_can_be_added_and_only_by_a_super_admin(root_client: Client, staff: Any) -> None:
    assert root_client.get(url("user", "add")).status_code == HTTPStatus.OK
    for model in ("identity", "token", "devicerequest"):
        assert root_client.get(url(model, "add")).status_code == HTTPStatus.FORBIDDEN
    assert logged_in(staff).get(url("user", "add")).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize("model", MODELS)
def test_admin_role_views_but_cannot_change(
    staff: Any, objects: dict[str, Any], model: str
) -> None:
    client = logged_in(staff)
    assert client.get(url(model)).status_code == HTTPStatus.OK
    page = client.get(url(model, "change", objects["pks"][model]))
    assert page.status_code == HTTPStatus.OK
    assert 'name="_save"' not in page.content.decode()  # view-only: no save button
    assert client.get(url(model, "delete", objects["pks"][model])).status_code == (
        HTTPStatus.FORBIDDEN
    )


def test_admin_role_cannot_post_a_user_change(staff: Any, user_factory: Callable[..., Any]) -> None:
    target = user_factory(display_name="before")
    response = logged_in(staff).post(
        url("user", "change", target.pk), {"email": target.email, "display_name": "after"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    target.refresh_from_db()
    assert target.display_name == "before"


@pytest.mark.parametrize("model", MODELS)
def test_plain_user_is_sent_to_the_login_page(user: Any, model: str) -> None:
    response = logged_in(user).get(url(model))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_deactivated_super_admin_is_sent_to_the_login_page(
    super_admin: Any, root_client: Client
) -> None:
    type(super_admin).objects.filter(pk=super_admin.pk).update(is_active=False)
    response = root_client.get(url("user"))
    assert response.status_code == HTTPStatus.FOUND


def test_identity_can_be_deleted_by_a_super_admin_only(
    root_client: Client, objects: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from ctfy_auth import signals

    pk = objects["pks"]["identity"]
    seen: list[Any] = []

    def on_unlinked(sender: Any, identity_id: str, **kwargs: Any) -> None:
        seen.append(identity_id)

    signals.identity_unlinked.connect(on_unlinked)
    try:
        assert root_client.get(url("identity", "delete", pk)).status_code == HTTPStatus.OK
        with django_capture_on_commit_callbacks(execute=True):
            response = root_client.post(url("identity", "delete", pk), {"post": "yes"})
    finally:
        signals.identity_unlinked.disconnect(on_unlinked)
    assert response.status_code == HTTPStatus.FOUND
    assert not Identity.objects.filter(pk=pk).exists()
    assert seen == [pk]  # deleted through the service, which tells listeners


@pytest.mark.parametrize("model", ["token", "devicerequest"])
def test_tokens_and_device_requests_cannot_be_deleted(
    root_client: Client, objects: dict[str, Any], model: str
) -> None:
    pk = objects["pks"][model]
    assert root_client.post(url(model, "delete", pk), {"post": "yes"}).status_code == (
        HTTPStatus.FORBIDDEN
    )
    changelist = root_client.get(url(model)).content.decode()
    assert "delete_selected" not in changelist


def test_tokens_and_device_requests_cannot_be_changed(
    root_client: Client, objects: dict[str, Any]
) -> None:
    token = Token.objects.get(pk=objects["pks"]["token"])
    response = root_client.post(url("token", "change", token.pk), {"label": "renamed"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    token.refresh_from_db()
    assert token.label == "ci"


# --- no secrets -------------------------------------------------------------------------


def test_no_digest_appears_on_any_admin_page(
    root_client: Client, staff: Any, objects: dict[str, Any]
) -> None:
    pages = [url(model) for model in MODELS]
    pages += [url(model, "change", pk) for model, pk in objects["pks"].items()]
    pages += [
        url("token", "change", objects["session"].pk),
        url("user", "delete", staff.pk),  # lists the related tokens and device requests
        url("token") + "?q=ci",
        url("devicerequest") + "?status=approved",
    ]
    html = [root_client.get(page) for page in pages]
    html += [logged_in(staff).get(page) for page in pages[:8]]
    assert all(r.status_code == HTTPStatus.OK for r in html)
    for response in html:
        content = response.content.decode()
        for secret in objects["secrets"]:
            assert secret not in content
        assert "digest" not in content.lower()


@pytest.mark.parametrize("role", [Role.SUPER_ADMIN, Role.ADMIN])
def test_password_hash_is_shown_masked_only(
    user_factory: Callable[..., Any], role: str, super_admin: Any, staff: Any
) -> None:
    target = user_factory()
    viewer = super_admin if role == Role.SUPER_ADMIN else staff
    content = logged_in(viewer).get(url("user", "change", target.pk)).content.decode()
    assert target.password.startswith("argon2")
    assert "argon2" in content
    for part in target.password.split("$")[-2:]:  # the salt and the hash
        assert part not in content
    assert target.password not in content
    # The link to the password change view, for those who may use it.
    assert ("../password/" in content) is (role == Role.SUPER_ADMIN)


# --- tokens -----------------------------------------------------------------------------


def test_token_pages_show_readable_permissions_and_resources(
    root_client: Client, objects: dict[str, Any]
) -> None:
    page = root_client.get(url("token", "change", objects["pks"]["token"])).content.decode()
    assert "challenges: read, submissions: write" in page
    assert "profile: none" not in page
    assert "selected: ctf-2026, quals" in page
    session = root_client.get(url("token", "change", objects["session"].pk)).content.decode()
    assert session.count("whole account (session)") == 2  # permissions and resources


def test_resource_selector_uses_the_resource_type(
    root_client: Client, staff: Any, make_token: Callable[..., Any], settings: Any
) -> None:
    everything, _ = make_token(staff, resource_access=ResourceAccess.ALL)
    nothing, _ = make_token(staff, resource_access=ResourceAccess.NONE)
    assert "all competitions" in root_client.get(url("token", "change", everything.pk)).text
    assert "no competitions" in root_client.get(url("token", "change", nothing.pk)).text
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "RESOURCE_TYPE": "event"}
    assert "all events" in root_client.get(url("token", "change", everything.pk)).text


def test_token_changelist_says_how_tokens_are_minted(root_client: Client) -> None:
    assert "ctfy_auth_create_token" in root_client.get(url("token")).text


def test_token_status_filter(
    root_client: Client, staff: Any, make_token: Callable[..., Any]
) -> None:
    now = timezone.now()
    live, _ = make_token(staff, label="live-one", expires_at=now + timedelta(days=1))
    expired, _ = make_token(staff, label="expired-one", expires_at=now - timedelta(days=1))
    revoked, _ = make_token(staff, label="revoked-one", revoked_at=now)
    for status, wanted in (("live", live), ("expired", expired), ("revoked", revoked)):
        response = root_client.get(url("token") + f"?status={status}")
        ids = {t.pk for t in response.context["cl"].result_list}
        assert ids == {wanted.pk}
        assert f">{status}<" in response.text


def test_token_status_column_and_filter_are_the_models(
    root_client: Client, staff: Any, make_token: Callable[..., Any]
) -> None:
    """One rule: the column shows ``Token.status()``, the filter selects with the model's queries."""
    now = timezone.now()
    rows = [
        make_token(staff, expires_at=now + timedelta(days=1))[0],
        make_token(staff)[0],  # never expires
        make_token(staff, expires_at=now - timedelta(days=1))[0],
        make_token(staff, revoked_at=now)[0],
        make_token(staff, revoked_at=now, expires_at=now - timedelta(days=1))[0],
    ]
    selected = {
        "live": set(Token.objects.live().values_list("pk", flat=True)),
        "expired": set(Token.objects.expired().values_list("pk", flat=True)),
        "revoked": set(Token.objects.revoked().values_list("pk", flat=True)),
    }
    assert {t.pk: t.status() for t in rows} == {
        pk: status for status, pks in selected.items() for pk in pks
    }
    assert [len(pks) for pks in selected.values()] == [2, 1, 2]
    for status, pks in selected.items():
        response = root_client.get(url("token") + f"?status={status}")
        assert {t.pk for t in response.context["cl"].result_list} == pks
        assert response.text.count(f">{status}<") >= len(pks)


def test_revoke_action_revokes_only_live_selected_tokens(
    root_client: Client, super_admin: Any, staff: Any, make_token: Callable[..., Any]
) -> None:
    earlier = timezone.now() - timedelta(days=3)
    chosen, _ = make_token(staff)
    old, _ = make_token(staff, revoked_at=earlier)
    untouched, _ = make_token(staff)
    before = timezone.now()
    response = root_client.post(
        url("token"),
        {"action": "revoke_selected", "_selected_action": [chosen.pk, old.pk]},
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    assert "Revoked 1 token." in response.text
    chosen.refresh_from_db()
    old.refresh_from_db()
    untouched.refresh_from_db()
    assert chosen.revoked_at is not None and chosen.revoked_at >= before
    assert old.revoked_at == earlier
    assert untouched.revoked_at is None


def test_admin_role_cannot_revoke(staff: Any, make_token: Callable[..., Any]) -> None:
    token, _ = make_token(staff)
    client = logged_in(staff)
    assert "revoke_selected" not in client.get(url("token")).text
    client.post(url("token"), {"action": "revoke_selected", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_changelist_query_count_does_not_grow_with_rows(
    root_client: Client,
    user_factory: Callable[..., Any],
    make_token: Callable[..., Any],
    django_assert_max_num_queries: Any,
) -> None:
    def add_rows(n: int) -> None:
        for _ in range(n):
            make_token(user_factory(), resource_access=ResourceAccess.ALL)

    add_rows(5)
    with CaptureQueriesContext(connection) as five:
        assert root_client.get(url("token")).status_code == HTTPStatus.OK
    add_rows(25)
    with django_assert_max_num_queries(len(five)):
        response = root_client.get(url("token"))
    assert len(response.context["cl"].result_list) == 30


# --- search -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "term"),
    [
        ("user", "staff@exa"),
        ("user", "STAFF"),
        ("identity", "octo"),
        ("identity", "4242"),
        ("token", "ci"),
        ("devicerequest", "BCDF-GHJK"),
        ("devicerequest", "203.0.113.9"),
    ],
)
def test_search_finds_the_row(
    root_client: Client, objects: dict[str, Any], model: str, term: str
) -> None:
    response = root_client.get(url(model), {"q": term})
    assert response.status_code == HTTPStatus.OK
    assert objects["pks"][model] in {o.pk for o in response.context["cl"].result_list}
    miss = root_client.get(url(model), {"q": "nothing-like-this"})
    assert list(miss.context["cl"].result_list) == []


def test_token_search_by_id_and_owner_email(
    root_client: Client, objects: dict[str, Any], super_admin: Any, make_token: Callable[..., Any]
) -> None:
    other, _ = make_token(super_admin, label="elsewhere")
    pk = objects["pks"]["token"]
    by_id = root_client.get(url("token"), {"q": pk}).context["cl"].result_list
    assert [t.pk for t in by_id] == [pk]
    by_owner = root_client.get(url("token"), {"q": "root@"}).context["cl"].result_list
    assert [t.pk for t in by_owner] == [other.pk]


def test_user_page_links_to_the_users_tokens(
    root_client: Client, staff: Any, objects: dict[str, Any]
) -> None:
    page = root_client.get(url("user", "change", staff.pk)).text
    assert "2 tokens (2 live)" in page
    response = root_client.get(url("token"), {"user__id__exact": staff.pk})
    assert response.status_code == HTTPStatus.OK
    assert {t.pk for t in response.context["cl"].result_list} == {
        objects["pks"]["token"],
        objects["session"].pk,
    }


def test_device_status_filter_reads_expired_pending_as_expired(
    root_client: Client, device_request: DeviceRequest
) -> None:
    stale = DeviceRequest.objects.create(
        device_code_digest="e" * 64,
        user_code="MNPQRSTV",
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    expired = root_client.get(url("devicerequest"), {"status": "expired"})
    assert [d.pk for d in expired.context["cl"].result_list] == [stale.pk]
    pending = root_client.get(url("devicerequest"), {"status": "pending"})
    assert list(pending.context["cl"].result_list) == []
    assert "MNPQ-RSTV" in expired.text


# --- users: role rules, passwords -------------------------------------------------------


def user_form(user: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "avatar_url": user.avatar_url,
        "role": user.role,
        "is_active": "on" if user.is_active else "",
        "email_verified_at_0": "",
        "email_verified_at_1": "",
        "identities-TOTAL_FORMS": "0",
        "identities-INITIAL_FORMS": "0",
        "identities-MIN_NUM_FORMS": "0",
        "identities-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != "" or k.startswith("email_verified")}


def form_errors(response: Any) -> dict[str, list[str]]:
    return dict(response.context["adminform"].form.errors)


def test_super_admin_changes_another_persons_role(
    root_client: Client, user_factory: Callable[..., Any]
) -> None:
    target = user_factory()
    response = root_client.post(url("user", "change", target.pk), user_form(target, role="admin"))
    assert response.status_code == HTTPStatus.FOUND
    target.refresh_from_db()
    assert target.role == Role.ADMIN
    assert target.is_staff


def test_other_fields_of_a_super_admin_can_still_be_edited(
    root_client: Client, user_factory: Callable[..., Any]
) -> None:
    other = user_factory(role=Role.SUPER_ADMIN)
    response = root_client.post(
        url("user", "change", other.pk), user_form(other, display_name="Renamed")
    )
    assert response.status_code == HTTPStatus.FOUND
    other.refresh_from_db()
    assert (other.display_name, other.role) == ("Renamed", Role.SUPER_ADMIN)


@pytest.mark.parametrize(
    ("case", "new_role", "message"),
    [
        ("self", Role.USER, "You cannot change your own role"),
        ("super_admin", Role.USER, "A super-admin's role cannot be changed here"),
        (
            "plain",
            Role.SUPER_ADMIN,
            "Super-admins come from bootstrap or createsuperuser, never from here.",
        ),
    ],
)
def test_role_rules_give_a_form_error(
    root_client: Client,
    super_admin: Any,
    user_factory: Callable[..., Any],
    case: str,
    new_role: str,
    message: str,
) -> None:
    target = {
        "self": super_admin,
        "super_admin": user_factory(role=Role.SUPER_ADMIN),
        "plain": user_factory(),
    }[case]
    before = target.role
    response = root_client.post(url("user", "change", target.pk), user_form(target, role=new_role))
    assert response.status_code == HTTPStatus.OK
    assert form_errors(response)["role"] == [message]
    target.refresh_from_db()
    assert target.role == before


def test_cannot_deactivate_yourself(root_client: Client, super_admin: Any) -> None:
    response = root_client.post(
        url("user", "change", super_admin.pk), user_form(super_admin, is_active="")
    )
    assert response.status_code == HTTPStatus.OK
    assert "is_active" in form_errors(response)
    super_admin.refresh_from_db()
    assert super_admin.is_active


def test_adding_a_user_sets_an_argon2_password(root_client: Client) -> None:
    response = root_client.post(
        url("user", "add"),
        {
            "email": "New.Person@Example.com",
            "display_name": "New",
            "role": Role.ADMIN,
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == HTTPStatus.FOUND, response.content
    person = get_user_model().objects.get(email="new.person@example.com")
    assert person.password.startswith("argon2$argon2id$")
    assert check_password(NEW_PASSWORD, person.password)
    assert person.role == Role.ADMIN
    assert person.password_changed_at is not None


@pytest.mark.parametrize(
    ("password", "field"),
    [("short pass", "password1"), ("password1234", "password1"), (NEW_PASSWORD, "password2")],
)
def test_add_user_refuses_weak_or_mismatched_passwords(
    root_client: Client, password: str, field: str
) -> None:
    response = root_client.post(
        url("user", "add"),
        {
            "email": "weak@example.com",
            "role": Role.USER,
            "usable_password": "true",
            "password1": password,
            "password2": password if field == "password1" else "something else entirely",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert field in form_errors(response)


def test_admin_and_api_share_the_password_length_rule(root_client: Client, settings: Any) -> None:
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "PASSWORD_MIN_LENGTH": 40}
    short = "an unusual passphrase of 39 characters!"
    assert len(short) == 39

    def add(password: str) -> Any:
        return root_client.post(
            url("user", "add"),
            {
                "email": "length@example.com",
                "role": Role.USER,
                "usable_password": "true",
                "password1": password,
                "password2": password,
            },
        )

    assert form_errors(add(short))["password1"] == ["Use between 40 and 256 characters."]
    body = {"email": "length@example.com", "password": short}
    refused = APIClient().post("/api/v1/auth/register", body, format="json")
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "at least 40 characters" in refused.json()["detail"]["issues"][0]["msg"]
    assert add(short + "x").status_code == HTTPStatus.FOUND
    too_long = "x" * 257
    assert form_errors(add(too_long))["password1"] == ["Use between 40 and 256 characters."]


def test_add_user_refuses_an_email_differing_only_in_case(root_client: Client, staff: Any) -> None:
    response = root_client.post(
        url("user", "add"),
        {"email": "STAFF@example.com", "role": Role.USER, "usable_password": "false"},
    )
    assert response.status_code == HTTPStatus.OK
    assert form_errors(response)


def test_password_change_view(
    root_client: Client, staff: Any, user_factory: Callable[..., Any]
) -> None:
    target = user_factory()
    # Django's UserAdmin names this route the same for every user model.
    page = reverse("admin:auth_user_password_change", args=[quote(target.pk)])
    assert root_client.get(page).status_code == HTTPStatus.OK
    assert logged_in(staff).get(page).status_code == HTTPStatus.FORBIDDEN
    weak = root_client.post(page, {"password1": "password1234", "password2": "password1234"})
    assert weak.status_code == HTTPStatus.OK
    response = root_client.post(
        page,
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == HTTPStatus.FOUND
    before = target.password_changed_at
    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)
    assert target.password_changed_at > before
