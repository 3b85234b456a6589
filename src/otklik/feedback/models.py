"""Feedback from the people served: satisfaction surveys (one per request) and complaints
(рекламации) with their own small route, reaction targets and history; plus the settings of both."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedbackSettings(models.Model):
    """The one row of settings (pk 1), edited in the admin; `FeedbackSettings.current()` reads it."""

    survey_enabled = models.BooleanField(
        _("ask for a rating"),
        default=True,
        help_text=_("When a request reaches a resolved or closed point, its initiator is asked to rate it."),
    )
    survey_valid_days = models.PositiveSmallIntegerField(
        _("rating link valid for (days)"),
        default=14,
        help_text=_("How long the link in the notification works (it works once)."),
    )
    survey_reminder_days = models.PositiveSmallIntegerField(
        _("reminder after (days)"), default=3, help_text=_("One reminder when there is no rating by then; 0 = none.")
    )
    low_score_threshold = models.PositiveSmallIntegerField(
        _("low score"), default=2, help_text=_("A rating at or below this notifies the group lead at once.")
    )
    complaint_reaction_minutes = models.PositiveIntegerField(
        _("complaint: taken up within (working minutes)"),
        default=240,
        help_text=_("The support managers take a complaint under review within this working time."),
    )
    complaint_answer_minutes = models.PositiveIntegerField(
        _("complaint: answered within (working minutes)"),
        default=1440,
        help_text=_("The initiator gets the answer to a complaint within this working time."),
    )
    complaint_calendar = models.ForeignKey(
        "sla.Calendar",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("complaints' calendar"),
        help_text=_("The working time complaint targets are counted in; when empty, the default calendar."),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("feedback settings")
        verbose_name_plural = _("feedback settings")

    def __str__(self) -> str:
        return str(_("Feedback settings"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # one row
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> FeedbackSettings:
        found = cls.objects.filter(pk=1).first()
        return found if found is not None else cls(pk=1)


class AnswerChannel(models.TextChoices):
    PORTAL = "portal", _("in the portal")
    LINK = "link", _("by the link in a notification")
    API = "api", _("through the API")


class Survey(models.Model):
    """The satisfaction question of one request: asked when it first reaches a resolved or closed
    point, answered once by the link (single-use) or in the portal (where the rating may be changed
    while the request is open to it). Each answer is also a record in the request's per-stage log.
    The executor and group are those in charge when the request was resolved: the ones the rating
    speaks of."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="survey", verbose_name=_("request")
    )
    initiator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked")
    )
    executor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("executor"),
    )
    group = models.ForeignKey(
        "accounts.SupportGroup", on_delete=models.PROTECT, related_name="+", verbose_name=_("support group")
    )
    asked_at = models.DateTimeField(_("asked"))
    expires_at = models.DateTimeField(_("link valid until"))
    remind_at = models.DateTimeField(_("reminder due"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    # The link carries this, signed with the secret key; it is spent by its first use.
    token_nonce = models.CharField(max_length=32, editable=False)
    token_used_at = models.DateTimeField(_("link used"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_via = models.CharField(_("answered"), max_length=8, choices=AnswerChannel.choices, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="survey_score_1_to_5",
            )
        ]
        indexes = [
            models.Index(fields=["asked_at"], name="survey_asked"),
            models.Index(fields=["answered_at"], name="survey_answered", condition=models.Q(answered_at__isnull=False)),
            models.Index(fields=["remind_at"], name="survey_remind", condition=models.Q(remind_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score if self.score is not None else '—'}"


class ComplaintKind(models.TextChoices):
    REQUEST = "request", _("how a request was handled")
    REGULATION = "regulation", _("a violation of the service regulation")


class ComplaintState(models.TextChoices):
    FILED = "filed", _("filed")
    REVIEW = "review", _("under review")
    UPHELD = "upheld", _("upheld")
    REJECTED = "rejected", _("rejected")


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


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("a complaint's history is append-only: records are never updated")

    def delete(self) -> NoReturn:
        raise TypeError("a complaint's history is append-only: records are never deleted")


class ComplaintEvent(models.Model):
    """One record of a complaint's history: who did what when. Never updated, never deleted."""

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

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint record")
        verbose_name_plural = _("complaint history")
        ordering = ["id"]
        indexes = [models.Index(fields=["complaint", "id"], name="complaint_event_id")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("a complaint's history is append-only: records are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a complaint's history is append-only: records are never deleted")
