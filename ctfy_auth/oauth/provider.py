"""What django-oauth-toolkit must be told: the ``OAUTH2_PROVIDER`` values ctfy_auth needs.

The host merges :data:`OAUTH2_PROVIDER_SETTINGS` into its own dict and adds what only it
knows (the issuer and the signing key)::

    from ctfy_auth.oauth.provider import OAUTH2_PROVIDER_SETTINGS

    OAUTH2_PROVIDER = {
        **OAUTH2_PROVIDER_SETTINGS,
        "OIDC_ISS_ENDPOINT": CTFY_AUTH["OAUTH_ISSUER"],
        "OIDC_RSA_PRIVATE_KEY": Path("/run/secrets/oauth-signing-key.pem").read_text(),
    }

Explicit rather than set behind the host's back at ``ready()``: the values are in the host's
settings for anyone to read, and system check ``ctfy_auth.E015`` compares every one of
:data:`REQUIRED` with what DOT will use, so a host that overrides one (say
``DEFAULT_SCOPES = ["__all__"]`` or ``PKCE_REQUIRED = False``) cannot start unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ctfy_auth.oauth.hashers import ALGORITHM

__all__ = ["OAUTH2_PROVIDER_SETTINGS", "REQUIRED", "requirement_problems"]

_VALIDATOR = "ctfy_auth.oauth.validators.CtfyOAuth2Validator"
_SCOPES_BACKEND = "ctfy_auth.oauth.scopes.CatalogScopes"
_ACCESS = "ctfy_auth.oauth.tokens.access_token_generator"
_REFRESH = "ctfy_auth.oauth.tokens.refresh_token_generator"
_SECRET = "ctfy_auth.oauth.tokens.ClientSecretGenerator"

#: Merge into ``OAUTH2_PROVIDER``. Lifetimes and the rest of DOT's keys are the host's to tune.
OAUTH2_PROVIDER_SETTINGS: Mapping[str, Any] = MappingProxyType(
    {
        "OAUTH2_VALIDATOR_CLASS": _VALIDATOR,
        "SCOPES_BACKEND_CLASS": _SCOPES_BACKEND,
        # DOT's settings backend reads SCOPES (and refuses it empty) even though ours does
        # not: the OpenID Connect scopes keep it truthful. The catalog's come from ours.
        "SCOPES": {"openid": "OpenID Connect", "profile": "Profile", "email": "Email"},
        "DEFAULT_SCOPES": [],
        "ACCESS_TOKEN_GENERATOR": _ACCESS,
        "REFRESH_TOKEN_GENERATOR": _REFRESH,
        "CLIENT_SECRET_GENERATOR_CLASS": _SECRET,
        "CLIENT_SECRET_HASHER": ALGORITHM,
        "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
        "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
        "ROTATE_REFRESH_TOKEN": True,
        "REFRESH_TOKEN_REUSE_PROTECTION": True,
        "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
        "PKCE_REQUIRED": True,
        # Consent is remembered: a person who approved a client for a set of scopes (and
        # still holds a live token from it) is not asked again for the same or fewer.
        "REQUEST_APPROVAL_PROMPT": "auto",
        "OIDC_ENABLED": True,
        # RP-initiated logout at {issuer}/logout ends the browser session. It asks first unless
        # the id_token_hint is the signed-in person's; it leaves the person's tokens alone
        # (DOT would delete every token of every authorization-code client, ending other
        # applications' offline access and the remembered consent); clients revoke theirs.
        "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
        "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
        "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
        "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": False,
        "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
        "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
        "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
        "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
        "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
        "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    }
)


def _is(expected: Any) -> Callable[[Any], bool]:
    return lambda value: value == expected


def _class_or_subclass(dotted: str) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        from django.utils.module_loading import import_string

        wanted = import_string(dotted)
        return isinstance(value, type) and issubclass(value, wanted)

    return test


def _function(dotted: str) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        from django.utils.module_loading import import_string

        return value is import_string(dotted)

    return test


#: Key → (test of the value DOT will use, what it must be). ``oauth2_settings`` has already
#: imported dotted paths, so classes and functions are compared as objects.
REQUIRED: Mapping[str, tuple[Callable[[Any], bool], str]] = MappingProxyType(
    {
        "OAUTH2_VALIDATOR_CLASS": (_class_or_subclass(_VALIDATOR), f"{_VALIDATOR} or a subclass"),
        "SCOPES_BACKEND_CLASS": (
            _class_or_subclass(_SCOPES_BACKEND),
            f"{_SCOPES_BACKEND} or a subclass",
        ),
        "DEFAULT_SCOPES": (lambda v: "__all__" not in list(v or ()), 'not ["__all__"]'),
        "ACCESS_TOKEN_GENERATOR": (_function(_ACCESS), _ACCESS),
        "REFRESH_TOKEN_GENERATOR": (_function(_REFRESH), _REFRESH),
        "CLIENT_SECRET_GENERATOR_CLASS": (_class_or_subclass(_SECRET), f"{_SECRET}"),
        "CLIENT_SECRET_HASHER": (_is(ALGORITHM), repr(ALGORITHM)),
        "ROTATE_REFRESH_TOKEN": (_is(True), "True"),
        "REFRESH_TOKEN_REUSE_PROTECTION": (_is(True), "True"),
        "PKCE_REQUIRED": (_is(True), "True (for every client)"),
        "OIDC_ENABLED": (_is(True), "True"),
        "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": (_is(True), "True"),
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": (_is(True), "True"),
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": (_is(True), "True"),
    }
)


def requirement_problems(oauth2_settings: Any) -> list[tuple[str, Any, str]]:
    """``(key, value DOT will use, what it must be)`` for every unmet :data:`REQUIRED` entry."""
    out = []
    for key, (test, wanted) in REQUIRED.items():
        value = getattr(oauth2_settings, key)
        if not test(value):
            out.append((key, value, wanted))
    return out
