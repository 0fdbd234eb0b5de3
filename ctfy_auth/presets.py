"""Ready-made configuration for hosts that speak the ctfy platform's vocabulary.

``CTFY_AUTH = {"SCOPE_CATALOG": presets.CTFY_SCOPE_CATALOG, ...}`` reproduces the
ctfy 0.7.0 scope catalog (keys, order, resource scoping and maximum levels).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CTFY_BROAD_TEMPLATE", "CTFY_SCOPE_CATALOG", "CTFY_TOKEN_TEMPLATES"]


def _category(
    key: str, label: str, description: str, *, resource_scoped: bool, max_level: str
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "description": description,
        "resource_scoped": resource_scoped,
        "max_level": max_level,
    }


CTFY_SCOPE_CATALOG: tuple[dict[str, Any], ...] = (
    _category(
        "challenges",
        "Challenges",
        "See challenges and their statistics.",
        resource_scoped=True,
        max_level="read",
    ),
    _category(
        "submissions",
        "Submissions",
        "Read: your team's submissions. Write: submit answers.",
        resource_scoped=True,
        max_level="write",
    ),
    _category(
        "authoring",
        "Authoring",
        "Read and upload challenges you author.",
        resource_scoped=True,
        max_level="write",
    ),
    _category(
        "instances",
        "Instances",
        "Read: your challenge instances. Write: start and stop them.",
        resource_scoped=True,
        max_level="write",
    ),
    _category(
        "teams",
        "Teams",
        "Read: your team and invites. Write: manage membership.",
        resource_scoped=True,
        max_level="write",
    ),
    _category(
        "scoreboard",
        "Scoreboard",
        "See leaderboards and rank history.",
        resource_scoped=True,
        max_level="read",
    ),
    _category(
        "profile",
        "Profile",
        "Read: your profile. Write: edit it.",
        resource_scoped=False,
        max_level="write",
    ),
    _category(
        "registry",
        "Agent images",
        "Read: pull agent images. Write: push them.",
        resource_scoped=False,
        max_level="write",
    ),
    _category(
        "identities",
        "Identities",
        "See your linked sign-in identities.",
        resource_scoped=False,
        max_level="read",
    ),
    _category(
        "tokens",
        "Tokens",
        "See your API tokens (minting needs a browser session).",
        resource_scoped=False,
        max_level="read",
    ),
)


def _template(
    name: str, resource_access: str, expires_in_days: int, **permissions: str
) -> dict[str, Any]:
    return {
        "name": name,
        "resource_access": resource_access,
        "permissions": permissions,
        "expires_in_days": expires_in_days,
    }


_BROAD = {
    "challenges": "read",
    "submissions": "write",
    "instances": "write",
    "teams": "write",
    "scoreboard": "read",
    "profile": "write",
}

#: ctfy 0.7.0's token templates, in wire order.
CTFY_TOKEN_TEMPLATES: tuple[dict[str, Any], ...] = (
    _template(
        "agent_play",
        "all",
        30,
        challenges="read",
        submissions="write",
        instances="write",
        teams="write",
        profile="read",
    ),
    _template(
        "agent_author",
        "all",
        30,
        challenges="read",
        teams="write",
        authoring="write",
        profile="read",
    ),
    _template("ci_submit", "all", 90, challenges="read", submissions="write", scoreboard="read"),
    _template("read_only", "all", 90, **{c["key"]: "read" for c in CTFY_SCOPE_CATALOG}),
    _template("registry_push", "none", 90, registry="write", profile="read"),
    _template("full_access", "all", 30, **_BROAD),
)

#: The template a mint with no scope arguments takes (ctfy's legacy broad profile).
CTFY_BROAD_TEMPLATE = "full_access"
