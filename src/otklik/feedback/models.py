"""Feedback from the people served: satisfaction surveys (one per request); and the settings of
the surveys and of the complaints (the complaints themselves are the complaints app's)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.core.singleton import SingletonModel


class FeedbackSettings(SingletonModel):
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

    @classmethod
    def current(cls) -> FeedbackSettings:
        return cls.row()


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
