"""Routes: points (states) with their kind and SLA-clock behaviour, and the transitions between them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.core.i18n import localized

from . import kinds
from .kinds import FINAL_KINDS
from .validation import PointSpec, TransitionSpec, reply_problems, route_problems


class PointKind(models.TextChoices):
    NEW = kinds.PointKind.NEW.value, _("new")
    IN_WORK = kinds.PointKind.IN_WORK.value, _("in work")
    WAITING = kinds.PointKind.WAITING.value, _("waiting for the initiator")
    RESOLVED = kinds.PointKind.RESOLVED.value, _("resolved")
    CLOSED = kinds.PointKind.CLOSED.value, _("closed")
    DECLINED = kinds.PointKind.DECLINED.value, _("declined")


class ClockBehaviour(models.TextChoices):
    RUNS = "runs", _("runs")
    PAUSED = "paused", _("paused")
    STOPPED = "stopped", _("stopped")


class Actor(models.TextChoices):
    INITIATOR = "initiator", _("initiator")
    EXECUTOR = "executor", _("current executor")
    GROUP_MEMBER = "group_member", _("member of the request's group")
    GROUP_LEAD = "group_lead", _("lead of the request's group")
    MANAGER = "manager", _("support manager")


class ExecutorOnArrival(models.TextChoices):
    KEEP = "keep", _("keep the current executor")
    ACTOR = "actor", _("the one who takes the transition")
    DISPATCHER = "dispatcher", _("the group's dispatcher (or lead)")
    CHOSEN = "chosen", _("chosen by the one who takes it")
    INITIATOR = "initiator", _("the initiator")


class ReactionKind(models.TextChoices):
    NONE = kinds.ReactionKind.NONE.value, _("none")
    EXECUTOR_ACCEPTED = kinds.ReactionKind.EXECUTOR_ACCEPTED.value, _("executor accepted")
    EXECUTOR_STARTED = kinds.ReactionKind.EXECUTOR_STARTED.value, _("executor started work")
    EXECUTOR_REQUESTED_INFO = kinds.ReactionKind.EXECUTOR_REQUESTED_INFO.value, _("executor asked the initiator")
    EXECUTOR_RESOLVED = kinds.ReactionKind.EXECUTOR_RESOLVED.value, _("executor resolved")
    EXECUTOR_DECLINED = kinds.ReactionKind.EXECUTOR_DECLINED.value, _("executor declined")
    EXECUTOR_APPROVED = kinds.ReactionKind.EXECUTOR_APPROVED.value, _("approved")
    EXECUTOR_DELIVERED = kinds.ReactionKind.EXECUTOR_DELIVERED.value, _("executor delivered")
    EXECUTOR_REPLIED = kinds.ReactionKind.EXECUTOR_REPLIED.value, _("executor replied")
    INITIATOR_PROVIDED_INFO = kinds.ReactionKind.INITIATOR_PROVIDED_INFO.value, _("initiator provided information")
    INITIATOR_CONFIRMED = kinds.ReactionKind.INITIATOR_CONFIRMED.value, _("initiator confirmed")
    INITIATOR_REJECTED = kinds.ReactionKind.INITIATOR_REJECTED.value, _("initiator rejected the resolution")
    INITIATOR_WITHDREW = kinds.ReactionKind.INITIATOR_WITHDREW.value, _("initiator withdrew the request")
    INITIATOR_REPLIED = kinds.ReactionKind.INITIATOR_REPLIED.value, _("initiator replied")
    DECLINED_OUT_OF_SCOPE = kinds.ReactionKind.DECLINED_OUT_OF_SCOPE.value, _("declined: out of scope")
    # Recorded by the help desk itself, never offered on a transition:
    AUTO_CONFIRMED = kinds.ReactionKind.AUTO_CONFIRMED.value, _("confirmed automatically (no reaction in time)")
    INITIATOR_RATED = kinds.ReactionKind.INITIATOR_RATED.value, _("initiator rated the handling")
    INITIATOR_COMPLAINED = kinds.ReactionKind.INITIATOR_COMPLAINED.value, _("initiator filed a complaint")


class Route(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_ru = models.CharField(_("name (ru)"), max_length=200)
    name_en = models.CharField(_("name (en)"), max_length=200)
    is_active = models.BooleanField(
        _("active"),
        default=False,
        help_text=_("An active route is validated on every save; a draft may be incomplete."),
    )
    out_of_scope_point = models.ForeignKey(
        "RoutePoint",
        verbose_name=_("out-of-scope point"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Requests in an out-of-scope category go straight here with the category's explanation. "
            "When empty, such requests are refused."
        ),
    )

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["code"]

    def __str__(self) -> str:
        return localized(self, "name")

    def problems(self) -> list[str]:
        points = [PointSpec(p.pk, p.code, p.kind, p.is_start, p.on_reply_id) for p in self.points.all()]
        transitions = [
            TransitionSpec(
                t.code,
                t.source_id,
                t.target_id,
                t.actors(),
                key=t.pk,
                chooses_executor=t.executor_on_arrival == ExecutorOnArrival.CHOSEN,
            )
            for t in self.transitions.all()
        ]
        return route_problems(points, transitions, self.out_of_scope_point_id)

    @property
    def start_point(self) -> RoutePoint:
        return self.points.get(is_start=True)


class RoutePoint(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="points", verbose_name=_("route"))
    code = models.SlugField(_("code"), max_length=50)
    name_ru = models.CharField(_("name (ru)"), max_length=200)
    name_en = models.CharField(_("name (en)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=PointKind.choices)
    clock = models.CharField(_("SLA clock"), max_length=8, choices=ClockBehaviour.choices, default=ClockBehaviour.RUNS)
    is_start = models.BooleanField(_("start point"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    on_reply = models.ForeignKey(
        "Transition",
        verbose_name=_("on the initiator's reply, take"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "At a point of kind “waiting for the initiator”: the initiator's public reply is their reaction, "
            "and the request takes this transition (one that starts at this point). When empty, a reply "
            "is a comment and the request waits on."
        ),
    )

    class Meta:
        verbose_name = _("route point")
        verbose_name_plural = _("route points")
        ordering = ["route", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["route", "code"], name="uniq_route_point")]

    def __str__(self) -> str:
        # Its name in the reader's language (the admin's lists of points, the request's page): the
        # code is the administrator's and the integrations' key, shown beside the name where needed.
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def is_final(self) -> bool:
        return self.kind in FINAL_KINDS

    def clean(self) -> None:
        super().clean()
        t = self.on_reply
        if t is None:
            return
        problems = reply_problems(
            [PointSpec(self.pk or "new", self.code, self.kind, on_reply=t.pk)],
            [
                TransitionSpec(
                    t.code,
                    t.source_id,
                    t.target_id,
                    key=t.pk,
                    chooses_executor=t.executor_on_arrival == ExecutorOnArrival.CHOSEN,
                )
            ],
        )
        if problems:
            # Said of this point, in its own form: the route's check names the point instead.
            raise ValidationError({"on_reply": ON_REPLY_WORDS[problems[0].code]})


ON_REPLY_WORDS = {
    "reply_not_waiting": _("Only a point of kind “waiting for the initiator” takes a transition on the reply."),
    "reply_elsewhere": _("The transition taken on the initiator's reply must start at this point."),
    "reply_chooses": _("The transition taken on the initiator's reply cannot let its taker choose the executor."),
}


class Transition(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("route"))
    code = models.SlugField(_("code"), max_length=50)
    label_ru = models.CharField(_("button label (ru)"), max_length=100)
    label_en = models.CharField(_("button label (en)"), max_length=100)
    source = models.ForeignKey(RoutePoint, on_delete=models.CASCADE, related_name="outgoing", verbose_name=_("from"))
    target = models.ForeignKey(RoutePoint, on_delete=models.CASCADE, related_name="incoming", verbose_name=_("to"))
    by_initiator = models.BooleanField(_("initiator may take it"), default=False)
    by_executor = models.BooleanField(_("current executor may take it"), default=False)
    by_group_member = models.BooleanField(_("group members may take it"), default=False)
    by_group_lead = models.BooleanField(_("group lead may take it"), default=False)
    by_manager = models.BooleanField(_("support manager may take it"), default=False)
    comment_required = models.BooleanField(_("comment required"), default=False)
    executor_on_arrival = models.CharField(
        _("executor on arrival"), max_length=16, choices=ExecutorOnArrival.choices, default=ExecutorOnArrival.KEEP
    )
    reaction = models.CharField(
        _("reaction recorded"), max_length=32, choices=ReactionKind.choices, blank=True, default=""
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["route", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "code"], name="uniq_transition_from_point")]

    def __str__(self) -> str:
        # The admin's row title and the on-reply choices: what the reader sees on the button and
        # the points' names, in their language («Принять: Новая → Принята»), not the codes.
        return f"{self.label}: {self.source.name} → {self.target.name}"

    @property
    def label(self) -> str:
        return localized(self, "label")

    def actors(self) -> tuple[str, ...]:
        flags = (
            (Actor.INITIATOR, self.by_initiator),
            (Actor.EXECUTOR, self.by_executor),
            (Actor.GROUP_MEMBER, self.by_group_member),
            (Actor.GROUP_LEAD, self.by_group_lead),
            (Actor.MANAGER, self.by_manager),
        )
        return tuple(str(a) for a, on in flags if on)
