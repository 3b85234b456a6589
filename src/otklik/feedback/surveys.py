"""Satisfaction surveys: how the people served rate the handling of their requests.

- Asked when a request first reaches a resolved or closed point (not a declined one), in the same
  transaction as the move: the survey names the executor and group in charge then, and the
  initiator is sent the question with the rating link. A request resolved again after a rejection
  keeps its survey: unanswered, it now speaks of the new resolver and its link works for the full
  period again; answered, it is not asked again.
- The link (`/feedback/<token>`) works without signing in: the token is the survey's id and random
  nonce signed with the secret key (a salt of its own). It works once and until the survey
  expires; only its POST records (mail scanners fetch links: a GET never does).
- In the portal and the API the initiator answers too, and may change the rating until the survey
  expires; the link is then spent (a rating exists).
- Every answer is a record in the request's per-stage log (event feedback, reaction
  initiator_rated, the score as the new value and the previous one as the old). A score at or
  below the threshold tells the group lead at once (`survey_low_score`), when the rating becomes
  low (not again while it stays low).
- One reminder (`survey_reminded`) for an unanswered survey when its reminder is due, claimed by the
  worker with SKIP LOCKED on PostgreSQL and sent exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db import connection, transaction
from django.db.models import QuerySet

from otklik.accounts.models import User
from otklik.accounts.people import people
from otklik.catalog.reference import reference
from otklik.core.clock import now, service_minute
from otklik.core.duework import DueWork, due_work
from otklik.core.errors import Conflict, Forbidden, Invalid, NotFound, out_of_range
from otklik.core.jsonvalue import JsonValue
from otklik.core.prepared import Prepared
from otklik.core.text import clean_text
from otklik.notify import outbox
from otklik.notify.models import Notification
from otklik.routes.kinds import RESOLVED_KINDS
from otklik.routes.models import ReactionKind, RoutePoint
from otklik.sla.clockmath import as_utc
from otklik.tickets.models import ActorRole, Event, LogRecord, Ticket
from otklik.tickets.notices import subject_of

from .models import AnswerChannel, FeedbackSettings, Survey

log = logging.getLogger("otklik.feedback")

SALT = "otklik.feedback.survey-link"
RESOLVING = RESOLVED_KINDS  # resolved, or closed without a resolved stage before
SCORES = (1, 2, 3, 4, 5)
TOKEN_MAX = 200  # a real token is about 60 characters
BATCH = 100


class LinkExpired(Conflict):
    """The link's time is over: it is gone, not in conflict with anything."""

    status = 410
    code = "expired"


# --- the question ----------------------------------------------------------------------------------


def survey_on_arrival(ticket: Ticket, *, source: RoutePoint, target: RoutePoint, when: dt.datetime) -> Survey | None:
    """In the move's transaction: ask for a rating when the request arrives at a resolved or closed
    point from one that is neither (resolved → closed is the same resolution)."""
    if target.kind not in RESOLVING or source.kind in RESOLVING:
        return None
    survey = _locked(Survey.objects.filter(ticket_id=ticket.pk)).first()
    conf = FeedbackSettings.current()
    if survey is None:
        if not conf.survey_enabled:
            return None
        survey = Survey(
            ticket_id=ticket.pk,
            initiator_id=ticket.initiator_id,
            executor_id=ticket.executor_id,
            group_id=ticket.group_id,
            asked_at=when,
            token_nonce=secrets.token_urlsafe(16),
        )
        _schedule(survey, conf, when)
        survey.save(force_insert=True)
        outbox.queue_rows(_question(ticket, survey, "survey_requested"))
        return survey
    if survey.answered_at is not None:
        return survey  # answered: not asked again
    # Resolved again after a rejection: the same question, about the new resolution and resolver.
    survey.executor_id, survey.group_id = ticket.executor_id, ticket.group_id
    _schedule(survey, conf, when)
    survey.save(update_fields=["executor", "group", "expires_at", "remind_at"])
    return survey


def _schedule(survey: Survey, conf: FeedbackSettings, when: dt.datetime) -> None:
    """The survey's period from `when`, and its one reminder unless it was sent or would come too late."""
    survey.expires_at = when + dt.timedelta(days=conf.survey_valid_days)
    remind_at = when + dt.timedelta(days=conf.survey_reminder_days)
    due = conf.survey_reminder_days > 0 and survey.reminded_at is None and remind_at < survey.expires_at
    survey.remind_at = remind_at if due else None


def _question(ticket: Ticket, survey: Survey, event: str) -> list[Notification]:
    """The question (or its reminder) to the initiator, with the rating link (unsaved rows).

    The link rates without signing in, so only the initiator's rows carry it: anyone else an
    admin's rule adds (watchers, the executor, a webhook carrier) is told of the question without
    the link (the request's page instead)."""
    link = survey_link(survey)
    common: dict[str, JsonValue | Callable[[], JsonValue]] = {
        "valid_until": lambda: service_minute(survey.expires_at)  # in each recipient's language
    }
    context = {"valid_until": survey.expires_at.astimezone(dt.UTC).isoformat()}
    rows = outbox.compose(
        event,
        subject=subject_of(ticket),
        addressed=[survey.initiator_id],
        link=link,
        extra={
            **common,
            "rating_link": link,
            "score_links": [{"score": n, "link": f"{link}?score={n}"} for n in SCORES],
        },
        context=context,
    )
    mine = [r for r in rows if r.recipient_id == survey.initiator_id]
    if len(mine) == len(rows):
        return rows
    others = outbox.compose(
        event,
        subject=subject_of(ticket),
        addressed=[survey.initiator_id],
        extra={**common, "rating_link": "", "score_links": []},
        context=context,
    )
    return mine + [r for r in others if r.recipient_id != survey.initiator_id]


# --- the link --------------------------------------------------------------------------------------


class _AskedSigner(signing.TimestampSigner):
    """`signing.dumps`'s format (read back by `signing.loads`), stamped with the survey's asking
    instant instead of the wall clock: the same survey always gets the same link (the reminder
    repeats the question's)."""

    def __init__(self, asked_at: dt.datetime) -> None:
        super().__init__(salt=SALT)
        self.asked_at = asked_at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self.asked_at.timestamp()))


def survey_token(survey: Survey) -> str:
    return _AskedSigner(survey.asked_at).sign_object([survey.pk, survey.token_nonce])


def survey_link(survey: Survey) -> str:
    return f"{settings.BASE_URL}/feedback/{survey_token(survey)}"


def survey_by_token(token: str) -> Survey:
    """The survey a link names, or 404 for anything forged, malformed or no longer there."""
    refused = NotFound("this rating link is not valid", code="bad_link")
    if not token or len(token) > TOKEN_MAX:
        raise refused
    try:
        value = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError):
        raise refused from None
    if not (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
        and isinstance(value[1], str)
    ):
        raise refused
    survey = Survey.objects.filter(pk=value[0]).first()
    # The nonce too: a link is tied to this survey row, not only to its number.
    if survey is None or not secrets.compare_digest(survey.token_nonce, value[1]):
        raise refused
    return survey


def survey_check_link(survey: Survey, user: User | AnonymousUser, *, moment: dt.datetime | None = None) -> None:
    """Raise the refusal of a valid link that may not be used now: someone else's (a signed-in
    user who is not the initiator, 403), used (a rating exists, 409), expired (410)."""
    moment = moment or now()
    if getattr(user, "is_authenticated", False) and user.pk != survey.initiator_id:
        raise Forbidden("this rating link was sent to someone else", code="foreign")
    if survey.token_used_at is not None or survey.answered_at is not None:
        raise Conflict("this request has been rated already", code="used")
    if survey.expires_at <= moment:
        raise LinkExpired("the time to rate this request is over")


def survey_answer_by_link(
    *, survey: Survey, user: User | AnonymousUser, score: int | str, comment: str | None = ""
) -> Survey:
    """Record the rating sent through the link (its survey found by `survey_by_token` and checked
    by `survey_check_link`); the link is spent by it."""
    score, comment = _clean(score, comment)
    with transaction.atomic():
        survey = _locked(Survey.objects.filter(pk=survey.pk)).get()
        when = now()
        survey_check_link(survey, user, moment=when)  # again under the lock: a double submit
        survey.token_used_at = when
        _record(survey, score=score, comment=comment, via=AnswerChannel.LINK, when=when)
    return survey


# --- the portal and the API ------------------------------------------------------------------------


def survey_answer(
    *, ticket: Ticket, actor: User, score: int | str, comment: str | None = "", via: str = AnswerChannel.PORTAL
) -> Survey:
    """The initiator rates the request (or changes the rating) while its survey is open."""
    if actor.pk != ticket.initiator_id:
        raise Forbidden(f"only the initiator may rate {ticket.number}")
    score, comment = _clean(score, comment)
    with transaction.atomic():
        survey = _locked(Survey.objects.filter(ticket_id=ticket.pk)).first()
        when = now()
        if survey is None:
            raise Conflict(f"{ticket.number} has not been resolved yet: there is nothing to rate", code="not_asked")
        if survey.expires_at <= when:
            raise Conflict(f"the time to rate {ticket.number} is over", code="expired")
        _record(survey, score=score, comment=comment, via=via, when=when)
    return survey


def survey_open(survey: Survey | None, *, moment: dt.datetime | None = None) -> bool:
    """Whether the initiator may answer (or change the answer) now."""
    return survey is not None and survey.expires_at > (moment or now())


# One survey per request at most; compiled once (core.prepared), as `.first()` reads it.
_SURVEY: Prepared[Survey] = Prepared(lambda t: Survey.objects.filter(ticket_id=t).order_by("-id")[:1], int)


def survey_for(ticket: Ticket) -> Survey | None:
    found = _SURVEY.models(ticket.pk)
    return found[0] if found else None


def survey_dict(survey: Survey | None) -> dict[str, JsonValue] | None:
    """The survey as the API shows it to whoever may see the request."""
    if survey is None:
        return None
    return {
        "asked_at": as_utc(survey.asked_at),
        "expires_at": as_utc(survey.expires_at),
        "score": survey.score,
        "comment": survey.comment,
        "answered_at": as_utc(survey.answered_at),
        "answered_via": survey.answered_via or None,
    }


def _clean(score: int | str, comment: str | None) -> tuple[int, str]:
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        error = out_of_range("score", message="from 1 to 5", min=min(SCORES), max=max(SCORES))
        raise Invalid("the score must be a whole number from 1 to 5", errors=[error])
    return score, clean_text(comment, field="comment", limit=settings.MAX_TEXT_LENGTH, name="the comment")


def _record(survey: Survey, *, score: int, comment: str, via: str, when: dt.datetime) -> None:
    """Store the answer, log it, and tell the group lead when the rating has become low."""
    previous = survey.score
    survey.score, survey.comment, survey.answered_at, survey.answered_via = score, comment, when, via
    survey.remind_at = None
    survey.save()
    ticket = reference().attach(Ticket.objects.get(pk=survey.ticket_id))
    LogRecord.objects.create(
        ticket_id=ticket.pk,
        actor_id=survey.initiator_id,
        actor_role=ActorRole.INITIATOR,
        point_id=ticket.point_id,
        event=Event.FEEDBACK,
        reaction=ReactionKind.INITIATOR_RATED,
        old_value=previous,
        new_value=score,
        body=comment,
        created_at=when,
    )
    threshold = FeedbackSettings.current().low_score_threshold
    if score <= threshold and (previous is None or previous > threshold):
        executor = people([survey.executor_id]).get(survey.executor_id) if survey.executor_id else None
        # Support's business (the group lead by default): never the initiator or a watcher who is
        # not staff, whatever a rule adds.
        outbox.queue_rows(
            outbox.staff_only(
                outbox.compose(
                    "survey_low_score",
                    subject=subject_of(ticket),
                    actor=User.objects.get(pk=survey.initiator_id),
                    extra={
                        "score": score,
                        "comment": comment,
                        "rated_executor": executor.display_name if executor is not None else "",
                    },
                    context={"score": score},
                )
            )
        )


def _locked(qs: QuerySet[Survey]) -> QuerySet[Survey]:
    return qs.select_for_update() if connection.features.has_select_for_update else qs


# --- the reminder ----------------------------------------------------------------------------------


def _remind(survey: Survey, moment: dt.datetime, tickets: dict[int, Ticket]) -> None:
    """One claimed survey: the reminder if it is still unanswered and unexpired; either way its
    reminder's instant is cleared in the same transaction, so it is never sent twice. Answered or
    expired surveys are cleared without a word."""
    if survey.answered_at is None and survey.reminded_at is None and survey.expires_at > moment:
        outbox.queue_rows(_question(reference().attach(tickets[survey.ticket_id]), survey, "survey_reminded"))
        Survey.objects.filter(pk=survey.pk).update(remind_at=None, reminded_at=moment)
    else:
        Survey.objects.filter(pk=survey.pk).update(remind_at=None)


REMINDERS: DueWork[Survey, dict[int, Ticket]] = DueWork(
    what="feedback",
    noun="survey",
    due=lambda moment: Survey.objects.filter(remind_at__lte=moment).order_by("remind_at", "id"),
    handle=_remind,
    retry=lambda survey, at: Survey.objects.filter(pk=survey.pk).update(remind_at=at),
    log=log,
    prepare=lambda surveys, first: Ticket.objects.in_bulk([s.ticket_id for s in surveys]),
    batch=BATCH,
)


def survey_remind_due(*, batch: int = BATCH, budget_seconds: float = 5.0) -> int:
    """The worker's job: one reminder for each unanswered, unexpired survey whose reminder is due
    (claimed with SKIP LOCKED on PostgreSQL: two workers never remind twice). Returns the number of
    surveys handled (0: nothing was due)."""
    return due_work(REMINDERS, batch=batch, budget_seconds=budget_seconds)
