"""Signals ctfy_auth sends after the state change has committed.

Every signal is sent with ``sender`` = the user model class, ``Token`` or ``DeviceRequest``,
and the keyword arguments listed beside it.

Two are different: :data:`pre_update` and :data:`post_update` are the model layer's, sent
inside the write, around a ``QuerySet.update()`` of ``Token`` or of a user model whose manager
comes from ctfy_auth, as Django sends ``pre_save``/``post_save`` around ``Model.save()``. A
``pre_update`` receiver that raises stops the update (the credential cache refuses a change it
cannot announce that way).
"""

from __future__ import annotations

from django.dispatch import Signal

__all__ = [
    "device_approved",
    "device_denied",
    "identity_linked",
    "identity_unlinked",
    "login_failed",
    "password_changed",
    "password_removed",
    "post_update",
    "pre_update",
    "reauthenticated",
    "token_created",
    "token_renewed",
    "token_revoked",
    "token_rotated",
    "token_scope_changed",
    "user_logged_in",
    "user_registered",
]

#: ``user``, ``method`` ("password" or a provider name) — an account was created.
user_registered = Signal()
#: ``user``, ``method`` ("password", a provider name, "device") — a sign-in minted a session.
user_logged_in = Signal()
#: ``email`` — a password sign-in was refused (the email may not exist).
login_failed = Signal()
#: ``user``, ``first_time`` (bool) — a password was set or changed.
password_changed = Signal()
#: ``user`` — the password was removed.
password_removed = Signal()
#: ``user``, ``identity``, ``how`` ("link", "sign_in", "merge") — an identity joined an account.
identity_linked = Signal()
#: ``user``, ``identity_id``, ``provider`` — a sign-in identity was unlinked.
identity_unlinked = Signal()
#: ``user``, ``token_id`` — the sudo window was opened on a token.
reauthenticated = Signal()
#: ``token`` (the row; never the plaintext) — a token was minted.
token_created = Signal()
#: ``token`` — an API token's authority (access, ids or permissions) changed.
token_scope_changed = Signal()
#: ``token`` — an API token's expiry was pushed out (same secret).
token_renewed = Signal()
#: ``token`` (the new row), ``previous`` (the revoked one) — an API token was rotated.
token_rotated = Signal()
#: ``token_ids`` (list of str), ``user``, ``by`` (acting user or ``None``) — tokens were revoked.
token_revoked = Signal()
#: ``request`` (the ``DeviceRequest``), ``user`` — a person approved a device's sign-in.
device_approved = Signal()
#: ``request`` (the ``DeviceRequest``), ``user`` — a person denied a device's sign-in.
device_denied = Signal()
#: ``queryset`` (the one being updated), ``fields`` (frozenset of the field names given to
#: ``update()``) — sent before the UPDATE of ``Token.objects...update()`` /
#: ``User.objects...update()`` runs (``sender``: the concrete model, also for a proxy's
#: queryset); a receiver that raises stops it.
pre_update = Signal()
#: ``queryset``, ``fields`` — sent after that UPDATE ran, inside its transaction (not yet
#: committed); not sent when it failed.
post_update = Signal()
