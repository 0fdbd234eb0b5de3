"""OAuth access tokens on the one credential path: query budget, kinds, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from ctfy_auth import crypto
from ctfy_auth.constants import CredentialKind
from ctfy_auth.credentials import resolve_request
from ctfy_auth.exceptions import ExpiredToken, InvalidToken


def access_token(application, user=None, scope="challenges:read", **fields):
    plaintext = crypto.generate(crypto.OAUTH_ACCESS_TOKEN)
    model = get_access_token_model()
    row = model(
        application=application,
        user=user,
        scope=scope,
        expires=fields.pop("expires", timezone.now() + timedelta(hours=1)),
    )
    from oauth2_provider.models import set_token_value

    set_token_value(row, plaintext)
    row.save()
    return plaintext


def request_with(token):
    return RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_forged_token_costs_no_query(db, django_assert_num_queries):
    body = "po_" + "A" * 43
    forged = body + "zzzzzz"
    assert crypto.parse_kind(forged) is None
    with django_assert_num_queries(0), pytest.raises(InvalidToken):
        resolve_request(request_with(forged))


def test_a_token_costs_one_query_and_carries_its_scopes(
    oauth_client_factory, user, django_assert_num_queries
):
    application, _secret = oauth_client_factory(
        grants=("authorization_code",), scopes="submissions:write profile:write"
    )
    token = access_token(application, user, scope="submissions:write profile:read openid")
    with django_assert_num_queries(1):
        principal = resolve_request(request_with(token))
    assert principal.credential_kind == CredentialKind.OAUTH
    assert principal.user == user and principal.client_id == application.client_id
    assert not principal.is_full_account and not principal.acts_as_client
    assert principal.permissions["submissions"] == "write"
    assert principal.permissions["profile"] == "read"
    assert principal.allows("submissions", "write", "ctf-2026")
    assert not principal.allows("profile", "write")
    assert not principal.allows("challenges", "read", "ctf-2026")


def test_a_client_token_acts_as_its_client(oauth_client_factory, django_assert_num_queries):
    application, _secret = oauth_client_factory()
    token = access_token(application)
    with django_assert_num_queries(1):
        principal = resolve_request(request_with(token))
    assert principal.credential_kind == CredentialKind.OAUTH_CLIENT
    assert principal.acts_as_client and not principal.user.is_authenticated
    assert principal.allows("challenges", "read", "ctf-2026")


def test_expired_unknown_and_disabled(oauth_client_factory, user):
    application, _secret = oauth_client_factory(grants=("authorization_code",))
    expired = access_token(application, user, expires=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ExpiredToken):
        resolve_request(request_with(expired))
    with pytest.raises(InvalidToken):
        resolve_request(request_with(crypto.generate(crypto.OAUTH_ACCESS_TOKEN)))
    live = access_token(application, user)
    user.is_active = False
    user.save()
    with pytest.raises(InvalidToken):
        resolve_request(request_with(live))


def test_the_pt_path_is_unchanged(session_factory, user, django_assert_num_queries):
    session = session_factory(user, last_used_at=timezone.now())
    with django_assert_num_queries(1):
        principal = resolve_request(request_with(session))
    assert principal.credential_kind == CredentialKind.SESSION and principal.client_id is None
