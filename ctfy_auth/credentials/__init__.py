"""The request path of credentials: header → parse → lookup (one SELECT) or cache → Principal.

* :mod:`~ctfy_auth.credentials.resolver`: a request's bearer header to its
  :class:`~ctfy_auth.principal.Principal`, once per request (:func:`resolve_request`), and the
  outcome read back without resolving (:func:`resolved_principal`).
* :mod:`~ctfy_auth.credentials.lookup`: the one query, a token joined with its user by digest.
* :mod:`~ctfy_auth.credentials.cache`: the optional shared cache of resolved credentials
  (``CTFY_AUTH["CREDENTIAL_CACHE"]``), and what to wrap around a write it cannot see
  (:func:`invalidating_tokens`, :func:`invalidating_users`, :func:`forget_tokens`,
  :func:`forget_users`).
* :mod:`~ctfy_auth.credentials.redis_reader`: the only use of Django's ``RedisCache`` internals.

The models never import this package; it hears of their changes through signals that
``CtfyAuthConfig.ready()`` connects (:func:`ctfy_auth.credentials.cache.connect`).
"""

from __future__ import annotations

from ctfy_auth.credentials.cache import (
    forget_tokens,
    forget_users,
    invalidating_tokens,
    invalidating_users,
)
from ctfy_auth.credentials.resolver import bearer_credential, resolve_request, resolved_principal

__all__ = [
    "bearer_credential",
    "forget_tokens",
    "forget_users",
    "invalidating_tokens",
    "invalidating_users",
    "resolve_request",
    "resolved_principal",
]
