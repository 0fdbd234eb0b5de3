"""An optional cache of resolved credentials, shared by every process (Redis).

Off by default. With ``CTFY_AUTH["CREDENTIAL_CACHE"] = "<cache alias>"`` (a cache every process
shares: Redis, not local memory), bearer authentication reads the token and its user from the
cache instead of the database, one ``GET`` instead of one ``SELECT``. When it is off, the request
path never calls into this module (:mod:`ctfy_auth.credentials.resolver` checks the setting).

What stays true with the cache on:

* **A change takes effect on the very next request, in every process.** Every change of a token
  row or of its user's row that goes through ctfy_auth (the API, the services, Django admin,
  ``Model.save()``/``delete()``, ``Token.objects...update()``, ``User.objects...update()``)
  writes a *tombstone* over the token's entry *before* the row is written, and again when the
  transaction commits, before the response is sent. While the tombstone lives, every process
  reads the database; a process that read the old row before the commit cannot store it over
  the tombstone (entries are only ever *added*). So a revoked token, a deactivated account, a
  narrowed token or a closed sudo window is seen by the next request, whichever worker serves it.
* **A change that cannot be announced is not made.** When the first tombstone cannot be written
  (the cache is unreachable from this process), the write raises
  :class:`~ctfy_auth.exceptions.CredentialCacheUnavailable` (503 ``service_unavailable``)
  before touching the row, and the transaction rolls back: nothing changed, and the client may
  try again. When only the tombstone at commit fails, the one written before the change still
  covers it, unless the transaction outlived it (``2 * CREDENTIAL_CACHE_SECONDS``); that case
  is logged as an error, and an entry stored in between may be accepted for at most
  ``CREDENTIAL_CACHE_SECONDS`` after the commit.
* An entry lives at most ``CREDENTIAL_CACHE_SECONDS``, never past the token's expiry, and never
  past the moment ``last_used_at`` is due to be stamped again, so the one-UPDATE-a-minute
  rhythm holds.
* The cache holds neither the token's plaintext nor its digest (keys are a keyed BLAKE2b of the
  digest), nor the user's password hash (it is loaded from the database when something reads
  it, as after ``.defer()``).
* When the cache fails, authentication reads the database and the failure is logged on
  ``ctfy_auth.credential_cache``.

The models do not know this module: it hears of writes through Django's ``pre_save``/
``post_save``/``pre_delete``/``post_delete`` and ctfy_auth's
:data:`~ctfy_auth.signals.pre_update`/:data:`~ctfy_auth.signals.post_update` (sent by the
``update()`` of ``Token`` and user querysets), whose receivers ``CtfyAuthConfig.ready()``
connects (:func:`connect`).

Not seen: raw SQL, ``bulk_update()``, and ``update()`` on a user model whose manager does not
come from ctfy_auth. Wrap such a write in :func:`invalidating_tokens` or
:func:`invalidating_users` (or, after it, call :func:`forget_tokens` or :func:`forget_users`).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.core.cache import BaseCache, caches
from django.db import router, transaction

from ctfy_auth.conf import app_settings
from ctfy_auth.credentials.lookup import Statement, build, statement_for, token_with_user_by_digest
from ctfy_auth.credentials.redis_reader import read
from ctfy_auth.exceptions import CredentialCacheUnavailable
from ctfy_auth.models.tokens import Token

__all__ = [
    "QUIET_TOKEN_FIELDS",
    "QUIET_USER_FIELDS",
    "Store",
    "connect",
    "forget_tokens",
    "forget_users",
    "invalidating_tokens",
    "invalidating_users",
    "lookup",
]

# The logger's name is older than this module and documented (docs/security.md, settings.md).
logger = logging.getLogger("ctfy_auth.credential_cache")

_TOMBSTONE = "x"
_KEY_PREFIX = "ctfy_auth:cred:"
_EXCLUDED_TOKEN = "digest"
_EXCLUDED_USER = "password"
#: Token fields whose change does not alter what a request may do.
QUIET_TOKEN_FIELDS = frozenset({"last_used_at"})
#: User fields whose change does not alter what a request may do.
#: ``password`` alone too: entries never hold the hash (it is read from the database when
#: needed), so a rehash on sign-in does not need the cache.
QUIET_USER_FIELDS = frozenset({"last_login", "password"})

#: ``store(token, now)``: add the entry of a token the request has accepted.
Store = Callable[[Token, datetime], None]


def _cache() -> BaseCache | None:
    alias = app_settings.CREDENTIAL_CACHE
    return caches[alias] if alias else None


def _enabled() -> bool:
    return bool(app_settings.CREDENTIAL_CACHE)


def _key(digest: str) -> str:
    # Not the stored digest itself: a look at the cache must not hand out database keys.
    # The key keeps its old name: processes of two releases must agree on the keys (tombstones).
    mac = hashlib.blake2b(digest.encode(), key=b"ctfy_auth.credential_cache", digest_size=20)
    return _KEY_PREFIX + mac.hexdigest()


def _layout(alias: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    statement = statement_for(alias)
    layout = _layouts.get(statement)
    if layout is None:
        layout = _layouts[statement] = (
            tuple(n for n in statement.token_names if n != _EXCLUDED_TOKEN),
            tuple(n for n in statement.user_names if n != _EXCLUDED_USER),
        )
    return layout


_layouts: dict[Statement, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _pack(token: Token) -> tuple[Any, ...]:
    alias = token._state.db or router.db_for_read(Token)
    token_names, user_names = _layout(alias)
    user = token.user
    values = [getattr(token, n) for n in token_names] + [getattr(user, n) for n in user_names]
    return (alias, token_names, user_names, values)


def _unpack(entry: Any, digest: str) -> Token | None:
    """The token of a cached entry; ``None`` when the entry is not one of this code's layout."""
    if not (isinstance(entry, tuple) and len(entry) == 4):
        return None
    alias, token_names, user_names, values = entry
    if (token_names, user_names) != _layout(alias):
        return None  # written by another version of the models: read the database
    statement = statement_for(alias)
    split = len(token_names)
    token_values = list(values[:split])
    token_values.insert(statement.token_names.index(_EXCLUDED_TOKEN), digest)
    return build(alias, token_values + list(values[split:]), user_names)


def lookup(digest: str) -> tuple[Token | None, Store | None]:
    """The token under ``digest`` with its user, and a ``store(token, now)`` or ``None``.

    Call ``store`` once the token has been accepted (and its ``last_used_at`` stamped): it adds
    the entry. ``None`` means there is nothing to store (a hit, a tombstone, no cache).
    """
    cache = _cache()
    if cache is None:
        return token_with_user_by_digest(digest), None
    key = _key(digest)
    try:
        entry = read(cache, key)
    except Exception:
        logger.warning("Credential cache unavailable; reading the database.", exc_info=True)
        return token_with_user_by_digest(digest), None
    if entry is not None:
        token = None if entry == _TOMBSTONE else _unpack(entry, digest)
        if token is not None:
            return token, None
        # A tombstone (or a foreign layout): read through until it expires, never store.
        return token_with_user_by_digest(digest), None
    token = token_with_user_by_digest(digest)
    return token, (partial(_store, cache, key) if token is not None else None)


def _store(cache: BaseCache, key: str, token: Token, now: datetime) -> None:
    lifetime = float(app_settings.CREDENTIAL_CACHE_SECONDS)
    if token.last_used_at is None:
        return
    due = token.last_used_at + timedelta(seconds=app_settings.LAST_USED_UPDATE_SECONDS)
    lifetime = min(lifetime, (due - now).total_seconds())
    if token.expires_at is not None:
        lifetime = min(lifetime, (token.expires_at - now).total_seconds())
    if lifetime < 1:
        return
    try:
        cache.add(key, _pack(token), timeout=int(lifetime))
    except Exception:
        logger.warning("Credential cache unavailable; entry not stored.", exc_info=True)


def _tombstone_seconds() -> int:
    # Longer than any entry: an entry added before the tombstone is overwritten by it, and
    # none can be added while it lives.
    return 2 * app_settings.CREDENTIAL_CACHE_SECONDS


def _set_tombstones(cache: BaseCache, keys: list[str]) -> None:
    failed = cache.set_many(dict.fromkeys(keys, _TOMBSTONE), timeout=_tombstone_seconds())
    if failed:  # backends that report keys they could not set (memcached) instead of raising
        raise ConnectionError(f"{len(failed)} tombstone(s) not stored")


def _bury(cache: BaseCache, keys: list[str]) -> float:
    """Tombstones over ``keys`` (when: ``time.monotonic()``), or refuse the change (503)."""
    try:
        _set_tombstones(cache, keys)
    except Exception as exc:
        logger.error(
            "Credential cache unavailable: %d cached credential(s) could not be invalidated, so "
            "the change that needed it is refused.",
            len(keys),
            exc_info=True,
        )
        raise CredentialCacheUnavailable() from exc
    return time.monotonic()


def _bury_after_commit(cache: BaseCache, keys: list[str], buried_at: float | None) -> None:
    """The second tombstones, once the change is committed; a failure is logged, not raised.

    The change cannot be undone any more. The tombstones written before it still keep stale
    entries out if they have not expired: only a transaction longer than their lifetime leaves
    a window, of at most ``CREDENTIAL_CACHE_SECONDS`` (the lifetime of an entry stored in it).
    """
    try:
        _set_tombstones(cache, keys)
    except Exception:
        if buried_at is not None and time.monotonic() - buried_at < _tombstone_seconds():
            logger.warning(
                "Credential cache unavailable at commit; the tombstones written before the "
                "change still cover %d credential(s).",
                len(keys),
                exc_info=True,
            )
        else:
            logger.error(
                "Credential cache unavailable at commit: %d cached credential(s) could not be "
                "invalidated and may be accepted for up to %s s more.",
                len(keys),
                app_settings.CREDENTIAL_CACHE_SECONDS,
                exc_info=True,
            )


def _keys(digests: Iterable[str]) -> list[str]:
    return [_key(d) for d in digests]


def _user_digests(user_ids: Iterable[Any], using: str | None) -> list[str]:
    """Digests of every unrevoked token of these users (revoked ones are never accepted)."""
    ids = list(user_ids)
    if not ids:
        return []
    rows = Token.objects.using(using).filter(user_id__in=ids, revoked_at__isnull=True)
    return list(rows.values_list("digest", flat=True))


@contextmanager
def invalidating_tokens(digests: Iterable[str], using: str | None = None) -> Iterator[None]:
    """Wrap a write that changes these tokens: tombstones before it and after its commit.

    When the first tombstones cannot be written, :class:`CredentialCacheUnavailable` is
    raised before the block runs, so the write is not made (and an enclosing transaction
    rolls back when the exception leaves it).
    """
    cache = _cache()
    keys = _keys(digests) if cache is not None else []
    if cache is None or not keys:
        yield
        return
    buried_at = _bury(cache, keys)
    yield
    transaction.on_commit(partial(_bury_after_commit, cache, keys, buried_at), using=using)


@contextmanager
def invalidating_users(user_ids: Iterable[Any], using: str | None = None) -> Iterator[None]:
    """:func:`invalidating_tokens` for every unrevoked token of these users."""
    digests = _user_digests(user_ids, using) if _enabled() else []
    with invalidating_tokens(digests, using=using):
        yield


def forget_tokens(digests: Iterable[str], using: str | None = None) -> None:
    """Invalidate the entries of these token digests, now and when the transaction commits.

    For a write that has already been made: raises :class:`CredentialCacheUnavailable` when
    the cache cannot be reached (inside a transaction, letting it roll back). Prefer
    :func:`invalidating_tokens` around the write, which refuses it before it happens.
    """
    cache = _cache()
    if cache is None:
        return
    keys = _keys(digests)
    if not keys:
        return
    buried_at = _bury(cache, keys)
    transaction.on_commit(partial(_bury_after_commit, cache, keys, buried_at), using=using)


def forget_users(user_ids: Iterable[Any], using: str | None = None) -> None:
    """Invalidate the entries of every unrevoked token of these users (as :func:`forget_tokens`)."""
    if not _enabled():
        return
    forget_tokens(_user_digests(user_ids, using), using=using)


# --- signal receivers (connected by connect(), from CtfyAuthConfig.ready) ---------------------
#
# The "before" receivers (``pre_save``, ``pre_delete``, ``pre_update``) write the first
# tombstones, and refuse the write when they cannot; the "after" ones (``post_save``,
# ``post_delete``, ``post_update``) schedule the second ones for the commit. The first
# tombstones' keys and time travel from one to the other on the instance or queryset.

_BURIED = "_ctfy_auth_buried"  # attribute of the instance or queryset: (keys, when)


def _saved(update_fields: Any, quiet: frozenset[str]) -> bool:
    """Whether a save may have changed something that decides a request."""
    return update_fields is None or not set(update_fields) <= quiet


def _before(subject: Any, digests: list[str]) -> None:
    cache = _cache()
    keys = _keys(digests)
    if cache is not None and keys:
        subject.__dict__[_BURIED] = (keys, _bury(cache, keys))


def _after(subject: Any, using: str | None, digests: Callable[[], list[str]] | None) -> None:
    """Schedule the second tombstones of what :func:`_before` buried.

    Without first tombstones (a save that was meant as an insert but updated a row), write
    ``digests()``'s now, so a failure still reaches the transaction, then at commit. A
    queryset passes ``None``: its rows cannot be found again after the update, and it had
    nothing to bury when nothing was written first.
    """
    buried = subject.__dict__.pop(_BURIED, None)
    if buried is None:
        if digests is not None:
            forget_tokens(digests(), using=using)
        return
    cache = _cache()
    if cache is not None:
        keys, buried_at = buried
        transaction.on_commit(partial(_bury_after_commit, cache, keys, buried_at), using=using)


def _token_saving(sender: Any, instance: Token, **kwargs: Any) -> None:
    if (
        _enabled()
        and not instance._state.adding
        and _saved(kwargs.get("update_fields"), QUIET_TOKEN_FIELDS)
    ):
        _before(instance, [instance.digest])


def _token_saved(sender: Any, instance: Token, created: bool, **kwargs: Any) -> None:
    if _enabled() and not created and _saved(kwargs.get("update_fields"), QUIET_TOKEN_FIELDS):
        _after(instance, kwargs.get("using"), lambda: [instance.digest])


def _token_deleting(sender: Any, instance: Token, **kwargs: Any) -> None:
    if _enabled():
        _before(instance, [instance.digest])


def _token_deleted(sender: Any, instance: Token, **kwargs: Any) -> None:
    if _enabled():
        _after(instance, kwargs.get("using"), lambda: [instance.digest])


def _tokens_updating(sender: Any, queryset: Any, fields: frozenset[str], **kwargs: Any) -> None:
    if _enabled() and not fields <= QUIET_TOKEN_FIELDS:
        _before(queryset, list(queryset.values_list("digest", flat=True)))


def _tokens_updated(sender: Any, queryset: Any, fields: frozenset[str], **kwargs: Any) -> None:
    if _enabled() and not fields <= QUIET_TOKEN_FIELDS:
        _after(queryset, queryset.db, None)


def _user_saving(sender: Any, instance: Any, **kwargs: Any) -> None:
    if (
        _enabled()
        and not instance._state.adding
        and _saved(kwargs.get("update_fields"), QUIET_USER_FIELDS)
    ):
        _before(instance, _user_digests([instance.pk], kwargs.get("using")))


def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if _enabled() and not created and _saved(kwargs.get("update_fields"), QUIET_USER_FIELDS):
        using = kwargs.get("using")
        _after(instance, using, lambda: _user_digests([instance.pk], using))


def _users_updating(sender: Any, queryset: Any, fields: frozenset[str], **kwargs: Any) -> None:
    if _enabled() and not fields <= QUIET_USER_FIELDS:
        ids = list(queryset.values_list("pk", flat=True))
        _before(queryset, _user_digests(ids, queryset.db))


def _users_updated(sender: Any, queryset: Any, fields: frozenset[str], **kwargs: Any) -> None:
    if _enabled() and not fields <= QUIET_USER_FIELDS:
        _after(queryset, queryset.db, None)


def connect() -> None:
    """Connect the receivers that keep the cache true to the rows (``CtfyAuthConfig.ready``).

    Connected whether or not the cache is on, so ``override_settings`` can turn it on; each
    receiver returns at once while it is off.
    """
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

    from ctfy_auth.signals import post_update, pre_update

    user_model = get_user_model()
    uid = "ctfy_auth.credentials.cache."
    # The first tombstones go before the write, which they refuse when Redis is unreachable.
    pre_save.connect(_token_saving, sender=Token, dispatch_uid=uid + "tps")
    post_save.connect(_token_saved, sender=Token, dispatch_uid=uid + "ts")
    pre_delete.connect(_token_deleting, sender=Token, dispatch_uid=uid + "tpd")
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid=uid + "td")
    pre_update.connect(_tokens_updating, sender=Token, dispatch_uid=uid + "tpu")
    post_update.connect(_tokens_updated, sender=Token, dispatch_uid=uid + "tu")
    pre_save.connect(_user_saving, sender=user_model, dispatch_uid=uid + "ups")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid=uid + "us")
    pre_update.connect(_users_updating, sender=user_model, dispatch_uid=uid + "upu")
    post_update.connect(_users_updated, sender=user_model, dispatch_uid=uid + "uu")
