"""Serializer fields that match the ctfy wire."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, validate_email
from rest_framework import serializers

from ctfy_auth.models.users import email_lookalike_problem, normalize_email
from ctfy_auth.services.accounts import check_password_length

__all__ = ["EmailAddressField", "PasswordField", "StrictCharField", "UTCDateTimeField"]


class StrictCharField(serializers.CharField):
    """A string, and only a string: numbers are not coerced (as pydantic's ``str``)."""

    default_error_messages = {"invalid": _("Input should be a valid string")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class UTCDateTimeField(serializers.DateTimeField):
    """ISO-8601 UTC with a ``Z`` suffix, whatever the host's ``TIME_ZONE``; ``null`` when absent."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", dt.UTC)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class EmailAddressField(StrictCharField):
    """An address as pydantic's ``EmailStr`` takes it (email-validator, no DNS), normalised.

    In :func:`~ctfy_auth.models.users.normalize_email`'s form (NFKC, lower-cased); look-alike
    addresses (:func:`~ctfy_auth.models.users.email_lookalike_problem`) are refused with the
    same ``invalid_email`` error as a malformed one.
    """

    default_error_messages = {
        "invalid": _("Input should be a valid string"),
        "invalid_email": _("value is not a valid email address: {reason}"),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        # NFKC before validating, so the address checked is the one stored (and looked up).
        value = normalize_email(super().to_internal_value(data))
        try:
            result = validate_email(value, check_deliverability=False)
        except EmailNotValidError as exc:
            self.fail("invalid_email", reason=str(exc))
        address = normalize_email(str(result.normalized))
        problem = email_lookalike_problem(address)
        if problem:
            self.fail("invalid_email", reason=problem)
        return address


class PasswordField(StrictCharField):
    """A password: never trimmed, never echoed, length bounds read from settings at call time.

    ``minimum`` is ``"setting"`` (``PASSWORD_MIN_LENGTH``) or a fixed number
    (login accepts any non-empty password up to the maximum).
    """

    default_error_messages = {
        "too_short": _("String should have at least {n} characters"),
        "too_long": _("String should have at most {n} characters"),
    }

    def __init__(self, *, minimum: int | str = "setting", **kwargs: Any) -> None:
        kwargs.setdefault("write_only", True)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("style", {"input_type": "password"})
        self.minimum = minimum
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        minimum = None if self.minimum == "setting" else int(self.minimum)
        try:
            check_password_length(value, minimum=minimum)
        except DjangoValidationError as exc:  # too_short / too_long, with the bound as n
            self.fail(str(exc.code), n=(exc.params or {})["n"])
        return value
