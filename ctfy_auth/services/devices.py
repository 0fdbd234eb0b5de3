"""The device authorization flow (RFC 8628; ctfy wire §5).

A CLI asks for a code (:func:`start`), shows the user code to a person and
polls (:func:`poll`); the person, signed in, approves or denies it
(:func:`decide`). Approve/deny and the hand-over of the token are
compare-and-set in the database, so concurrent decisions or polls yield one
outcome and at most one token per request.

Guessing: a user code is 8 of 31 symbols (31**8 ≈ 8.5e11). Entries are counted
per account and per client address (:data:`~ctfy_auth.conf.DEFAULTS`
``DEVICE_FAILED_ENTRY_LIMITS``), taken before the look-up and given back when
the code was right, so the odds of hitting any live code stay negligible;
wrong entries site-wide only raise an alert past ``global`` (a site-wide
refusal would be a denial of service). docs/device.md shows the arithmetic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ctfy_auth import crypto, signals
from ctfy_auth.client_info import ClientInfo
from ctfy_auth.conf import app_settings
from ctfy_auth.exceptions import DeviceCodeInvalid, DeviceCodeUnavailable
from ctfy_auth.models import DeviceRequest, DeviceStatus
from ctfy_auth.services import sessions
from ctfy_auth.services._common import send_on_commit
from ctfy_auth.throttling import Attempt, count_in_window, parse_rate, spend

__all__ = ["DevicePoll", "decide", "info", "poll", "start"]

logger = logging.getLogger(__name__)

#: Draws of a user code before giving up (at 10**4 live codes one draw collides 1 in 8.5e7).
_USER_CODE_DRAWS = 8


def start(client: ClientInfo) -> tuple[DeviceRequest, str]:
    """Open a pending request; returns ``(row, device_code)``, the device code once.

    The user code is unique among pending requests (a partial unique
    constraint): a pending row that holds the drawn code but has expired is
    marked ``expired`` first, and a live collision draws again.
    """
    device_code = crypto.generate_device_code()
    for _attempt in range(_USER_CODE_DRAWS):
        user_code = crypto.generate_user_code()
        now = timezone.now()
        try:
            with transaction.atomic():
                DeviceRequest.objects.filter(
                    user_code=user_code, status=DeviceStatus.PENDING, expires_at__lte=now
                ).update(status=DeviceStatus.EXPIRED)
                row = DeviceRequest.objects.create(
                    device_code_digest=crypto.digest(device_code),
                    user_code=user_code,
                    created_at=now,
                    expires_at=now + timedelta(seconds=app_settings.DEVICE_CODE_LIFETIME_SECONDS),
                    requester_ip=client.ip,
                    requester_user_agent=client.user_agent,
                )
        except IntegrityError:
            continue  # a live request holds this user code: draw again
        return row, device_code
    logger.error("ctfy_auth: %d user-code draws all collided", _USER_CODE_DRAWS)
    raise DeviceCodeUnavailable()


@dataclass(frozen=True, slots=True)
class DevicePoll:
    """What a poll answers: a status and, once, the session token's plaintext."""

    status: str
    token: str = ""


def poll(device_code: str, client: ClientInfo) -> DevicePoll:
    """The device's poll, in ctfy's order (wire §5); never raises for an unknown code.

    unknown → ``expired``; denied → ``denied``; past expiry → ``expired``;
    pending → ``pending``; approved → consume it (compare-and-set) and mint a
    ``pt_`` session for the approving person, recording the polling client's
    address → ``approved`` with the token; already consumed → ``expired``.
    """
    row = (
        DeviceRequest.objects.filter(device_code_digest=crypto.digest(device_code))
        .only("id", "status", "expires_at", "user_id")
        .first()
    )
    now = timezone.now()
    if row is None:
        return DevicePoll(DeviceStatus.EXPIRED)
    if row.status == DeviceStatus.DENIED:
        return DevicePoll(DeviceStatus.DENIED)
    if row.is_expired(now):
        return DevicePoll(DeviceStatus.EXPIRED)
    if row.status == DeviceStatus.PENDING:
        return DevicePoll(DeviceStatus.PENDING)
    if row.status != DeviceStatus.APPROVED:
        return DevicePoll(DeviceStatus.EXPIRED)  # consumed (or marked expired)
    User = get_user_model()
    with transaction.atomic():
        claimed = DeviceRequest.objects.filter(
            pk=row.pk, status=DeviceStatus.APPROVED, expires_at__gt=now
        ).update(status=DeviceStatus.CONSUMED, consumed_at=now)
        if claimed != 1:
            return DevicePoll(DeviceStatus.EXPIRED)  # another poll took it, or it just expired
        user = User.objects.filter(pk=row.user_id, is_active=True).first()
        if user is None:
            return DevicePoll(DeviceStatus.EXPIRED)  # the approver was deactivated since
        # A hand-over proves no password: the CLI's session starts with its sudo window closed.
        token, plaintext = sessions.mint_session(user, client, reauthenticated=False)
        DeviceRequest.objects.filter(pk=row.pk).update(token=token)
        User.objects.filter(pk=user.pk).update(last_login=now)
        send_on_commit(signals.user_logged_in, User, user=user, method="device")
    return DevicePoll(DeviceStatus.APPROVED, plaintext)


def decide(user: Any, user_code: str, *, approve: bool, client_ip: str) -> DeviceRequest:
    """Approve or deny a pending, unexpired request by its user code (compare-and-set).

    Anything else — malformed, unknown, expired, already decided — is one 404
    ``device_code_invalid`` and counts as a failed entry of ``user`` and of the
    client at ``client_ip``.
    """
    attempt = _spend_entry(user, client_ip)
    code = crypto.normalize_user_code(user_code)
    now = timezone.now()
    row = None
    if code is not None:
        with transaction.atomic():
            row = (
                DeviceRequest.objects.select_for_update()
                .filter(user_code=code, status=DeviceStatus.PENDING, expires_at__gt=now)
                .first()
            )
            if row is not None:
                row.status = DeviceStatus.APPROVED if approve else DeviceStatus.DENIED
                row.user = user
                row.decided_at = now
                row.save(update_fields=["status", "user", "decided_at"])
                signal = signals.device_approved if approve else signals.device_denied
                send_on_commit(signal, DeviceRequest, request=row, user=user)
    if row is None:
        _note_wrong_entry()
        raise DeviceCodeInvalid()
    attempt.refund()
    return row


def info(user: Any, user_code: str, *, client_ip: str) -> DeviceRequest:
    """The unexpired request this person may see under ``user_code``.

    A pending request is visible to any signed-in person (they are about to
    decide it); a decided one only to the person who decided it, so nobody can
    look at somebody else's approval. Anything else is 404 ``device_code_invalid``
    and counts as a failed entry of ``user`` and of the client at ``client_ip``.
    """
    attempt = _spend_entry(user, client_ip)
    code = crypto.normalize_user_code(user_code)
    row = None
    if code is not None:
        row = (
            DeviceRequest.objects.filter(user_code=code, expires_at__gt=timezone.now())
            .filter(Q(status=DeviceStatus.PENDING) | Q(user=user))
            .exclude(status=DeviceStatus.EXPIRED)
            .order_by("-created_at")
            .first()
        )
    if row is None:
        _note_wrong_entry()
        raise DeviceCodeInvalid(DeviceCodeInvalid.not_found_message)
    attempt.refund()
    return row


# --- failed user-code entries (RFC 8628 §5.1) ------------------------------------------------


def _spend_entry(user: Any, client_ip: str) -> Attempt:
    """Take one entry from the ``account`` and ``client`` budgets before the code is looked up.

    Incr-then-compare (:func:`ctfy_auth.throttling.spend`), so concurrent wrong
    entries never get more than the budget answered "wrong"; the caller refunds a
    right one. A user code is a guessable secret: with the cache unreachable this
    refuses with 503 ``rate_limit_unavailable`` rather than let guesses through.
    """
    limits = app_settings.DEVICE_FAILED_ENTRY_LIMITS
    budgets = [("device_entry_account", f"user:{user.pk}", limits.get("account") or "")]
    if client_ip:
        budgets.append(("device_entry_client", f"ip:{client_ip}", limits.get("client") or ""))
    return spend(budgets, message="Too many wrong device codes")


def _note_wrong_entry() -> None:
    """Count a wrong entry site-wide and log a warning once per window past ``global``.

    Alert-only: refusing everyone once the site-wide count is spent would let one
    client with a few accounts shut the approval step for every person.
    """
    rate = app_settings.DEVICE_FAILED_ENTRY_LIMITS.get("global")
    if not rate:
        return
    limit, period, unit = parse_rate(rate)
    try:
        count = count_in_window("device_wrong_entries", limit, period).count
    except Exception:
        logger.warning("ctfy_auth device failure counter unavailable", exc_info=True)
        return
    if count == limit + 1:
        logger.warning(
            "ctfy_auth: more than %d wrong device user codes in one %s site-wide "
            "(DEVICE_FAILED_ENTRY_LIMITS['global']); someone may be guessing codes",
            limit,
            unit,
        )
