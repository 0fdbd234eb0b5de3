"""The example project on a live port with a fresh database, and ctfy SDK clients for it.

Loaded alone (``-p no:django --confcutdir=tests/contract``): ``tests/conftest.py`` needs
pytest-django, and this suite only speaks HTTP. A local OpenID provider (oidc-provider-mock, from
``tests/oauth_fakes``) runs beside the server, which is configured with it as its ``oidc``
provider, so identities can be linked through a real authorization-code flow. Two things the wire cannot do inside a
one-minute run are done as an operator would, through ``manage.py shell`` against the
server's database: bind an OAuth identity (the example project configures no provider)
and age a credential (a session held past the 900 s sudo window, a token past its expiry).
Everything else goes through the SDK or plain HTTP.
"""

from __future__ import annotations

import importlib.util
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.live_example import Example, running_example, tail

if TYPE_CHECKING:
    from ctfy.sdk import PlatformClient

LOG_TAIL_LINES = 80
PASSWORD = "correct horse battery staple"

_log_key = pytest.StashKey[Path]()
_emails = itertools.count(1)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip collecting these modules in the main suite when the SDK is not installed.

    The main suite (pytest-django) collects ``tests/`` and deselects this directory by
    marker, but it would still have to import modules that import the SDK. In the
    contract env (``-p no:django``) a missing SDK must fail loudly, never vanish.
    """
    if config.pluginmanager.has_plugin("django") and importlib.util.find_spec("ctfy") is None:
        return True
    return None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """After a failure, show what the server said: the SDK only sees the response."""
    log = config.stash.get(_log_key, None)
    stats = terminalreporter.stats
    if log is None or not (stats.get("failed") or stats.get("error")):
        return
    terminalreporter.section(f"example project server log (last {LOG_TAIL_LINES} lines): {log}")
    terminalreporter.write_line(tail(log, LOG_TAIL_LINES))


@dataclass
class Account:
    """A password account registered through the SDK, with its first session."""

    email: str
    password: str
    token: str
    client: PlatformClient

    def session_id(self) -> str:
        """The id of the session this account's client sends (``is_current`` in the list)."""
        return next(t.id for t in self.client.auth.list_tokens() if t.is_current)


@dataclass
class LiveServer(Example):
    #: The first account registered against the fresh database (ctfy's bootstrap super-admin).
    founder: Account | None = None

    def orm(self, code: str) -> str:
        """Operator-side setup the wire cannot make (see the module docstring)."""
        return self.manage("shell", "--verbosity", "0", "--command", code).strip()

    def close_sudo_window(self, token_id: str) -> None:
        """Make ``token_id`` a credential held past the re-authentication window."""
        updated = self.orm(
            "from ctfy_auth.models import Token\n"
            f"print(Token.objects.filter(pk={token_id!r}).update(reauthenticated_at=None))"
        )
        assert updated == "1", updated

    def expire_token(self, token_id: str) -> None:
        """Make ``token_id`` lapse a minute ago (not revoked)."""
        updated = self.orm(
            "from datetime import timedelta\n"
            "from django.utils import timezone\n"
            "from ctfy_auth.models import Token\n"
            f"print(Token.objects.filter(pk={token_id!r})"
            ".update(expires_at=timezone.now() - timedelta(minutes=1)))"
        )
        assert updated == "1", updated

    def bind_identity(self, email: str, provider: str, provider_user_id: str, login: str) -> str:
        """Bind an external sign-in identity to the account with ``email``; returns its id."""
        return self.orm(
            "from ctfy_auth.models import Identity, User\n"
            "identity = Identity.objects.create(\n"
            f"    user=User.objects.get(email={email!r}), provider={provider!r},\n"
            f"    provider_user_id={provider_user_id!r}, login={login!r}, email={email!r},\n"
            f"    display_name={login!r}, email_verified=True)\n"
            "print(identity.pk)"
        )


def _client(url: str, token: str = "") -> PlatformClient:
    from ctfy.sdk import PlatformClient

    return PlatformClient(url, token=token)


def _register(url: str, prefix: str = "user", display_name: str = "") -> Account:
    email = f"{prefix}{next(_emails)}@example.com"
    token = _client(url).auth.register(email, PASSWORD, display_name).token
    return Account(email=email, password=PASSWORD, token=token, client=_client(url, token))


@pytest.fixture(scope="session")
def oidc() -> Iterator[Any]:
    """The OpenID provider the example project signs in and links with (``oidc``)."""
    from tests.oauth_fakes.oidc import OIDCProvider

    with OIDCProvider() as provider:
        yield provider


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config, oidc: Any
) -> Iterator[LiveServer]:
    """``example_project`` under ``runserver`` on a free port, SQLite in a temp dir, no Redis."""
    tmp = tmp_path_factory.mktemp("contract")
    pytestconfig.stash[_log_key] = tmp / "server.log"
    with running_example(
        tmp,
        CTFY_AUTH_OIDC_ISSUER=oidc.issuer,
        CTFY_AUTH_OIDC_CLIENT_ID=oidc.client_id,
        CTFY_AUTH_OIDC_CLIENT_SECRET=oidc.client_secret,
        CTFY_AUTH_OIDC_DISPLAY_NAME="Local SSO",
    ) as example:
        live = LiveServer(url=example.url, env=example.env, log=example.log)
        live.founder = _register(live.url, prefix="founder")
        yield live


@pytest.fixture
def sdk(server: LiveServer) -> Iterator[Callable[..., PlatformClient]]:
    """``sdk(token="")`` → a ``PlatformClient`` as a ctfy user builds one: base URL and token."""
    clients: list[PlatformClient] = []

    def make(token: str = "") -> PlatformClient:
        client = _client(server.url, token)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def make_account(server: LiveServer) -> Iterator[Callable[..., Account]]:
    """``make_account(display_name="")`` → a fresh password account with a session client."""
    accounts: list[Account] = []

    def make(display_name: str = "", prefix: str = "user") -> Account:
        account = _register(server.url, prefix=prefix, display_name=display_name)
        accounts.append(account)
        return account

    yield make
    for account in accounts:
        account.client.close()


@pytest.fixture
def account(make_account: Callable[..., Account]) -> Account:
    return make_account()
