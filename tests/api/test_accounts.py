"""POST /auth/register and /auth/login."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model

from ctfy_auth import signals
from ctfy_auth.models import Token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"


def register(client, email="alice@example.com", password=PASSWORD, **extra):
    return client.post(REGISTER, {"email": email, "password": password, **extra}, format="json")


def test_register_returns_a_session_and_first_user_is_super_admin(api_client):
    response = register(api_client, email="Alice@Example.COM", display_name="Alice")
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert body["redirect_to"] == "/"
    assert body["token"].startswith("pt_")
    user = get_user_model().objects.get()
    assert user.email == "alice@example.com"
    assert user.display_name == "Alice"
    assert user.role == "super_admin"
    assert user.password.startswith("argon2$argon2id$")
    assert user.email_verified_at is None
    assert user.last_login is not None  # registering signs in

    second = register(api_client, email="bob@example.com")
    assert second.status_code == HTTPStatus.OK
    assert get_user_model().objects.get(email="bob@example.com").role == "user"


def test_register_stores_only_a_digest_and_stamps_the_sudo_window(api_client):
    plaintext = register(api_client).json()["token"]
    token = Token.objects.get()
    assert token.kind == "user"
    assert token.label == "login"
    assert token.digest != plaintext and plaintext not in token.digest
    assert len(token.digest) == 64
    assert token.reauthenticated_at == token.created_at
    assert token.expires_at is not None
    assert (token.expires_at - token.created_at).days == 90


def test_display_name_defaults_to_email(api_client):
    register(api_client)
    assert get_user_model().objects.get().display_name == "alice@example.com"


def test_register_duplicate_email_is_409_email_taken_case_insensitively(api_client):
    register(api_client)
    response = register(api_client, email="ALICE@example.com")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "email_taken"
    assert get_user_model().objects.count() == 1


def test_register_onto_a_password_less_account_is_409_and_never_merges(api_client, user_factory):
    user_factory(email="oauth@example.com", password=None)
    response = register(api_client, email="oauth@example.com")
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["code"] == "email_belongs_to_oauth"
    assert not get_user_model().objects.get(email="oauth@example.com").has_usable_password()


@pytest.mark.parametrize("password", ["password1234", "PASSWORD1234", "ctfyctfyctfy"])
def test_common_passwords_are_422_weak_password(api_client, password):
    response = register(api_client, password=password)
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    body = response.json()
    assert body["code"] == "weak_password"
    assert body["detail"]["rule"] == "common_password"
    assert not get_user_model().objects.exists()


def test_django_password_validators_apply(api_client):
    response = register(api_client, password="1234567890123")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["code"] == "weak_password"
    assert response.json()["detail"]["rule"] == "password_entirely_numeric"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "alice@example.com", "password": "short"}, "password"),
        ({"email": "alice@example.com", "password": "x" * 257}, "password"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@localhost", "password": PASSWORD}, "email"),
        ({"email": "alice@example.com"}, "password"),
        ({"password": PASSWORD}, "email"),
        ({"email": 12, "password": PASSWORD}, "email"),
        ({"email": "alice@example.com", "password": ["x"] * 20}, "password"),
        (
            {"email": "alice@example.com", "password": PASSWORD, "display_name": "x" * 121},
            "display_name",
        ),
        ({"email": "a" * 250 + "@example.com", "password": PASSWORD}, "email"),
    ],
)
def test_register_bad_input_is_422_and_writes_nothing(api_client, body, field):
    response = api_client.post(REGISTER, body, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    detail = response.json()["detail"]
    assert response.json()["code"] == "validation_error"
    assert field in [issue["loc"][0] for issue in detail["issues"]]
    assert field in detail["message"]
    assert not get_user_model().objects.exists()
    assert not Token.objects.exists()


def test_short_password_message_matches_ctfy(api_client):
    response = register(api_client, password="elevenchars")
    assert (
        response.json()["detail"]["message"]
        == "password: String should have at least 12 characters"
    )


def test_password_auth_disabled_is_404(api_client, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "PASSWORD_AUTH_ENABLED": False}
    assert register(api_client).json()["code"] == "password_auth_disabled"
    response = api_client.post(LOGIN, {"email": "a@example.com", "password": "x"}, format="json")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["code"] == "password_auth_disabled"


def test_login_mints_a_new_session(api_client, user_factory):
    user = user_factory(email="bob@example.com")
    response = api_client.post(
        LOGIN, {"email": "BOB@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    token = response.json()["token"]
    assert token.startswith("pt_")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.get("/api/v1/me").json()["id"] == user.id
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_refusals_are_identical_for_unknown_email_and_wrong_password(
    api_client, user_factory
):
    user_factory(email="bob@example.com")
    user_factory(email="nopass@example.com", password=None)
    user_factory(email="gone@example.com", is_active=False)
    answers = [
        api_client.post(LOGIN, {"email": email, "password": pw}, format="json")
        for email, pw in [
            ("bob@example.com", "not the password"),
            ("nobody@example.com", "not the password"),
            ("nopass@example.com", "not the password"),
            ("gone@example.com", PASSWORD),
        ]
    ]
    assert {a.status_code for a in answers} == {HTTPStatus.UNAUTHORIZED}
    bodies = [(a.json()["code"], a.json()["detail"]) for a in answers]
    assert bodies == [("invalid_credentials", "Invalid email or password")] * 4


def test_unknown_email_spends_one_password_verify(api_client, user_factory, monkeypatch):
    """Count verifies, not time: both refusals run the configured hasher exactly once."""
    from tests.hashers import FastArgon2PasswordHasher

    user_factory(email="bob@example.com")
    calls = []
    original = FastArgon2PasswordHasher.verify

    def counting(self, password, encoded):
        calls.append(1)
        return original(self, password, encoded)

    monkeypatch.setattr(FastArgon2PasswordHasher, "verify", counting)
    for email in ["bob@example.com", "nobody@example.com", "nobody2@example.com"]:
        calls.clear()
        api_client.post(LOGIN, {"email": email, "password": "not the password"}, format="json")
        assert len(calls) == 1, email


def test_login_upgrades_a_stale_hash(api_client, user_factory, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "tests.hashers.FastArgon2PasswordHasher",
    ]
    user = user_factory(email="old@example.com")
    assert user.password.startswith("pbkdf2")
    settings.PASSWORD_HASHERS = list(reversed(settings.PASSWORD_HASHERS))
    response = api_client.post(
        LOGIN, {"email": "old@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_login_failed_and_registered_signals(api_client, django_capture_on_commit_callbacks):
    seen = []

    def on_registered(sender, user, **kwargs):
        seen.append(("registered", user.email))

    def on_failed(sender, email, **kwargs):
        seen.append(("failed", email))

    signals.user_registered.connect(on_registered)
    signals.login_failed.connect(on_failed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            register(api_client)
            api_client.post(
                LOGIN, {"email": "alice@example.com", "password": "nope nope nope"}, format="json"
            )
    finally:
        signals.user_registered.disconnect(on_registered)
        signals.login_failed.disconnect(on_failed)
    assert seen == [("registered", "alice@example.com"), ("failed", "alice@example.com")]


def test_login_rate_limit_is_429_with_ctfy_body(api_client, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_RATES": {"login": "3/minute"}}
    body = {"email": "nobody@example.com", "password": "whatever it is"}
    codes = [api_client.post(LOGIN, body, format="json").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    response = api_client.post(LOGIN, body, format="json")
    assert response.json()["error"] == "Rate limit exceeded: 3 per 1 minute"
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1
    # Bad input never reaches the limiter, so it spends no quota.
    bad = api_client.post(LOGIN, {"email": "x"}, format="json")
    assert bad.status_code == HTTPStatus.UNPROCESSABLE_ENTITY


def test_rate_limit_ignores_x_forwarded_for_unless_configured(api_client, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_RATES": {"login": "2/minute"}}
    body = {"email": "nobody@example.com", "password": "whatever it is"}
    codes = [
        api_client.post(LOGIN, body, format="json", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
        for i in range(3)
    ]
    assert codes == [401, 401, 429]
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "NUM_PROXIES": 1}
    codes = [
        api_client.post(LOGIN, body, format="json", HTTP_X_FORWARDED_FOR=f"10.0.1.{i}").status_code
        for i in range(3)
    ]
    assert codes == [401, 401, 401]


def test_junk_bearer_headers_do_not_dodge_the_address_limit(api_client, settings):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "THROTTLE_RATES": {"login": "2/minute"}}
    body = {"email": "nobody@example.com", "password": "whatever it is"}
    codes = [
        api_client.post(
            LOGIN, body, format="json", HTTP_AUTHORIZATION=f"Bearer junk{i}"
        ).status_code
        for i in range(3)
    ]
    assert codes == [401, 401, 429]


def test_throttle_switch_off(api_client, settings):
    settings.CTFY_AUTH = {
        **settings.CTFY_AUTH,
        "THROTTLE_RATES": {"login": "1/minute"},
        "THROTTLE_ENABLED": False,
    }
    body = {"email": "nobody@example.com", "password": "whatever it is"}
    assert {api_client.post(LOGIN, body, format="json").status_code for _ in range(3)} == {401}


@pytest.mark.parametrize(
    ("email", "stored"),
    [
        ("\u0438\u0432\u0430\u043d@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", None),
        ("\u7530\u4e2d\u305f\u306a\u304b@example.jp", None),  # Han with Hiragana: one writing
        ("J\u00fcrgen@B\u00fccher.de", "j\u00fcrgen@b\u00fccher.de"),
        ("ayse@\u0131\u015f\u0131k.com.tr", None),  # dotless i is refused before the @ only
    ],
    ids=["cyrillic", "japanese", "latin-accents", "turkish-domain"],
)
def test_addresses_written_in_one_script_are_accepted(api_client, email, stored):
    # The look-alike refusals (tests/security/test_email_lookalikes.py) leave these alone.
    response = register(api_client, email=email)
    assert response.status_code == HTTPStatus.OK, response.content
    assert get_user_model().objects.get().email == (stored or email)
