"""The hot path's hand-built query loads exactly what the ORM would, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ctfy_auth import crypto
from ctfy_auth.credentials.lookup import token_with_user_by_digest
from ctfy_auth.models import Token

pytestmark = pytest.mark.django_db


def _fields(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_it_loads_the_same_token_and_user_as_the_orm_in_one_query(user_factory: Any) -> None:
    user = user_factory(display_name="Ada Lovelace")
    now = timezone.now()
    plaintext = crypto.generate("fine_grained")
    Token.objects.create(
        user=user,
        kind="fine_grained",
        label="ci",
        digest=crypto.digest(plaintext),
        expires_at=now + timedelta(days=3),
        last_used_at=now - timedelta(hours=1),
        reauthenticated_at=now,
        permissions={"profile": "read", "competitions": "write"},
        resource_access="selected",
        resource_ids=["c1", "c2"],
    )
    with CaptureQueriesContext(connection) as queries:
        fast = token_with_user_by_digest(crypto.digest(plaintext))
        assert fast is not None
        loaded_user = fast.user  # already loaded: no second query
    assert len(queries) == 1
    slow = Token.objects.select_related("user").get(digest=crypto.digest(plaintext))
    assert _fields(fast) == _fields(slow)
    assert _fields(loaded_user) == _fields(slow.user)
    assert fast.expires_at is not None and fast.expires_at.tzinfo is not None
    assert fast.permissions == {"profile": "read", "competitions": "write"}
    assert fast.resource_ids == ["c1", "c2"]
    assert fast._state.adding is False and fast._state.db == "default"
    # The instance is a real row: saving it writes back to the same row.
    fast.label = "renamed"
    fast.save(update_fields=["label"])
    assert Token.objects.get(pk=fast.pk).label == "renamed"


def test_an_unknown_digest_is_none() -> None:
    assert token_with_user_by_digest(crypto.digest(crypto.generate("user"))) is None
