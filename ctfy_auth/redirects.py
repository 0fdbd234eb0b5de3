"""Turn an untrusted ``redirect_to`` value into a same-site relative path.

After an OAuth sign-in the landing page receives the session token in its URL fragment, and the
browser then follows ``redirect_to``. An open redirect there hands the page (and so the token)
to another site: account takeover. :func:`safe_redirect` therefore accepts only a path that
starts with exactly one ``/`` and falls back to a known-safe ``default`` for anything else.

The value is judged the way a browser would read it (WHATWG URL parsing), not the way it looks:

* leading and trailing C0 controls and spaces are stripped, as browsers do;
* every tab, CR and LF is removed, wherever it is, as browsers do, so ``java\\tscript:`` and
  ``/\\t/evil.com`` are seen as ``javascript:`` and ``//evil.com``;
* every ``\\`` becomes ``/``, as browsers do for ``http(s)`` URLs, so ``/\\evil.com`` is
  ``//evil.com``;
* ``.`` and ``..`` segments are resolved, so ``/.//evil.com`` cannot yield the path
  ``//evil.com`` that a later ``location.pathname`` redirect would follow off-site.

The same checks run again on the value percent-decoded once and repeatedly until it is stable
(at most three times), for whichever proxy, framework or script decodes it once
more: ``/%2F%2Fevil.com``, ``/%5Cevil.com`` and ``/%09/evil.com`` are refused. The path that is
returned keeps its original percent-encoding (``/search?q=a%20b`` stays as it is).

Stricter than a browser: any control character, DEL, or Unicode whitespace or invisible format
character (``U+0020``, ``U+2028``, ``U+200B``, ``U+FEFF``, ...) left inside the value, a value
longer than :data:`MAX_LENGTH` characters, and a control character (C0 including tab, CR and LF,
DEL, C1) or line/paragraph separator revealed by decoding (``%0d%0a``, ``%09``, ``%00``,
``%c2%85``, ``%e2%80%a8``) are all refused rather than interpreted. The fragment is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

__all__ = ["safe_redirect"]

#: Longer values are refused outright.
MAX_LENGTH = 2048
#: Values still changing after this many rounds of percent-decoding are refused.
_MAX_DECODES = 3

_EDGES = "".join(map(chr, range(0x21)))  # C0 controls and space: stripped from both ends
_BROWSER_CLEANUP = str.maketrans({"\t": None, "\r": None, "\n": None, "\\": "/"})
_SCHEME = re.compile(r"[^/?#]*:")  # a ":" before the first "/", "?" or "#"
# Control, format (invisible), surrogate, and space/line/paragraph separator characters.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
# Refused when decoding reveals them (an encoded space, ``%20``, stays allowed).
_DECODED_CONTROLS = frozenset({"Cc", "Cs", "Zl", "Zp"})


def safe_redirect(value: object, default: str = "/") -> str:
    """Return ``value`` as a same-site path (without fragment), or ``default`` if it is unsafe.

    ``default`` is returned unchanged; pass a known-safe path such as ``"/"`` or ``"/settings"``.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return default
    path = _browser_cleanup(value)
    if any(unicodedata.category(char) in _INVISIBLE for char in path):
        return default
    spellings = [path]
    while (decoded := unquote(spellings[-1])) != spellings[-1]:
        if len(spellings) > _MAX_DECODES:
            return default
        # Checked before the browser cleanup, which would silently drop a decoded CR/LF/tab.
        if any(unicodedata.category(char) in _DECODED_CONTROLS for char in decoded):
            return default
        spellings.append(decoded)
    if not all(_is_local_path(_browser_cleanup(spelling)) for spelling in spellings):
        return default
    return path.partition("#")[0]


def _browser_cleanup(value: str) -> str:
    """What a browser's URL parser makes of ``value`` before it looks at the structure."""
    return value.strip(_EDGES).translate(_BROWSER_CLEANUP)


def _is_local_path(value: str) -> bool:
    """Whether ``value`` is a single-slash path with no scheme, host or control character."""
    if not value.startswith("/") or value.startswith("//") or _SCHEME.match(value):
        return False
    if any(unicodedata.category(char) == "Cc" for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    if parts.scheme or parts.netloc:
        return False
    return not _remove_dot_segments(parts.path).startswith("//")


def _remove_dot_segments(path: str) -> str:
    """Resolve ``.`` and ``..`` segments of an absolute path, as URL parsers do."""
    *segments, last = path.split("/")[1:]
    resolved: list[str] = []
    for segment in segments:
        if segment == "..":
            if resolved:
                resolved.pop()
        elif segment != ".":
            resolved.append(segment)
    if last in {".", ".."}:
        if last == ".." and resolved:
            resolved.pop()
        last = ""
    return "/" + "/".join([*resolved, last])
