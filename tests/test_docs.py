"""The documentation cannot drift from the code.

* docs/settings.md documents exactly ``ctfy_auth.conf.DEFAULTS``, with the same defaults.
  Each setting is a ``### KEY`` section that states its default either inline,
  ``Default: `<python literal>` ``, or as ``Default:`` followed by a ```` ```python ````
  block. The literal is read with :func:`ast.literal_eval` and compared with the real
  default; tuples and lists compare equal (the docs may show either).
* docs/api.md has a ``### METHOD /path`` section and a summary row for exactly the routes
  of ``ctfy_auth.api.urls`` (the catch-all 404 aside), with the rate bucket each handler
  spends, and a rate-bucket table that matches ``THROTTLE_RATES``.
* docs/admin.md has a ``### <command>`` section for every ctfy_auth management command,
  naming each of its options.
* README.md has exactly two copy-paste shell blocks; relative links in README.md and
  docs/*.md lead to files and headings that exist.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import get_commands, load_command_class
from django.core.management.base import BaseCommand
from django.urls import URLPattern
from django.urls.resolvers import RoutePattern

from ctfy_auth.conf import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SETTINGS_DOC = DOCS / "settings.md"
API_DOC = DOCS / "api.md"
ADMIN_DOC = DOCS / "admin.md"
README = ROOT / "README.md"
_HEADING = re.compile(r"^### (?P<key>\S+)\s*$")
_INLINE_DEFAULT = re.compile(r"^Default: `(?P<literal>.+)`\s*$")


def _sections(text: str) -> dict[str, list[str]]:
    """``### KEY`` heading → its lines, up to the next heading of level 1 to 3."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            key = match["key"]
            assert key not in sections, f"{key} is documented twice"
            current = sections[key] = []
        elif not fenced and re.match(r"^#{1,3} ", line):
            current = None
        elif current is not None:
            current.append(line)
    return sections


def _prose(lines: list[str]) -> str:
    """The text of a section outside code blocks and the ``Default:`` line."""
    kept, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.strip() and not line.startswith("Default:"):
            kept.append(line.strip())
    return " ".join(kept)


def _documented_default(key: str, lines: list[str]) -> Any:
    statements = [n for n, line in enumerate(lines) if line.startswith("Default:")]
    assert len(statements) == 1, f"{key}: state the default exactly once ('Default: ...')"
    n = statements[0]
    inline = _INLINE_DEFAULT.match(lines[n])
    if inline:
        literal = inline["literal"]
    else:
        assert lines[n].strip() == "Default:", f"{key}: write Default: `<literal>`"
        rest = list(lines[n + 1 :])
        while rest and not rest[0].strip():
            rest.pop(0)
        assert rest and rest[0].strip() == "```python", f"{key}: a ```python block must follow"
        end = rest.index("```", 1)
        literal = "\n".join(rest[1:end])
    try:
        return ast.literal_eval(literal)
    except (ValueError, SyntaxError) as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"{key}: the documented default is not a Python literal: {exc}")


def _plain(value: Any) -> Any:
    """Tuples and lists compare equal, at any depth."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def documented() -> dict[str, list[str]]:
    return _sections(SETTINGS_DOC.read_text(encoding="utf-8"))


def test_every_setting_is_documented_and_nothing_else(documented):
    missing = sorted(set(DEFAULTS) - set(documented))
    unknown = sorted(set(documented) - set(DEFAULTS))
    assert not missing, f"settings missing from docs/settings.md: {missing}"
    assert not unknown, f"docs/settings.md documents settings that do not exist: {unknown}"


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_documented_default_matches(documented, key):
    if key not in documented:
        pytest.skip("reported by test_every_setting_is_documented_and_nothing_else")
    value = _documented_default(key, documented[key])
    assert _plain(value) == _plain(DEFAULTS[key])
    assert type(value) is type(DEFAULTS[key]) or (
        isinstance(value, list | tuple) and isinstance(DEFAULTS[key], list | tuple)
    ), f"{key}: documented as {type(value).__name__}, is {type(DEFAULTS[key]).__name__}"


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_setting_has_a_description(documented, key):
    if key not in documented:
        pytest.skip("reported by test_every_setting_is_documented_and_nothing_else")
    assert len(_prose(documented[key])) >= 40, f"{key}: describe what the setting does"


# --- docs/api.md: every route, its bucket -------------------------------------------------

#: The catch-all that answers unknown paths under our prefixes (documented as "Unknown paths").
_CATCH_ALL = "not-found"
_HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_API_HEADING = re.compile(r"^### (?P<method>[A-Z]+) (?P<path>/\S*)\s*$")
_SUMMARY_ROW = re.compile(r"^\| `(?P<method>[A-Z]+) (?P<path>/[^`]*)` \| (?P<cells>.*)\|\s*$")
_BUCKET_ROW = re.compile(r"^\| `(?P<bucket>\w+)` \| (?P<rate>[^|]+?) \| (?P<endpoints>.*)\|\s*$")
_CHECK_RATE = re.compile(r"\bself\.check_rate\(\)")


def _normalise(path: str) -> str:
    """``/auth/tokens/{id}`` and ``/auth/tokens/<str:pk>`` both → ``/auth/tokens/{}``."""
    path = re.sub(r"<(?:\w+:)?\w+>", "{}", path)
    return re.sub(r"\{\w*\}", "{}", path)


def _handlers(pattern: URLPattern) -> dict[str, Any]:
    """HTTP method → the function that handles it, for one DRF route.

    A viewset bound with ``as_view({"get": "list"})`` answers exactly the methods of its
    action map (``hasattr(cls, "get")`` says nothing there); an APIView answers the methods
    it defines. HEAD and OPTIONS are DRF's own and not documented; DRF even adds ``head`` to
    a viewset's action map once the route has served a request, so only the methods in
    ``_HTTP_METHODS`` count.
    """
    callback = pattern.callback
    cls = getattr(callback, "cls", None)
    assert cls is not None, f"{pattern.name}: not a DRF view; the route test cannot read it"
    actions = getattr(callback, "actions", None)
    if actions:
        return {
            method.upper(): getattr(cls, action)
            for method, action in actions.items()
            if method in _HTTP_METHODS
        }
    return {m.upper(): getattr(cls, m) for m in _HTTP_METHODS if hasattr(cls, m)}


def _routes() -> dict[tuple[str, str], set[str]]:
    """``(METHOD, /normalised/path)`` → the rate buckets its handler spends.

    The bucket is the view's ``rate_buckets`` entry for the handler, when the handler's own
    source calls ``self.check_rate()`` (views spend quota there, after validation).
    """
    from ctfy_auth.api.urls import urlpatterns

    routes: dict[tuple[str, str], set[str]] = {}
    for pattern in urlpatterns:
        if pattern.name == _CATCH_ALL:
            continue
        assert isinstance(pattern.pattern, RoutePattern), (
            f"{pattern.name}: a regex route; teach tests/test_docs.py to read it"
        )
        path = _normalise("/" + str(pattern.pattern))
        buckets = pattern.callback.cls.rate_buckets  # type: ignore[attr-defined]
        for method, handler in _handlers(pattern).items():
            spends = _CHECK_RATE.search(inspect.getsource(handler))
            routes[(method, path)] = {buckets[handler.__name__]} if spends else set()
    return routes


def _outside_fences(text: str) -> list[str]:
    lines, fenced = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def _section_lines(text: str, heading: str, *, code: bool = False) -> list[str]:
    """The lines under ``heading`` (exact), up to the next heading of the same or a higher level.

    Code blocks are left out, unless ``code``.
    """
    level = len(heading) - len(heading.lstrip("#"))
    out: list[str] | None = None
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            if code and out is not None:
                out.append(line)
        elif out is None:
            if line.rstrip() == heading:
                out = []
        elif re.match(rf"^#{{1,{level}}} ", line):
            break
        else:
            out.append(line)
    assert out is not None, f"no {heading!r} heading"
    return out


@pytest.fixture(scope="module")
def routes() -> dict[tuple[str, str], set[str]]:
    found = _routes()
    assert len(found) > 20, "the route list looks empty: check _routes()"
    return found


@pytest.fixture(scope="module")
def api_text() -> str:
    return API_DOC.read_text(encoding="utf-8")


def test_every_route_has_an_endpoint_section_and_nothing_else(routes, api_text):
    sections = [
        (m["method"], _normalise(m["path"]))
        for m in map(_API_HEADING.match, _outside_fences(api_text))
        if m
    ]
    duplicates = sorted({s for s in sections if sections.count(s) > 1})
    assert not duplicates, f"docs/api.md documents these twice: {duplicates}"
    missing = sorted(set(routes) - set(sections))
    unknown = sorted(set(sections) - set(routes))
    assert not missing, f"routes without a '### METHOD /path' section in docs/api.md: {missing}"
    assert not unknown, f"docs/api.md has sections for routes that do not exist: {unknown}"


def test_summary_table_lists_every_route_with_its_bucket(routes, api_text):
    rows = {}
    for line in _section_lines(api_text, "## Summary"):
        match = _SUMMARY_ROW.match(line)
        if match:
            key = (match["method"], _normalise(match["path"]))
            assert key not in rows, f"{key} is in the summary twice"
            bucket = match["cells"].split("|")[1].strip()
            rows[key] = set() if bucket == "—" else set(re.findall(r"`(\w+)`", bucket))
    assert sorted(rows) == sorted(routes), "the summary table and the routes differ"
    wrong = {k: (rows[k], routes[k]) for k in routes if rows[k] != routes[k]}
    assert not wrong, f"summary bucket (documented, in the code) differs: {wrong}"


def test_rate_bucket_table_matches_defaults_and_code(routes, api_text):
    table: dict[str, tuple[str, set[tuple[str, str]]]] = {}
    for line in _section_lines(api_text, "### Rate buckets"):
        match = _BUCKET_ROW.match(line)
        if match:
            endpoints = {
                (e["method"], _normalise(e["path"]))
                for e in re.finditer(r"`(?P<method>[A-Z]+) (?P<path>/[^`]*)`", match["endpoints"])
            }
            table[match["bucket"]] = (match["rate"].strip(), endpoints)
    rates = DEFAULTS["THROTTLE_RATES"]
    assert sorted(table) == sorted(rates), "the rate-bucket table and THROTTLE_RATES differ"
    for bucket, (rate, endpoints) in table.items():
        assert rate == rates[bucket], f"{bucket}: documented {rate}, default {rates[bucket]}"
        spent_by = {route for route, buckets in routes.items() if bucket in buckets}
        assert endpoints == spent_by, f"{bucket}: documented for {endpoints}, used by {spent_by}"


# --- docs/admin.md: every management command and option -----------------------------------


def _our_commands() -> list[str]:
    return sorted(name for name, app in get_commands().items() if app == "ctfy_auth")


def _options(command: BaseCommand, name: str) -> set[str]:
    parser = command.create_parser("manage.py", name)
    return {
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--")
    }


def test_there_are_commands_to_document():
    assert _our_commands() == [
        "ctfy_auth_create_oauth_client",
        "ctfy_auth_create_token",
        "ctfy_auth_generate_oauth_key",
        "ctfy_auth_purge_tokens",
    ]


@pytest.mark.parametrize("name", _our_commands())
def test_every_command_and_option_is_documented(name):
    lines = _section_lines(ADMIN_DOC.read_text(encoding="utf-8"), f"### {name}", code=True)
    assert any(f"manage.py {name}" in line for line in lines), f"{name}: show its usage"
    text = "\n".join(lines)
    ours = _options(load_command_class("ctfy_auth", name), name)
    djangos = _options(BaseCommand(), name)
    missing = sorted(o for o in ours - djangos if not re.search(rf"`{re.escape(o)}[` ]", text))
    assert not missing, f"docs/admin.md does not document these options of {name}: {missing}"


# --- README: two commands; links everywhere -------------------------------------------------


def _fences(text: str) -> list[tuple[str, str]]:
    """``(language, body)`` of every fenced block."""
    return [(m[1], m[2]) for m in re.finditer(r"^```(\S*)\n(.*?)^```\s*$", text, re.M | re.S)]


def test_readme_has_exactly_the_two_commands_and_the_benchmarks():
    fences = _fences(README.read_text(encoding="utf-8"))
    assert all(lang for lang, _body in fences), "every README code block names its language"
    shells = [body.strip() for lang, body in fences if lang in {"sh", "bash", "shell", "console"}]
    assert len(shells) == 3, f"README.md must have exactly three shell blocks, has {len(shells)}"
    assert "example_project/manage.py runserver" in shells[0]
    assert shells[1] == "bash .ci/run"
    assert shells[2] == "bash benchmarks/run.sh"  # issue 6: one benchmark command


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower-case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    anchors: set[str] = set()
    for line in _outside_fences(path.read_text(encoding="utf-8")):
        match = re.match(r"^#{1,6} (.*)$", line)
        if match:
            base = slug = _slug(match[1])
            n = 0
            while slug in anchors:
                n += 1
                slug = f"{base}-{n}"
            anchors.add(slug)
    return anchors


_PAGES = [README, *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", _PAGES, ids=lambda p: p.name)
def test_relative_links_lead_somewhere(page):
    text = "\n".join(_outside_fences(page.read_text(encoding="utf-8")))
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        file_part, _sep, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        missing_anchor = bool(anchor) and linked.suffix == ".md" and linked.exists()
        if not linked.exists() or (missing_anchor and anchor not in _anchors(linked)):
            broken.append(target)
    assert not broken, f"{page.name}: broken links {broken}"
