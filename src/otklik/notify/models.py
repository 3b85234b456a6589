"""The notification queue: one row per message to deliver (written in the same transaction as the
change it reports: the transactional outbox), and one row per delivery attempt."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    INAPP = "inapp", _("in-app")
    EMAIL = "email", _("e-mail")
    TASK = "task", _("calendar task")
    SMS = "sms", _("SMS")
    MESSENGER = "messenger", _("messenger")
    WEBHOOK = "webhook", _("webhook")


class Importance(models.TextChoices):
    """What each level means, and which events have which: importance.py."""

    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class State(models.TextChoices):
    PENDING = "pending", _("pending")
    # Waiting for the recipient's digest: the digest job gathers these into one message.
    HELD = "held", _("held for a digest")
    DELIVERED = "delivered", _("delivered")
    DIGESTED = "digested", _("sent in a digest")
    DEAD = "dead", _("dead")


# Channels whose messages go through carriers managed in the admin (several per channel, tried in
# priority order). E-mail and calendar tasks use the server's mail settings (OTKLIK_EMAIL_URL).
CARRIER_CHANNELS = ("sms", "messenger", "webhook")


class Carrier(models.Model):
    """One way to deliver a channel's messages: an SMS gateway, a messenger bot, a webhook endpoint.
    `settings` holds the address and its secrets; it is never shown back (admin, API, logs)."""

    class Driver(models.TextChoices):
        APPRISE = "apprise", _("Apprise URL")
        WEBHOOK = "webhook", _("signed JSON webhook")
        # Sends nothing: each message becomes one line in the server's log (channels/messaging.py).
        LOG = "log", _("development gateway: writes to the log, sends nothing")

    name = models.CharField(_("name"), max_length=100, unique=True)
    channel = models.CharField(
        _("channel"),
        max_length=12,
        choices=[(c.value, c.label) for c in Channel if c.value in CARRIER_CHANNELS],
    )
    driver = models.CharField(_("driver"), max_length=12, choices=Driver.choices)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=10, help_text=_("Lower first; the next one takes over when a carrier fails.")
    )
    max_attempts = models.PositiveSmallIntegerField(_("max attempts"), default=5)
    backoff_base_seconds = models.PositiveIntegerField(_("back-off: first pause, s"), default=30)
    backoff_cap_seconds = models.PositiveIntegerField(_("back-off: longest pause, s"), default=3600)
    backoff_jitter = models.FloatField(
        _("back-off: jitter"), default=0.5, help_text=_("The share of each pause that is random, 0 to 1.")
    )
    timeout_seconds = models.PositiveSmallIntegerField(_("timeout, s"), default=10)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("rate limit, messages per minute"), default=0, help_text=_("0: no limit.")
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["channel", "priority", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.channel})"


class Notification(models.Model):
    # Stable across retries and workers: carriers and receivers deduplicate on it.
    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(_("event"), max_length=40)
    # Empty for messages to systems (webhooks), which go to the channel's carriers, not to a person.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
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
    html = models.TextField(_("HTML text"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    # In-app rows: the subject and text in the site's other languages, {"en": {"subject": …,
    # "body": …}}, rendered with the row (outbox.py), so the inbox shows each notification in the
    # language its reader reads in now (`words`). Empty for older rows, for words another system
    # gave (the same in every language) and for other channels: an e-mail stays as it was sent.
    texts = models.JSONField(_("in other languages"), default=dict, blank=True)
    context = models.JSONField(_("details"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The carrier now in charge (channels with carriers) and how many times it has tried this row.
    carrier = models.ForeignKey(
        Carrier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("carrier")
    )
    carrier_attempts = models.PositiveSmallIntegerField(_("attempts by this carrier"), default=0)
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="digested", verbose_name=_("digest")
    )
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
            # The bell's count and the unread inbox, newest first: with the recipient alone,
            # someone with tens of thousands unread had them all read and sorted for one page.
            models.Index(
                fields=["recipient", "-id"],
                name="notif_unread_newest",
                condition=models.Q(channel="inapp", read_at__isnull=True),
            ),
            models.Index(fields=["ticket", "id"], name="notif_ticket"),
            # The digest job: held rows by when their digest is due.
            models.Index(fields=["due_at"], name="notif_held", condition=models.Q(state="held")),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.recipient_id} ({self.channel}, {self.state})"

    def words(self, language: str | None) -> tuple[str, str]:
        """(subject, text) in the language when the row has them in it, else as stored."""
        entry = (self.texts or {}).get((language or "").split("-")[0].lower()) if self.texts else None
        if isinstance(entry, dict):
            subject, body = entry.get("subject"), entry.get("body")
            if isinstance(subject, str) and isinstance(body, str):
                return subject, body
        return self.subject, self.body


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
        # A carrier's rate limit counts its attempts of the last minute.
        indexes = [models.Index(fields=["carrier", "started_at"], name="notif_attempt_carrier")]

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
    TICKET_CHANGED = "ticket_changed", _("a request's priority, category or group changed")
    LOGIN_SUMMARY = "login_summary", _("on login: what awaits my reaction")
    TASK = "task", _("calendar task for a request I execute")
    SURVEY_REQUESTED = "survey_requested", _("please rate how my request was handled")
    SURVEY_REMINDED = "survey_reminded", _("a reminder to rate a request")
    SURVEY_LOW_SCORE = "survey_low_score", _("a low satisfaction score in my group")
    COMPLAINT_FILED = "complaint_filed", _("a new complaint")
    COMPLAINT_REVIEW = "complaint_review", _("my complaint was taken under review")
    COMPLAINT_ANSWERED = "complaint_answered", _("my complaint was answered")
    COMPLAINT_OVERDUE = "complaint_overdue", _("a complaint was not handled in time")
    QUALITY_MONTHLY = "quality_monthly", _("the monthly quality report")
    REGULATION_SCHEDULED = "regulation_scheduled", _("a new edition of the service regulation is announced")
    REGULATION_IN_FORCE = "regulation_in_force", _("a new edition of the service regulation is in force")


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


class Rule(models.Model):
    """Who hears of an event, and through which channels: event × conditions → recipients →
    channels. Every matching rule applies; a person gets each channel once."""

    name = models.CharField(_("name"), max_length=100)
    # «Включено»: the word agrees with «правило» (a carrier, «шлюз», is «включён»).
    enabled = models.BooleanField(pgettext_lazy("notification rule", "enabled"), default=True)
    event = models.CharField(
        _("event"),
        max_length=40,
        help_text=_("One of the help desk's events, or the event name another system queues."),
    )
    request_types = models.ManyToManyField(
        "catalog.RequestType", blank=True, verbose_name=_("request types"), help_text=_("Empty: any.")
    )
    priorities = models.ManyToManyField(
        "catalog.Priority", blank=True, verbose_name=_("priorities"), help_text=_("Empty: any.")
    )
    groups = models.ManyToManyField(
        "accounts.SupportGroup", blank=True, verbose_name=_("support groups"), help_text=_("Empty: any.")
    )
    fields = models.JSONField(
        _("changed fields"),
        default=list,
        blank=True,
        help_text=_("For changes of a request: which fields (priority, category, group); empty: any of them."),
    )
    to_addressed = models.BooleanField(
        _("the people the event names"),
        default=False,
        help_text=_(
            "The new executor, the escalation's people, the recipients another system named, the user logging in."
        ),
    )
    to_initiator = models.BooleanField(_("the initiator"), default=False)
    to_executor = models.BooleanField(_("the executor"), default=False)
    to_group_members = models.BooleanField(_("the group's members"), default=False)
    to_group_lead = models.BooleanField(_("the group's lead"), default=False)
    to_group_dispatcher = models.BooleanField(_("the group's dispatcher"), default=False)
    to_watchers = models.BooleanField(_("the watchers"), default=False)
    roles = models.JSONField(_("everyone with the roles"), default=list, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("named people")
    )
    channels = models.JSONField(_("channels"), default=list)
    mandatory = models.BooleanField(
        _("mandatory"), default=False, help_text=_("People cannot switch these notifications off.")
    )
    importance = models.CharField(
        _("importance"),
        max_length=8,
        choices=Importance.choices,
        blank=True,
        help_text=_(
            "Empty: the event's own (a missed deadline critical, a complaint high, a change low, the rest normal;"
            " high on a request of critical priority). Low-importance notifications go into digests."
        ),
    )
    staff_only = models.BooleanField(
        _("support staff only"), default=False, help_text=_("Leave out recipients who are not support staff.")
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("notification rule")
        verbose_name_plural = _("notification rules")
        ordering = ["event", "id"]

    def __str__(self) -> str:
        return self.name


class Template(models.Model):
    """The text of one event on one channel in one language (Django template syntax). Without a
    row, the built-in text is used."""

    event = models.CharField(_("event"), max_length=40)
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, blank=True, help_text=_("Empty: every channel.")
    )
    language = models.CharField(_("language"), max_length=5, choices=[("ru", "Русский"), ("en", "English")])
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    html = models.TextField(_("HTML text (e-mail)"), blank=True, help_text=_("Empty: made from the text."))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["event", "channel", "language"]
        constraints = [models.UniqueConstraint(fields=["event", "channel", "language"], name="uniq_notif_template")]

    def __str__(self) -> str:
        return f"{self.event} / {self.channel or '*'} / {self.language}"


class Digest(models.TextChoices):
    OFF = "", _("no digest")
    HOURLY = "hourly", _("hourly")
    DAILY = "daily", _("daily")


class TaskForm(models.TextChoices):
    """How the calendar task reaches a person's calendar: a to-do (VTODO) or an event at the
    deadline (VEVENT: desktop Outlook ignores a VTODO sent by mail)."""

    TODO = "todo", _("a task (to-do)")
    EVENT = "event", _("an event at the deadline")


class Schedule(models.Model):
    """A person's quiet hours and digest. In quiet hours messages to e-mail, SMS and messengers wait
    for their end (critical ones do not); low-importance ones are gathered into a digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_schedule"
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    digest = models.CharField(_("digest"), max_length=8, choices=Digest.choices, default=Digest.OFF, blank=True)
    digest_time = models.TimeField(_("daily digest at"), default=dt.time(9, 0))
    task_form = models.CharField(
        _("calendar task as"), max_length=8, choices=TaskForm.choices, default=TaskForm.TODO, blank=True
    )

    class Meta:
        verbose_name = _("notification schedule")
        verbose_name_plural = _("notification schedules")

    def __str__(self) -> str:
        return f"{self.user_id}"


class AddressCheck(models.Model):
    """A one-time code sent to a person's own phone (SMS) or messenger address, to prove it is
    theirs before anything else is sent there (notify/verification.py). Only a hash of the code is
    kept; a check is closed when the code is confirmed, expires, is tried too often or replaced."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(
        _("channel"), max_length=12, choices=[(c.value, c.label) for c in Channel if c in ("sms", "messenger")]
    )
    address = models.CharField(_("phone or messenger address"), max_length=100)
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("address check")
        verbose_name_plural = _("address checks")
        indexes = [models.Index(fields=["user", "channel", "sent_at"], name="address_check_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}"
