"""Fixed-window rate limits and budgets kept in Django's cache, so they hold across processes.

Two kinds of counter live here:

* **Rate limits** per client (:func:`check_rate`). Buckets and rates come from
  ``CTFY_AUTH["THROTTLE_RATES"]`` (ctfy wire §6.7). Counters are per bucket, per
  endpoint and per client key: ``tok:<16 hex of sha256(token)>:<ip>`` when the
  request carries a bearer token (one token cannot hop addresses, and one NAT
  address does not merge every user), else the IP. A bucket in
  :data:`SHARED_BUCKETS` has one counter for all its endpoints: ``login`` is
  spent alike by ``POST /auth/login``, the ``/device`` page's sign-in and the
  throttled Django admin login (:mod:`ctfy_auth.admin_site`).
* **Budgets** per subject (:func:`spend`): a per-account count of password
  checks, or of wrong device user codes, whatever client sends them. A budget is
  spent *before* the guess is checked, with an atomic increment whose result is
  compared with the limit, so concurrent requests can never check more guesses
  than the budget; the caller :meth:`Attempt.refund`\\ s the unit when the guess
  was right, so only wrong guesses stay counted.

Both, and the device flow's site-wide alert, count with :func:`count_in_window`:
one fixed-window counter, incremented atomically before it is compared.

Views call :func:`check_rate` after authentication and validation, so a request
that fails either does not spend quota (ctfy's order).

When the cache is unreachable: a limit that guards a guessable secret (the
buckets in :data:`SECRET_BUCKETS`, and every budget) **fails closed**: the
request is refused with 503 ``rate_limit_unavailable`` and a ``Retry-After``,
because an outage must not make guessing free. Every other bucket fails open
and logs a warning: availability beats throttling where nothing can be guessed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest

from ctfy_auth.conf import app_settings
from ctfy_auth.credentials import resolved_principal
from ctfy_auth.exceptions import RateLimited, RateLimitUnavailable

__all__ = [
    "OUTAGE_RETRY_AFTER_SECONDS",
    "SECRET_BUCKETS",
    "SHARED_BUCKETS",
    "Attempt",
    "WindowCount",
    "check_rate",
    "claim_interval",
    "client_ip",
    "count_in_window",
    "parse_rate",
    "spend",
]

logger = logging.getLogger(__name__)

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

#: Buckets that guard a guessable secret (a password, a device user code): they refuse with
#: 503 ``rate_limit_unavailable`` while the throttle cache is unreachable.
SECRET_BUCKETS = frozenset(
    {"login", "password_change", "account_reauthenticate", "device_approve", "password_check"}
)

#: Buckets counted once for every endpoint that spends them (ctfy counts per endpoint): a
#: sign-in is a sign-in, whichever door it comes through.
SHARED_BUCKETS = frozenset({"login"})

#: ``Retry-After`` of a refusal because the throttle cache is unreachable.
OUTAGE_RETRY_AFTER_SECONDS = 30


def parse_rate(rate: str) -> tuple[int, int, str]:
    """``"60/minute"`` → ``(60, 60, "minute")``; accepts ``s``/``m``/``h``/``d`` too."""
    count, _sep, unit = rate.partition("/")
    unit = unit.strip().lower().rstrip("s") or "second"
    for name, seconds in _PERIODS.items():
        if name.startswith(unit):
            return int(count), seconds, name
    raise ValueError(f"Unrecognised rate {rate!r}")


def client_ip(request: HttpRequest) -> str:
    """The client address; ``X-Forwarded-For`` only counts behind ``NUM_PROXIES`` proxies."""
    proxies = app_settings.NUM_PROXIES
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def _client_key(request: HttpRequest) -> str:
    """``tok:<digest prefix>:<ip>`` when the bearer resolved to a credential, else the ip.

    Only a credential this request already proved counts (ctfy wire §6.7 keys on
    any bearer string, which lets a client dodge a per-address limit by sending
    junk headers to routes that never read them).
    """
    ip = client_ip(request)
    if resolved_principal(request) is not None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        credential = header.strip().partition(" ")[2].strip()
        return "tok:" + hashlib.sha256(credential.encode()).hexdigest()[:16] + ":" + ip
    return ip


def _cache() -> BaseCache:
    return caches[app_settings.THROTTLE_CACHE]


@dataclass(frozen=True, slots=True)
class WindowCount:
    """Where a fixed-window counter stands once :func:`count_in_window` has added one to it."""

    key: str
    count: int
    limit: int
    retry_after: int

    @property
    def exceeded(self) -> bool:
        """This unit went past the limit (the ``limit``-th unit is still within it)."""
        return self.count > self.limit


def count_in_window(name: str, limit: int, period: int, *, now: float | None = None) -> WindowCount:
    """Add one to the counter ``name`` for the current ``period``-second window; the one counter.

    Every rate limit, budget and alert of ctfy_auth counts here, in the throttle cache
    (``ctfy_auth:<name>:<period>:<window>``). Incr-then-compare: the increment is atomic
    and its result is what is compared with ``limit``, so concurrent callers can never
    get more than ``limit`` units between them (a read-then-write would let them all
    through). Whatever the cache raises when it is unreachable propagates: the caller
    decides whether that fails closed (a guessable secret) or open.
    """
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"ctfy_auth:{name}:{period}:{window}"
    cache = _cache()
    cache.add(key, 0, timeout=period + 1)
    try:
        count = int(cache.incr(key))
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=period + 1)
        count = 1
    return WindowCount(key, count, limit, retry_after=max(1, int((window + 1) * period - now)))


def _unavailable(what: str) -> RateLimitUnavailable:
    logger.warning("ctfy_auth throttle cache unavailable; refusing %s", what, exc_info=True)
    return RateLimitUnavailable(retry_after=OUTAGE_RETRY_AFTER_SECONDS)


def check_rate(request: HttpRequest, bucket: str) -> None:
    """Count this request against ``bucket``; raise :class:`RateLimited` (429) past the rate.

    Raises :class:`RateLimitUnavailable` (503) for a bucket in :data:`SECRET_BUCKETS`
    when the cache is unreachable; other buckets then let the request through.
    """
    if not app_settings.THROTTLE_ENABLED:
        return
    rate = app_settings.THROTTLE_RATES.get(bucket)
    if not rate:
        return
    limit, period, unit = parse_rate(rate)
    if bucket in SHARED_BUCKETS:
        endpoint = "*"
    else:
        match = getattr(request, "resolver_match", None)
        endpoint = match.view_name if match is not None else request.path
    try:
        hit = count_in_window(f"rl:{bucket}:{endpoint}:{_client_key(request)}", limit, period)
    except Exception:
        if bucket in SECRET_BUCKETS:
            raise _unavailable(f"the {bucket!r} bucket") from None
        logger.warning("ctfy_auth throttle cache unavailable; not rate limiting", exc_info=True)
        return
    if hit.exceeded:
        raise RateLimited(f"Rate limit exceeded: {limit} per 1 {unit}", retry_after=hit.retry_after)


@dataclass(frozen=True, slots=True)
class Attempt:
    """Units taken from budgets by :func:`spend`; :meth:`refund` gives them back."""

    keys: tuple[str, ...] = ()

    def refund(self) -> None:
        """Give the units back (the guess was right); a cache error only logs."""
        if not self.keys:
            return
        cache = _cache()
        for key in self.keys:
            try:
                cache.decr(key)
            except ValueError:  # the window ended meanwhile: nothing left to give back
                pass
            except Exception:
                logger.warning("ctfy_auth throttle cache unavailable; not refunding", exc_info=True)


def _budget_name(name: str, subject: str) -> str:
    # Hashed: subjects may be email addresses, which do not belong in cache keys.
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"budget:{name}:{digest}"


def spend(budgets: list[tuple[str, str, str]], *, message: str) -> Attempt:
    """Take one unit from each ``(name, subject, rate)`` budget, or refuse and take none.

    Incr-then-compare, so concurrent calls never get more than the limit between
    them. Past a limit: :class:`RateLimited` (429) with ``message`` plus the rate;
    the cache unreachable: :class:`RateLimitUnavailable` (503). Either way, units
    already taken for this call are given back. A falsy rate skips its budget.
    """
    taken: list[str] = []
    now = time.time()
    for name, subject, rate in budgets:
        if not rate:
            continue
        limit, period, unit = parse_rate(rate)
        try:
            hit = count_in_window(_budget_name(name, subject), limit, period, now=now)
        except Exception:
            Attempt(tuple(taken)).refund()
            raise _unavailable(f"the {name!r} budget") from None
        taken.append(hit.key)
        if hit.exceeded:
            Attempt(tuple(taken)).refund()
            raise RateLimited(f"{message}: {limit} per 1 {unit}", retry_after=hit.retry_after)
    return Attempt(tuple(taken))


def claim_interval(key: str, seconds: float) -> bool:
    """``True`` for the first call with ``key`` in ``seconds``, ``False`` for the calls after it.

    Kept in the throttle cache, so it holds across processes. Fails open (``True``)
    when the cache is down: poll spacing guards nothing guessable.
    """
    cache = _cache()
    try:
        return bool(cache.add(f"ctfy_auth:interval:{key}", 1, timeout=seconds))
    except Exception:
        logger.warning("ctfy_auth throttle cache unavailable; not spacing polls", exc_info=True)
        return True
