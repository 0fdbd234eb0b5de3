"""GET /auth/identities and DELETE /auth/identities/{id}."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from ctfy_auth.models import Identity

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/identities"


def test_password_appears_as_a_sign_in_method(user, user_client):
    body = user_client.get(URL).json()
    assert body["total"] == 1
    row = body["items"][0]
    assert row["provider"] == "password"
    assert row["provider_email"] == user.email
    assert row["provider_display_name"] == user.display_name
    assert (row["provider_user_id"], row["provider_login"], row["avatar_url"]) == ("", "", "")
    assert row["created_at"].endswith("Z")


def test_external_identities_ordered_by_provider_then_password(user, user_client):
    Identity.objects.create(
        user=user, provider="google", provider_user_id="g1", email="a@gmail.com"
    )
    Identity.objects.create(user=user, provider="github", provider_user_id="7", login="octo")
    rows = user_client.get(URL).json()["items"]
    assert [r["provider"] for r in rows] == ["github", "google", "password"]
    assert rows[0]["provider_login"] == "octo"
    assert rows[1]["provider_email"] == "a@gmail.com"


def test_unlink_an_identity_when_a_password_remains(user, user_client):
    identity = Identity.objects.create(user=user, provider="github", provider_user_id="7")
    response = user_client.delete(f"{URL}/{identity.id}")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok"}
    assert not Identity.objects.exists()


def test_unlink_the_last_way_in_is_409(user_factory, client_for):
    user = user_factory(password=None)
    identity = Identity.objects.create(user=user, provider="github", provider_user_id="7")
    response = client_for(user).delete(f"{URL}/{identity.id}")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "last_sign_in_method"
    assert Identity.objects.filter(pk=identity.pk).exists()


def test_unlink_one_of_two_identities_without_a_password(user_factory, client_for):
    user = user_factory(password=None)
    first = Identity.objects.create(user=user, provider="github", provider_user_id="7")
    Identity.objects.create(user=user, provider="google", provider_user_id="g")
    assert client_for(user).delete(f"{URL}/{first.id}").status_code == HTTPStatus.OK


def test_unlink_needs_the_sudo_window_after_the_account_facts(user, client_for):
    identity = Identity.objects.create(user=user, provider="github", provider_user_id="7")
    client = client_for(user, reauthenticated_at=timezone.now() - timedelta(hours=2))
    response = client.delete(f"{URL}/{identity.id}")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "reauthentication_required"
    assert Identity.objects.filter(pk=identity.pk).exists()


def test_a_future_sudo_stamp_counts_as_closed(user, client_for):
    identity = Identity.objects.create(user=user, provider="github", provider_user_id="7")
    client = client_for(user, reauthenticated_at=timezone.now() + timedelta(minutes=5))
    assert client.delete(f"{URL}/{identity.id}").json()["code"] == "reauthentication_required"


@pytest.mark.parametrize("identity_id", ["password", "missing", "x" * 500])
def test_unknown_or_password_ids_are_404(user_client, identity_id):
    response = user_client.delete(f"{URL}/{identity_id}")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "identity_not_found"


def test_someone_elses_identity_is_404(user_client, user_factory):
    stranger = user_factory()
    identity = Identity.objects.create(user=stranger, provider="github", provider_user_id="9")
    response = user_client.delete(f"{URL}/{identity.id}")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Identity.objects.filter(pk=identity.pk).exists()
