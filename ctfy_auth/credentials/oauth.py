"""Bearer resolution of OAuth access tokens (``po_…``), issued and stored by django-oauth-toolkit.

Called by :mod:`ctfy_auth.credentials.resolver` after the checksum passed (a forged string
never gets here, so it costs no query). One indexed SELECT of DOT's ``AccessToken`` by its
``token_checksum`` (the SHA-256 that :func:`ctfy_auth.crypto.digest` computes), joined with the
user and the client. No write: DOT keeps no last-used time, and the credential cache
(``CREDENTIAL_CACHE``) holds ``Token`` rows only.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import get_access_token_model

from ctfy_auth import crypto
from ctfy_auth.constants import CredentialKind
from ctfy_auth.exceptions import ExpiredToken, InvalidToken
from ctfy_auth.models import ResourceAccess
from ctfy_auth.oauth.scopes import permissions_from_scopes
from ctfy_auth.principal import Principal

__all__ = ["oauth_principal"]


def oauth_principal(plaintext: str) -> Principal:
    """The Principal of a well-formed ``po_`` access token; raises like the ``pt_`` path.

    A token issued for a person (``AccessToken.user`` set) acts for that person with the
    permissions of its scopes, on every resource (the scopes name no resource selection; the
    person's own access still decides in the host). A client-credentials token has no user:
    it becomes :attr:`CredentialKind.OAUTH_CLIENT`, whose ``user`` is an ``AnonymousUser``.
    """
    access_token_model = get_access_token_model()
    token = (
        access_token_model.objects.select_related("user", "application")
        .filter(token_checksum=crypto.digest(plaintext))
        .first()
    )
    if token is None:
        raise InvalidToken()
    if token.expires is None or timezone.now() >= token.expires:
        raise ExpiredToken()
    client_id = token.application.client_id if token.application is not None else None
    permissions = permissions_from_scopes(token.scope or "")
    if token.user_id is None:
        if client_id is None:  # neither a person nor a client: not ours to honour
            raise InvalidToken()
        return Principal(
            user=AnonymousUser(),
            credential_kind=CredentialKind.OAUTH_CLIENT,
            permissions=permissions,
            resource_access=ResourceAccess.ALL,
            client_id=client_id,
        )
    if not token.user.is_active:
        raise InvalidToken(_("This account is disabled."))
    return Principal(
        user=token.user,
        credential_kind=CredentialKind.OAUTH,
        permissions=permissions,
        resource_access=ResourceAccess.ALL,
        client_id=client_id,
    )
