"""System checks: each ID fires through Django's registry on a bad configuration (STYLE §19).

``tests/test_scope_checks.py`` goes through the many shapes of E004-E006; here every ID is
shown to be registered, to fire with a message that names the problem and a hint, and to
stay quiet on the test settings.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.checks import registry

from ctfy_auth import checks
from ctfy_auth.checks import check_settings, check_throttle_cache, check_values
from ctfy_auth.conf import app_settings
from ctfy_auth.providers.registry import listed_providers

_AUTH_MW = "django.contrib.auth.middleware.AuthenticationMiddleware"
_OUR_MW = "ctfy_auth.middleware.BearerTokenMiddleware"
_LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",  # never connected to: checks only read CACHES
    }
}


def databases_on(engine: str) -> dict[str, Any]:
    """DATABASES with the default database's ENGINE changed (checks only read the setting)."""
    default = django_settings.DATABASES["default"]
    return {**django_settings.DATABASES, "default": {**default, "ENGINE": engine}}


def ctfy_messages() -> list[Any]:
    """What ctfy_auth's checks, as registered with Django, report (silenced ones left out).

    Django's own checks are left out: some cannot run with AUTH_USER_MODEL changed at runtime.
    """
    ours = [c for c in registry.registry.get_checks() if c.__module__ == checks.__name__]
    assert {c.__name__ for c in ours} == {n for n in checks.__all__ if n.startswith("check_")}
    return [m for check in ours for m in check() if not m.is_silenced()]


def ctfy_auth(settings: Any, **values: Any) -> None:
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, **values}


#: check ID -> (settings to change, where ``CTFY_AUTH`` is merged, words the message must say).
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "ctfy_auth.E001": ({"AUTH_USER_MODEL": "auth.User"}, ["'auth.User'"]),
    "ctfy_auth.W001": (
        {
            "PASSWORD_HASHERS": ["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
            "SILENCED_SYSTEM_CHECKS": [],
        },
        ["Argon2"],
    ),
    "ctfy_auth.E002": (
        {"MIDDLEWARE": [_OUR_MW, _AUTH_MW]},
        ["BearerTokenMiddleware", "AuthenticationMiddleware"],
    ),
    "ctfy_auth.W002": ({"DEBUG": False, "CACHES": _LOCMEM}, ["'default'", "LocMemCache"]),
    "ctfy_auth.E003": ({"CTFY_AUTH": {"THROTTLE_RATES": {"login": "often"}}}, ["'login'"]),
    "ctfy_auth.E004": ({"CTFY_AUTH": {"SCOPE_CATALOG": ({"label": "no key"},)}}, ["SCOPE_CATALOG"]),
    "ctfy_auth.E005": (
        {"CTFY_AUTH": {"TOKEN_TEMPLATES": ({"name": "t", "permissions": {"nope": "read"}},)}},
        ["'t'"],
    ),
    "ctfy_auth.E006": (
        {"CTFY_AUTH": {"BROAD_TOKEN_TEMPLATE": "everything"}},
        ["BROAD_TOKEN_TEMPLATE", "'everything'"],
    ),
    "ctfy_auth.E007": ({"CTFY_AUTH": {"PROVIDERS": {"gitlab": {}}}}, ["'gitlab'", "type"]),
    "ctfy_auth.E008": (
        {"CACHES": _LOCMEM, "CTFY_AUTH": {"CREDENTIAL_CACHE": "default"}},
        ["'default'", "LocMemCache", "revoked"],
    ),
    "ctfy_auth.W003": (
        {
            "CACHES": _REDIS,
            "DATABASES": databases_on("django.db.backends.sqlite3"),
            "CTFY_AUTH": {"CREDENTIAL_CACHE": "default"},
        },
        ["'default'", "SQLite", "slower"],
    ),
    "ctfy_auth.E009": (
        {"CTFY_AUTH": {"PASSWORD_AUTH_ENABLED": "no"}},
        ["PASSWORD_AUTH_ENABLED", "True or False"],
    ),
    "ctfy_auth.E010": (
        {"CTFY_AUTH": {"USER_AGENT_MAX_LENGTH": 1024}},
        ["USER_AGENT_MAX_LENGTH", "1024", "512"],
    ),
    "ctfy_auth.E011": ({"CTFY_AUTH": {"THROTTLE_CACHE": "throttle"}}, ["'throttle'", "CACHES"]),
    "ctfy_auth.E012": (
        {"CTFY_AUTH": {"RESOURCE_EXISTS": "demo.models.no_such_callable"}},
        ["RESOURCE_EXISTS", "no_such_callable"],
    ),
    "ctfy_auth.E013": (
        {"CTFY_AUTH": {"OAUTH_REDIRECT_ORIGIN": "https://ctf.example.org/api"}},
        ["OAUTH_REDIRECT_ORIGIN", "path"],
    ),
    "ctfy_auth.E014": (
        {"CTFY_AUTH": {"OAUTH_ISSUER": "https://ctf.example.org/oauth/"}},
        ["OAUTH_ISSUER", "slash"],
    ),
    "ctfy_auth.E015": (
        {"OAUTH2_PROVIDER": {**django_settings.OAUTH2_PROVIDER, "DEFAULT_SCOPES": ["__all__"]}},
        ["DEFAULT_SCOPES", "__all__"],
    ),
    "ctfy_auth.E016": (
        {"OAUTH2_PROVIDER": {**django_settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": ""}},
        ["OIDC_RSA_PRIVATE_KEY", "missing"],
    ),
    "ctfy_auth.E017": (
        {"PASSWORD_HASHERS": ["tests.hashers.FastArgon2PasswordHasher"]},
        ["ClientSecretHasher", "PASSWORD_HASHERS"],
    ),
    "ctfy_auth.W004": (
        {"CTFY_AUTH": {"OIDC_DISPLAY_NAME": "Example SSO"}},
        ["OIDC_DISPLAY_NAME", "deprecated"],
    ),
}


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"CREDENTIAL_CACHE": "nowhere"}, ["'nowhere'", "names no cache"]),
        ({"CREDENTIAL_CACHE_SECONDS": 0}, ["CREDENTIAL_CACHE_SECONDS", "0"]),
        ({"CREDENTIAL_CACHE_SECONDS": True}, ["CREDENTIAL_CACHE_SECONDS", "True"]),
        ({"CREDENTIAL_CACHE_SECONDS": 3601}, ["CREDENTIAL_CACHE_SECONDS", "3601"]),
    ],
)
def test_e008_refuses_an_unusable_credential_cache(settings, given, words):
    ctfy_auth(settings, **given)
    fired = [m for m in ctfy_messages() if m.id == "ctfy_auth.E008"]
    assert len(fired) == 1 and all(w in fired[0].msg for w in words), fired


def test_e008_accepts_a_shared_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "creds": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
        },
    }
    ctfy_auth(settings, CREDENTIAL_CACHE="creds", CREDENTIAL_CACHE_SECONDS=30)
    assert [m for m in ctfy_messages() if m.id == "ctfy_auth.E008"] == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")  # read, never connected
@pytest.mark.parametrize(
    ("engine", "fires"),
    [
        ("django.db.backends.sqlite3", True),
        ("django.contrib.gis.db.backends.spatialite", True),
        ("django.db.backends.postgresql", False),
        ("django.db.backends.mysql", False),
    ],
)
def test_w003_only_for_a_credential_cache_in_front_of_sqlite(settings, engine, fires):
    settings.CACHES = _REDIS
    settings.DATABASES = databases_on(engine)
    ctfy_auth(settings, CREDENTIAL_CACHE="default")
    assert [m.id for m in ctfy_messages() if m.id == "ctfy_auth.W003"] == (
        ["ctfy_auth.W003"] if fires else []
    )
    ctfy_auth(settings, CREDENTIAL_CACHE=None)
    assert [m.id for m in ctfy_messages() if m.id == "ctfy_auth.W003"] == []


def test_every_check_id_has_a_case():
    declared = set(re.findall(r'id="(ctfy_auth\.[EW]\d{3})"', inspect.getsource(checks)))
    assert declared == set(CASES)


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")  # read, never connected
@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_fires_on_a_bad_configuration(settings, check_id):
    changes, words = CASES[check_id]
    for name, value in changes.items():
        if name == "CTFY_AUTH":
            ctfy_auth(settings, **value)
        else:
            setattr(settings, name, value)
    fired = [m for m in ctfy_messages() if m.id == check_id]
    assert len(fired) == 1, [m.id for m in ctfy_messages()]
    assert all(word in fired[0].msg for word in words), fired[0].msg
    assert fired[0].hint
    assert fired[0].is_serious() == check_id.startswith("ctfy_auth.E")


def test_checks_do_not_reload_settings(settings):
    """A check reads ``app_settings`` as the app does; it never drops what is cached."""
    cached = app_settings._values()
    assert ctfy_messages() is not None
    assert app_settings._values() is cached


def test_the_test_settings_are_clean(settings):
    # The SQLite run keeps throttle counters in local memory with DEBUG off: that is W002.
    local = settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert [m.id for m in ctfy_messages()] == (["ctfy_auth.W002"] if local else [])


# --- W002: only outside DEBUG, only for a per-process cache ---------------------------------


def test_w002_is_quiet_under_debug(settings):
    settings.DEBUG, settings.CACHES = True, _LOCMEM
    assert check_throttle_cache() == []


@pytest.mark.parametrize(
    ("changes", "fired"),
    [
        ({"CACHES": _REDIS}, []),
        # No such alias: not a per-process cache but no cache at all, E011 (not W002).
        ({"CACHES": _REDIS, "CTFY_AUTH": {"THROTTLE_CACHE": "throttle"}}, ["ctfy_auth.E011"]),
        (
            {"CACHES": {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}},
            ["ctfy_auth.W002"],
        ),
        ({"CACHES": _LOCMEM, "CTFY_AUTH": {"THROTTLE_ENABLED": False}}, []),
        ({"CACHES": _LOCMEM, "CTFY_AUTH": {"NO_SUCH_KEY": 1}}, []),  # E003's to report
    ],
    ids=["redis", "missing-alias", "dummy", "throttling-off", "broken-settings"],
)
def test_w002_outside_debug(settings, changes, fired):
    settings.DEBUG = False
    settings.CACHES = changes["CACHES"]
    ctfy_auth(settings, **changes.get("CTFY_AUTH", {}))
    assert [m.id for m in check_throttle_cache()] == fired


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("throttling", [True, False])
def test_e011_a_missing_throttle_cache_is_an_error_whatever_debug_and_the_switch_say(
    settings, debug, throttling
):
    # The device budgets and poll spacing use the throttle cache even with THROTTLE_ENABLED off.
    settings.DEBUG, settings.CACHES = debug, _REDIS
    ctfy_auth(settings, THROTTLE_CACHE="throttle", THROTTLE_ENABLED=throttling)
    assert [m.id for m in check_throttle_cache()] == ["ctfy_auth.E011"]


# --- E003: unknown keys and rates that the limiter could not use -----------------------------


def e003(settings: Any, **values: Any) -> list[str]:
    ctfy_auth(settings, **values)
    problems = check_settings()
    assert {p.id for p in problems} <= {"ctfy_auth.E003"}
    assert all(p.hint for p in problems)
    return [p.msg for p in problems]


def test_e003_unknown_key_names_it(settings):
    assert e003(settings, PASSWORD_MIN_LENGHT=8) == [
        "Unknown CTFY_AUTH setting(s): PASSWORD_MIN_LENGHT"
    ]


@pytest.mark.parametrize("setting", ["THROTTLE_RATES", "DEVICE_FAILED_ENTRY_LIMITS"])
@pytest.mark.parametrize(
    "rate", [None, "", "  ", "often", "10/fortnight", "1.5/minute", 60, "0/minute", "-1/hour"]
)
def test_e003_malformed_rate_is_an_error_not_a_crash(settings, setting, rate):
    (message,) = e003(settings, **{setting: {"account": rate}})
    assert message.startswith(f"CTFY_AUTH[{setting!r}]['account'] is malformed: {rate!r}")


@pytest.mark.parametrize("setting", ["THROTTLE_RATES", "DEVICE_FAILED_ENTRY_LIMITS"])
@pytest.mark.parametrize("value", [None, ["60/minute"], "60/minute"])
def test_e003_rates_must_be_a_dict(settings, setting, value):
    (message,) = e003(settings, **{setting: value})
    assert message == f"CTFY_AUTH[{setting!r}] is {value!r}, not a dict of rates."


def test_e003_device_failed_entry_limits_has_two_keys(settings):
    assert e003(settings, DEVICE_FAILED_ENTRY_LIMITS={"acount": "5/hour"}) == [
        "CTFY_AUTH['DEVICE_FAILED_ENTRY_LIMITS'] has an unknown key 'acount'."
    ]


def test_e003_accepts_host_buckets_and_short_units(settings):
    assert e003(settings, THROTTLE_RATES={"my_export": "5/s", "login": "10/h"}) == []
    assert e003(settings, DEVICE_FAILED_ENTRY_LIMITS={"account": "3/day", "global": "9/m"}) == []


# --- E007: sign-in providers and the OAuth settings ------------------------------------------


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"PROVIDERS": {"sso": {"type": "saml"}}}, "no known type"),
        ({"PROVIDERS": {"oidc": {"client_id": "x"}}}, "without an 'issuer'"),
        ({"PROVIDERS": {"github": "yes"}}, "not a dict"),
        ({"PROVIDERS": ["github"]}, "not a dict"),
        ({"OAUTH_FLOW_LIFETIME_SECONDS": 3600}, "1..900"),
        ({"OAUTH_FLOW_LIFETIME_SECONDS": 0}, "1..900"),
        ({"OAUTH_LANDING_URL": "//evil.example/cb"}, "OAUTH_LANDING_URL"),
        ({"OAUTH_LANDING_URL": "http://front.example/cb"}, "OAUTH_LANDING_URL"),
        ({"OAUTH_LANDING_URL": "/cb#x"}, "OAUTH_LANDING_URL"),
        ({"OAUTH_LINK_LANDING_PATH": "https://evil.example"}, "OAUTH_LINK_LANDING_PATH"),
        ({"SUPER_ADMIN_EMAILS": "root@example.com"}, "SUPER_ADMIN_EMAILS"),
        ({"SUPER_ADMIN_EMAILS": ["root"]}, "SUPER_ADMIN_EMAILS"),
    ],
)
def test_e007_names_the_problem(settings, values, words):
    ctfy_auth(settings, **values)
    fired = [m for m in ctfy_messages() if m.id == "ctfy_auth.E007"]
    assert len(fired) == 1 and words in fired[0].msg, [m.msg for m in fired]


@pytest.mark.parametrize(
    "values",
    [
        {"PROVIDERS": {"github": {}, "google": {}, "oidc": {"issuer": "https://sso.example"}}},
        {"PROVIDERS": {"corp": {"type": "oidc", "discovery_url": "https://sso.example/.wk"}}},
        {"OAUTH_LANDING_URL": "https://front.example/auth/callback"},
        {"OAUTH_FLOW_LIFETIME_SECONDS": 900, "SUPER_ADMIN_EMAILS": ["root@example.com"]},
    ],
)
def test_e007_accepts_good_configurations(settings, values):
    ctfy_auth(settings, **values)
    assert [m.msg for m in ctfy_messages() if m.id == "ctfy_auth.E007"] == []


# --- E009 / E010: the type and the range of every other key -----------------------------------


def fired(settings: Any, check_id: str, **values: Any) -> list[str]:
    """Messages of ``check_id`` once ``values`` are merged into CTFY_AUTH (each with a hint)."""
    ctfy_auth(settings, **values)
    found = [m for m in ctfy_messages() if m.id == check_id]
    assert all(m.hint for m in found)
    return [m.msg for m in found]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        *[(key, "yes") for key in checks._SWITCHES],
        *[(key, "10") for key in checks._WHOLE_NUMBERS],
        ("USER_AGENT_MAX_LENGTH", True),  # a bool is not a number of characters
        ("API_TOKEN_LIMIT", 2.5),
        *[(key, 5) for key in checks._TEXTS],
        ("PROVIDER_HTTP_TIMEOUT_SECONDS", "10"),
        ("PROVIDER_HTTP_TIMEOUT_SECONDS", True),
        ("COMMON_PASSWORDS", "password1234"),  # one string is not a list of them
        ("COMMON_PASSWORDS", ["password1234", 1234]),
    ],
)
def test_e009_names_the_key_of_the_wrong_type(settings, key, value):
    (message,) = fired(settings, "ctfy_auth.E009", **{key: value})
    assert message.startswith(f"CTFY_AUTH[{key!r}] is {type(value).__name__} {value!r}, not ")


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"USER_AGENT_MAX_LENGTH": 513}, ["USER_AGENT_MAX_LENGTH", "from 0 to 512"]),
        ({"USER_AGENT_MAX_LENGTH": -1}, ["USER_AGENT_MAX_LENGTH", "from 0 to 512"]),
        ({"PASSWORD_MIN_LENGTH": 0}, ["PASSWORD_MIN_LENGTH", "1 or more"]),
        ({"SESSION_TOKEN_LIFETIME_SECONDS": 0}, ["SESSION_TOKEN_LIFETIME_SECONDS"]),
        ({"LAST_USED_UPDATE_SECONDS": -5}, ["LAST_USED_UPDATE_SECONDS", "0 or more"]),
        ({"API_TOKEN_MAX_LIFETIME_DAYS": 36501}, ["API_TOKEN_MAX_LIFETIME_DAYS", "36500"]),
        ({"NUM_PROXIES": -1}, ["NUM_PROXIES"]),
        ({"TOKEN_RETENTION_DAYS": -1}, ["TOKEN_RETENTION_DAYS"]),
        ({"SESSION_TOKEN_LABEL": "x" * 65}, ["SESSION_TOKEN_LABEL", "65", "64"]),
        ({"RESOURCE_TYPE": " "}, ["RESOURCE_TYPE", "empty"]),
        ({"PROVIDER_HTTP_TIMEOUT_SECONDS": 0}, ["PROVIDER_HTTP_TIMEOUT_SECONDS"]),
        (
            {"PASSWORD_MIN_LENGTH": 300},
            ["PASSWORD_MIN_LENGTH", "300", "at most PASSWORD_MAX_LENGTH", "256"],
        ),
        (
            {"API_TOKEN_DEFAULT_LIFETIME_DAYS": 400, "API_TOKEN_MAX_LIFETIME_DAYS": 365},
            ["API_TOKEN_DEFAULT_LIFETIME_DAYS", "at most API_TOKEN_MAX_LIFETIME_DAYS"],
        ),
        (
            {"DEVICE_POLL_INTERVAL_SECONDS": 600},
            ["DEVICE_POLL_INTERVAL_SECONDS", "below DEVICE_CODE_LIFETIME_SECONDS"],
        ),
    ],
)
def test_e010_names_the_key_out_of_range(settings, values, words):
    (message,) = fired(settings, "ctfy_auth.E010", **values)
    assert all(word in message for word in words), message


@pytest.mark.parametrize(
    "values",
    [
        {"USER_AGENT_MAX_LENGTH": 512},
        {"USER_AGENT_MAX_LENGTH": 0},
        {"PASSWORD_MIN_LENGTH": 256, "PASSWORD_MAX_LENGTH": 256},
        {"API_TOKEN_DEFAULT_LIFETIME_DAYS": 0, "API_TOKEN_MAX_LIFETIME_DAYS": 36500},
        {"PROVIDER_HTTP_TIMEOUT_SECONDS": 2.5, "SESSION_TOKEN_LABEL": "x" * 64},
        {"DEVICE_POLL_INTERVAL_SECONDS": 599, "COMMON_PASSWORDS": frozenset({"hunter2"})},
    ],
)
def test_e009_and_e010_accept_values_in_range(settings, values):
    ctfy_auth(settings, **values)
    assert [m.msg for m in check_values()] == []


def test_a_mistyped_value_is_not_also_out_of_range(settings):
    ctfy_auth(settings, PASSWORD_MIN_LENGTH="12", DEVICE_POLL_INTERVAL_SECONDS=None)
    assert sorted(m.id for m in check_values()) == ["ctfy_auth.E009", "ctfy_auth.E009"]


# --- E012: RESOURCE_EXISTS; E013: public origins ------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (5, "int, not a callable"),
        ("demo.models.no_such_callable", "cannot be imported"),
        ("competition_exists", "cannot be imported"),  # not a dotted path
        ("tests.test_checks.CASES", "not callable"),
    ],
)
def test_e012_refuses_what_cannot_be_called(settings, value, words):
    (message,) = fired(settings, "ctfy_auth.E012", RESOURCE_EXISTS=value)
    assert words in message


@pytest.mark.parametrize(
    "value", [None, "demo.models.competition_exists", lambda resource_id: resource_id == "x"]
)
def test_e012_accepts_none_a_callable_or_its_path(settings, value):
    assert fired(settings, "ctfy_auth.E012", RESOURCE_EXISTS=value) == []


@pytest.mark.parametrize("key", ["OAUTH_REDIRECT_ORIGIN", "DEVICE_VERIFICATION_ORIGIN"])
@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("ctf.example.org", "not an http(s) origin"),
        ("ftp://ctf.example.org", "not an http(s) origin"),
        ("https://ctf.example.org/api/v1", "path"),
        ("https://ctf.example.org?next=/", "query"),
        ("https://ctf.example.org#top", "fragment"),
        ("https://admin:secret@ctf.example.org", "credentials"),
        ("https://ctf.example.org:port", "not a URL"),
    ],
)
def test_e013_refuses_what_is_not_an_origin(settings, key, value, words):
    (message,) = fired(settings, "ctfy_auth.E013", **{key: value})
    assert key in message and words in message


@pytest.mark.parametrize(
    "value", ["", "https://ctf.example.org", "https://ctf.example.org/", "http://127.0.0.1:8000"]
)
def test_e013_accepts_an_origin_or_nothing(settings, value):
    ctfy_auth(settings, OAUTH_REDIRECT_ORIGIN=value, DEVICE_VERIFICATION_ORIGIN=value)
    assert [m.msg for m in ctfy_messages() if m.id == "ctfy_auth.E013"] == []


# --- W004: OIDC_DISPLAY_NAME is deprecated, and still read for one release ----------------------


def test_w004_says_what_to_use_instead_and_the_old_setting_still_works(settings):
    ctfy_auth(
        settings,
        OIDC_DISPLAY_NAME="Example SSO",
        PROVIDERS={"oidc": {"issuer": "https://sso.example", "client_id": "ctfy"}},
    )
    (warning,) = [m for m in ctfy_messages() if m.id == "ctfy_auth.W004"]
    assert 'PROVIDERS"]["oidc"]["display_name"]' in warning.hint
    (oidc,) = [row for row in listed_providers() if row["name"] == "oidc"]
    assert oidc["display_name"] == "Example SSO"


def test_w004_is_quiet_when_the_setting_is_left_out(settings):
    assert "OIDC_DISPLAY_NAME" not in settings.CTFY_AUTH
    assert [m for m in ctfy_messages() if m.id == "ctfy_auth.W004"] == []


# --- E014-E017: the OAuth server ---------------------------------------------------------------


def test_oauth_checks_are_quiet_while_the_server_is_off(settings):
    ctfy_auth(settings, OAUTH_ISSUER="")
    settings.OAUTH2_PROVIDER = {}
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
    ids = {"ctfy_auth.E014", "ctfy_auth.E015", "ctfy_auth.E016", "ctfy_auth.E017"}
    assert [m.msg for m in ctfy_messages() if m.id in ids] == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("PKCE_REQUIRED", False),
        ("ROTATE_REFRESH_TOKEN", False),
        ("REFRESH_TOKEN_REUSE_PROTECTION", False),
        ("COMPLIANT_BCP_RFC9700_TOKEN_STORAGE", False),
        ("OAUTH2_VALIDATOR_CLASS", "oauth2_provider.oauth2_validators.OAuth2Validator"),
        ("SCOPES_BACKEND_CLASS", "oauth2_provider.scopes.SettingsScopes"),
        ("ACCESS_TOKEN_GENERATOR", None),
        ("CLIENT_SECRET_HASHER", "default"),
        ("OIDC_ISS_ENDPOINT", "https://elsewhere.example.org/oauth"),
    ],
)
def test_e015_refuses_each_weakened_dot_setting(settings, key, value):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, key: value}
    messages = [m.msg for m in ctfy_messages() if m.id == "ctfy_auth.E015"]
    assert len(messages) == 1 and key in messages[0]


def test_e016_refuses_a_short_or_foreign_key_and_checks_inactive_keys(settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    def pem(key: Any) -> str:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    short = pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    curve = pem(ec.generate_private_key(ec.SECP256R1()))
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": short,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [curve, "not a key"],
    }
    messages = [m.msg for m in ctfy_messages() if m.id == "ctfy_auth.E016"]
    assert len(messages) == 3
    assert "1024 bits" in messages[0]
    assert "not an RSA key" in messages[1]
    assert "not an unencrypted PEM" in messages[2]


def test_e017_refuses_the_client_secret_hasher_first(settings):
    settings.PASSWORD_HASHERS = [
        "ctfy_auth.oauth.hashers.ClientSecretHasher",
        "tests.hashers.FastArgon2PasswordHasher",
    ]
    (message,) = [m.msg for m in ctfy_messages() if m.id == "ctfy_auth.E017"]
    assert "first" in message
