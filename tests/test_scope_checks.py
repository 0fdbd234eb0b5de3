"""System checks E004-E006 on the scope configuration."""

from __future__ import annotations

import pytest

from ctfy_auth.checks import check_scopes
from ctfy_auth.presets import CTFY_SCOPE_CATALOG, CTFY_TOKEN_TEMPLATES


def ids(settings, **overrides):
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, **overrides}
    return [p.id for p in check_scopes()]


def test_the_ctfy_preset_is_clean(settings):
    assert ids(settings) == []


@pytest.mark.parametrize(
    "catalog",
    [
        (*CTFY_SCOPE_CATALOG, CTFY_SCOPE_CATALOG[0]),
        ({"label": "no key"},),
        ({"key": "x", "max_level": "admin"},),
    ],
)
def test_malformed_catalog_is_e004(settings, catalog):
    assert ids(settings, SCOPE_CATALOG=catalog) == ["ctfy_auth.E004"]


@pytest.mark.parametrize(
    "template",
    [
        {"name": "wide", "permissions": {"challenges": "write"}},  # above max_level
        {"name": "typo", "permissions": {"challenge": "read"}},  # not a catalog key
        {"name": "sel", "resource_access": "selected", "permissions": {}},
        {"name": "agent_play", "permissions": {}},  # duplicate name
    ],
)
def test_template_that_would_not_survive_the_clamp_is_e005(settings, template):
    assert ids(settings, TOKEN_TEMPLATES=(*CTFY_TOKEN_TEMPLATES, template)) == ["ctfy_auth.E005"]


def test_unknown_broad_template_is_e006(settings):
    assert ids(settings, BROAD_TOKEN_TEMPLATE="everything") == ["ctfy_auth.E006"]
    assert ids(settings, BROAD_TOKEN_TEMPLATE=None) == []
