"""Shared fixtures. ``DATABASE_URL``/``REDIS_URL`` switch the same suite to PostgreSQL/Redis."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from rest_framework.test import APIClient

from ctfy_auth.client_info import ClientInfo
from ctfy_auth.services import sessions

pytest_plugins = ["tests.oauth_fakes.fixtures", "tests.adversarial.secrets_plugin"]

PASSWORD = "correct horse battery staple"
_counter = itertools.count()


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent connections); run with DATABASE_URL")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user_factory(db: Any) -> Callable[..., Any]:
    """``user_factory(email=..., password=..., role=..., **fields)``; ``password=None`` for none."""

    def make(email: str | None = None, password: str | None = PASSWORD, **fields: Any) -> Any:
        email = email or f"person{next(_counter)}@example.com"
        fields.setdefault("display_name", email.split("@")[0])
        user = get_user_model().objects.create_user(email=email, password=password, **fields)
        if password:
            from django.utils import timezone

            user.password_changed_at = timezone.now()
            user.save(update_fields=["password_changed_at"])
        return user

    return make


@pytest.fixture
def session_factory(db: Any) -> Callable[..., str]:
    """``session_factory(user, **row_fields)`` → the plaintext of a fresh ``pt_`` session."""

    def make(user: Any, **row_fields: Any) -> str:
        token, plaintext = sessions.mint_session(user, ClientInfo(ip="127.0.0.1"))
        if row_fields:
            type(token).objects.filter(pk=token.pk).update(**row_fields)
        return plaintext

    return make


@pytest.fixture
def client_for(session_factory: Callable[..., str]) -> Callable[..., APIClient]:
    """``client_for(user)`` → an APIClient sending a fresh session token as its bearer."""

    def make(user: Any, token: str | None = None, **row_fields: Any) -> APIClient:
        plaintext = token or session_factory(user, **row_fields)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        client.token = plaintext  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def user(user_factory: Callable[..., Any]) -> Any:
    return user_factory()


@pytest.fixture
def user_client(user: Any, client_for: Callable[..., APIClient]) -> APIClient:
    return client_for(user)


@pytest.fixture
def token_row_factory(db: Any) -> Callable[..., APIClient]:
    """``token_row_factory(user, kind=..., **fields)`` → a client bearing a raw token row of any kind."""
    from ctfy_auth import crypto
    from ctfy_auth.models import Token

    def make(user: Any, kind: str = "fine_grained", **fields: Any) -> APIClient:
        plaintext = crypto.generate(kind)
        Token.objects.create(user=user, kind=kind, digest=crypto.digest(plaintext), **fields)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        client.token = plaintext  # type: ignore[attr-defined]
        return client

    return make
