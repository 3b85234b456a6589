"""The clarification loop (issue 14): while a request waits for its initiator at a point whose route
names a transition for the initiator's reply (`RoutePoint.on_reply`), the initiator's public reply —
the page's reply box, the API, any path that ends in `ticket_comment` — is their reaction: the request
takes that transition as theirs, in the same transaction, the reply its comment; the clocks resume
exactly as the transition resumes them and the transition's notifications go out. A watcher's or
staff member's reply, or an internal note, moves nothing; staff may take the request back to work.

The demo's Moscow calendar: Mon–Fri 09:00–13:00 and 14:00–18:00, Monday 9 March 2026 a day off. The
"requests" policy, priority normal: first reaction 4 h, resolution 24 h, next reaction 4 h.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.core.errors import Conflict, Forbidden
from otklik.notify.models import Notification
from otklik.routes.models import RoutePoint
from otklik.sla.models import Calendar, CalendarDay, Clock
from otklik.testing.client import browser
from otklik.testing.clock import set_now as when
from otklik.tickets.models import LogRecord, Ticket, Watcher
from otklik.workflow import ticket_comment, ticket_create, ticket_transition

MSK = ZoneInfo("Europe/Moscow")
NUMBER = re.compile(r'<tr data-number="([A-Z]+-\d+)"')


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, day, hh, mm, tzinfo=MSK)


@pytest.fixture
def p(personas):
    cal = Calendar.objects.get(code="moscow")
    CalendarDay.objects.update_or_create(calendar=cal, date=date(2026, 3, 9), defaults={"kind": "holiday"})
    return personas


def step(p, ticket, who, code, **kw):
    return ticket_transition(ticket=ticket, actor=getattr(p, who), transition_code=code, version=ticket.version, **kw)


def reply(p, ticket, who, body="Contracts, section 4", **kw):
    return ticket_comment(ticket=ticket, actor=getattr(p, who), body=body, **kw)


def clocks(ticket) -> dict[str, Clock]:
    return {c.metric: c for c in Clock.objects.filter(ticket=ticket)}


def fresh(ticket) -> Ticket:
    return Ticket.objects.select_related("point").get(pk=ticket.pk)


def waiting_request(p, settings) -> Ticket:
    """Filed Friday 6 March 16:30, taken by Alexei on Tuesday 10:00, asked about at 15:00 (6.5 h of
    the resolution's 24 used): it waits for Ivan, the resolution clock paused."""
    when(settings, at(6, 16, 30))
    t = ticket_create(
        initiator=p.initiator, type_code="request", subject="Access", category_code="access", fields={"kind": "access"}
    )
    when(settings, at(10, 10))
    t = step(p, t, "agent", "take")
    when(settings, at(10, 15))
    t = step(p, t, "agent", "ask", comment="Which contract section?")
    assert (t.point.code, t.executor_id) == ("waiting", p.agent.pk)
    assert clocks(t)["resolution"].state == "paused"
    return t


# --- the initiator's reply is their reaction --------------------------------------------------------


def test_the_initiators_reply_takes_the_routes_on_reply_transition(p, settings):
    t = waiting_request(p, settings)
    when(settings, at(12, 10))

    record = reply(p, t, "initiator", "  Contracts, section 4  ")

    row = fresh(t)
    assert (row.point.code, row.is_open, row.version, row.executor_id) == ("in_work", True, 4, p.agent.pk)
    assert t.point.code == "in_work" and t.version == 4  # the caller's request follows
    record = LogRecord.objects.get(pk=record.pk)
    assert (record.event, record.actor, record.actor_role) == ("transition", p.initiator, "initiator")
    assert (record.reaction, record.body, record.internal) == ("initiator_provided_info", "Contracts, section 4", False)
    assert (record.transition.code, record.point.code, record.to_point.code) == ("provide", "waiting", "in_work")
    assert record.new_value == {"on_reply": True}
    assert record.created_at == at(12, 10)
    # One record: the reply is the transition's comment, not a comment beside it.
    assert not LogRecord.objects.filter(ticket=t, event="comment").exists()


@pytest.mark.parametrize("how", ["reply", "button"])
def test_the_clocks_resume_exactly_as_the_transition_resumes_them(p, settings, how):
    t = waiting_request(p, settings)
    when(settings, at(12, 10))  # Thursday: 17.5 h left → Monday 16 March 11:30

    if how == "reply":
        reply(p, t, "initiator")
    else:  # the explicit button still works, with the same effect
        step(p, t, "initiator", "provide", comment="Contracts, section 4")

    c = clocks(t)
    assert (c["resolution"].state, c["resolution"].used, c["resolution"].due_at) == (
        "running",
        timedelta(hours=6, minutes=30),
        at(16, 11, 30),
    )
    assert (c["next_reaction"].state, c["next_reaction"].due_at) == ("running", at(12, 15))  # 4 h, across lunch
    ledger = list(LogRecord.objects.filter(ticket=t, event="sla").values_list("field", "sla_event").order_by("id"))
    assert ledger[-3:] == [("resolution", "paused"), ("next_reaction", "applied"), ("resolution", "resumed")]
    row = fresh(t)
    assert row.sla_due_at == at(12, 15)  # the nearest running deadline: the executor's answer


def test_the_transitions_notifications_go_out_and_the_watchers_hear_of_the_reply_once(p, settings):
    t = waiting_request(p, settings)
    Watcher.objects.create(ticket=t, user=p.initiator2)
    p.agent.language = "en"
    p.agent.save(update_fields=["language"])
    before = list(Notification.objects.values_list("pk", flat=True))
    when(settings, at(12, 10))

    reply(p, t, "initiator", "Contracts, section 4")

    rows = Notification.objects.filter(ticket=t).exclude(pk__in=before)
    told = {(n.event, n.recipient.username) for n in rows}
    # The executor hears of the move (the reply is its comment), not of a comment beside it; the
    # watcher, whom the move's rules do not reach, hears of the comment as any reply would tell them.
    assert ("ticket_moved", "agent") in told and ("ticket_comment", "initiator2") in told
    assert {who for _event, who in told} == {"agent", "initiator2"}
    assert not rows.filter(event="ticket_comment", recipient=p.agent).exists()
    assert not rows.filter(event="ticket_moved", recipient=p.initiator2).exists()
    assert not rows.filter(recipient=p.initiator).exists()  # who wrote it
    watchers = rows.filter(recipient=p.initiator2, channel="inapp")
    assert watchers.count() == 1 and "Contracts, section 4" in watchers.get().body
    inapp = rows.get(channel="inapp", recipient=p.agent)
    assert "In work" in inapp.subject
    assert "Contracts, section 4" in inapp.body


@pytest.mark.parametrize(
    ("who", "internal", "role"),
    [
        ("initiator2", False, "other"),  # a watcher
        ("agent", False, "executor"),
        ("lead", False, "staff"),
        ("manager", False, "staff"),
        ("agent", True, "executor"),  # an internal note
    ],
)
def test_no_one_elses_comment_ends_the_wait(p, settings, who, internal, role):
    t = waiting_request(p, settings)
    Watcher.objects.create(ticket=t, user=p.initiator2)
    when(settings, at(12, 10))

    record = reply(p, t, who, "Any news?", internal=internal)

    assert (record.event, record.actor_role) == ("note" if internal else "comment", role)
    row = fresh(t)
    assert (row.point.code, row.version) == ("waiting", 3)
    assert clocks(t)["resolution"].state == "paused"


def test_the_initiators_reply_elsewhere_is_a_comment(p, settings):
    t = waiting_request(p, settings)
    t = step(p, t, "initiator", "provide", comment="Section 4")  # back in work
    record = reply(p, t, "initiator", "And section 5, please")
    assert (record.event, record.reaction) == ("comment", "initiator_replied")
    assert (fresh(t).point.code, fresh(t).version) == ("in_work", 4)


def test_without_an_on_reply_transition_the_reply_is_a_comment_and_the_wait_goes_on(p, settings):
    point = RoutePoint.objects.get(route__code="request", code="waiting")
    point.on_reply = None
    point.save()
    t = waiting_request(p, settings)
    when(settings, at(12, 10))

    record = reply(p, t, "initiator")

    assert (record.event, record.reaction) == ("comment", "initiator_replied")
    assert fresh(t).point.code == "waiting"
    assert clocks(t)["resolution"].state == "paused"


def test_a_pending_staff_move_made_on_the_old_version_is_stale_after_the_reply(p, settings):
    t = waiting_request(p, settings)
    agents_copy = Ticket.objects.get(pk=t.pk)  # Alexei's page, read while it waited
    reply(p, t, "initiator")
    with pytest.raises(Conflict) as exc:
        step(p, agents_copy, "agent", "resume")
    assert exc.value.code == "stale_version"
    assert fresh(t).point.code == "in_work"


# --- staff take it back to work ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "lead", "manager"])
def test_staff_take_a_waiting_request_back_to_work(p, settings, who):
    t = waiting_request(p, settings)
    when(settings, at(12, 10))
    t = step(p, t, who, "resume", comment="The answer came by phone")
    assert (t.point.code, t.executor_id) == ("in_work", p.agent.pk)
    assert clocks(t)["resolution"].state == "running"


@pytest.mark.parametrize("who", ["initiator", "initiator2", "agent2"])
def test_only_staff_resume(p, settings, who):
    t = waiting_request(p, settings)
    with pytest.raises(Forbidden):
        step(p, t, who, "resume")
    assert fresh(t).point.code == "waiting"


# --- every demo route waits the same way -------------------------------------------------------------


@pytest.mark.parametrize("asked_at", ["accepted", "in_work"])
def test_an_error_waits_with_its_clock_paused_and_the_reply_sends_it_back_to_work(p, settings, asked_at):
    when(settings, at(10, 10))
    t = ticket_create(initiator=p.initiator, type_code="error", subject="Report", fields={"steps": "open it"})
    t = step(p, t, "agent", "accept")
    if asked_at == "in_work":
        t = step(p, t, "agent", "start")
    when(settings, at(10, 11, 10))
    t = step(p, t, "agent", "ask", comment="Which warehouse?")
    assert (t.point.code, t.point.kind) == ("waiting", "waiting")
    assert clocks(t)["resolution"].state == "paused"

    when(settings, at(10, 15))
    reply(p, t, "initiator", "Kazan")

    assert fresh(t).point.code == "in_work"
    assert clocks(t)["resolution"].state == "running"
    assert clocks(t)["resolution"].used == timedelta(hours=1, minutes=10)  # 10:00–11:10; not the wait


def test_a_wish_is_clarified_under_review(p, settings):
    when(settings, at(10, 10))
    t = ticket_create(initiator=p.initiator, type_code="wish", subject="Export", fields={"benefit": "time"})
    t = step(p, t, "agent2", "review")
    t = step(p, t, "agent2", "ask", comment="Which format?")
    assert t.point.code == "waiting" and clocks(t)["resolution"].state == "paused"

    reply(p, t, "initiator", "XLSX")

    assert fresh(t).point.code == "under_review"
    assert clocks(t)["resolution"].state == "running"
    t = fresh(t)
    t = step(p, t, "agent2", "ask", comment="And the columns?")
    t = step(p, t, "agent2", "resume")
    assert t.point.code == "under_review"


# --- the API and the page ----------------------------------------------------------------------------


def _api_waiting_request(api) -> dict:
    r = api("initiator").post("/tickets", {"type": "request", "subject": "Доступ", "fields": {"kind": "access"}})
    assert r.status_code == 201, r.content
    tid = r.json()["id"]
    for who, code, comment in (("agent", "take", None), ("agent", "ask", "Какой раздел?")):
        version = api(who).get(f"/tickets/{tid}").json()["version"]
        r = api(who).post(f"/tickets/{tid}/transitions", {"transition": code, "version": version, "comment": comment})
        assert r.status_code == 200, r.content
    return r.json()


def test_the_initiators_reply_through_the_api(api):
    ticket = _api_waiting_request(api)
    assert ticket["state"] == "waiting"

    r = api("initiator").post(f"/tickets/{ticket['id']}/comments", {"body": "Раздел 4"})

    assert r.status_code == 201, r.content
    c = r.json()
    assert (c["event"], c["reaction"], c["role"], c["body"]) == (
        "transition",
        "initiator_provided_info",
        "initiator",
        "Раздел 4",
    )
    assert (c["stage"]["code"], c["to_stage"]["code"], c["transition"]) == ("waiting", "in_work", "provide")
    after = api("agent").get(f"/tickets/{ticket['id']}").json()
    assert (after["state"], after["version"]) == ("in_work", ticket["version"] + 1)
    assert {s["metric"]: s["state"] for s in after["sla"]}["resolution"] == "running"


def test_a_support_reply_through_the_api_leaves_it_waiting(api):
    ticket = _api_waiting_request(api)
    r = api("lead").post(f"/tickets/{ticket['id']}/comments", {"body": "Напомню инициатору"})
    assert r.status_code == 201 and r.json()["event"] == "comment"
    assert api("agent").get(f"/tickets/{ticket['id']}").json()["state"] == "waiting"


def test_the_reply_box_says_what_a_reply_does_and_then_the_request_is_back_in_the_agents_queue(p, settings):
    t = waiting_request(p, settings)
    ivan, alexei = browser(p.initiator), browser(p.agent)
    url = f"/requests/{t.number}"
    assert t.number not in NUMBER.findall(alexei.get("/work?queue=waiting").content.decode())
    assert "When you send your reply, the request goes on to “In work”." in ivan.get(url).content.decode()
    assert "reply-moves-help" not in alexei.get(url).content.decode()  # support's reply moves nothing

    when(settings, at(12, 10))
    r = ivan.post(f"{url}/comment", {"body": "Contracts, section 4"}, follow=True)

    assert r.status_code == 200
    assert "Your reply was added. The request is now: In work." in r.content.decode()
    assert fresh(t).point.code == "in_work"
    assert t.number in NUMBER.findall(alexei.get("/work?queue=waiting").content.decode())
    page = alexei.get(url).content.decode()
    assert "Replied: Waiting for the initiator → In work" in page
