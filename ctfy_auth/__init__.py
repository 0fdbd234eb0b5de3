"""ctfy_auth: a complete auth layer for Django speaking the ctfy wire contract.

The package root holds one function, :func:`get_principal`. Importing ``ctfy_auth``
imports nothing else (settings modules import it before the app registry is
ready), so the function imports what it needs when it is called. The stable
imports of a host project are listed in ``docs/public-api.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

    from ctfy_auth.principal import Principal

__version__ = "0.1.0.dev0"

__all__ = ["get_principal"]


def get_principal(request: HttpRequest | Request) -> Principal | None:
    """The :class:`~ctfy_auth.principal.Principal` of ``request``; ``None`` without one.

    The one way to read it, in a DRF view or a plain Django view:

    * a DRF ``Request``: ``request.auth`` when ctfy_auth's
      :class:`~ctfy_auth.authentication.BearerTokenAuthentication` authenticated
      it, else ``None`` (anonymous, or another authentication class). DRF decides:
      a bearer token on a view that does not use our authentication class is not
      read here.
    * a Django ``HttpRequest``: its ``Authorization: Bearer`` credential, resolved
      once per request (after :func:`~ctfy_auth.decorators.require_scope` or the
      middleware, at no cost). A bad credential raises its ctfy_auth error
      (:class:`~ctfy_auth.exceptions.NotAuthenticated` 401, ``InvalidToken`` /
      ``ExpiredToken`` 403), which ``require_scope`` has already answered for the
      views it guards.

    An API token's Principal is returned too: ask ``principal.allows(category,
    level, resource_id)`` (or declare scopes with ``HasScopes``/``require_scope``)
    before acting, and treat ``principal.user`` as signed in only when
    ``principal.is_full_account``.

    Example::

        from ctfy_auth import get_principal

        principal = get_principal(request)
        if principal is not None and principal.allows("scoreboard", "read", competition_id):
            ...
    """
    # Imported here: see the module docstring.
    from rest_framework.request import Request

    from ctfy_auth.credentials.resolver import resolve_request
    from ctfy_auth.principal import Principal

    if isinstance(request, Request):
        auth = request.auth
        return auth if isinstance(auth, Principal) else None
    return resolve_request(request)
