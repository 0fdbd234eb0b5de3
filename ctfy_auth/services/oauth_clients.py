"""Registering OAuth clients: DOT's ``Application`` plus ctfy_auth's policy, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from oauth2_provider.models import AbstractApplication, get_application_model

from ctfy_auth import crypto
from ctfy_auth.models import OAuthClientPolicy, OAuthGrantType
from ctfy_auth.oauth.scopes import all_scopes
from ctfy_auth.oauth.validators import SERVED_GRANTS

__all__ = ["ClientSpec", "authorization_redirect_origin", "create_client"]

#: DOT's single ``authorization_grant_type`` for a client, from its first grant (DOT's own
#: checks read it, e.g. redirect URIs are required for the authorization code grant).
_DOT_GRANT = {
    OAuthGrantType.AUTHORIZATION_CODE: AbstractApplication.GRANT_AUTHORIZATION_CODE,
    OAuthGrantType.CLIENT_CREDENTIALS: AbstractApplication.GRANT_CLIENT_CREDENTIALS,
    OAuthGrantType.PASSWORD: AbstractApplication.GRANT_PASSWORD,
    OAuthGrantType.DEVICE_CODE: AbstractApplication.GRANT_DEVICE_CODE,
}


@dataclass(frozen=True)
class ClientSpec:
    """What a new client may do. ``grant_types`` are :class:`OAuthGrantType` values."""

    name: str
    grant_types: Sequence[str]
    scopes: Sequence[str]
    redirect_uris: Sequence[str] = ()
    post_logout_redirect_uris: Sequence[str] = ()
    public: bool = False
    skip_consent: bool = False
    may_introspect: bool = False
    owner: Any = None


def _validate(spec: ClientSpec) -> None:
    problems: dict[str, list[str]] = {}
    if not spec.grant_types:
        problems.setdefault("grant_types", []).append("Give at least one grant type.")
    for grant in spec.grant_types:
        if grant not in OAuthGrantType.values:
            problems.setdefault("grant_types", []).append(f"Unknown grant type {grant!r}.")
        elif grant not in SERVED_GRANTS:
            problems.setdefault("grant_types", []).append(
                f"The {grant!r} grant is not served by this release."
            )
    if spec.public and OAuthGrantType.CLIENT_CREDENTIALS in spec.grant_types:
        problems.setdefault("grant_types", []).append(
            "A public client holds no secret, so it cannot use client_credentials."
        )
    known = all_scopes()
    unknown = [s for s in spec.scopes if s not in known]
    if unknown:
        problems.setdefault("scopes", []).append(f"Unknown scopes: {' '.join(unknown)}.")
    if problems:
        raise ValidationError(problems)


def create_client(spec: ClientSpec) -> tuple[Any, str | None]:
    """Register a client; return ``(application, client_secret)``.

    The secret (256 bits, ``None`` for a public client) is returned once and stored only
    as a hash (DOT's ``CLIENT_SECRET_HASHER``). Raises ``ValidationError`` for an unknown or
    unserved grant, an unknown scope, or what DOT's ``Application.clean()`` refuses
    (redirect URIs).
    """
    _validate(spec)
    secret = None if spec.public else crypto.generate_client_secret()
    application = get_application_model()(
        name=spec.name,
        user=spec.owner,
        client_type=(
            AbstractApplication.CLIENT_PUBLIC
            if spec.public
            else AbstractApplication.CLIENT_CONFIDENTIAL
        ),
        authorization_grant_type=_DOT_GRANT[OAuthGrantType(spec.grant_types[0])],
        redirect_uris=" ".join(spec.redirect_uris),
        post_logout_redirect_uris=" ".join(spec.post_logout_redirect_uris),
        client_secret=secret or "",
        hash_client_secret=True,
        skip_authorization=spec.skip_consent,
        algorithm=AbstractApplication.RS256_ALGORITHM,
    )
    application.full_clean(exclude=["client_secret", "user"])
    with transaction.atomic():
        application.save()
        OAuthClientPolicy.objects.create(
            application=application,
            grant_types=list(dict.fromkeys(spec.grant_types)),
            scopes=list(dict.fromkeys(spec.scopes)),
            may_introspect=spec.may_introspect,
        )
    return application, secret


def authorization_redirect_origin(path: str) -> str | None:
    """The origin of the client redirect URI named by an ``{issuer}/authorize`` path, if registered.

    ``path`` is a same-site path (the sign-in page's ``next``). ``None`` unless it is the
    authorization endpoint with a ``client_id`` and a ``redirect_uri`` registered for that
    client. The sign-in page allows that origin in its ``form-action``: browsers hold the
    redirects after a submission to it, and a remembered consent ends the chain there.
    """
    try:
        authorize = reverse("ctfy_oauth:authorize")
    except NoReverseMatch:
        return None
    parts = urlsplit(path)
    if parts.path != authorize:
        return None
    query = parse_qs(parts.query)
    client_id = query.get("client_id", [""])[0]
    redirect_uri = query.get("redirect_uri", [""])[0]
    if not client_id or not redirect_uri:
        return None
    application = get_application_model().objects.filter(client_id=client_id).first()
    if application is None or not application.redirect_uri_allowed(redirect_uri):
        return None
    target = urlsplit(redirect_uri)
    return f"{target.scheme}://{target.netloc}" if target.scheme and target.netloc else None
