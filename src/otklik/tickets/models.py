"""Requests (tickets), their append-only per-stage log, watchers and attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from otklik.core.appendonly import AppendOnly
from otklik.routes.models import ReactionKind

from . import kinds


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=24, unique=True)
    request_type = models.ForeignKey(
        "catalog.RequestType", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("type")
    )
    seq = models.PositiveBigIntegerField(_("number within the type"))
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    fields = models.JSONField(_("form fields"), default=dict, blank=True)
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="initiated_tickets",
        verbose_name=_("initiator"),
        db_index=False,  # ticket_initiator_id and ticket_initiator_filed both lead with it
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("organisation"),
    )
    category = models.ForeignKey(
        "catalog.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("category"),
    )
    priority = models.ForeignKey(
        "catalog.Priority", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("priority")
    )
    group = models.ForeignKey(
        "accounts.SupportGroup", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("support group")
    )
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="executed_tickets",
        verbose_name=_("current executor"),
        db_index=False,  # ticket_executor_id and ticket_open_executor lead with it
    )
    point = models.ForeignKey(
        "routes.RoutePoint", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("route point")
    )
    is_open = models.BooleanField(_("open"), default=True)
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Watcher", related_name="watched_tickets", verbose_name=_("watchers")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # Number and subject, case-folded in Python: SQLite's LIKE folds only ASCII, so a
    # Cyrillic search must compare text that is already folded, on both databases.
    search = models.CharField(max_length=240, blank=True, default="", editable=False)
    # SLA, denormalised from the request's clocks so lists filter and sort in SQL: the earliest
    # deadline and warning instant of the running clocks, whether any target was breached, and
    # the next instant the timer worker must look at this request (null: nothing pending).
    sla_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    sla_warn_at = models.DateTimeField(_("next warning"), null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)
    sla_next_at = models.DateTimeField(_("next check of the deadlines"), null=True, blank=True)
    # A resolved request waiting for its initiator's confirmation closes by itself at this instant
    # (the type's confirmation period in working days, counted in the group's calendar).
    auto_close_at = models.DateTimeField(_("closes automatically"), null=True, blank=True)
    regulation_version = models.ForeignKey(
        "regulation.Version",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("regulation version"),
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["request_type", "seq"], name="uniq_ticket_type_seq")]
        indexes = [
            # Keyset lists: every filter pairs with id for "WHERE f = x AND id < cursor ORDER BY id DESC".
            models.Index(fields=["initiator", "-id"], name="ticket_initiator_id"),
            # The portal's "My requests", newest filed first: a page is its first rows, not a sort
            # of all the person's requests; with the point, the count of those awaiting the person
            # reads the index alone.
            models.Index(fields=["initiator", "-created_at", "-id"], include=["point"], name="ticket_initiator_filed"),
            models.Index(fields=["executor", "-id"], name="ticket_executor_id"),
            # «Назначенные мне» (the agent's first queue), newest first: an executor's old open
            # requests lie far down the id order, so without it the planner walked the whole table
            # backwards (22,000 rows for 26 on the bench: 10–14 ms; with it, 26 index entries).
            models.Index(fields=["executor", "-id"], name="ticket_open_executor", condition=models.Q(is_open=True)),
            models.Index(fields=["group", "-id"], name="ticket_group_id"),
            models.Index(fields=["point", "-id"], name="ticket_point_id"),
            models.Index(fields=["request_type", "-id"], name="ticket_type_id"),
            models.Index(fields=["organisation", "-id"], name="ticket_org_id"),
            models.Index(fields=["is_open", "-id"], name="ticket_open_id"),
            # The workspace sorted by "updated" (keyset on updated_at, id).
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated_id"),
            # The timer pass: "due now" among the few requests with something pending.
            models.Index(fields=["sla_next_at"], name="ticket_sla_next", condition=models.Q(sla_next_at__isnull=False)),
            models.Index(fields=["-id"], name="ticket_breached_id", condition=models.Q(sla_breached=True)),
            models.Index(fields=["sla_due_at"], name="ticket_sla_due", condition=models.Q(sla_due_at__isnull=False)),
            models.Index(
                fields=["auto_close_at"], name="ticket_auto_close", condition=models.Q(auto_close_at__isnull=False)
            ),
            # "At risk": past a warning, nothing breached yet; breached requests are not scanned.
            models.Index(
                fields=["sla_warn_at"],
                name="ticket_sla_warn",
                condition=models.Q(sla_warn_at__isnull=False, sla_breached=False),
            ),
            # The workspace's "unassigned" queue: the open requests nobody has taken, newest first.
            # Usually few; without it the newest-first walk reads the whole table to find none.
            models.Index(
                fields=["-id"], name="ticket_unassigned", condition=models.Q(is_open=True, executor__isnull=True)
            ),
            # The dashboard counts the open requests by point, group and executor with their SLA
            # state: an index-only scan of this (open requests only, in group order) instead of
            # reading every request's wide row. PostgreSQL only has INCLUDE; SQLite gets the keys.
            models.Index(
                fields=["point", "group", "executor"],
                include=["sla_breached", "sla_due_at", "sla_warn_at", "initiator", "id"],
                name="ticket_open_cover",
                condition=models.Q(is_open=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


def search_text(number: str, subject: str) -> str:
    return f"{number} {subject}".casefold()[:240]


class Watcher(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="watcher_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watching")

    class Meta:
        verbose_name = _("watcher")
        verbose_name_plural = _("watchers")
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="uniq_ticket_watcher")]
        indexes = [models.Index(fields=["user", "ticket"], name="watcher_user_ticket")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.ticket_id}"


class ActorRole(models.TextChoices):
    INITIATOR = kinds.ActorRole.INITIATOR.value, _("initiator")
    EXECUTOR = kinds.ActorRole.EXECUTOR.value, _("executor")
    STAFF = kinds.ActorRole.STAFF.value, _("other staff")
    OTHER = kinds.ActorRole.OTHER.value, _("other user")
    SYSTEM = kinds.ActorRole.SYSTEM.value, _("system")


class Event(models.TextChoices):
    CREATED = kinds.LogEvent.CREATED.value, _("request filed")
    TRANSITION = kinds.LogEvent.TRANSITION.value, _("moved along the route")
    COMMENT = kinds.LogEvent.COMMENT.value, _("comment")
    NOTE = kinds.LogEvent.NOTE.value, _("internal note")
    ASSIGNMENT = kinds.LogEvent.ASSIGNMENT.value, _("assignment")
    FIELD_CHANGE = kinds.LogEvent.FIELD_CHANGE.value, _("field changed")
    WATCHER = kinds.LogEvent.WATCHER.value, _("watchers changed")
    ATTACHMENT = kinds.LogEvent.ATTACHMENT.value, _("attachment added")
    SLA = kinds.LogEvent.SLA.value, _("SLA clock")
    FEEDBACK = kinds.LogEvent.FEEDBACK.value, _("satisfaction rated")
    COMPLAINT = kinds.LogEvent.COMPLAINT.value, _("complaint")


class SlaEvent(models.TextChoices):
    NONE = kinds.SlaEvent.NONE.value, pgettext_lazy("SLA event", "none")
    APPLIED = kinds.SlaEvent.APPLIED.value, pgettext_lazy("SLA event", "applied")
    PAUSED = kinds.SlaEvent.PAUSED.value, pgettext_lazy("SLA event", "paused")
    RESUMED = kinds.SlaEvent.RESUMED.value, pgettext_lazy("SLA event", "resumed")
    WARNED = kinds.SlaEvent.WARNED.value, pgettext_lazy("SLA event", "warned")
    MET = kinds.SlaEvent.MET.value, pgettext_lazy("SLA event", "met")
    BREACHED = kinds.SlaEvent.BREACHED.value, pgettext_lazy("SLA event", "breached")
    ESCALATED = kinds.SlaEvent.ESCALATED.value, pgettext_lazy("SLA event", "escalated")
    RECOMPUTED = kinds.SlaEvent.RECOMPUTED.value, pgettext_lazy("SLA event", "recomputed")
    CANCELLED = kinds.SlaEvent.CANCELLED.value, pgettext_lazy("SLA event", "cancelled")


class LogRecord(AppendOnly):
    """One record of the per-stage log: something that happened to the request at a stage (filed,
    moved, a reaction, a comment, an assignment, an SLA clock's event, …), who did it and when.
    Never updated, never deleted (enforced here and by database triggers). `reaction` says which
    reaction of the initiator's or the executor's the record is, where it is one."""

    append_only_what = "the per-stage log"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="log")
    created_at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_role = models.CharField(_("role on the request"), max_length=12, choices=ActorRole.choices)
    point = models.ForeignKey("routes.RoutePoint", on_delete=models.PROTECT, related_name="+", verbose_name=_("stage"))
    event = models.CharField(_("what happened"), max_length=16, choices=Event.choices)
    reaction = models.CharField(_("reaction"), max_length=32, choices=ReactionKind.choices, blank=True, default="")
    transition = models.ForeignKey(
        "routes.Transition", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_point = models.ForeignKey(
        "routes.RoutePoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("to stage"),
    )
    body = models.TextField(_("text"), blank=True)
    internal = models.BooleanField(_("internal"), default=False)
    field = models.CharField(_("field"), max_length=50, blank=True)
    old_value = models.JSONField(_("old value"), null=True, blank=True)
    new_value = models.JSONField(_("new value"), null=True, blank=True)
    sla_event = models.CharField(_("SLA event"), max_length=12, choices=SlaEvent.choices, blank=True, default="")

    class Meta:
        db_table = "tickets_reaction"  # the table's name from when the model was called Reaction
        verbose_name = _("log record")
        verbose_name_plural = _("per-stage log")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["ticket", "id"], name="reaction_ticket_id"),
            models.Index(fields=["actor", "created_at"], name="reaction_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.event} {self.reaction}".strip()


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is random: the user's file name never reaches the file system.
    return f"attachments/{instance.ticket_id % 1000:03d}/{instance.ticket_id}/{instance.token}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    reaction = models.ForeignKey(LogRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    token = models.CharField(max_length=40, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=255)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    internal = models.BooleanField(_("internal"), default=False)
    created_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
