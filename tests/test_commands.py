"""Management commands: ctfy_auth_create_token and ctfy_auth_purge_tokens."""

from __future__ import annotations

import logging
from datetime import timedelta
from http import HTTPStatus
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import crypto, scopes, signals
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.constants import TokenKind
from ctfy_auth.models import Token
from ctfy_auth.services.sessions import mint_session

pytestmark = pytest.mark.django_db


def create_token(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ctfy_auth_create_token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def purge(*args: str) -> str:
    out = StringIO()
    call_command("ctfy_auth_purge_tokens", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def the_one_line(stdout: str) -> str:
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    assert stdout == lines[0] + "\n"
    return lines[0]


# --- ctfy_auth_create_token -------------------------------------------------------------


def test_session_token_prints_one_line_that_authenticates(user, caplog):
    with caplog.at_level(logging.DEBUG):
        out, err = create_token(user.email.upper(), "--session")
    plaintext = the_one_line(out)
    assert crypto.parse_kind(plaintext) == TokenKind.SESSION
    assert plaintext not in err
    assert plaintext not in caplog.text
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    me = client.get("/api/v1/me")
    assert me.status_code == HTTPStatus.OK
    assert me.json()["id"] == user.id
    token = Token.objects.get(digest=crypto.digest(plaintext))
    assert (token.kind, token.user_id) == (TokenKind.SESSION, user.id)
    assert token.id in err


def test_api_token_with_explicit_scopes(user, caplog, django_capture_on_commit_callbacks):
    created = []
    receiver = lambda sender, token, **kw: created.append(token.id)  # noqa: E731
    signals.token_created.connect(receiver)
    try:
        with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
            out, err = create_token(
                user.email,
                "--label",
                "ci",
                "--scope",
                "challenges:read",
                "--scope",
                "submissions:write",
                "--resource-access",
                "selected",
                "--resource-id",
                "c1",
                "--resource-id",
                "c2",
                "--expires-in-days",
                "7",
            )
    finally:
        signals.token_created.disconnect(receiver)
    plaintext = the_one_line(out)
    assert crypto.parse_kind(plaintext) == TokenKind.API_TOKEN
    assert plaintext not in caplog.text
    assert plaintext not in err
    token = Token.objects.get(digest=crypto.digest(plaintext))
    assert created == [token.id]
    assert (token.user_id, token.kind, token.label) == (user.id, TokenKind.API_TOKEN, "ci")
    assert token.permissions == {
        **{key: "none" for key in scopes.catalog_keys()},
        "challenges": "read",
        "submissions": "write",
    }
    assert (token.resource_access, token.resource_ids) == ("selected", ["c1", "c2"])
    expected = timezone.now() + timedelta(days=7)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    # It shows up in the owner's token list with that scope.
    owner = APIClient()
    owner.credentials(HTTP_AUTHORIZATION=f"Bearer {mint_session(user, ClientInfo())[1]}")
    listed = {row["id"]: row for row in owner.get("/api/v1/auth/tokens").json()["items"]}
    assert listed[token.id]["permissions"]["submissions"] == "write"
    assert listed[token.id]["competition_ids"] == ["c1", "c2"]


def test_api_token_from_a_template(user):
    out, _err = create_token(user.email, "--template", "registry_push")
    token = Token.objects.get(digest=crypto.digest(the_one_line(out)))
    template = scopes.template("registry_push")
    assert token.permissions == template["permissions"]
    assert token.resource_access == template["resource_access"] == "none"
    expected = timezone.now() + timedelta(days=template["expires_in_days"])
    assert abs((token.expires_at - expected).total_seconds()) < 60


def test_api_token_that_never_expires_and_no_scope_gets_the_default_profile(user, settings):
    out, _err = create_token(user.email, "--expires-in-days", "0")
    token = Token.objects.get(digest=crypto.digest(the_one_line(out)))
    assert token.expires_at is None
    broad = scopes.template(settings.CTFY_AUTH["BROAD_TOKEN_TEMPLATE"])
    assert token.permissions == broad["permissions"]


def test_operator_mint_ignores_the_cap(user, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "API_TOKEN_LIMIT": 1}
    create_token(user.email)
    create_token(user.email)
    assert Token.objects.filter(user=user, kind=TokenKind.API_TOKEN).count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody@example.com"], "No user"),
        (["{email}", "--template", "everything"], "Unknown template"),
        (["{email}", "--scope", "nosuch:read"], "Unknown scope category"),
        (["{email}", "--scope", "challenges:admin"], "Unknown level"),
        (["{email}", "--scope", "challenges"], "Unknown level"),
        (["{email}", "--resource-access", "selected"], "competition"),
        (["{email}", "--resource-id", "ctf-2026"], "--resource-access selected"),
        (["{email}", "--resource-access", "all", "--resource-id", "x"], "--resource-access"),
        (["{email}", "--expires-in-days", "-1"], "--expires-in-days"),
        (["{email}", "--expires-in-days", "100000"], "--expires-in-days"),
        (["{email}", "--label", "x" * 65], "--label"),
        (["{email}", "--session", "--template", "read_only"], "--session"),
        (["{email}", "--session", "--label", "x"], "--session"),
    ],
)
def test_create_token_refusals(user, args, message):
    args = [a.format(email=user.email) for a in args]
    with pytest.raises(CommandError, match=message):
        create_token(*args)
    assert not Token.objects.exists()


def test_disabled_account_is_refused(user_factory):
    person = user_factory(is_active=False)
    with pytest.raises(CommandError, match="disabled"):
        create_token(person.email, "--session")


def test_template_and_scope_are_exclusive(user):
    with pytest.raises(CommandError):
        create_token(user.email, "--template", "read_only", "--scope", "challenges:read")


def test_unknown_resource_id_is_refused(user, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "RESOURCE_EXISTS": lambda rid: rid == "known"}
    with pytest.raises(CommandError, match="ghost"):
        create_token(user.email, "--resource-access", "selected", "--resource-id", "ghost")
    out, _ = create_token(user.email, "--resource-access", "selected", "--resource-id", "known")
    assert Token.objects.get(digest=crypto.digest(the_one_line(out))).resource_ids == ["known"]


# --- ctfy_auth_purge_tokens -------------------------------------------------------------


@pytest.fixture
def token_rows(user):
    """Old dead rows (5), young dead rows, and live rows; returns (old_ids, kept_ids)."""
    now = timezone.now()
    old = timedelta(days=100)
    young = timedelta(days=10)

    def row(**fields):
        plaintext = crypto.generate(TokenKind.API_TOKEN)
        return Token.objects.create(
            user=user, kind=TokenKind.API_TOKEN, digest=crypto.digest(plaintext), **fields
        )

    root = row(revoked_at=now - old, created_at=now - old)
    old_rows = [
        root,
        row(revoked_at=now - old, expires_at=now + timedelta(days=300)),
        row(expires_at=now - old),
        row(expires_at=now - old - young, revoked_at=now - old),
        row(expires_at=now - timedelta(days=91)),
    ]
    kept = [
        row(revoked_at=now - young, rotated_from=root),  # young revoked, rotated from a purged row
        row(expires_at=now - young),  # young expired
        row(expires_at=now - old, revoked_at=now - young),  # revoked recently: its clock restarts
        row(),  # live, never expires
        row(expires_at=now + timedelta(days=1)),  # live
        row(created_at=now - timedelta(days=1000)),  # ancient but live
    ]
    return [t.pk for t in old_rows], [t.pk for t in kept]


def test_purge_deletes_old_dead_rows_in_batches(token_rows):
    old_ids, kept_ids = token_rows
    with CaptureQueriesContext(connection) as ctx:
        out = purge("--batch-size", "2")
    assert "Deleted 5 token(s)" in out
    assert set(Token.objects.values_list("pk", flat=True)) == set(kept_ids)
    assert not Token.objects.filter(pk__in=old_ids).exists()
    selects = [
        q["sql"]
        for q in ctx.captured_queries
        if "LIMIT 2" in q["sql"] and "ctfy_auth_token" in q["sql"]
    ]
    assert len(selects) == 4  # 2 + 2 + 1, then an empty batch ends the loop
    orphan = Token.objects.get(pk=kept_ids[0])
    assert orphan.rotated_from_id is None  # SET_NULL, the row itself is kept
    assert "Deleted 0 token(s)" in purge()


def test_purge_defaults_to_the_retention_setting(token_rows, settings):
    _old_ids, kept_ids = token_rows
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "TOKEN_RETENTION_DAYS": 5}
    out = purge()
    # With 5 days, the 10-day-old dead rows go too; live rows never do.
    assert "Deleted 8 token(s)" in out
    assert set(Token.objects.values_list("pk", flat=True)) == set(kept_ids[3:])


def test_purge_retention_days_option(token_rows):
    _old_ids, kept_ids = token_rows
    assert "Deleted 0 token(s)" in purge("--retention-days", "1000")
    assert "Deleted 8 token(s)" in purge("--retention-days", "0")
    assert set(Token.objects.values_list("pk", flat=True)) == set(kept_ids[3:])


def test_purge_dry_run_deletes_nothing(token_rows):
    old_ids, kept_ids = token_rows
    out = purge("--dry-run")
    assert "Would delete 5 token(s)" in out
    assert Token.objects.count() == len(old_ids) + len(kept_ids)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--batch-size", "0"], "--batch-size"), (["--retention-days", "-1"], "--retention-days")],
)
def test_purge_refuses_bad_options(args, message, db):
    with pytest.raises(CommandError, match=message):
        purge(*args)


def test_purge_removes_device_requests_expired_before_the_cutoff():
    from ctfy_auth.client_info import ClientInfo
    from ctfy_auth.models import DeviceRequest
    from ctfy_auth.services import devices

    now = timezone.now()
    old, recent, live = (devices.start(ClientInfo())[0] for _ in range(3))
    DeviceRequest.objects.filter(pk=old.pk).update(expires_at=now - timedelta(days=91))
    DeviceRequest.objects.filter(pk=recent.pk).update(expires_at=now - timedelta(days=89))
    assert "Would delete 1 device request(s)" in purge("--dry-run")
    assert "Deleted 1 device request(s)" in purge()
    assert set(DeviceRequest.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}


def test_purge_removes_expired_flows_in_batches_like_the_rest(user):
    """One batching rule for every kind of row: device requests and flows go in batches too."""
    from ctfy_auth.models import DeviceRequest, OAuthFlow, OAuthFlowKind
    from ctfy_auth.services import devices

    now = timezone.now()
    for n in range(3):
        OAuthFlow.objects.create(
            kind=OAuthFlowKind.LOGIN,
            provider="github",
            nonce=f"expired-{n}",
            expires_at=now - timedelta(seconds=1),
        )
    live = OAuthFlow.objects.create(
        kind=OAuthFlowKind.LOGIN, provider="github", nonce="live", expires_at=now + timedelta(1)
    )
    for _ in range(3):
        devices.start(ClientInfo())
    DeviceRequest.objects.update(expires_at=now - timedelta(days=91))
    assert "Would delete 3 expired sign-in/link flow(s)." in purge("--dry-run")
    with CaptureQueriesContext(connection) as ctx:
        out = purge("--batch-size", "2")
    assert "Deleted 3 device request(s) expired before then." in out
    assert "Deleted 3 expired sign-in/link flow(s)." in out
    assert list(OAuthFlow.objects.values_list("pk", flat=True)) == [live.pk]
    for table in ("ctfy_auth_devicerequest", "ctfy_auth_oauthflow"):
        selects = [q for q in ctx.captured_queries if "LIMIT 2" in q["sql"] and table in q["sql"]]
        assert len(selects) == 3, table  # 2 + 1, then an empty batch ends the loop
