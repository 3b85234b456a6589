"""`otklik demo --history WEEKS`: weeks of the demo organisation's past work, so the quality reports,
the dashboard and the complaints have something to show on a first run.

Everything goes through the real services under a moving application clock (the same override the
tests use, OTKLIK_NOW, set here in-process only): requests filed on working days, taken, asked
about, resolved, confirmed, rejected and resolved again, rated, complained about and answered. The
worker's timers run every evening as the days pass (SLA deadlines and escalations, the complaints'
deadlines, the confirmation period, the survey reminders, the monthly quality report), and once
more at the end, so some targets are missed and everything the past made due is done in the past:
a first worker pass finds no old reminder or report to send. The notifications this past would
have sent are dropped at the end (nobody should get weeks of old e-mail), and the quality facts
are brought up to date. Reproducible for a given seed; added once (a second run finds the history
and does nothing).
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections.abc import Callable, Generator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from otklik.accounts.models import User
from otklik.complaints.models import Complaint
from otklik.complaints.services import complaint_answer, complaint_file, complaint_take
from otklik.core.clock import now
from otklik.core.errors import DomainError, TooMany
from otklik.feedback.surveys import survey_answer
from otklik.notify.models import Notification
from otklik.quality.refresh import facts_refresh_all
from otklik.runtime.jobs import default_jobs
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_comment, ticket_create, ticket_transition

# In every subject, in the service's language (the demo's requests are Russian; an English install
# reads its own): the history is found again by either.
MARKS = {"ru": "[история демо]", "en": "[demo history]"}


def mark() -> str:
    return MARKS.get(settings.LANGUAGE_CODE[:2], MARKS["en"])


SUBJECTS = {
    "error": [
        ("Отчёт по остаткам формируется пустым", "accounting-reports"),
        ("Ошибка при проведении платёжного поручения", "accounting"),
        ("Не рассчитываются отпускные", "accounting-payroll"),
        ("Зависает печать накладной", "accounting"),
        ("Неверный итог в оборотно-сальдовой ведомости", "accounting-reports"),
    ],
    "request": [
        ("Нужен доступ к разделу «Склад»", "access"),
        ("Новая учётная запись для сотрудника", "access"),
        ("Консультация по закрытию месяца", "accounting"),
    ],
}
COMMENTS = ["Уточните, пожалуйста, период.", "Проверили, исправляем.", "Спасибо!", "Ошибка повторяется."]


def _working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


Life = Generator[float, None, None]  # yields the hours until its next step


def demo_history(*, weeks: int, seed: int = 7, say: Callable[[str], None] = print) -> int:
    """Write `weeks` weeks of history ending now; returns the number of requests filed (0 when the
    history is there already). Every request's life is a sequence of steps at its own moments; all
    steps of all requests and the worker's evening passes run in the order of their moments."""
    if weeks < 1:
        raise ValueError("the history needs at least one week")
    found = Q()
    for text in MARKS.values():
        found |= Q(subject__startswith=text)
    if Ticket.objects.filter(found).exists():
        return 0
    rng = random.Random(seed)
    people = {u.username: u for u in User.objects.filter(username__in=_NAMES)}
    missing = sorted(set(_NAMES) - set(people))
    if missing:
        raise ValueError(f"the demo's users are missing ({', '.join(missing)}): run `otklik demo` first")
    tz = timezone.get_default_timezone()
    limit = now()
    today = timezone.localtime(limit, tz).date()
    first_id = (Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    events: list[tuple[dt.datetime, int, Life | None]] = []  # (moment, order, life; None: the worker)
    order = itertools.count()
    for day in _working_days(today - dt.timedelta(weeks=weeks), today - dt.timedelta(days=1)):
        for _ in range(rng.randint(2, 5)):
            hour = rng.uniform(9, 17)
            moment = dt.datetime.combine(day, dt.time(int(hour), int(hour % 1 * 60)), tz)
            events.append((moment, next(order), _life(random.Random(rng.random()), people)))
        events.append((dt.datetime.combine(day, dt.time(18, 30), tz), next(order), None))
    heapq.heapify(events)
    first_notification = (Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    filed, started = 0, set()
    with override_settings(OTKLIK_NOW=None):
        while events:
            moment, _n, life = heapq.heappop(events)
            if moment >= limit:
                break
            with override_settings(OTKLIK_NOW=moment.isoformat()):
                if life is None:
                    _worker_pass()
                    continue
                if id(life) not in started:
                    started.add(id(life))
                    filed += 1
                    if filed % 50 == 0:
                        say(f"  {filed} requests filed ({moment.date().isoformat()})")
                try:
                    hours = next(life, None)
                except DomainError as exc:  # a step the request's state no longer allows: its life ends
                    say(f"  a step was refused ({exc}); that request stays as it is")
                    hours = None
            if hours is not None:
                heapq.heappush(events, (moment + dt.timedelta(hours=hours), next(order), life))
        with override_settings(OTKLIK_NOW=limit.isoformat()):
            _worker_pass()  # what came due since the last evening: done now, not on the worker's first pass
    with transaction.atomic():
        # The past's notifications are not sent now (weeks of old e-mail), nor shown as unread:
        # the requests', the surveys' and complaints', the monthly report's.
        Notification.objects.filter(Q(ticket_id__gte=first_id) | Q(pk__gte=first_notification)).delete()
    facts_refresh_all()
    return filed


_NAMES = ("initiator", "initiator2", "agent", "agent2", "lead", "manager")


# The worker's timers the history runs as it goes (runtime/jobs.py, by their names there): not the
# delivery (what they queue is dropped at the end), nor the facts (refreshed once at the end), nor
# the regulation's jobs (the history changes no configuration).
HISTORY_JOBS = (
    "sla.timers",
    "complaints.timers",
    "tickets.auto_confirm",
    "feedback.survey_reminders",
    "quality.monthly",
)


def _worker_pass() -> None:
    """The history's worker jobs as `otklik worker` runs them: each draining one until nothing is due."""
    jobs = {job.name: job for job in default_jobs()}
    for name in HISTORY_JOBS:
        job = jobs[name]
        for _ in range(1000 if job.drain else 1):  # a guard: each pass handles what is due and clears it
            if not job.run():
                break


def _life(rng: random.Random, p: dict[str, User]) -> Life:
    """One request: filed, taken (sometimes late), perhaps asked about, resolved, perhaps rejected
    and resolved again, rated or not, perhaps complained about, confirmed or left to the
    confirmation period. Steps whose moment has not come by the end of the history are not taken."""
    kind = "error" if rng.random() < 0.65 else "request"
    subject, category = rng.choice(SUBJECTS[kind])
    initiator = p[rng.choice(("initiator", "initiator2"))]
    fields = {"steps": "Открыть отчёт и сформировать."} if kind == "error" else {"kind": "access"}
    priority = rng.choices(["critical", "high", "normal", "low"], weights=[1, 3, 8, 3])[0]
    t = ticket_create(
        initiator=initiator,
        type_code=kind,
        subject=f"{mark()} {subject}",
        category_code=category,
        priority_code=priority,
        fields=fields,
    )
    executor = p["agent2"] if category == "accounting-payroll" else p[rng.choice(("agent", "agent", "lead"))]

    def move(code: str, actor: User, **kw: Any) -> None:
        t.refresh_from_db()
        ticket_transition(ticket=t, actor=actor, transition_code=code, version=t.version, **kw)

    yield rng.choice([0.2, 0.5, 1, 2, 5, 20])
    if kind == "error":
        move("accept", executor)
        yield rng.uniform(0.1, 2)
        move("start", executor)
    else:
        move("take", executor)
        if rng.random() < 0.3:
            yield rng.uniform(0.5, 3)
            move("ask", executor, comment=COMMENTS[0])
            yield rng.uniform(1, 30)
            # Answered as most people do, in the reply box: the route's on-reply takes "provide".
            t.refresh_from_db()
            ticket_comment(ticket=t, actor=initiator, body="Январь–март.")
    if rng.random() < 0.4:
        yield rng.uniform(0.5, 4)
        t.refresh_from_db()
        ticket_comment(ticket=t, actor=executor, body=COMMENTS[1])
    yield rng.choice([2, 4, 8, 16, 30, 60])
    move("resolve", executor, comment="Исправлено.")
    rejected = rng.random() < 0.12
    if rejected:
        yield rng.uniform(1, 20)
        move("reject", initiator, comment=COMMENTS[3])
        yield rng.uniform(2, 20)
        move("resolve", executor, comment="Исправлено окончательно.")
    if rng.random() < 0.55:
        yield rng.uniform(0.5, 24)
        weights = [3, 3, 2, 1, 1] if rejected else [1, 1, 2, 5, 8]
        score = rng.choices([1, 2, 3, 4, 5], weights=weights)[0]
        survey_answer(ticket=t, actor=initiator, score=score, comment=COMMENTS[2] if score >= 4 else "")
        if score <= 2 and rng.random() < 0.5:
            yield rng.uniform(0.5, 8)
            try:
                c = complaint_file(author=initiator, ticket=t, body="Решение затянулось, пришлось обращаться повторно.")
            except TooMany:  # the daily cap on complaints: this one is not filed
                c = None
            if c is not None:
                yield rng.choice([1, 3, 6, 12])
                c = complaint_take(complaint=c, actor=p["manager"], version=c.version)
                yield rng.choice([2, 6, 12, 30])
                c = Complaint.objects.get(pk=c.pk)
                upheld = rng.random() < 0.5
                complaint_answer(
                    complaint=c,
                    actor=p["manager"],
                    decision="upheld" if upheld else "rejected",
                    answer="Срок нарушен, разобрались с группой." if upheld else "Срок соблюдён по регламенту.",
                    version=c.version,
                )
    if rng.random() < 0.6:
        yield rng.uniform(1, 30)
        t.refresh_from_db()
        if t.point.kind == "resolved":  # the confirmation period may have closed it already
            move("confirm", initiator)
