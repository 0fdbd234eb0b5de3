"""No token secret, nor its digest, on an admin page, in a repr, an exception or an error answer.

A world of real credentials is built through the public API (a sign-up, a sign-in, API tokens
from a template and with selected resources, a rotation, a revocation, device requests
collected, approved, denied and pending, an expired token, a deactivated account), keeping every
secret handed out with its SHA-256 digest. Then every Django admin page about those rows is
fetched as a super-admin, every model's ``repr``/``str`` and every ctfy_auth exception built from
them is rendered, and API errors are provoked with those secrets: none may show one.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ctfy_auth import crypto, exceptions
from ctfy_auth.api.exception_handler import exception_handler
from ctfy_auth.constants import Role
from ctfy_auth.models import DeviceRequest, Identity, Token
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

API = "/api/v1"
ADA = "ada@example.com"


#: A leak is any 16 characters in a row of a secret or of its digest: a truncated or partly
#: masked secret counts too. (Ids are 16 random characters of their own; they never match.)
WINDOW = 16


@dataclass
class World:
    root: Any
    ada: Any = None
    plaintext: dict[str, str] = field(default_factory=dict)  # what -> plaintext
    token_ids: dict[str, str] = field(default_factory=dict)  # what -> Token.id
    windows: dict[str, str] = field(default_factory=dict)  # 16 characters -> whose

    def keep(self, what: str, plaintext: str) -> str:
        assert plaintext and plaintext not in self.plaintext.values(), what
        self.plaintext[what] = plaintext
        for secret, whose in ((plaintext, what), (crypto.digest(plaintext), f"digest of {what}")):
            for start in range(len(secret) - WINDOW + 1):
                self.windows[secret[start : start + WINDOW]] = whose
        return plaintext

    def leaks(self, text: str) -> list[str]:
        found = {self.windows.get(text[i : i + WINDOW]) for i in range(len(text) - WINDOW + 1)}
        return sorted(what for what in found if what)


def bearer(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def ok(response: Any) -> Any:
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()


@pytest.fixture
def world(
    user_factory: Callable[..., Any],
    session_factory: Callable[..., str],
    token_row_factory: Callable[..., APIClient],
) -> World:
    world = World(root=user_factory(email="root@example.com", role=Role.SUPER_ADMIN))
    world.keep("super-admin session", session_factory(world.root))
    anon = APIClient()

    body = {"email": ADA, "password": PASSWORD, "display_name": "Ada"}
    world.keep(
        "sign-up session", ok(anon.post(f"{API}/auth/register", body, format="json"))["token"]
    )
    body = {"email": ADA, "password": PASSWORD}
    world.keep("sign-in session", ok(anon.post(f"{API}/auth/login", body, format="json"))["token"])
    world.ada = get_user_model().objects.get(email=ADA)
    Identity.objects.create(
        user=world.ada, provider="github", provider_user_id="583231", login="ada-gh", email=ADA
    )
    ada = bearer(world.plaintext["sign-in session"])

    minted = ok(
        ada.post(f"{API}/auth/tokens", {"label": "ci", "template": "ci_submit"}, format="json")
    )
    world.keep("API token, rotated away", minted["token"])
    world.token_ids["API token, rotated away"] = minted["id"]
    rotated = ok(ada.post(f"{API}/auth/tokens/{minted['id']}/rotate", {}, format="json"))
    world.keep("API token from a rotation", rotated["token"])
    world.token_ids["API token from a rotation"] = rotated["id"]
    scoped = {
        "label": "quals",
        "competition_access": "selected",
        "competition_ids": ["ctf-2026", "quals"],
        "permissions": {"submissions": "write", "challenges": "read", "profile": "read"},
    }
    selected = ok(ada.post(f"{API}/auth/tokens", scoped, format="json"))
    world.keep("revoked API token", selected["token"])
    world.token_ids["revoked API token"] = selected["id"]
    ok(ada.delete(f"{API}/auth/tokens/{selected['id']}"))

    for outcome in ("collected", "approved", "denied", "pending"):
        code = ok(anon.post(f"{API}/auth/device/code"))
        world.keep(f"device code, {outcome}", code["device_code"])
        decision = {"collected": "approve", "approved": "approve", "denied": "deny"}.get(outcome)
        if decision:
            body = {"user_code": code["user_code"]}
            ok(ada.post(f"{API}/auth/device/{decision}", body, format="json"))
        if outcome == "collected":
            body = {"device_code": code["device_code"]}
            polled = ok(anon.post(f"{API}/auth/device/token", body, format="json"))
            assert polled["status"] == "approved"
            world.keep("device session", polled["token"])

    bob = user_factory(email="bob@example.com")
    expired = token_row_factory(bob, expires_at=timezone.now() - timedelta(days=1))
    world.keep("expired API token", expired.token)  # type: ignore[attr-defined]
    carol = user_factory(email="carol@example.com")
    world.keep("session of a deactivated account", session_factory(carol))
    type(carol).objects.filter(pk=carol.pk).update(is_active=False)
    return world


# --- Django admin ---------------------------------------------------------------------------

MODELS: dict[str, Callable[[], type[Model]]] = {
    "user": get_user_model,
    "identity": lambda: Identity,
    "token": lambda: Token,
    "devicerequest": lambda: DeviceRequest,
}
LIST_QUERIES = {
    "user": ["?q=ada", "?role__exact=user", "?is_active__exact=0", "?verified=no"],
    "identity": ["?provider__exact=github", "?q=ada"],
    "token": [
        "?status=live",
        "?status=expired",
        "?status=revoked",
        "?kind__exact=user",
        "?kind__exact=fine_grained",
        "?resource_access__exact=selected",
        "?q=ada",
    ],
    "devicerequest": [f"?status={s}" for s in ("pending", "approved", "denied", "consumed")],
}


def admin_url(model: str, view: str, *args: Any) -> str:
    return reverse(f"admin:ctfy_auth_{model}_{view}", args=[quote(a) for a in args])


def admin_pages() -> Iterator[str]:
    """Every read-only admin page about the world's rows (GETs only: nothing changes)."""
    yield reverse("admin:index")
    yield reverse("admin:app_list", args=["ctfy_auth"])
    for model, get_model in MODELS.items():
        changelist = admin_url(model, "changelist")
        yield changelist
        yield changelist + "?_popup=1&_to_field=id"  # the raw-id lookup popup
        yield from (changelist + query for query in LIST_QUERIES[model])
        for pk in get_model().objects.values_list("pk", flat=True):
            yield admin_url(model, "change", pk)
            yield admin_url(model, "history", pk)
            if model in ("user", "identity"):  # deletable: the confirmation lists related rows
                yield admin_url(model, "delete", pk)
            if model == "user":  # Django names it so whatever the user model
                yield reverse("admin:auth_user_password_change", args=[quote(pk)])
    for row in DeviceRequest.objects.all():
        yield admin_url("devicerequest", "changelist") + f"?q={row.display_user_code}"
    for token_id in Token.objects.values_list("pk", flat=True):
        yield admin_url("token", "changelist") + f"?q={token_id}"


def test_no_admin_page_shows_a_secret_or_a_digest(world: World) -> None:
    client = Client()
    client.force_login(world.root)
    leaks, pages = {}, 0
    for page in admin_pages():
        response = client.get(page)
        assert response.status_code == HTTPStatus.OK, page
        pages += 1
        if found := world.leaks(response.content.decode()):
            leaks[page] = found
    assert not leaks
    # The pages did show the rows, so the check looked at something.
    token_list = client.get(admin_url("token", "changelist")).content.decode()
    assert all(token_id in token_list for token_id in Token.objects.values_list("pk", flat=True))
    assert Token.objects.count() >= 9 and DeviceRequest.objects.count() == 4 and pages > 80


# --- repr / str of rows, and the exceptions built around them -------------------------------


def rows() -> Iterator[Model]:
    yield from get_user_model().objects.all()
    yield from Identity.objects.all()
    yield from Token.objects.all()
    yield from DeviceRequest.objects.all()


def test_no_row_repr_or_str_shows_a_secret_or_a_digest(world: World) -> None:
    shown = {f"{type(row).__name__} {row.pk}": f"{row!r} {row!s}" for row in rows()}
    assert len(shown) >= 4 + 1 + 9 + 4
    assert {name: world.leaks(text) for name, text in shown.items() if world.leaks(text)} == {}


def exception_arguments(world: World) -> dict[str, Any]:
    """What ctfy_auth's code passes to its exceptions, taken from the world's rows."""
    token = Token.objects.get(pk=world.token_ids["revoked API token"])
    device = DeviceRequest.objects.exclude(token=None).get()
    identity = Identity.objects.get()
    return {
        "message": f"{token} of {token.user} via {device} ({identity})",
        "token_id": token.id,
        "token_kind": token.kind,
        "limit": 20,
        "competition_id": token.resource_ids[0],
        "resource_id": token.resource_ids[1],
        "resource_access": token.resource_access,
        "category": "submissions",
        "level": "write",
        "granted": token.permissions["submissions"],
        "window_seconds": 900,
        "retry_after": 30,
        "max_bytes": 2_621_440,
        "max_depth": 32,
        "provider": identity.provider,
        # Rows themselves, should an exception ever take one.
        "token": token,
        "user": token.user,
        "identity": identity,
        "request": device,
    }


def ctfy_exceptions(world: World) -> Iterator[exceptions.CtfyError]:
    arguments = exception_arguments(world)
    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        if not (isinstance(cls, type) and issubclass(cls, exceptions.CtfyError)):
            continue
        parameters = inspect.signature(cls).parameters.values()
        named = [p for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        unknown = [p.name for p in named if p.name not in arguments and p.default is p.empty]
        assert not unknown, f"teach this test what ctfy_auth passes to {name}({unknown})"
        kwargs = {p.name: arguments[p.name] for p in named if p.name in arguments}
        yield cls(**kwargs)
        if any(p.kind is p.VAR_KEYWORD for p in parameters):  # context keys: ids of the rows
            yield cls(
                **kwargs, token_id=arguments["token_id"], user_code=arguments["request"].user_code
            )


def rendered(exc: exceptions.CtfyError) -> str:
    response = exception_handler(exc, {"view": None})
    texts = [str(exc), repr(exc), str(exc.detail), repr(exc.payload), str(exc.get_full_details())]
    return "\n".join([*texts, json.dumps(response.data), repr(dict(response.headers))])


def test_no_ctfy_exception_built_around_the_rows_shows_a_secret_or_a_digest(world: World) -> None:
    built = list(ctfy_exceptions(world))
    assert len(built) >= len([n for n in exceptions.__all__ if n != "CtfyError"])
    leaks = {f"{type(e).__name__}({e.payload!r})": world.leaks(rendered(e)) for e in built}
    assert {name: found for name, found in leaks.items() if found} == {}


# --- API errors never echo what was submitted ------------------------------------------------


def mistyped(token: str) -> str:
    """The same token with one checksum character changed."""
    last = token[-1]
    return token[:-1] + ("A" if last != "A" else "B")


def submissions(world: World) -> Iterator[tuple[str, str, Callable[[], Any]]]:
    """``(case, what was submitted, request)`` for every error we provoke with a secret."""
    p = world.plaintext
    session, api = p["sign-in session"], p["API token from a rotation"]
    ada, root = bearer(session), bearer(p["super-admin session"])
    anon = APIClient()
    for what in (
        "revoked API token",
        "API token, rotated away",
        "expired API token",
        "session of a deactivated account",
    ):
        yield what + " as bearer", p[what], lambda s=p[what]: bearer(s).get(f"{API}/me")
    bad = mistyped(session)
    yield "mistyped session token", bad, lambda: bearer(bad).get(f"{API}/me")
    swapped = "pf_" + session[3:]
    yield "session token with the API prefix", swapped, lambda: bearer(swapped).get(f"{API}/me")
    yield "API token on a session-only route", api, lambda: bearer(api).get(f"{API}/auth/tokens")
    yield "API token without profile:read", api, lambda: bearer(api).get(f"{API}/me")
    for header in (f"Token {session}", f"Bearer {session} extra", f"Basic {session}"):
        yield (
            f"header {header[:12]}",
            session,
            lambda h=header: anon.get(f"{API}/me", HTTP_AUTHORIZATION=h),
        )
    yield (
        "token in the query string",
        session,
        lambda: anon.get(f"{API}/me", {"access_token": session}),
    )
    yield (
        "token as a password",
        session,
        lambda: anon.post(f"{API}/auth/login", {"email": ADA, "password": session}, format="json"),
    )
    yield (
        "token as an email",
        session,
        lambda: anon.post(
            f"{API}/auth/login", {"email": session, "password": PASSWORD}, format="json"
        ),
    )
    yield (
        "token as a template name",
        session,
        lambda: ada.post(f"{API}/auth/tokens", {"template": session}, format="json"),
    )
    yield "token as a token id", api, lambda: ada.delete(f"{API}/auth/tokens/{api}")
    yield (
        "token as a token id (PATCH)",
        api,
        lambda: ada.patch(f"{API}/auth/tokens/{api}", {"label": "x"}, format="json"),
    )
    yield "token in an unknown path", session, lambda: anon.get(f"{API}/auth/{session}")
    yield (
        "trace by a non-admin",
        api,
        lambda: ada.post(f"{API}/admin/token-trace", {"token": api}, format="json"),
    )
    yield (
        "trace of a mistyped token",
        mistyped(api),
        lambda: root.post(f"{API}/admin/token-trace", {"token": mistyped(api)}, format="json"),
    )
    device = p["device code, collected"]
    yield (
        "device code collected twice",
        device,
        lambda: anon.post(f"{API}/auth/device/token", {"device_code": device}, format="json"),
    )
    yield (
        "device code with junk",
        device + "x",
        lambda: anon.post(f"{API}/auth/device/token", {"device_code": device + "x"}, format="json"),
    )
    long_code = device * 14
    yield (
        "oversized device code",
        long_code,
        lambda: anon.post(f"{API}/auth/device/token", {"device_code": long_code}, format="json"),
    )
    yield (
        "device code as a user code",
        device,
        lambda: ada.post(f"{API}/auth/device/approve", {"user_code": device}, format="json"),
    )


#: Cases that answer 200 by design: a poll and a trace say "nothing here" in their bodies.
ANSWERS = {"device code collected twice", "device code with junk", "trace of a mistyped token"}


def test_api_errors_never_echo_a_submitted_secret(world: World) -> None:
    echoed = {}
    for case, submitted, call in submissions(world):
        response = call()
        if case in ANSWERS:
            assert response.status_code == HTTPStatus.OK, case
        else:
            assert HTTPStatus.BAD_REQUEST <= response.status_code < 500, (case, response.content)
        text = response.content.decode() + repr(dict(response.headers))
        echo = any(submitted[i : i + WINDOW] in text for i in range(len(submitted) - WINDOW + 1))
        found = world.leaks(text) + (["the submitted value"] if echo else [])
        if found:
            echoed[case] = found
    assert echoed == {}
