"""One-line helpers for host-project tests that call views protected by ctfy_auth.

They write to the database, so use them inside a test that has database access
(``@pytest.mark.django_db`` or Django's ``TestCase``)::

    from ctfy_auth.testing import api_client_for, bearer, create_user_with_token

    def test_players_can_submit(client):
        user, token = create_user_with_token(
            {"submissions": "write"}, resource_access="selected", resource_ids=["ctf-2026"]
        )
        response = api_client_for(token).post(
            "/api/v1/demo/competitions/ctf-2026/submissions", {"answer": "42"}, format="json"
        )
        assert response.status_code == 200
        # or with Django's test client:
        client.get("/demo/plain/competitions/ctf-2026/scoreboard", **bearer(token))
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import scopes
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.conf import app_settings
from ctfy_auth.models import ResourceAccess
from ctfy_auth.services.api_tokens import Authority, create_api_token, expiry_from
from ctfy_auth.services.sessions import mint_session

__all__ = ["api_client_for", "bearer", "create_user_with_token"]


def create_user_with_token(
    permissions: Mapping[str, str] | None = None,
    *,
    resource_access: str = ResourceAccess.ALL,
    resource_ids: Iterable[Any] = (),
    email: str | None = None,
    password: str | None = None,
    expires_in_days: int | None = 30,
    **user_fields: Any,
) -> tuple[Any, str]:
    """Create a user and a token for them; returns ``(user, plaintext)``.

    * ``permissions=None`` → a session token (``pt_``), minted as a sign-in would:
      full account, sudo window open. ``resource_access``, ``resource_ids`` and
      ``expires_in_days`` do not apply (sessions have a fixed lifetime).
    * ``permissions={"challenges": "read", ...}`` → an API token (``pf_``) with
      those levels, clamped to the catalog as a mint would (unknown keys dropped,
      levels lowered to ``max_level``), ``resource_access`` (``all``,
      ``selected`` or ``none``) and, for ``selected`` only, ``resource_ids``.
      ``expires_in_days``: ``0`` never expires, ``None`` the configured default.
      Ids are not checked against ``RESOURCE_EXISTS``.

    ``email`` defaults to a random ``user-<hex>@example.com``; ``password=None`` gives
    an unusable password; ``user_fields`` go to ``create_user`` (``role``,
    ``display_name``, ``is_active``, ...).

    Example::

        user, token = create_user_with_token({"profile": "read"}, resource_access="none")
    """
    ids = tuple(str(i) for i in resource_ids)
    if permissions is not None:
        if resource_access not in ResourceAccess.values:
            raise ValueError(f"resource_access must be one of {ResourceAccess.values}")
        if (resource_access == ResourceAccess.SELECTED) != bool(ids):
            raise ValueError("resource_ids go with resource_access='selected', and it needs some")
    email = email or f"user-{secrets.token_hex(6)}@example.com"
    user = get_user_model().objects.create_user(email=email, password=password, **user_fields)
    if permissions is None:
        _token, plaintext = mint_session(user, ClientInfo())
        return user, plaintext
    _token, plaintext = create_api_token(
        user,
        label="test",
        authority=Authority(resource_access, ids, scopes.clamp(permissions)),
        expires_at=expiry_from(
            expires_in_days,
            default_days=app_settings.API_TOKEN_DEFAULT_LIFETIME_DAYS,
            now=timezone.now(),
        ),
    )
    return user, plaintext


def bearer(plaintext: str) -> dict[str, str]:
    """Request keyword arguments that send ``plaintext`` as the bearer credential.

    Example: ``client.get("/api/v1/me", **bearer(token))``.
    """
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def api_client_for(plaintext: str) -> APIClient:
    """A DRF ``APIClient`` that sends ``plaintext`` as its bearer credential on every request.

    Example: ``api_client_for(token).get("/api/v1/me").json()``.
    """
    client = APIClient()
    client.credentials(**bearer(plaintext))
    return client
