"""Loopback fakes of the external sign-in providers, for tests that speak real HTTP.

* `FakeGitHub` (`github.py`): GitHub's OAuth web flow and the two REST endpoints a sign-in needs.
* `OIDCProvider` (`oidc.py`): ``oidc-provider-mock`` (a real authlib OpenID provider) behind a
  middleware that enforces PKCE and this client's credentials.

Both listen on ``127.0.0.1:<free port>`` in a daemon thread; ``fixtures.py`` holds the pytest
fixtures (session-scoped servers, per-test reset).
"""

from __future__ import annotations

from tests.oauth_fakes.github import FakeGitHub, GitHubUser
from tests.oauth_fakes.oidc import OIDCProvider

__all__ = ["FakeGitHub", "GitHubUser", "OIDCProvider"]
