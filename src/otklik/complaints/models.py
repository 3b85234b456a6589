"""Complaints (рекламации): about how a request was handled or about a violation of the service
regulation, each with its route (filed → under review → upheld or rejected), two targets in
working time, and an append-only history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.core.appendonly import AppendOnly

from . import kinds


class ComplaintKind(models.TextChoices):
    REQUEST = "request", _("how a request was handled")
    REGULATION = "regulation", _("a violation of the service regulation")


class ComplaintState(models.TextChoices):
    FILED = kinds.ComplaintState.FILED.value, _("filed")
    REVIEW = kinds.ComplaintState.REVIEW.value, _("under review")
    UPHELD = kinds.ComplaintState.UPHELD.value, _("upheld")
    REJECTED = kinds.ComplaintState.REJECTED.value, _("rejected")


class Complaint(models.Model):
    """A complaint (рекламация): about how a request was handled, or about a violation of the
    service regulation (optionally naming a request). Its route: filed → under review → upheld or
    rejected, the answer going back to its author. Two targets in working time (taken up, answered)
    are counted in the complaints' calendar; `next_check_at` is when the timer must look at it."""

    kind = models.CharField(_("about"), max_length=12, choices=ComplaintKind.choices, default=ComplaintKind.REQUEST)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("request"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("filed by")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    # Whom it concerns, as the request stood when the complaint was filed.
    group = models.ForeignKey(
        "accounts.SupportGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("support group"),
    )
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("executor"),
    )
    body = models.TextField(_("complaint"))
    state = models.CharField(_("state"), max_length=10, choices=ComplaintState.choices, default=ComplaintState.FILED)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    answer = models.TextField(_("answer"), blank=True)
    filed_at = models.DateTimeField(_("filed"))
    review_at = models.DateTimeField(_("taken under review"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    reaction_due_at = models.DateTimeField(_("to be taken up by"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("to be answered by"), null=True, blank=True)
    reaction_breached_at = models.DateTimeField(_("taken up late"), null=True, blank=True)
    answer_breached_at = models.DateTimeField(_("answered late"), null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        db_table = "feedback_complaint"  # the table the complaints had while they were the feedback app's
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "-id"], name="complaint_state_id"),
            models.Index(fields=["filed_at"], name="complaint_filed"),
            models.Index(fields=["group", "-id"], name="complaint_group_id"),
            models.Index(fields=["executor", "-id"], name="complaint_executor_id"),
            models.Index(fields=["author", "-id"], name="complaint_author_id"),
            models.Index(
                fields=["next_check_at"], name="complaint_next_check", condition=models.Q(next_check_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"CMP-{self.pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.state in (ComplaintState.FILED, ComplaintState.REVIEW)


class ComplaintEventKind(models.TextChoices):
    FILED = "filed", _("filed")
    REVIEW = "review", _("taken under review")
    UPHELD = "upheld", _("upheld")
    REJECTED = "rejected", _("rejected")
    NOTE = "note", _("note")
    REACTION_BREACHED = "reaction_breached", _("not taken up in time")
    ANSWER_BREACHED = "answer_breached", _("not answered in time")


class ComplaintEvent(AppendOnly):
    """One record of a complaint's history: who did what when. Never updated, never deleted."""

    append_only_what = "a complaint's history"

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    created_at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who"),
    )
    event = models.CharField(_("what happened"), max_length=20, choices=ComplaintEventKind.choices)
    body = models.TextField(_("text"), blank=True)
    internal = models.BooleanField(_("internal"), default=False)

    class Meta:
        db_table = "feedback_complaintevent"
        verbose_name = _("complaint record")
        verbose_name_plural = _("complaint history")
        ordering = ["id"]
        indexes = [models.Index(fields=["complaint", "id"], name="complaint_event_id")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.event}"
