"""The notification queue: one row per message to deliver (written in the same transaction as the
change it reports: the transactional outbox), and one row per delivery attempt."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("in-app")
    EMAIL = "email", _("e-mail")
    TASK = "task", _("calendar task")
    SMS = "sms", _("SMS")
    MESSENGER = "messenger", _("messenger")
    WEBHOOK = "webhook", _("webhook")


class Importance(models.TextChoices):
    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class State(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    DEAD = "dead", _("dead")


class Notification(models.Model):
    # Stable across retries and workers: carriers and receivers deduplicate on it.
    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(_("event"), max_length=40)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("request"),
    )
    importance = models.CharField(_("importance"), max_length=8, choices=Importance.choices, default=Importance.NORMAL)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    context = models.JSONField(_("details"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    due_at = models.DateTimeField(_("next attempt"))
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            # The delivery service: due rows only (a partial index stays small however long the history).
            models.Index(fields=["due_at"], name="notif_due", condition=models.Q(state="pending")),
            # A user's inbox, newest first, and its unread count.
            models.Index(fields=["recipient", "channel", "-id"], name="notif_inbox"),
            models.Index(
                fields=["recipient"], name="notif_unread", condition=models.Q(channel="inapp", read_at__isnull=True)
            ),
            models.Index(fields=["ticket", "id"], name="notif_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id} ({self.channel}, {self.state})"


class Outcome(models.TextChoices):
    DELIVERED = "delivered", _("delivered")
    TRANSIENT = "transient", _("failed, will retry")
    PERMANENT = "permanent", _("failed for good")


class DeliveryAttempt(models.Model):
    """One try to hand a notification to its carrier, whatever came of it."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started"))
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    code = models.CharField(_("response code"), max_length=20, blank=True)
    response = models.CharField(_("response"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["notification", "id"]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.outcome}"


class Event(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("a new request for me")
    TICKET_MOVED = "ticket_moved", _("my request moved along its route")
    TICKET_ASSIGNED = "ticket_assigned", _("I became the executor")
    TICKET_COMMENT = "ticket_comment", _("a new comment")
    TICKET_NOTE = "ticket_note", _("a new internal note")
    SLA_WARNED = "sla_warned", _("a deadline is near")
    SLA_ESCALATED = "sla_escalated", _("a deadline was missed (escalation)")


class Preference(models.Model):
    """A user's choice for one event on one channel; without a row the default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    enabled = models.BooleanField(_("on"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "event", "channel"], name="uniq_notif_pref")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event} {self.channel} {'on' if self.enabled else 'off'}"
