"""Django admin for ctfy_auth: users, sign-in identities, tokens and device requests.

Access follows the role, as the REST admin API does (``api/views/admin.py``):
``admin`` may look, ``super_admin`` may also change. Django's model permissions
are not consulted for these four models, so ``role`` stays the one source of
privilege (``is_staff``/``is_superuser`` are derived from it too).

No page, column or form ever shows a secret or a digest: the token ``digest``
and the device ``device_code_digest`` are excluded everywhere, and the password
hash is only ever shown masked (:class:`~django.contrib.auth.forms.ReadOnlyPasswordHashField`).

Django admin is a browser-session surface: a bearer token never opens it
(:class:`~ctfy_auth.middleware.BearerTokenMiddleware` leaves admin views the Django
session's user). A Django session has no per-token sudo stamp, so the changes that
need the sudo window in the REST admin API — a role change (also a role above
``user`` on a person being added) and token revocation — need a sign-in of *this
session* within ``REAUTH_WINDOW_SECONDS`` here: every Django ``login()`` stamps its
session, and an operator whose stamp is older signs out and in again.

Hosts with their own user model (a subclass of ``AbstractCtfyUser``) reuse the
user admin with ``admin.site.register(MyUser, ctfy_auth.admin.UserAdmin)``;
Django skips ``ctfy_auth.User`` here when it is swapped out.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, identify_hasher
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ctfy_auth import scopes
from ctfy_auth.conf import app_settings
from ctfy_auth.constants import ADMIN_ROLES, Role, TokenKind
from ctfy_auth.exceptions import (
    CannotChangeOwnRole,
    CtfyError,
    SuperAdminRoleLocked,
    WeakPassword,
)
from ctfy_auth.models import DeviceRequest, DeviceStatus, Identity, ResourceAccess, Token, User
from ctfy_auth.models.tokens import TokenQuerySet
from ctfy_auth.models.users import normalize_email
from ctfy_auth.services import accounts as account_services
from ctfy_auth.services import admin as admin_services
from ctfy_auth.services import revocation

__all__ = [
    "SESSION_SIGNED_IN_AT",
    "DeviceRequestAdmin",
    "DeviceStatusFilter",
    "IdentityAdmin",
    "IdentityInline",
    "RoleAccessMixin",
    "TokenAdmin",
    "TokenStatusFilter",
    "UserAdmin",
    "UserChangeForm",
    "UserCreationForm",
    "VerifiedFilter",
    "signed_in_recently",
]

#: Session key: when this Django session last signed in (epoch seconds).
SESSION_SIGNED_IN_AT = "_ctfy_auth_signed_in_at"


# --- the session's proof of sign-in -----------------------------------------------------


@receiver(user_logged_in, dispatch_uid="ctfy_auth.admin.stamp_session_sign_in")
def _stamp_session_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kw: Any) -> None:
    """Every Django ``login()`` (a password, or whatever the host's backend proves) stamps it."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_SIGNED_IN_AT] = int(timezone.now().timestamp())


def signed_in_recently(request: HttpRequest) -> bool:
    """Whether this Django session signed in within ``REAUTH_WINDOW_SECONDS`` (the sudo window)."""
    stamp = getattr(request, "session", {}).get(SESSION_SIGNED_IN_AT)
    if not isinstance(stamp, int) or isinstance(stamp, bool):
        return False
    age = timezone.now().timestamp() - stamp
    return 0 <= age <= app_settings.REAUTH_WINDOW_SECONDS


def _sign_in_again_message() -> str:
    minutes = max(1, app_settings.REAUTH_WINDOW_SECONDS // 60)
    return str(
        ngettext(
            "Sign out and sign in again first: this needs a sign-in within the last minute.",
            "Sign out and sign in again first: this needs a sign-in within the last "
            "%(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes}
    )


# --- access -----------------------------------------------------------------------------


def _role(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_active:
        return None
    return getattr(user, "role", None)


class _RefusedChangeMixin:
    """A change that ctfy_auth refuses (a :class:`CtfyError`, e.g. 503 when the credential cache
    cannot record it) becomes an error message on the page, never a 500.

    Django admin runs each change in a transaction, so nothing of a refused change is kept.
    """

    message_user: Any

    def _refusing(self, view: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except CtfyError as exc:
            if request.method in ("GET", "HEAD"):
                raise
            detail = exc.detail.get("message") if isinstance(exc.detail, dict) else exc.detail
            self.message_user(request, _("Nothing was changed: %s") % detail, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return self._refusing(super().changeform_view, request, *args, **kwargs)  # type: ignore[misc]

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return self._refusing(super().changelist_view, request, *args, **kwargs)  # type: ignore[misc]

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        return self._refusing(super().delete_view, request, *args, **kwargs)  # type: ignore[misc]


class RoleAccessMixin(_RefusedChangeMixin):
    """Model-admin permissions from the role: ``admin`` views, ``super_admin`` views and edits.

    ``editable`` names what a super-admin may do here (``add``, ``change``,
    ``delete``); read-only admins narrow it. Override ``can_view()``/``can_edit()``
    to widen or narrow this in a subclass.
    """

    editable: frozenset[str] = frozenset({"add", "change", "delete"})

    def can_view(self, request: HttpRequest) -> bool:
        return _role(request) in ADMIN_ROLES

    def can_edit(self, request: HttpRequest) -> bool:
        return _role(request) == Role.SUPER_ADMIN

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.can_view(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can_view(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return "add" in self.editable and self.can_edit(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return "change" in self.editable and self.can_edit(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return "delete" in self.editable and self.can_edit(request)


class _ReadOnlyInline(RoleAccessMixin, admin.TabularInline):
    editable: frozenset[str] = frozenset()
    extra = 0
    can_delete = False
    show_change_link = True


def _changelist_link(model: type[Any], label: Any, **filters: Any) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), label)


# --- users ------------------------------------------------------------------------------


def _password_summary(encoded: str | None) -> str:
    """The hasher's masked summary (algorithm, parameters, first characters only)."""
    if not encoded or encoded.startswith(UNUSABLE_PASSWORD_PREFIX):
        return str(_("No password set."))
    try:
        hasher = identify_hasher(encoded)
    except ValueError:
        return str(_("Invalid password format or unknown hashing algorithm."))
    return ", ".join(f"{key}: {value}" for key, value in hasher.safe_summary(encoded).items())


class _PasswordRulesMixin:
    """ctfy's password rules (length bounds, common passwords, then Django's validators).

    Admin-set passwords obey the API's rules and stamp ``password_changed_at``,
    as the password services do. Shared by the add form and the password change form.
    """

    cleaned_data: dict[str, Any]
    errors: Any
    add_error: Any

    def validate_password_for_user(self, user: Any, **kwargs: Any) -> None:
        if not self.cleaned_data.get("set_usable_password"):
            return
        password = self.cleaned_data.get("password1")
        if not password or "password1" in self.errors or "password2" in self.errors:
            return
        try:
            account_services.check_password_length(password)
        except ValidationError as exc:
            self.add_error(
                "password1",
                ValidationError(
                    _("Use between %(low)d and %(high)d characters."),
                    code="password_length",
                    params={k: (exc.params or {})[k] for k in ("low", "high")},
                ),
            )
            return
        try:
            account_services.check_password_strength(password, user)
        except WeakPassword as exc:
            self.add_error("password1", ValidationError(str(exc.detail), code="weak_password"))

    def set_password_and_save(self, user: Any, commit: bool = True, **kwargs: Any) -> Any:
        user.password_changed_at = timezone.now()
        if user._state.adding or not commit:
            return super().set_password_and_save(user, commit=commit, **kwargs)  # type: ignore[misc]
        # An operator setting someone's password is a reset: the account may have been taken,
        # so every session and API token goes with the old password, in the same transaction.
        with transaction.atomic():
            saved = super().set_password_and_save(user, commit=True, **kwargs)  # type: ignore[misc]
            revocation.revoke_all(user)
        return saved


class UserCreationForm(_PasswordRulesMixin, auth_forms.AdminUserCreationForm):
    """Add a person: email (the login), name, a role below super-admin, a password or none.

    The password goes through ``set_password`` (the first of ``PASSWORD_HASHERS``:
    Argon2id in a correct install).
    """

    role = forms.ChoiceField(
        label=_("role"),
        choices=[(r, Role(r).label) for r in admin_services.ASSIGNABLE_ROLES],
        initial=Role.USER,
        help_text=_("Super-admins come from bootstrap or createsuperuser, never from here."),
    )

    #: Set per request by :class:`UserAdmin`: whether the session signed in recently.
    signed_in_recently: ClassVar[bool] = False

    class Meta:
        model = User
        fields = ("email", "display_name", "role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_role(self) -> str:
        role = str(self.cleaned_data["role"])
        if role != Role.USER and not self.signed_in_recently:
            raise ValidationError(_sign_in_again_message(), code="reauthentication_required")
        return role


class _PasswordChangeForm(_PasswordRulesMixin, auth_forms.AdminPasswordChangeForm):
    """Django's admin password form, with ctfy's rules."""


class UserChangeForm(auth_forms.UserChangeForm):
    """Edit a person. Role changes follow :func:`ctfy_auth.services.admin.change_role`'s rules.

    ``actor`` (the signed-in operator) is set by :class:`UserAdmin`; the checks
    here give form errors, and the service applies the change under a row lock.
    """

    actor: ClassVar[Any] = None
    #: Set per request by :class:`UserAdmin`: whether the session signed in recently.
    signed_in_recently: ClassVar[bool] = False

    class Meta:
        model = User
        fields = "__all__"
        field_classes: ClassVar[dict[str, Any]] = {}

    def clean_role(self) -> str:
        role = str(self.cleaned_data["role"])
        current = self.initial.get("role")
        if self.instance.pk is None or role == current:
            return role
        if self.actor is not None and self.instance.pk == self.actor.pk:
            raise ValidationError(CannotChangeOwnRole.default_detail, code="own_role")
        if current == Role.SUPER_ADMIN:
            raise ValidationError(SuperAdminRoleLocked.default_detail, code="super_admin_locked")
        if role not in admin_services.ASSIGNABLE_ROLES:
            raise ValidationError(
                _("Super-admins come from bootstrap or createsuperuser, never from here."),
                code="unassignable_role",
            )
        if not self.signed_in_recently:
            raise ValidationError(_sign_in_again_message(), code="reauthentication_required")
        return role

    def clean_is_active(self) -> bool:
        active = bool(self.cleaned_data["is_active"])
        if (
            not active
            and self.actor is not None
            and self.instance.pk == self.actor.pk
            and self.initial.get("is_active")
        ):
            raise ValidationError(_("You cannot deactivate your own account."), code="own_account")
        return active


class VerifiedFilter(admin.SimpleListFilter):
    title = _("email verified")
    parameter_name = "verified"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(email_verified_at__isnull=self.value() == "no")
        return queryset


class IdentityInline(_ReadOnlyInline):
    model = Identity
    fields = ("provider", "login", "email", "created_at", "last_used_at")
    readonly_fields = fields
    ordering = ("provider", "created_at")


@admin.register(User)
class UserAdmin(RoleAccessMixin, auth_admin.UserAdmin):
    """People. The email is the login; ``role`` decides admin rights (shown, edited under rules).

    Built on Django's ``UserAdmin`` for the add flow and the password change
    view (``<id>/password/``). The password hash is shown masked, never in full.
    """

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = _PasswordChangeForm
    list_display = (
        "email",
        "display_name",
        "role",
        "verified",
        "is_active",
        "created_at",
        "last_login",
    )
    list_filter = ("role", "is_active", VerifiedFilter)
    search_fields = ("email", "display_name", "id")
    ordering = ("-created_at",)
    filter_horizontal = ("groups", "user_permissions")
    readonly_fields = (
        "id",
        "password_summary",
        "password_changed_at",
        "last_login",
        "created_at",
        "updated_at",
        "credentials",
    )
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        (_("Profile"), {"fields": ("display_name", "avatar_url")}),
        (
            _("Access"),
            {
                "fields": ("role", "is_active", "email_verified_at"),
                "description": _(
                    "The role decides Django admin access: admins may look, super-admins may "
                    "also change. You cannot change your own role, and a super-admin's role "
                    "is locked."
                ),
            },
        ),
        (_("Sign-in"), {"fields": ("credentials", "password_changed_at", "last_login")}),
        (
            _("Django permissions (host apps only)"),
            {"classes": ("collapse",), "fields": ("groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "display_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    inlines = (IdentityInline,)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # Addresses are stored NFKC-normalised: a look-alike spelling finds the same person.
        term = normalize_email(search_term)
        return super().get_search_results(request, queryset, term)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # A per-request subclass: the form's rules need to know who is acting, and whether
        # the session's sign-in is recent enough for a role change.
        attrs = {"actor": request.user, "signed_in_recently": signed_in_recently(request)}
        return type(form.__name__, (form,), attrs)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        # Setting someone's password signs them out everywhere: like a role change, it needs a
        # recent sign-in of this Django session.
        if request.method == "POST" and not signed_in_recently(request):
            self.message_user(request, _sign_in_again_message(), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return self._refusing(super().user_change_password, request, id, form_url)

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # A person being added has no identities yet.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # View-only pages render fields without their form widget, which would print the
        # stored hash in full: show the masked summary instead.
        return [
            (
                name,
                {
                    **opts,
                    "fields": tuple(
                        "password_summary" if f == "password" else f for f in opts["fields"]
                    ),
                },
            )
            for name, opts in fieldsets
        ]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change or "role" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        new_role, obj.role = obj.role, form.initial["role"]
        super().save_model(request, obj, form, change)
        try:
            obj.role = admin_services.change_role(request.user, obj.pk, new_role).role
        except CtfyError as exc:  # a concurrent change since the form was checked
            self.message_user(request, str(exc.detail), messages.ERROR)

    @admin.display(description=_("verified"), boolean=True, ordering="email_verified_at")
    def verified(self, obj: Any) -> bool:
        return obj.email_verified_at is not None

    @admin.display(description=_("password"))
    def password_summary(self, obj: Any) -> str:
        return _password_summary(obj.password)

    @admin.display(description=_("credentials"))
    def credentials(self, obj: Any) -> str:
        if obj.pk is None:
            return "-"
        tokens = Token.objects.filter(user=obj)
        total, live = tokens.count(), tokens.live().count()
        identities = Identity.objects.filter(user=obj).count()
        return format_html_join(
            " · ",
            "{}",
            [
                (
                    _changelist_link(
                        Token,
                        ngettext(
                            "%(n)d token (%(live)d live)", "%(n)d tokens (%(live)d live)", total
                        )
                        % {"n": total, "live": live},
                        user__id__exact=obj.pk,
                    ),
                ),
                (
                    _changelist_link(
                        Identity,
                        ngettext("%(n)d identity", "%(n)d identities", identities)
                        % {"n": identities},
                        user__id__exact=obj.pk,
                    ),
                ),
                (
                    _changelist_link(
                        DeviceRequest, _("device requests decided"), user__id__exact=obj.pk
                    ),
                ),
            ],
        )


# --- identities -------------------------------------------------------------------------


@admin.register(Identity)
class IdentityAdmin(RoleAccessMixin, admin.ModelAdmin):
    """Sign-in identities. Read-only: they come from the providers; a super-admin may delete one.

    Deleting an identity unlinks that provider account (the person can link it
    again by signing in with it); it does not check for the last way in, as the
    self-service unlink does: an operator may mean to lock someone out.
    """

    editable: frozenset[str] = frozenset({"delete"})

    list_display = (
        "provider",
        "provider_user_id",
        "email",
        "login",
        "display_name",
        "user",
        "created_at",
        "last_used_at",
    )
    list_filter = ("provider",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    search_fields = ("=id", "provider_user_id", "email", "login", "display_name", "user__email")
    ordering = ("-created_at",)
    fields = (
        "id",
        "user",
        "provider",
        "provider_user_id",
        "email",
        "email_verified",
        "login",
        "display_name",
        "avatar_url",
        "created_at",
        "last_used_at",
    )

    def delete_model(self, request: HttpRequest, obj: Identity) -> None:
        admin_services.delete_identities([obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Identity]) -> None:
        admin_services.delete_identities(queryset)


# --- tokens -----------------------------------------------------------------------------


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def _permissions_text(token: Token) -> str:
    """``"challenges: read, submissions: write"``: catalog order, ``none`` left out."""
    if token.kind != TokenKind.API_TOKEN:
        return str(_("whole account (session)"))
    granted = [f"{k}: {level}" for k, level in scopes.dense(token.permissions).items()]
    granted = [g for g in granted if not g.endswith(": none")]
    return ", ".join(granted) or str(_("no permissions"))


def _resources_text(token: Token) -> str:
    """``"all competitions"``, ``"selected: ctf-2026, quals"`` or ``"no competitions"``."""
    if token.kind != TokenKind.API_TOKEN:
        return str(_("whole account (session)"))
    plural = _plural(app_settings.RESOURCE_TYPE)
    if token.resource_access == ResourceAccess.ALL:
        return f"all {plural}"
    if token.resource_access == ResourceAccess.SELECTED and token.resource_ids:
        return "selected: " + ", ".join(str(i) for i in token.resource_ids)
    return f"no {plural}"


class TokenStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("live", _("Live")), ("expired", _("Expired")), ("revoked", _("Revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The statuses of Token.status(), selected by the model's own queries.
        tokens = cast("TokenQuerySet", queryset)
        match self.value():
            case "live":
                return tokens.live()
            case "expired":
                return tokens.expired()
            case "revoked":
                return tokens.revoked()
        return queryset


@admin.register(Token)
class TokenAdmin(RoleAccessMixin, admin.ModelAdmin):
    """Session and API tokens, without their digests. Read-only, with a revoke action.

    No "add": a token is minted through the API or ``manage.py
    ctfy_auth_create_token``, which are the only places its plaintext is shown.
    No "delete" either: revocation is the operator's action (it is immediate and
    keeps the row, so a leaked secret stays traceable), and the
    ``ctfy_auth_purge_tokens`` command deletes dead rows after the retention.
    """

    editable: frozenset[str] = frozenset()

    list_display = (
        "id",
        "kind",
        "label",
        "user",
        "status",
        "permissions_summary",
        "resources_summary",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "ip_address",
    )
    list_filter = ("kind", TokenStatusFilter, "resource_access")
    list_select_related = ("user",)
    raw_id_fields = ("user", "rotated_from")
    search_fields = ("=id", "label", "user__email")
    ordering = ("-created_at",)
    exclude = ("digest",)
    fields = (
        "id",
        "user",
        "kind",
        "label",
        "status",
        "permissions_summary",
        "resources_summary",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "reauthenticated_at",
        "ip_address",
        "user_agent",
        "rotated_from",
    )
    actions = ("revoke_selected",)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        extra_context = {
            **(extra_context or {}),
            "subtitle": _(
                "Tokens are minted through the API or manage.py ctfy_auth_create_token; "
                "revoke them here."
            ),
        }
        return super().changelist_view(request, extra_context)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return self.can_edit(request)

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[Token]) -> None:
        if not signed_in_recently(request):
            self.message_user(request, _sign_in_again_message(), messages.ERROR)
            return
        ids = list(queryset.values_list("pk", flat=True))
        count = admin_services.revoke_tokens(ids, by=request.user)
        self.message_user(
            request,
            ngettext("Revoked %(n)d token.", "Revoked %(n)d tokens.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.display(description=_("status"))
    def status(self, obj: Token) -> str:
        return obj.status()

    @admin.display(description=_("permissions"))
    def permissions_summary(self, obj: Token) -> str:
        return _permissions_text(obj)

    @admin.display(description=_("resources"))
    def resources_summary(self, obj: Token) -> str:
        return _resources_text(obj)


# --- device requests --------------------------------------------------------------------

_HYPHENATED_CODE = re.compile(r"[A-Za-z0-9]{4}-[A-Za-z0-9]{4}")


class DeviceStatusFilter(admin.SimpleListFilter):
    """The status people see: a pending request past its expiry counts as expired."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(DeviceStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value, now = self.value(), timezone.now()
        if value == DeviceStatus.PENDING:
            return queryset.filter(status=DeviceStatus.PENDING, expires_at__gt=now)
        if value == DeviceStatus.EXPIRED:
            return queryset.filter(
                Q(status=DeviceStatus.EXPIRED) | Q(status=DeviceStatus.PENDING, expires_at__lte=now)
            )
        if value in DeviceStatus.values:
            return queryset.filter(status=value)
        return queryset


@admin.register(DeviceRequest)
class DeviceRequestAdmin(RoleAccessMixin, admin.ModelAdmin):
    """Device-authorization requests; read-only (the flow and the purge command own them)."""

    editable: frozenset[str] = frozenset()

    list_display = (
        "user_code_display",
        "public_status",
        "requester_ip",
        "requester_user_agent",
        "created_at",
        "expires_at",
        "decided_at",
        "consumed_at",
        "user",
    )
    list_filter = (DeviceStatusFilter,)
    list_select_related = ("user",)
    raw_id_fields = ("user", "token")
    search_fields = ("=user_code", "user__email", "requester_ip")
    ordering = ("-created_at",)
    exclude = ("device_code_digest",)
    fields = ("id", *list_display, "token")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # People read codes as XXXX-XXXX; they are stored without the hyphen.
        term = search_term.strip()
        if _HYPHENATED_CODE.fullmatch(term):
            term = term.replace("-", "")
        return super().get_search_results(request, queryset, term)

    @admin.display(description=_("user code"), ordering="user_code")
    def user_code_display(self, obj: DeviceRequest) -> str:
        return obj.display_user_code

    @admin.display(description=_("status"), ordering="status")
    def public_status(self, obj: DeviceRequest) -> str:
        return obj.public_status()
