"""The user model: an abstract base for host projects plus the concrete default."""

from __future__ import annotations

import unicodedata
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctfy_auth.constants import ADMIN_ROLES, Role
from ctfy_auth.models._ids import new_id
from ctfy_auth.models.querysets import AnnouncedUpdateQuerySet

__all__ = [
    "AbstractCtfyUser",
    "RegistrationLock",
    "User",
    "UserManager",
    "email_lookalike_problem",
    "normalize_email",
]


def normalize_email(email: str) -> str:
    """Emails are the login: stored in one form, so one address cannot be spelt two ways.

    NFKC first (fullwidth letters become ASCII ones, the ``fi`` ligature ``fi``), then stripped and
    lower-cased, the whole address as ctfy does. Every door that takes an address (register,
    sign-in, provider sign-in, admin search, commands) looks it up in this form.
    """
    text = unicodedata.normalize("NFKC", email or "").strip().lower()
    return unicodedata.normalize("NFKC", text)  # lower() may leave a non-NFKC sequence


#: Letters that pass for ``i``/``j`` once the dot is dropped or added: dotless i and j (U+0131,
#: U+0237), and the combining dot (U+0307) that a dotted capital I (U+0130) leaves on ``i``.
_DOT_LOOKALIKES = frozenset({"\u0131", "\u0237", "\u0307"})
#: Scripts that may share one label (Unicode TR39 "highly restrictive": Japanese, Chinese and
#: Korean writing mix Han with their own scripts and with Latin).
_SCRIPT_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)


def _script(letter: str) -> str:
    word = unicodedata.name(letter, "UNKNOWN").split(" ", 1)[0]
    return "HAN" if word == "CJK" else word


def _mixes_scripts(part: str) -> bool:
    scripts = {_script(ch) for ch in part if unicodedata.category(ch).startswith("L")}
    scripts.discard("KATAKANA-HIRAGANA")  # the prolonged sound mark, common to both
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in _SCRIPT_MIXES)


def email_lookalike_problem(email: str) -> str | None:
    """Why a normalised address could pass for another one (a reason to refuse it), or ``None``.

    Refused: a dotless or dotted ``i`` (U+0131, U+0130; also U+0237) in the part before the
    ``@``, and a label (a dot-separated part) mixing scripts, such as a Cyrillic ``a`` (U+0430)
    in ``example.com``. NFKC (:func:`normalize_email`) already folds fullwidth and other
    compatibility forms.
    """
    local, _, domain = email.rpartition("@")
    if _DOT_LOOKALIKES & set(local):
        return "the part before the @-sign has a dotless or dotted i, a look-alike of i"
    if any(_mixes_scripts(atom) for atom in local.split(".")):
        return "the part before the @-sign mixes scripts, as look-alike addresses do"
    if any(_mixes_scripts(label) for label in domain.split(".")):
        return "a label of the domain mixes scripts, as look-alike domains do"
    return None


class UserQuerySet(AnnouncedUpdateQuerySet["AbstractCtfyUser"]):
    """Users; ``update()`` is announced (the credential cache forgets their tokens)."""


class UserManager(BaseUserManager["AbstractCtfyUser"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def get_by_natural_key(self, username: str | None) -> AbstractCtfyUser:
        return self.get(email=normalize_email(username or ""))

    def _create(self, email: str, password: str | None, **fields: Any) -> AbstractCtfyUser:
        user = self.model(email=normalize_email(email) or None, **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude={"password"}, validate_unique=False, validate_constraints=False)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **fields: Any
    ) -> AbstractCtfyUser:
        fields.setdefault("role", Role.USER)
        return self._create(email, password, **fields)

    def create_superuser(
        self, email: str, password: str | None = None, **fields: Any
    ) -> AbstractCtfyUser:
        fields["role"] = Role.SUPER_ADMIN
        return self._create(email, password, **fields)


class AbstractCtfyUser(AbstractBaseUser, PermissionsMixin):
    """A person. The email is the login; the role decides admin rights.

    Host projects set ``AUTH_USER_MODEL = "ctfy_auth.User"`` or to a subclass of
    this class. ``is_staff``/``is_superuser`` are derived from ``role`` so there
    is one source of truth for privilege.
    """

    id = models.CharField(primary_key=True, max_length=32, default=new_id, editable=False)
    # NULL (not "") for accounts without an address, so uniqueness holds for the rest.
    email = models.EmailField(_("email"), max_length=254, unique=True, null=True, blank=True)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    avatar_url = models.CharField(_("avatar URL"), max_length=2048, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.USER)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive accounts are refused at once, with every credential they hold."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Derived from ``role``; overriding PermissionsMixin's field with a property
    # removes the column, so privilege cannot drift from the role. Read-only on purpose
    # (set ``role`` instead), hence the deliberate override of a writable attribute.
    @property
    def is_superuser(self) -> bool:  # type: ignore[override]
        return bool(self.is_active and self.role == Role.SUPER_ADMIN)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        abstract = True
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                Lower("email"),
                name="%(app_label)s_%(class)s_email_ci_unique",
                violation_error_message=_("A user with this email already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.display_name or self.id

    @property
    def is_staff(self) -> bool:
        """Django admin access follows the role."""
        return self.is_active and self.role in ADMIN_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email or "") or None
        problem = email_lookalike_problem(self.email or "")
        if problem:
            raise ValidationError({"email": _("Not accepted: %s.") % problem}, code="invalid")

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email(self.email or "") or None
        super().save(*args, **kwargs)

    def get_full_name(self) -> str | None:
        return self.display_name or self.email

    def get_short_name(self) -> str | None:
        return self.display_name or self.email


class User(AbstractCtfyUser):
    class Meta(AbstractCtfyUser.Meta):
        swappable = "AUTH_USER_MODEL"
        db_table = "ctfy_auth_user"


class RegistrationLock(models.Model):
    """A single row that password registrations lock while they decide the first user.

    ``SELECT ... FOR UPDATE`` on it serialises "is anyone here yet?" with the
    insert that follows, so two concurrent first registrations yield exactly
    one ``super_admin`` (see ``services.accounts.register``).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    class Meta:
        verbose_name = _("registration lock")

    def __str__(self) -> str:
        return "registration lock"
