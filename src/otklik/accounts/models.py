"""People: users with their profile, organisations, support groups (competence areas), API tokens."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class Role(models.TextChoices):
    INITIATOR = "initiator", _("Initiator")
    AGENT = "agent", _("Support agent")
    LEAD = "lead", _("Group lead")
    MANAGER = "manager", _("Support manager")
    ADMIN = "admin", _("Administrator")


STAFF_ROLES = frozenset({Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN})


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def proven_address(address: str, verified: str) -> str:
    """The address if a code sent to it was confirmed (it is the one last verified), else "": the
    one rule for a phone or messenger address that notifications may use."""
    return address if address and address == verified else ""


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.INITIATOR)
    language = models.CharField(
        _("language"), max_length=5, choices=[("ru", "Русский"), ("en", "English")], default="ru"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    messenger = models.CharField(
        _("messenger address"),
        max_length=100,
        blank=True,
        help_text=_("Your chat or user id in the messenger the support service uses (e.g. a Telegram chat id)."),
    )
    # The phone and messenger address as last proven by a code sent to them (notify/verification.py):
    # an address is used for delivery only while it equals its verified value, so changing it, here
    # or in the admin, un-verifies it.
    phone_verified = models.CharField(_("verified phone"), max_length=32, blank=True, editable=False)
    messenger_verified = models.CharField(_("verified messenger address"), max_length=100, blank=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    sees_organisation_requests = models.BooleanField(
        _("sees the organisation's requests"),
        default=False,
        help_text=_("An initiator with this right sees every request of their organisation."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def verified_phone(self) -> str:
        """The phone if a code sent to it was confirmed, else ""."""
        return proven_address(self.phone, self.phone_verified)

    @property
    def verified_messenger(self) -> str:
        """The messenger address if a code sent to it was confirmed, else ""."""
        return proven_address(self.messenger, self.messenger_verified)

    @property
    def is_support_staff(self) -> bool:
        return self.is_superuser or self.role in STAFF_ROLES

    @property
    def is_manager(self) -> bool:
        """Support managers and administrators see and may do everything in support."""
        return self.is_superuser or self.role in (Role.MANAGER, Role.ADMIN)


class SupportGroup(models.Model):
    """A competence area: who handles which categories of requests."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_ru = models.CharField(_("name (ru)"), max_length=200)
    name_en = models.CharField(_("name (en)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    dispatcher = models.ForeignKey(
        User,
        verbose_name=_("dispatcher"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Is told of the group's new requests and receives them when they are assigned automatically; "
            "when empty, the first lead is."
        ),
    )
    # Off: a request that comes to the group waits in its unassigned queue until a member takes it
    # (the demo's groups work so); on: it goes straight to the dispatcher (or the first lead).
    auto_assign = models.BooleanField(
        _("assign new requests automatically"),
        default=True,
        help_text=_(
            "On: a request that comes to the group goes straight to its dispatcher (when empty, to the first "
            "lead). Off: it waits unassigned in the group's queue until a member takes it."
        ),
    )
    members = models.ManyToManyField(
        User, through="GroupMembership", related_name="support_groups", verbose_name=_("members")
    )
    calendar = models.ForeignKey(
        "sla.Calendar",
        verbose_name=_("working calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="groups",
        help_text=_("The group's working time for SLA clocks; when empty, the default calendar."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("support group")
        verbose_name_plural = _("support groups")
        ordering = ["code"]

    def __str__(self) -> str:
        from otklik.core.i18n import localized

        return localized(self, "name")

    def clean(self) -> None:
        if self.dispatcher_id and self.pk and not self.memberships.filter(user_id=self.dispatcher_id).exists():
            raise ValidationError({"dispatcher": _("The dispatcher must be a member of the group.")})


class GroupMembership(models.Model):
    group = models.ForeignKey(
        SupportGroup, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("support group")
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    is_lead = models.BooleanField(_("group lead"), default=False)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="uniq_group_member")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.group}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenScope(models.TextChoices):
    FULL = "", _("everything the person may do")
    NOTIFICATIONS = "notifications", _("reading notifications")


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    PREFIX = "otk_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("beginning of the token"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    integration = models.BooleanField(
        _("integration"),
        default=False,
        help_text=_("May put notifications in the queue for other people (POST /api/v1/notifications/enqueue)."),
    )
    scope = models.CharField(
        _("scope"),
        max_length=16,
        choices=TokenScope.choices,
        default=TokenScope.FULL,
        blank=True,
        help_text=_("A notifier's token may only read its person's notifications."),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user.username})"

    @classmethod
    def generate(cls) -> tuple[str, str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        return raw, hash_token(raw)


class NotifierPairing(models.Model):
    """A notifier signing in with a code the person confirms in the portal (a device-code flow).

    The notifier holds `secret` (only its hash is stored) and claims the token with it; the person
    sees and confirms `code`. One claim per pairing; it expires after a few minutes."""

    code = models.CharField(_("code"), max_length=8, db_index=True, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    device = models.CharField(_("device"), max_length=100, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("user")
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    token = models.ForeignKey(
        ApiToken, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("API token")
    )

    class Meta:
        verbose_name = _("notifier pairing")
        verbose_name_plural = _("notifier pairings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]} ({self.device})"
