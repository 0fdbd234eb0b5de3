"""Fixed-window rate limits kept in Django's cache, so they hold across processes.

Buckets and rates come from ``CTFY_AUTH["THROTTLE_RATES"]`` (ctfy wire §6.7).
Counters are per bucket, per endpoint and per client key: ``tok:<16 hex of
sha256(token)>:<ip>`` when the request carries a bearer token (one token cannot
hop addresses, and one NAT address does not merge every user), else the IP.

Views call :func:`check_rate` after authentication and validation, so a request
that fails either does not spend quota (ctfy's order). If the cache is down the
limiter fails open and logs a warning: availability of sign-in beats throttling.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.cache import caches
from django.http import HttpRequest

from ctfy_auth.conf import app_settings
from ctfy_auth.constants import RESOLUTION_ATTR
from ctfy_auth.exceptions import RateLimited

__all__ = ["check_rate", "claim_interval", "client_ip", "parse_rate"]

logger = logging.getLogger(__name__)

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


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
    resolution = request.__dict__.get(RESOLUTION_ATTR)
    if resolution is not None and resolution[0] is not None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        credential = header.strip().partition(" ")[2].strip()
        return "tok:" + hashlib.sha256(credential.encode()).hexdigest()[:16] + ":" + ip
    return ip


def check_rate(request: HttpRequest, bucket: str) -> None:
    """Count this request against ``bucket``; raise :class:`RateLimited` (429) past the rate."""
    if not app_settings.THROTTLE_ENABLED:
        return
    rate = app_settings.THROTTLE_RATES.get(bucket)
    if not rate:
        return
    limit, period, unit = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    match = getattr(request, "resolver_match", None)
    endpoint = match.view_name if match is not None else request.path
    key = f"ctfy_auth:rl:{bucket}:{endpoint}:{_client_key(request)}:{window}"
    cache = caches[app_settings.THROTTLE_CACHE]
    try:
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=period + 1)
            count = 1
    except Exception:
        logger.warning("ctfy_auth throttle cache unavailable; not rate limiting", exc_info=True)
        return
    if count > limit:
        retry_after = max(1, int((window + 1) * period - now))
        raise RateLimited(f"Rate limit exceeded: {limit} per 1 {unit}", retry_after=retry_after)


def claim_interval(key: str, seconds: float) -> bool:
    """``True`` for the first call with ``key`` in ``seconds``, ``False`` for the calls after it.

    Kept in the throttle cache, so it holds across processes. Fails open (``True``)
    when the cache is down, as the rate limits do.
    """
    cache = caches[app_settings.THROTTLE_CACHE]
    try:
        return bool(cache.add(f"ctfy_auth:interval:{key}", 1, timeout=seconds))
    except Exception:
        logger.warning("ctfy_auth throttle cache unavailable; not spacing polls", exc_info=True)
        return True
