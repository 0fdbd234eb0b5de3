"""The one place that reaches into Django's ``RedisCache`` internals: a faster ``cache.get``.

Django's ``RedisCache`` builds a new ``redis.Redis`` client on every call. On the cached hot path
(``benchmarks/``, part 1, variant (f): one ``GET`` per request instead of the SELECT) that was
about half the cost of an authentication, so reads go through one client per cache object that
shares the backend's connection pool. Only reads: writes (entries, tombstones) use the public
API. Any other backend, or a Django whose internals differ, gets the public ``cache.get``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import BaseCache

__all__ = ["read"]

_ATTR = "_ctfy_auth_reader"


def read(cache: BaseCache, key: str) -> Any:
    """``cache.get(key)``: the value under ``key`` or ``None``; raises what the backend raises."""
    reader = cache.__dict__.get(_ATTR)
    if reader is None:
        reader = cache.__dict__[_ATTR] = _reader_for(cache)
    return reader(key)


def _reader_for(cache: BaseCache) -> Callable[[str], Any]:
    from django.core.cache.backends.redis import RedisCache

    try:
        if type(cache) is not RedisCache:
            return cache.get
        client = cache._cache.get_client(write=False)
        loads = getattr(cache._cache, "_serializer").loads  # noqa: B009 (not in the stubs)
        make_key = cache.make_and_validate_key
    except Exception:  # internals moved: the public API is always right
        return cache.get

    def read(key: str) -> Any:
        value = client.get(make_key(key))
        return None if value is None else loads(value)

    return read
