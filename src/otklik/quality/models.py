"""The quality app's tables: one narrow row of facts per request (and one per settled next-reaction
cycle) that the reports aggregate, the refresh's watermark, the published weights of the quality
score, and the record of each month's report having been sent."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.core.singleton import SingletonModel

from . import kpi
from .facts import DAY_MEASURES


def _percentile_indexes(short: str, seconds: str, at: str, owner: str) -> list[models.Index]:
    """`owner`: the prefix of the measure's attribution columns (owner_group_id, owner_executor_id)."""
    present = models.Q(**{f"{seconds}__isnull": False})
    group, executor = f"{owner}_group_id", f"{owner}_executor_id"
    return [
        models.Index(fields=[seconds], include=[at, group, executor], name=f"qfact_{short}_all", condition=present),
        models.Index(fields=[group, seconds], include=[at, executor], name=f"qfact_{short}_group", condition=present),
        models.Index(
            fields=[executor, seconds], include=[at, group], name=f"qfact_{short}_executor", condition=present
        ),
    ]


class Fact(models.Model):
    """A request's figures, rebuilt from its log and clocks (quality.facts.build_facts). Each measure
    counts for its own group and executor (quality.facts' docstring): group_id and executor_id are
    the holder now (the backlog), the *_group_id / *_executor_id pairs the others'."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="quality_fact"
    )
    # Plain columns, not foreign keys: the table is written in bulk and read by the thousand; the
    # reference rows it names are never deleted (PROTECT elsewhere).
    type_id = models.BigIntegerField()
    priority_id = models.BigIntegerField()
    group_id = models.BigIntegerField()
    executor_id = models.BigIntegerField(null=True)
    received_group_id = models.BigIntegerField(default=0)
    received_executor_id = models.BigIntegerField(null=True)
    reaction_group_id = models.BigIntegerField(default=0)
    reaction_executor_id = models.BigIntegerField(null=True)
    resolution_group_id = models.BigIntegerField(default=0)
    resolution_executor_id = models.BigIntegerField(null=True)
    first_resolution_group_id = models.BigIntegerField(default=0)
    first_resolution_executor_id = models.BigIntegerField(null=True)
    reaction_breach_group_id = models.BigIntegerField(default=0)  # 0 / NULL: no breach
    reaction_breach_executor_id = models.BigIntegerField(null=True)
    resolution_breach_group_id = models.BigIntegerField(default=0)
    resolution_breach_executor_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True)
    first_reaction_at = models.DateTimeField(null=True)
    first_reaction_seconds = models.IntegerField(null=True)
    first_reaction_met = models.BooleanField(null=True)
    first_reaction_breached_at = models.DateTimeField(null=True)
    first_resolved_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    resolution_seconds = models.IntegerField(null=True)
    resolution_met = models.BooleanField(null=True)
    resolution_breached_at = models.DateTimeField(null=True)
    next_met = models.SmallIntegerField(default=0)
    next_breached = models.SmallIntegerField(default=0)
    reopens = models.SmallIntegerField(default=0)
    reassignments = models.SmallIntegerField(default=0)
    auto_confirmed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("quality facts of a request")
        verbose_name_plural = _("quality facts")
        indexes = [
            # The drill-down lists by filing date; the backlog: requests not closed, or closed late.
            models.Index(fields=["created_at"], name="qfact_created"),
            models.Index(
                fields=["created_at"],
                include=["group_id", "executor_id"],
                name="qfact_open_created",
                condition=models.Q(closed_at__isnull=True),
            ),
            models.Index(
                fields=["closed_at"],
                include=["created_at", "group_id", "executor_id"],
                name="qfact_closed",
                condition=models.Q(closed_at__isnull=False),
            ),
            # The percentiles (queries._spreads_postgresql): the times in order, for everyone, per
            # group and per executor, covering the instant and the other scope column, so each
            # level is read in the order percentile_cont sorts by, from the index alone.
            *_percentile_indexes("fr", "first_reaction_seconds", "first_reaction_at", "reaction"),
            *_percentile_indexes("res", "resolution_seconds", "resolved_at", "resolution"),
        ]

    def __str__(self) -> str:
        return f"facts of {self.ticket_id}"


class NextReaction(models.Model):
    """One settled cycle of a request's next-reaction target: met (answered) or breached (at its
    deadline). Attributed to the group and executor in charge when it settled."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False)
    cycle = models.PositiveIntegerField()
    at = models.DateTimeField()
    met = models.BooleanField()
    type_id = models.BigIntegerField()
    priority_id = models.BigIntegerField()
    group_id = models.BigIntegerField()
    executor_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("next-reaction outcome")
        verbose_name_plural = _("next-reaction outcomes")
        constraints = [models.UniqueConstraint(fields=["ticket", "cycle"], name="uniq_qnext_ticket_cycle")]
        indexes = [
            models.Index(fields=["at"], name="qnext_at"),
            models.Index(fields=["group_id", "at"], name="qnext_group_at"),
            models.Index(fields=["executor_id", "at"], name="qnext_executor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.cycle} {'met' if self.met else 'breached'}"


_DIMS = ["type_id", "priority_id"]
_COUNTS = list(DAY_MEASURES)


class DayCount(models.Model):
    """The facts' counts per day (the service's time zone) and attribution: each request adds 1 to
    "received" on the day it was filed, to "resolved" on the day it was last resolved, and so on
    (quality.facts.contributions). Kept in step with the facts by the refresh, change by change, so
    a year's report sums a few hundred thousand small rows instead of reading a million requests."""

    day = models.DateField()
    group_id = models.BigIntegerField()
    executor_id = models.BigIntegerField()  # 0: nobody
    type_id = models.BigIntegerField()
    priority_id = models.BigIntegerField()
    received = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    res_met = models.IntegerField(default=0)
    reassigned = models.IntegerField(default=0)
    reassignments = models.IntegerField(default=0)
    auto_confirmed = models.IntegerField(default=0)
    fr_met = models.IntegerField(default=0)
    fr_breached = models.IntegerField(default=0)
    res_breached = models.IntegerField(default=0)
    first_resolved = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    nr_met = models.IntegerField(default=0)
    nr_breached = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily quality counts")
        verbose_name_plural = _("daily quality counts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "group_id", "executor_id", "type_id", "priority_id"], name="uniq_qday_key"
            )
        ]
        # One group's or one person's year: its own index entries alone (covering every count).
        indexes = [
            models.Index(fields=["group_id", "day"], include=["executor_id", *_DIMS, *_COUNTS], name="qday_group_day"),
            models.Index(
                fields=["executor_id", "day"], include=["group_id", *_DIMS, *_COUNTS], name="qday_executor_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} g{self.group_id} e{self.executor_id}"


class RefreshState(models.Model):
    """The facts' watermark (one row): the highest log id read, and the ids below it not seen yet
    (gaps: a transaction that took its ids earlier may commit later, or never)."""

    high_id = models.BigIntegerField(default=0)
    # [[id, first noticed (Unix seconds)], …], re-read until they appear or are old enough to be
    # a rolled-back transaction's.
    pending = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("facts refresh state")
        verbose_name_plural = _("facts refresh state")

    def __str__(self) -> str:
        return f"log read up to {self.high_id}"


def validate_weight(value: int) -> None:
    if value is None or value < 0 or value > 100:
        raise ValidationError(_("A weight is a whole number from 0 to 100."))


class QualityWeights(SingletonModel):
    """The weights of the composite quality score (one row, edited in the admin). They are published
    in the regulation's quality section: a change publishes a new regulation version."""

    sla = models.PositiveSmallIntegerField(
        _("weight: SLA compliance"), default=kpi.Weights.sla, validators=[validate_weight]
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("weight: satisfaction"), default=kpi.Weights.satisfaction, validators=[validate_weight]
    )
    reopens = models.PositiveSmallIntegerField(
        _("weight: requests not reopened"), default=kpi.Weights.reopens, validators=[validate_weight]
    )
    complaints = models.PositiveSmallIntegerField(
        _("weight: no upheld complaints"), default=kpi.Weights.complaints, validators=[validate_weight]
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("quality score weights")
        verbose_name_plural = _("quality score weights")

    def __str__(self) -> str:
        return str(_("Quality score weights"))

    def clean(self) -> None:
        if not any((self.sla, self.satisfaction, self.reopens, self.complaints)):
            raise ValidationError(_("At least one weight must be above zero."))

    def weights(self) -> kpi.Weights:
        return kpi.Weights(
            sla=self.sla, satisfaction=self.satisfaction, reopens=self.reopens, complaints=self.complaints
        )

    @classmethod
    def current(cls) -> kpi.Weights:
        found = cls.objects.filter(pk=1).first()
        try:
            return found.weights() if found is not None else kpi.Weights()
        except ValueError:  # all zero, written around the admin's check: the defaults
            return kpi.Weights()


class MonthlyReport(models.Model):
    """A month's quality report was queued (written in the same transaction as its notifications):
    the unique month makes it once per month whatever the number of workers."""

    month = models.DateField(_("month"), unique=True)  # its first day
    queued_at = models.DateTimeField(_("queued"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("monthly quality report")
        verbose_name_plural = _("monthly quality reports")
        ordering = ["-month"]

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")
