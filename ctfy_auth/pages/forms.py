"""Forms of the device approval page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = ["DecisionForm", "SignInForm", "UserCodeForm"]


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class UserCodeForm(forms.Form):
    user_code = forms.CharField(
        label=_("Code shown by your device"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX",
            }
        ),
    )


class DecisionForm(UserCodeForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("deny", _("Deny"))])
