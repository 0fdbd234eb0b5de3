"""ctfy_auth's error vocabulary: every exception class is named after its wire code.

The rule: the class name, lower-cased, is the code without underscores
(``EmailBelongsToOAuth`` is ``email_belongs_to_oauth``). The deliberate exceptions are listed
below with their reason, so a new one is a decision, not an accident.
"""

from __future__ import annotations

import inspect

import pytest

from ctfy_auth import exceptions
from ctfy_auth.exceptions import CtfyError

#: Classes that answer one of ctfy's generic codes (``http_<status>``): the code cannot name
#: the reason, so the class does, and its message tells the client which one it is.
GENERIC = {
    "CtfyError",
    "NotAuthenticated",
    "InvalidToken",
    "ExpiredToken",
    "UserSessionRequired",
    "RequestBodyTooDeep",
    "AdminPrivilegesRequired",
    "SuperAdminPrivilegesRequired",
    "CannotChangeOwnRole",
    "SuperAdminRoleLocked",
    "OAuthStateInvalid",
    "ProviderFailed",
    "AccountDisabled",
}

#: Variants of another class's code (another status, or a narrower cause): each subclasses
#: the class named after the code, so ``except TokenRevoked`` catches both.
VARIANTS = {
    "TokenRevokedDuringRequest": "TokenRevoked",  # 401 on the calling token; 409 on another
    "CredentialCacheUnavailable": "ServiceUnavailable",  # the same 503, a narrower cause
    "ClientTokenRefused": "TokenScopeRequired",  # the same 403, said of an OAuth client token
}

#: The wire word ``competition`` stays in codes (ctfy's contract); the class uses the
#: glossary's word, ``resource`` (docs/glossary.md).
WIRE_WORDS = {"competition": "resource"}


def _classes() -> list[type[CtfyError]]:
    return [
        value
        for _name, value in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(value, CtfyError) and value.__module__ == exceptions.__name__
    ]


def _squashed(code: str) -> str:
    for wire, ours in WIRE_WORDS.items():
        code = code.replace(wire, ours)
    return code.replace("_", "")


def test_every_exception_is_exported() -> None:
    assert {cls.__name__ for cls in _classes()} == set(exceptions.__all__)


@pytest.mark.parametrize("cls", _classes(), ids=lambda cls: cls.__name__)
def test_the_class_is_named_after_its_code(cls: type[CtfyError]) -> None:
    code = cls.default_code
    if cls.__name__ in GENERIC:
        assert code == f"http_{cls.status_code}", f"{cls.__name__} is listed as generic"
    elif cls.__name__ in VARIANTS:
        base = getattr(exceptions, VARIANTS[cls.__name__])
        assert issubclass(cls, base)
        assert code == base.default_code
    else:
        assert cls.__name__.lower() == _squashed(code), (
            f"{cls.__name__} answers {code!r}: rename it, or list it here with the reason"
        )


def test_the_lists_of_exceptions_name_real_classes_that_need_them() -> None:
    names = {cls.__name__ for cls in _classes()}
    assert names >= GENERIC | set(VARIANTS)
    for name in VARIANTS:  # a variant never carries the plain name itself
        assert name.lower() != _squashed(getattr(exceptions, name).default_code)


def test_no_two_classes_share_a_code_unless_one_is_a_variant_or_generic() -> None:
    owners: dict[str, str] = {}
    for cls in _classes():
        if cls.__name__ in GENERIC or cls.__name__ in VARIANTS:
            continue
        assert cls.default_code not in owners, (cls.__name__, owners.get(cls.default_code))
        owners[cls.default_code] = cls.__name__


@pytest.mark.parametrize("cls", _classes(), ids=lambda cls: cls.__name__)
def test_every_exception_says_when_it_is_answered(cls: type[CtfyError]) -> None:
    # The OpenAPI error descriptions are built from it (ctfy_auth.api.schema.errors).
    if cls is CtfyError:
        return
    assert "when" in vars(cls), f"{cls.__name__} needs its own one-line `when`"
    when = cls.when
    assert when and "\n" not in when and not when.endswith(".")
    assert not when[0].isupper() or when.startswith("API"), when  # it follows "`code`: "
