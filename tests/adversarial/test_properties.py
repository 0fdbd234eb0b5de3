"""Property-based tests of the parsers and the scope vocabulary (hypothesis).

* token format (:mod:`ctfy_auth.crypto`): ``parse_kind`` accepts exactly the well-formed,
  checksummed strings (checked against an independent re-implementation of the format),
  refuses every single-character edit of a real token, and never raises;
* the ``Authorization`` header (:mod:`ctfy_auth.authentication`): any value is ``None`` (not
  ours) or one of the documented refusals, a bad checksum costs no query, and through the
  public surface ``GET /api/v1/me`` answers 401/403 envelopes, never a 500;
* :func:`ctfy_auth.scopes.clamp` only ever lowers, to the catalog's maximum, whatever it is
  given, and so does a mint through the API;
* :meth:`ctfy_auth.principal.Principal.allows` and :func:`ctfy_auth.permissions.check_scopes`:
  monotone in permissions and in resource selection, the ``none``/``all``/``selected`` gate, sessions
  always allowed, inactive owners never.

Settings are the suite's (``tests.settings``: the ctfy catalog from ``ctfy_auth.presets``).
Example budgets are kept small so the module runs in a few seconds.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Mapping
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from ctfy_auth import crypto, scopes
from ctfy_auth.constants import CredentialKind, TokenKind
from ctfy_auth.credentials import bearer_credential, resolve_request
from ctfy_auth.exceptions import (
    ExpiredToken,
    InvalidToken,
    NotAuthenticated,
    TokenMissingScope,
    TokenResourceForbidden,
)
from ctfy_auth.permissions import check_scopes
from ctfy_auth.presets import CTFY_SCOPE_CATALOG
from ctfy_auth.principal import Principal
from ctfy_auth.scopes import LEVELS

T = TypeVar("T")
FAST = settings(max_examples=150, deadline=None, database=None)
#: Examples that go through Django's request cycle (and the test database).
THROUGH_DJANGO = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def weighted(*choices: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """A choice of strategies, each drawn in proportion to its weight.

    (``one_of`` ignores repeats, so the weights are a list to sample from.)
    """
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


# --- an independent statement of the token format -------------------------------------------

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KIND_BY_PREFIX = {"pt_": TokenKind.SESSION, "pf_": TokenKind.API_TOKEN}
WELL_FORMED = re.compile(r"(pt_|pf_)[0-9A-Za-z]{49}")


def checksum(body: str) -> str:
    """CRC32 of prefix + secret, as 6 base62 digits, most significant first."""
    value, digits = zlib.crc32(body.encode("ascii")), []
    for _ in range(6):
        value, rem = divmod(value, 62)
        digits.append(BASE62[rem])
    return "".join(reversed(digits))


def expected_kind(value: str) -> str | None:
    if not WELL_FORMED.fullmatch(value) or checksum(value[:-6]) != value[-6:]:
        return None
    return KIND_BY_PREFIX[value[:3]]


secret_bodies = st.text(alphabet=BASE62, min_size=43, max_size=43)
prefixes = st.sampled_from(sorted(KIND_BY_PREFIX))
checksummed = st.builds(lambda p, s: p + s + checksum(p + s), prefixes, secret_bodies)
unchecked = st.builds(
    lambda p, s, c: p + s + c, prefixes, secret_bodies, st.text(alphabet=BASE62, max_size=8)
)
#: Strings that look like tokens but carry look-alike or non-ASCII characters.
look_alikes = st.builds(
    lambda p, s, n: p + s + n,
    prefixes,
    st.text(
        alphabet=BASE62 + "\u0663\uff10\uff21\uff41\u0130\u0131\u017f\u212a_-+/=\u00e9\u200b",
        min_size=43,
        max_size=43,
    ),
    st.text(alphabet=BASE62 + "\u0663\uff10", min_size=6, max_size=6),
)
token_like = st.one_of(checksummed, unchecked, look_alikes, st.text(max_size=80))


@FAST
@given(token_like)
def test_parse_kind_accepts_exactly_well_formed_checksummed_strings(value: str) -> None:
    assert crypto.parse_kind(value) == expected_kind(value)


@FAST
@given(st.sampled_from([TokenKind.SESSION, TokenKind.API_TOKEN]))
def test_generated_tokens_are_well_formed_and_parse_as_their_kind(kind: str) -> None:
    plaintext = crypto.generate(kind)
    assert len(plaintext) == 52
    assert expected_kind(plaintext) == kind
    assert crypto.parse_kind(plaintext) == kind


def _edits(draw: st.DrawFn, token: str) -> str:
    """One edit: a substitution, deletion, insertion or swap of two neighbours."""
    position = draw(st.integers(0, len(token) - 1))
    edit = draw(st.sampled_from(["substitute", "delete", "insert", "swap", "case"]))
    if edit == "substitute":
        char = draw(st.characters().filter(lambda c: c != token[position]))
        return token[:position] + char + token[position + 1 :]
    if edit == "delete":
        return token[:position] + token[position + 1 :]
    if edit == "insert":
        return token[:position] + draw(st.characters()) + token[position:]
    if edit == "swap":
        position = min(position, len(token) - 2)
        a, b = token[position], token[position + 1]
        return token[:position] + b + a + token[position + 2 :]
    flipped = token[position].swapcase()
    return token[:position] + flipped + token[position + 1 :]


@FAST
@given(st.data(), checksummed)
def test_any_single_edit_of_a_token_is_refused_without_a_query(
    data: st.DataObject, token: str
) -> None:
    edited = _edits(data.draw, token)
    if edited == token:  # swapping two equal neighbours, or a letter-less case flip
        return
    assert crypto.parse_kind(edited) is None


@FAST
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=600))
def test_digest_is_the_sha256_hex_of_any_text(value: str) -> None:
    digest = crypto.digest(value)
    assert digest == hashlib.sha256(value.encode("utf-8")).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)


@FAST
@given(st.text(max_size=200))
def test_user_code_normalisation_yields_a_code_of_the_alphabet_or_none(value: str) -> None:
    code = crypto.normalize_user_code(value)
    if code is not None:
        assert len(code) == 8 and set(code) <= set(crypto.USER_CODE_ALPHABET)
        assert crypto.normalize_user_code(f"{code[:4]}-{code[4:]}".lower()) == code


# --- the Authorization header ---------------------------------------------------------------


cased_bearer = st.builds(
    lambda upper: "".join(c.upper() if u else c for c, u in zip("bearer", upper, strict=True)),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
schemes = weighted(
    (3, cased_bearer),
    (1, st.sampled_from(["Bearer", "Bearer:", "Bearer\x00", "Basic", "Token", "bearer,", ""])),
    (1, st.text(max_size=8)),
)
separators = weighted(
    (3, st.just(" ")),
    (1, st.sampled_from(["  ", "\t", "", "\n", "\r\n", "\x00", "\x0b", "\u00a0", "\u3000"])),
)
trailers = weighted(
    (3, st.sampled_from(["", " ", "\t", "\r\n", "\u2028", "\x1c", "\u3000"])),
    (1, st.sampled_from([" x", "\tx", "\x00", "\u200b", ",", " Bearer pt_"])),
    (1, st.text(max_size=5)),
)
controls = st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=20)
latin1 = st.binary(max_size=120).map(lambda b: b.decode("latin-1"))  # what WSGI gives for bytes
huge = st.builds(
    lambda c, n: c * n, st.sampled_from(["a", "pt_", " ", "\x00", "é"]), st.integers(1_000, 70_000)
)


def bearer_variants(credentials: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda lead, scheme, sep, cred, trail: lead + scheme + sep + cred + trail,
        st.sampled_from(["", "", " ", "\t", "\n"]),
        schemes,
        separators,
        credentials,
        trailers,
    )


non_ascii_words = st.text(
    alphabet=st.characters(min_codepoint=0x80, exclude_categories=["Cs", "Zs", "Zl", "Zp"]),
    min_size=1,
    max_size=60,
)
credentials = weighted(
    (2, token_like), (1, latin1), (1, controls), (1, non_ascii_words), (1, st.text(min_size=1))
)
headers = weighted(
    (4, bearer_variants(credentials)),
    (1, st.text(max_size=120)),
    (1, latin1),
    (1, controls),
    (1, huge),
)
DOCUMENTED_REFUSALS = (NotAuthenticated, InvalidToken, ExpiredToken)


def expected_outcome(header: str) -> type[Exception] | None:
    """What docs/api.md promises for a header naming no existing token.

    Another scheme (or none) is not ours: ``None``, and DRF's 401. ``Bearer`` with an empty or
    malformed credential (more than one word) is a 401 ``NotAuthenticated``. ``Bearer`` with one
    word is refused as ``InvalidToken`` (403): mistyped, forged or unknown.
    """
    if re.fullmatch(r"\s*bearer \s*\S+\s*", header, flags=re.IGNORECASE):
        return InvalidToken
    if re.fullmatch(r"\s*bearer(\s*| .*)", header, flags=re.IGNORECASE | re.DOTALL):
        return NotAuthenticated
    return None


def request_with(header: str | None) -> Any:
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    return RequestFactory().get("/api/v1/me", **extra)


@FAST
@given(headers)
def test_bearer_credential_is_none_a_single_word_or_a_401(header: str) -> None:
    expected = expected_outcome(header)
    try:
        credential = bearer_credential(request_with(header))
    except NotAuthenticated:
        assert expected is NotAuthenticated
        return
    if expected is None:
        assert credential is None
    else:
        assert expected is InvalidToken
        assert credential and not any(c.isspace() for c in credential) and credential in header


@pytest.mark.django_db
@THROUGH_DJANGO
@given(headers)
def test_resolve_request_refuses_only_as_documented_and_bad_checksums_cost_no_query(
    header: str,
) -> None:
    request = request_with(header)
    with CaptureQueriesContext(connection) as queries:
        try:
            outcome: Any = resolve_request(request)
        except DOCUMENTED_REFUSALS as exc:
            outcome = exc
        again: Any
        try:
            again = resolve_request(request)  # computed once per request: same outcome
        except DOCUMENTED_REFUSALS as exc:
            again = exc
    assert outcome is again
    expected = expected_outcome(header)
    assert outcome is None if expected is None else type(outcome) is expected
    credential = header.strip().partition(" ")[2].strip()
    if expected is not InvalidToken or crypto.parse_kind(credential) is None:
        assert len(queries) == 0, [q["sql"] for q in queries]
    else:
        assert len(queries) == 1  # one indexed lookup


@pytest.fixture
def session_token(user: Any, session_factory: Callable[..., str]) -> str:
    return session_factory(user)


def _assert_refusal_envelope(response: Any, header: str) -> None:
    status = {None: 401, NotAuthenticated: 401, InvalidToken: 403}[expected_outcome(header)]
    assert response.status_code == status, (header, response.content)
    body = response.json()
    assert set(body) == {"code", "detail", "timestamp"}
    assert body["code"] == f"http_{status}"
    if status == HTTPStatus.UNAUTHORIZED:
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    credential = header.strip().partition(" ")[2].strip()
    if len(credential) >= 16:
        assert credential not in response.content.decode()


@pytest.mark.django_db
@THROUGH_DJANGO
@given(header=headers)
def test_me_answers_any_authorization_header_with_a_401_or_403_envelope(header: str) -> None:
    _assert_refusal_envelope(APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=header), header)


@pytest.mark.django_db
@THROUGH_DJANGO
@given(data=st.data())
def test_me_admits_a_real_token_only_in_a_canonical_bearer_header(
    session_token: str, data: st.DataObject
) -> None:
    edited = data.draw(st.booleans().map(lambda e: e and _edits(data.draw, session_token)))
    header = data.draw(bearer_variants(st.just(edited or session_token)))
    response = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=header)
    canonical = re.fullmatch(r"\s*(?i:bearer) \s*" + re.escape(session_token) + r"\s*", header)
    if canonical:
        assert response.status_code == HTTPStatus.OK, (header, response.content)
    else:
        _assert_refusal_envelope(response, header)


# --- the clamp ----------------------------------------------------------------------------

CATALOG_KEYS = [str(c["key"]) for c in CTFY_SCOPE_CATALOG]
MAX_LEVEL = {str(c["key"]): str(c["max_level"]) for c in CTFY_SCOPE_CATALOG}
RANK = {level: rank for rank, level in enumerate(LEVELS)}
json_junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)
level_words = st.sampled_from([*LEVELS, *LEVELS, "READ", "Write", " read", "admin", ""])
scope_keys = st.sampled_from(CATALOG_KEYS) | st.text(max_size=12)
requested = st.dictionaries(scope_keys, level_words | json_junk, max_size=14)
#: What a client can send as ``permissions``: mostly well-typed, sometimes anything.
wire_permissions: st.SearchStrategy[Any] = weighted(
    (2, st.dictionaries(st.sampled_from(CATALOG_KEYS), st.sampled_from(LEVELS), min_size=1)),
    (1, st.dictionaries(scope_keys, level_words | st.text(max_size=40), max_size=14)),
    (1, requested),
    (1, json_junk),
)


def rank_of(value: Any) -> int:
    return RANK.get(value, 0) if isinstance(value, str) else 0


def expected_clamp(raw: Mapping[str, Any] | None) -> dict[str, str]:
    """Every catalog key, in order, at the lower of what was asked and the catalog's maximum."""
    asked = raw or {}
    return {
        key: LEVELS[min(rank_of(asked.get(key, "none")), RANK[MAX_LEVEL[key]])]
        for key in CATALOG_KEYS
    }


@FAST
@given(st.none() | requested)
def test_clamp_only_lowers_to_the_catalog_maximum_and_drops_unknown_keys(
    raw: Mapping[str, Any] | None,
) -> None:
    clamped = scopes.clamp(raw)
    assert list(clamped.items()) == list(expected_clamp(raw).items())
    for key, level in clamped.items():  # so it never raises a level
        assert RANK[level] <= rank_of((raw or {}).get(key, "none"))
    assert scopes.clamp(clamped) == clamped  # idempotent


@pytest.fixture
def minting_client(user: Any, client_for: Callable[..., APIClient], settings: Any) -> APIClient:
    settings.CTFY_AUTH = {**settings.CTFY_AUTH, "API_TOKEN_LIMIT": 10_000}
    return client_for(user)


@pytest.mark.django_db
@THROUGH_DJANGO
@given(permissions=wire_permissions)
def test_a_mint_grants_at_most_the_clamp_of_what_was_asked_and_never_500s(
    minting_client: APIClient, permissions: Any
) -> None:
    body = {"label": "prop", "competition_access": "all", "permissions": permissions}
    response = minting_client.post("/api/v1/auth/tokens", body, format="json")
    if permissions is None:
        wire: dict[str, str] | None = {}
    elif isinstance(permissions, dict) and all(
        _valid_level_string(v) for v in permissions.values()
    ):
        wire = {k: v.strip() for k, v in permissions.items()}  # DRF trims, then validates
    else:
        wire = None
    if wire is None:
        assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY, response.content
        assert response.json()["code"] == "validation_error"
        return
    assert response.status_code == HTTPStatus.OK, response.content
    assert response.json()["permissions"] == expected_clamp(wire)


def _valid_level_string(value: Any) -> bool:
    """What the mint's ``permissions`` values accept: strings, at most 32, no NUL."""
    return isinstance(value, str) and len(value.strip()) <= 32 and "\x00" not in value


# --- the scope matcher --------------------------------------------------------------------

RESOURCE_SCOPED = {str(c["key"]) for c in CTFY_SCOPE_CATALOG if c["resource_scoped"]}
CATEGORIES = [*CATALOG_KEYS, "not_in_catalog"]
REQUIRABLE = ["read", "write"]
resource_ids = st.sampled_from(["c1", "c2", "c3", "", "C1"])
permission_maps = st.dictionaries(st.sampled_from(CATEGORIES), st.sampled_from([*LEVELS, "junk"]))
accesses = st.sampled_from(["none", "all", "selected", "junk"])
id_sets = st.frozensets(resource_ids, max_size=3)
scoped_kinds = st.sampled_from([CredentialKind.API_TOKEN, CredentialKind.OAUTH])
asks = st.tuples(st.sampled_from(CATEGORIES), st.sampled_from(REQUIRABLE), st.none() | resource_ids)


def principal(
    perms: Mapping[str, str],
    access: str = "none",
    ids: frozenset[str] = frozenset(),
    kind: str = CredentialKind.API_TOKEN,
    active: bool = True,
) -> Principal:
    return Principal(
        user=SimpleNamespace(is_active=active),
        credential_kind=CredentialKind(kind),
        permissions=perms,
        resource_access=access,
        resource_ids=ids,
    )


@st.composite
def more_permissions(draw: st.DrawFn, perms: Mapping[str, str]) -> dict[str, str]:
    """``perms`` with some levels raised and some categories added."""
    wider = dict(perms)
    for category in draw(st.lists(st.sampled_from(CATEGORIES), max_size=4)):
        current = rank_of(wider.get(category, "none"))
        wider[category] = LEVELS[draw(st.integers(current, 2))]
    return wider


@FAST
@given(st.data(), permission_maps, accesses, id_sets, scoped_kinds, asks)
def test_more_permissions_or_a_wider_resource_selection_never_allow_less(
    data: st.DataObject,
    perms: dict[str, str],
    access: str,
    ids: frozenset[str],
    kind: str,
    ask: tuple[str, str, str | None],
) -> None:
    category, level, resource_id = ask
    narrow = principal(perms, access, ids, kind)
    wider_perms = data.draw(more_permissions(perms))
    wider_access = data.draw(
        st.sampled_from(
            {"none": ["none", "selected", "all"], "selected": ["selected", "all"]}.get(
                access, [access]
            )
        )
    )
    wider_ids = ids | data.draw(id_sets)
    wide = principal(wider_perms, wider_access, wider_ids, kind)
    if narrow.allows(category, level, resource_id):
        assert wide.allows(category, level, resource_id)
    if narrow.allows(category, "write", resource_id):
        assert narrow.allows(category, "read", resource_id)


@FAST
@given(permission_maps, accesses, id_sets, scoped_kinds, asks)
def test_scoped_credentials_get_exactly_their_grant_within_the_resource_gate(
    perms: dict[str, str],
    access: str,
    ids: frozenset[str],
    kind: str,
    ask: tuple[str, str, str | None],
) -> None:
    category, level, resource_id = ask
    level_ok = rank_of(perms.get(category, "none")) >= RANK[level]
    if category not in RESOURCE_SCOPED or access == "all":
        gate_ok = True
    elif access == "selected":
        gate_ok = bool(resource_id) and resource_id in ids
    else:  # "none", and anything unknown, fails closed
        gate_ok = False
    assert principal(perms, access, ids, kind).allows(category, level, resource_id) == (
        level_ok and gate_ok
    )


@FAST
@given(permission_maps, accesses, id_sets, asks, st.booleans())
def test_sessions_are_always_allowed_and_inactive_owners_never(
    perms: dict[str, str],
    access: str,
    ids: frozenset[str],
    ask: tuple[str, str, str | None],
    active: bool,
) -> None:
    category, level, resource_id = ask
    session = principal(perms, access, ids, CredentialKind.SESSION, active=active)
    assert session.allows(category, level, resource_id) is active
    token = principal({c: "write" for c in CATEGORIES}, "all", ids, active=active)
    if not active:
        assert not token.allows(category, level, resource_id)
        with pytest.raises(InvalidToken):
            check_scopes(token, {category: level}, resource_id)
    else:
        check_scopes(session, {category: level}, resource_id)


def refusal_of(call: Callable[[], None]) -> Exception | None:
    try:
        call()
    except (TokenMissingScope, TokenResourceForbidden) as exc:
        return exc
    return None


required_scope_maps = st.dictionaries(
    st.sampled_from(CATEGORIES), st.sampled_from(REQUIRABLE), min_size=1
)


@FAST
@given(
    st.data(),
    permission_maps,
    accesses,
    id_sets,
    required_scope_maps,
    st.none() | resource_ids,
    st.booleans(),
)
def test_check_scopes_passes_exactly_when_allows_does_and_explains_refusals_in_order(
    data: st.DataObject,
    perms: dict[str, str],
    access: str,
    ids: frozenset[str],
    required: dict[str, str],
    resource_id: str | None,
    gate: bool,
) -> None:
    subject = principal(perms, access, ids)
    short = [c for c, lvl in required.items() if rank_of(perms.get(c, "none")) < RANK[lvl]]
    allowed = all(subject.allows(c, lvl, resource_id) for c, lvl in required.items())
    refusal = refusal_of(lambda: check_scopes(subject, required, resource_id, resource_gate=gate))
    if isinstance(refusal, TokenMissingScope):
        assert short, "a level refusal needs a short level"
        assert refusal.payload["required"] == f"{short[0]}:{required[short[0]]}"
    elif isinstance(refusal, TokenResourceForbidden):
        assert gate and not short and not allowed
        assert refusal.payload["competition_access"] == access
    else:
        assert allowed or (not gate and not short)
    # Monotone too: wider permissions pass where narrower ones passed.
    if allowed:
        check_scopes(
            principal(data.draw(more_permissions(perms)), access, ids), required, resource_id
        )
