"""Every ``CTFY_AUTH`` key is read at call time and honours ``override_settings`` (STYLE §5-6)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from rest_framework.test import APIClient

from ctfy_auth.conf import DEFAULTS, AppSettings, app_settings
from tests.conftest import PASSWORD


def resource_exists(resource_id: str) -> bool:
    """Target of the dotted ``RESOURCE_EXISTS`` override below."""
    return resource_id == "r1"


_CATALOG = ({"key": "things", "label": "Things", "resource_scoped": False, "max_level": "read"},)
_TEMPLATES = ({"name": "peek", "permissions": {"things": "read"}},)

#: key -> (the value given in CTFY_AUTH, what ``app_settings.<KEY>`` reads back).
#: Every value differs from its default, so a value read too early cannot pass.
OVERRIDES: dict[str, tuple[Any, Any]] = {
    "PASSWORD_AUTH_ENABLED": (False, False),
    "PASSWORD_MIN_LENGTH": (16, 16),
    "PASSWORD_MAX_LENGTH": (128, 128),
    "COMMON_PASSWORDS": (("Hunter2Hunter2",), frozenset({"hunter2hunter2"})),
    "FIRST_USER_IS_SUPER_ADMIN": (False, False),
    "REVOKE_SESSIONS_ON_PASSWORD_CHANGE": (False, False),
    "REVOKE_API_TOKENS_ON_PASSWORD_CHANGE": (True, True),
    "SESSION_TOKEN_LIFETIME_SECONDS": (3600, 3600),
    "SESSION_TOKEN_LABEL": ("cli", "cli"),
    "REAUTH_WINDOW_SECONDS": (300, 300),
    "LAST_USED_UPDATE_SECONDS": (5, 5),
    "CREDENTIAL_CACHE": ("credentials", "credentials"),
    "CREDENTIAL_CACHE_SECONDS": (30, 30),
    "USER_AGENT_MAX_LENGTH": (64, 64),
    "SCOPE_CATALOG": (list(_CATALOG), _CATALOG),
    "TOKEN_TEMPLATES": (list(_TEMPLATES), _TEMPLATES),
    "BROAD_TOKEN_TEMPLATE": ("peek", "peek"),
    "API_TOKEN_LIMIT": (3, 3),
    "API_TOKEN_DEFAULT_LIFETIME_DAYS": (7, 7),
    "API_TOKEN_MAX_LIFETIME_DAYS": (365, 365),
    "RESOURCE_TYPE": ("event", "event"),
    "RESOURCE_EXISTS": ("tests.test_conf.resource_exists", resource_exists),
    "TOKEN_RETENTION_DAYS": (7, 7),
    "PROVIDERS": (
        {"github": {"client_id": "id", "client_secret": "secret"}},
        {"github": {"client_id": "id", "client_secret": "secret"}},
    ),
    "OIDC_DISPLAY_NAME": ("Example SSO", "Example SSO"),
    "PROVIDER_HTTP_TIMEOUT_SECONDS": (3, 3.0),
    "OAUTH_FLOW_LIFETIME_SECONDS": (120, 120),
    "OAUTH_REDIRECT_ORIGIN": ("https://auth.example", "https://auth.example"),
    "OAUTH_LANDING_URL": ("/signed-in", "/signed-in"),
    "OAUTH_LINK_LANDING_PATH": ("/account", "/account"),
    "OAUTH_ISSUER": ("https://ctf.example.org/oauth", "https://ctf.example.org/oauth"),
    "SUPER_ADMIN_EMAILS": (["Root@Example.com"], frozenset({"root@example.com"})),
    "DEVICE_CODE_LIFETIME_SECONDS": (120, 120),
    "DEVICE_POLL_INTERVAL_SECONDS": (2, 2),
    "DEVICE_VERIFICATION_ORIGIN": ("https://auth.example", "https://auth.example"),
    "DEVICE_FAILED_ENTRY_LIMITS": (
        {"account": "3/hour"},  # merged over the defaults
        {**DEFAULTS["DEVICE_FAILED_ENTRY_LIMITS"], "account": "3/hour"},
    ),
    "THROTTLE_ENABLED": (False, False),
    "THROTTLE_CACHE": ("throttle", "throttle"),
    "THROTTLE_RATES": (
        {"login": "5/minute"},  # merged over the defaults
        {**DEFAULTS["THROTTLE_RATES"], "login": "5/minute"},
    ),
    "NUM_PROXIES": (2, 2),
}


def test_every_setting_has_an_override_case_and_an_accessor():
    assert set(OVERRIDES) == set(DEFAULTS), "add the new key to OVERRIDES"
    accessors = {name for name, value in vars(AppSettings).items() if isinstance(value, property)}
    assert accessors == set(DEFAULTS)


@pytest.mark.parametrize("key", sorted(OVERRIDES))
def test_setting_honours_override_settings(key):
    given, expected = OVERRIDES[key]
    assert given != DEFAULTS[key]
    before = getattr(app_settings, key)  # fills the cache, which the override must drop
    assert before != expected
    with override_settings(CTFY_AUTH={key: given}):
        assert getattr(app_settings, key) == expected
    assert getattr(app_settings, key) == before


def test_unknown_key_is_improperly_configured():
    default = DEFAULTS["PASSWORD_MIN_LENGTH"]
    with (
        override_settings(CTFY_AUTH={"PASSWORD_MIN_LENGHT": 8}),
        pytest.raises(ImproperlyConfigured, match="PASSWORD_MIN_LENGHT"),
    ):
        _ = app_settings.PASSWORD_MIN_LENGTH
    assert app_settings.get("PASSWORD_MIN_LENGTH") == default  # readable again once restored


def _with(**values: Any) -> override_settings:
    """The test settings' CTFY_AUTH (the ctfy scope presets) with ``values`` on top."""
    return override_settings(CTFY_AUTH={**settings.CTFY_AUTH, **values})


# --- end to end through the API ----------------------------------------------------------


@pytest.mark.django_db
def test_password_min_length_reaches_register(api_client):
    def register(email: str) -> Any:
        body = {"email": email, "password": PASSWORD}
        return api_client.post("/api/v1/auth/register", body, format="json")

    with _with(PASSWORD_MIN_LENGTH=len(PASSWORD) + 1):
        response = register("short@example.com")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    (issue,) = response.json()["detail"]["issues"]
    assert issue["loc"] == ["password"]
    assert str(len(PASSWORD) + 1) in issue["msg"]
    with _with(PASSWORD_MIN_LENGTH=len(PASSWORD)):
        assert register("exact@example.com").status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_api_token_limit_reaches_mint(user_client):
    def mint() -> Any:
        return user_client.post("/api/v1/auth/tokens", {}, format="json")

    with _with(API_TOKEN_LIMIT=2):
        assert mint().status_code == HTTPStatus.OK
        assert mint().status_code == HTTPStatus.OK
        third = mint()
    assert (third.status_code, third.json()["code"]) == (
        HTTPStatus.BAD_REQUEST,
        "token_limit_reached",
    )
    assert mint().status_code == HTTPStatus.OK  # the default limit (20) is back


@pytest.mark.django_db
def test_device_settings_reach_the_device_code_response():
    with _with(
        DEVICE_CODE_LIFETIME_SECONDS=90,
        DEVICE_POLL_INTERVAL_SECONDS=7,
        DEVICE_VERIFICATION_ORIGIN="https://login.example",
    ):
        response = APIClient().post("/api/v1/auth/device/code")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert (body["expires_in"], body["interval"]) == (90, 7)
    assert body["verification_uri"] == "https://login.example/device"
