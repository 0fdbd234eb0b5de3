"""Users and one credential of each scheme, written to the real database of the benchmark.

Every variant authenticates the *same* user, who holds exactly one credential of each kind; other
users hold one of each too, so every lookup runs against a table of the same size. (knox scans the
user's other tokens on each request: giving the benchmark user many would slow knox unfairly.)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from knox.crypto import create_token_string, hash_token  # type: ignore[import-untyped]
from knox.models import AuthToken  # type: ignore[import-untyped]
from knox.settings import CONSTANTS as KNOX_CONSTANTS  # type: ignore[import-untyped]
from knox.settings import knox_settings
from oauth2_provider.models import AccessToken, Application
from oauthlib.common import generate_token  # type: ignore[import-untyped]
from rest_framework.authtoken.models import Token as DRFToken

from ctfy_auth import crypto
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.constants import TokenKind
from ctfy_auth.models import Token
from ctfy_auth.services.api_tokens import create_api_token, resolve_authority
from ctfy_auth.services.sessions import mint_session

__all__ = ["BENCH_PASSWORD", "SCOPED_TEMPLATE", "Credentials", "create_background", "create_user"]

#: The benchmark user's password (12+ characters, not in ctfy's list of common passwords).
BENCH_PASSWORD = "bench-correct-horse-battery"
#: The API token's template: ``profile:read`` among others, which the scoped endpoint requires.
SCOPED_TEMPLATE = "agent_play"


@dataclass(frozen=True, slots=True)
class Credentials:
    """``Authorization`` header values of one user, by variant."""

    user_id: str
    email: str
    drf: str
    knox: str
    oauth2: str
    session: str
    scoped: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _application() -> Application:
    app = Application.objects.filter(name="bench").first()
    if app is None:
        app = Application.objects.create(
            name="bench",
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        )
    return app


def create_user(email: str, *, password: str | None = BENCH_PASSWORD) -> Credentials:
    """A user with one credential of each scheme, made the way each package makes them."""
    user = get_user_model().objects.create_user(email=email, password=password)
    drf = DRFToken.objects.create(user=user)
    _knox_row, knox_token = AuthToken.objects.create(user=user)
    oauth2_token = generate_token()
    AccessToken.objects.create(
        user=user,
        application=_application(),
        token=oauth2_token,
        expires=timezone.now() + timedelta(days=1),
        scope="read write",
    )
    _session_row, session = mint_session(user, ClientInfo(ip="127.0.0.1", user_agent="bench"))
    authority = resolve_authority(
        template=SCOPED_TEMPLATE, resource_access=None, resource_ids=None, permissions=None
    )
    _api_row, scoped = create_api_token(
        user, label="bench", authority=authority, expires_at=timezone.now() + timedelta(days=30)
    )
    return Credentials(
        user_id=str(user.pk),
        email=str(user.email),
        drf=f"Token {drf.key}",
        knox=f"Token {knox_token}",
        oauth2=f"Bearer {oauth2_token}",
        session=f"Bearer {session}",
        scoped=f"Bearer {scoped}",
    )


def create_background(count: int, *, batch: int = 1000) -> None:
    """``count`` more users, each with one credential of every scheme, in bulk."""
    User = get_user_model()
    app = _application()
    now = timezone.now()
    for start in range(0, count, batch):
        users = [
            User(email=f"background-{start + i}@bench.example.com", password="!unusable")
            for i in range(min(batch, count - start))
        ]
        User.objects.bulk_create(users)
        DRFToken.objects.bulk_create([DRFToken(user=u, key=DRFToken.generate_key()) for u in users])
        knox_rows: list[Any] = []
        for u in users:
            token = knox_settings.TOKEN_PREFIX + create_token_string()
            digest = hash_token(token)
            knox_rows.append(
                AuthToken(
                    user=u,
                    digest=digest,
                    token_key=token[: KNOX_CONSTANTS.TOKEN_KEY_LENGTH],
                    expiry=now + knox_settings.TOKEN_TTL,
                )
            )
        AuthToken.objects.bulk_create(knox_rows)
        AccessToken.objects.bulk_create(
            [
                AccessToken(
                    user=u,
                    application=app,
                    token=generate_token(),
                    expires=now + timedelta(days=1),
                    scope="read write",
                )
                for u in users
            ]
        )
        Token.objects.bulk_create(
            [
                Token(
                    user=u,
                    kind=kind,
                    digest=crypto.digest(crypto.generate(kind)),
                    expires_at=now + timedelta(days=30),
                    last_used_at=now,
                )
                for u in users
                for kind in (TokenKind.SESSION, TokenKind.API_TOKEN)
            ]
        )
