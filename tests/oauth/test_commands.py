"""``ctfy_auth_create_oauth_client`` and ``ctfy_auth_generate_oauth_key``."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ctfy_auth.models import OAuthClientPolicy
from ctfy_auth.oauth.keys import key_problem


def run(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def test_create_oauth_client_prints_the_credentials_once_as_json(db):
    printed = json.loads(
        run(
            "ctfy_auth_create_oauth_client",
            "--name=platform",
            "--grant=client_credentials",
            "--grant=authorization_code",
            "--redirect-uri=https://platform.example.org/cb",
            "--redirect-uri=http://127.0.0.1:8765/cb",
            "--post-logout-redirect-uri=https://platform.example.org/",
            "--scopes=challenges:read openid",
            "--skip-consent",
            "--introspection",
        )
    )
    assert set(printed) == {"client_id", "client_secret"} and len(printed["client_secret"]) == 43
    policy = OAuthClientPolicy.objects.select_related("application").get()
    application = policy.application
    assert application.client_id == printed["client_id"]
    assert printed["client_secret"] not in application.client_secret  # stored hashed
    assert application.skip_authorization and application.redirect_uris.split() == [
        "https://platform.example.org/cb",
        "http://127.0.0.1:8765/cb",
    ]
    assert policy.grant_types == ["client_credentials", "authorization_code"]
    assert policy.scopes == ["challenges:read", "openid"] and policy.may_introspect


def test_a_public_client_has_no_secret(db):
    printed = json.loads(
        run(
            "ctfy_auth_create_oauth_client",
            "--name=cli",
            "--public",
            "--grant=authorization_code",
            "--redirect-uri=http://127.0.0.1:8765/cb",
        )
    )
    assert printed["client_secret"] is None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--grant=password"], "not served"),
        (["--grant=client_credentials", "--scopes=everything"], "Unknown scopes"),
        (["--grant=client_credentials", "--public"], "public client"),
        (["--grant=authorization_code"], "redirect"),
    ],
)
def test_create_oauth_client_refuses(db, args, words):
    with pytest.raises(CommandError, match=words):
        run("ctfy_auth_create_oauth_client", "--name=x", *args)
    assert not OAuthClientPolicy.objects.exists()


def test_generate_oauth_key_prints_a_strong_pem():
    pem = run("ctfy_auth_generate_oauth_key", "--bits=2048")
    assert key_problem(pem) is None
    with pytest.raises(CommandError):
        run("ctfy_auth_generate_oauth_key", "--bits=1024")
