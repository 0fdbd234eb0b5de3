"""``safe_redirect``: an untrusted ``redirect_to`` never leads off-site, a real path survives."""

from __future__ import annotations

import itertools
import re
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from ctfy_auth.redirects import safe_redirect

BASE = "https://site.example/base/"
C0_AND_SPACE = "".join(map(chr, range(0x21)))

# Open-redirect and script-URL attempts: each must come back as the default, exactly.
MALICIOUS = [
    # Protocol-relative, with slashes and backslashes (browsers read "\" as "/").
    "//evil.com",
    "///evil.com",
    "////evil.com",
    "\\\\evil.com",
    "\\/evil.com",
    "/\\evil.com",
    "/\\/evil.com",
    "  //evil.com  ",
    "\x1f//evil.com",
    "//evil.com@site.example",
    "//evil.com\\@site.example",
    "//evil.com/%2F..",
    # Absolute URLs and schemes, however spelled.
    "http://evil.com",
    "https://evil.com/path",
    "http:evil.com",
    "https:/evil.com",
    "HTTP://EVIL.COM",
    "https://site.example@evil.com",
    "ftp://evil.com",
    "mailto:a@evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\tjavascript:alert(1)",
    " javascript:alert(1)",
    "\x00javascript:alert(1)",
    "javascript://%0Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    # Tab, CR and LF vanish inside a URL, turning "/\t/" into "//".
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r/evil.com",
    # Percent-encoded, for whatever decodes the value once (or twice) more.
    "/%2F%2Fevil.com",
    "%2F%2Fevil.com",
    "/%5Cevil.com",
    "%5C%5Cevil.com",
    "/%252F%252Fevil.com",
    "/%25252F%25252Fevil.com",
    "/%252525252Fok",
    "//%09/evil.com",
    "/%09/evil.com",
    "/%0D%0A/evil.com",
    "/%00/evil.com",
    # Dot segments that resolve to a "//" path.
    "/.//evil.com",
    "/a/..//evil.com",
    "/%2e//evil.com",
    # Not an absolute path at all.
    "evil.com",
    "@evil.com",
    "../../evil.com",
    "?next=//evil",
    # Invisible or control characters.
    "\u2028//evil.com",
    "\ufeff//evil.com",
    "\u00a0//evil.com",
    "/\u200b/evil.com",
    "/\u3000/evil.com",
    "/\x00/evil.com",
    "/ok\x7f",
    # Too long.
    "/" + "a" * 4999,
]

# Odd but harmless: the result may be kept or refused, as long as it stays on the site.
AMBIGUOUS = [
    "/ /evil.com",
    "/@evil.com",
    "/\u3002evil.com",
    "/evil.com",
    "/%40evil.com",
    "/.evil.com",
    "/..;/evil.com",
]

FUZZ_PREFIXES = ["/", "\\", "%2F", "%5C", "\t", " "]
FUZZ = [
    "".join(prefix) + "evil.com"
    for repeat in range(1, 4)
    for prefix in itertools.product(FUZZ_PREFIXES, repeat=repeat)
]


def _stays_on_site(result: str) -> None:
    """Assert a browser following ``result`` from a page on the site stays on the site.

    Also holds if something percent-decodes ``result`` once or twice more on the way. Cleans up
    like a browser: drops tab/CR/LF, reads "\\" as "/", and, unlike ``urljoin``, treats any run
    of two or more leading slashes as "//" (a host follows, as in ``https:///evil.com``).
    """
    spellings = [result, unquote(result), unquote(unquote(result))]
    for spelling in spellings:
        cleaned = spelling.strip(C0_AND_SPACE)
        cleaned = cleaned.replace("\t", "").replace("\r", "").replace("\n", "")
        cleaned = re.sub(r"^/{2,}", "//", cleaned.replace("\\", "/"))
        url = urlsplit(urljoin(BASE, cleaned))
        assert url.scheme == "https", (result, spelling)
        assert url.netloc == "site.example", (result, spelling)
        assert not url.path.startswith("//"), (result, spelling)


@pytest.mark.parametrize("attack", MALICIOUS)
def test_malicious_values_give_the_default(attack: str) -> None:
    result = safe_redirect(attack)
    assert result == "/"
    _stays_on_site(result)


@pytest.mark.parametrize("attack", MALICIOUS)
def test_malicious_values_give_a_custom_default(attack: str) -> None:
    assert safe_redirect(attack, default="/settings") == "/settings"


@pytest.mark.parametrize("attack", AMBIGUOUS)
def test_odd_paths_stay_on_site(attack: str) -> None:
    _stays_on_site(safe_redirect(attack))


@pytest.mark.parametrize("attack", FUZZ)
def test_stacked_slash_like_prefixes_stay_on_site(attack: str) -> None:
    _stays_on_site(safe_redirect(attack))


def test_corpus_is_large_enough() -> None:
    assert len(MALICIOUS) + len(AMBIGUOUS) >= 40


@pytest.mark.parametrize("attack", ["//evil.com", "/\\evil.com", "/\t/evil.com", "/%2F%2Fevil.com"])
def test_on_site_check_catches_the_raw_attacks(attack: str) -> None:
    with pytest.raises(AssertionError):
        _stays_on_site(attack)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/", "/"),
        ("/settings", "/settings"),
        ("/challenges/42?tab=files", "/challenges/42?tab=files"),
        ("/search?q=a%20b", "/search?q=a%20b"),
        ("/search?q=100%25", "/search?q=100%25"),
        ("/next?to=//elsewhere", "/next?to=//elsewhere"),
        ("/a/b#frag", "/a/b"),
        ("/challenges/42?tab=files#top", "/challenges/42?tab=files"),
        ("  /settings  ", "/settings"),
        ("\x00/settings\x1f", "/settings"),
        ("/set\ttings", "/settings"),
        ("/set\r\ntings", "/settings"),
        ("/a\\b", "/a/b"),
        ("/caf\u00e9", "/caf\u00e9"),
    ],
)
def test_same_site_paths_are_kept(value: str, expected: str) -> None:
    assert safe_redirect(value) == expected
    _stays_on_site(expected)


@pytest.mark.parametrize("value", ["/ /evil.com", "/search?q=a b", "/a\u00a0b"])
def test_whitespace_inside_the_value_is_refused(value: str) -> None:
    assert safe_redirect(value) == "/"


@pytest.mark.parametrize("value", [None, 42, b"/x", ["/x"], ""])
def test_non_string_or_empty_values_give_the_default(value: object) -> None:
    assert safe_redirect(value) == "/"
    assert safe_redirect(value, default="/settings") == "/settings"


def test_custom_default_replaces_a_bad_value() -> None:
    assert safe_redirect("//evil", default="/settings") == "/settings"


def test_values_up_to_2048_characters_are_accepted() -> None:
    longest = "/" + "a" * 2047
    assert safe_redirect(longest) == longest
    assert safe_redirect(longest + "a") == "/"
