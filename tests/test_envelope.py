"""The error envelope for everything our views produce, and nothing written on bad input."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model

from ctfy_auth.api.views.me import MeView

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/password"),
    ("post", "/api/v1/me/reauthenticate"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'"a string"', "application/json"),
        (b"[1, 2]", "application/json"),
        (b"null", "application/json"),
        (
            b'{"email": {"$gt": ""}, "password": {"a": 1}, "new_password": [], "current_password": 5}',
            "application/json",
        ),
        ("\udcff".encode("utf-8", "surrogatepass"), "application/json"),
    ],
)
def test_bad_bodies_are_4xx_envelopes(user_client, method, path, body, content_type):
    response = getattr(user_client, method)(path, body, content_type=content_type)
    assert 400 <= response.status_code < 500, response.content
    payload = response.json()
    assert set(payload) >= {"code", "detail", "timestamp"}
    assert get_user_model().objects.count() == 1


def test_form_encoded_bodies_are_415(api_client):
    response = api_client.post("/api/v1/auth/login", {"email": "a@example.com"})
    assert response.status_code == HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    assert response.json()["code"] == "http_415"


def test_unknown_paths_under_our_prefixes_are_404_envelopes(api_client):
    for path in ["/api/v1/auth/nope", "/api/v1/me/nope", "/api/v1/auth/tokens/a/b"]:
        response = api_client.get(path)
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert response.json()["code"] == "http_404"


def test_unexpected_errors_are_a_500_envelope_without_a_traceback(user_client, monkeypatch):
    def boom(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(MeView, "get", boom)
    response = user_client.get("/api/v1/me")
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json()["code"] == "internal_error"
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_host_drf_settings_are_untouched(settings):
    from rest_framework.settings import api_settings

    assert "EXCEPTION_HANDLER" not in getattr(settings, "REST_FRAMEWORK", {})
    assert api_settings.EXCEPTION_HANDLER.__module__ == "rest_framework.views"


def test_providers_lists_github_and_google_disabled_until_configured(api_client, settings):
    body = api_client.get("/api/v1/auth/providers").json()
    assert [(p["name"], p["enabled"]) for p in body["providers"]] == [
        ("github", False),
        ("google", False),
    ]
    assert body["providers"][0]["authorize_path"] == "/api/v1/auth/login/github"
    assert body["password_auth"] == {"enabled": True}
    assert body["email_code_auth"] == {"enabled": False}
    settings.CTFY_AUTH = {
        **settings.CTFY_AUTH,
        "PROVIDERS": {
            "github": {"client_id": "abc", "client_secret": "s"},
            "oidc": {"client_id": "x", "issuer": "https://id.example.com/realms/a"},
        },
        "PASSWORD_AUTH_ENABLED": False,
    }
    body = api_client.get("/api/v1/auth/providers").json()
    rows = [(p["name"], p["enabled"], p["display_name"]) for p in body["providers"]]
    assert rows == [
        ("github", True, "GitHub"),
        ("google", False, "Google"),
        ("oidc", True, "id.example.com"),
    ]
    assert body["password_auth"] == {"enabled": False}
    assert "s" not in [p.get("client_secret") for p in body["providers"]]
