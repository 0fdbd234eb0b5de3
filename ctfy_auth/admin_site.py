"""Django admin's login behind the limits of ``POST /auth/login``.

Django's admin login checks a password with no limit of its own. With the form
below it spends the same two counters as every other sign-in door of ctfy_auth:
the ``login`` rate per client (one counter shared with ``POST /auth/login`` and
the ``/device`` page) and the per-account ``password_check`` budget (shared with
password change and re-authentication too). A spent limit shows a form error and
checks no password; an unreachable throttle cache refuses the sign-in too (see
:mod:`ctfy_auth.throttling`). Either of these, in the host's ``urls.py``::

    from django.contrib import admin
    from ctfy_auth.admin_site import ThrottledAdminAuthenticationForm

    admin.site.login_form = ThrottledAdminAuthenticationForm

or, to make the whole default site the throttled one, an ``AdminConfig`` whose
``default_site = "ctfy_auth.admin_site.ThrottledAdminSite"`` in ``INSTALLED_APPS``
in place of ``"django.contrib.admin"``. Unknown and known usernames read and cost
the same: the budget is keyed on the normalised username (the email), whether
an account has it or not, and Django's ``ModelBackend`` hashes the password of
an unknown one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ctfy_auth.exceptions import RateLimited, RateLimitUnavailable
from ctfy_auth.services import accounts
from ctfy_auth.throttling import check_rate

__all__ = ["ThrottledAdminAuthenticationForm", "ThrottledAdminSite"]


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, counted against ``login`` and the account's ``password_check``."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "rate_limited": _("Too many sign-in attempts. Try again in %(seconds)s seconds."),
        "rate_limit_unavailable": _(
            "Signing in is unavailable for a moment. Try again in %(seconds)s seconds."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()
        try:
            if self.request is not None:
                check_rate(self.request, "login")
            attempt = accounts.password_attempt(email=str(username))
        except RateLimited as exc:
            code = (
                "rate_limit_unavailable"
                if isinstance(exc, RateLimitUnavailable)
                else "rate_limited"
            )
            raise ValidationError(
                self.error_messages[code], code=code, params={"seconds": exc.retry_after}
            ) from None
        try:
            return super().clean()
        finally:
            if self.user_cache is not None:  # the password was right: only wrong ones count
                attempt.refund()


class ThrottledAdminSite(admin.AdminSite):
    """An admin site whose login form is :class:`ThrottledAdminAuthenticationForm`."""

    login_form = ThrottledAdminAuthenticationForm
