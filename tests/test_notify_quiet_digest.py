"""Quiet hours and digests: the pure time arithmetic (midnight, daylight saving, boundaries); e-mail
in a person's quiet hours waits for their end in their time zone while the inbox gets it at once
and critical messages go at once; low-importance e-mail of a person with a digest is held, then
gathered into one digest per person and channel and delivered (also by `otklik worker --once`);
the schedule API validates and round-trips."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import Max

from otklik.notify.delivery import notify_deliver_due
from otklik.notify.digests import ITEMS_LIMIT, notify_digests_due
from otklik.notify.models import Notification, Rule, Schedule
from otklik.notify.quiet import next_digest, quiet_until
from otklik.testing.clock import set_now as when
from otklik.testing.factories import file_error
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_comment

UTC = dt.UTC
MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NIGHT = (dt.time(22, 0), dt.time(8, 0))


def at(zone: ZoneInfo, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


# -- quiet.py: pure ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(MSK, 2026, 3, 10, 23, 30), at(MSK, 2026, 3, 11, 8, 0)),  # before midnight: tomorrow's end
        (at(MSK, 2026, 3, 11, 3, 0), at(MSK, 2026, 3, 11, 8, 0)),  # after midnight: today's end
        (at(MSK, 2026, 3, 10, 22, 0), at(MSK, 2026, 3, 11, 8, 0)),  # the start is inside
        (at(MSK, 2026, 3, 11, 8, 0), None),  # the end is not
        (at(MSK, 2026, 3, 10, 21, 59, 59), None),
        (at(MSK, 2026, 3, 10, 12, 0), None),
        (at(UTC, 2026, 3, 10, 20, 0), at(UTC, 2026, 3, 11, 5, 0)),  # 23:00 in Moscow (UTC+3, no DST)
        (at(UTC, 2026, 7, 10, 20, 0), at(UTC, 2026, 7, 11, 5, 0)),  # the same in summer
    ],
)
def test_quiet_hours_wrapping_midnight_in_moscow(moment, expected):
    assert quiet_until(moment, "Europe/Moscow", *NIGHT) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # The night clocks go forward (29 March 2026, 02:00 → 03:00): 08:00 CEST is 06:00 UTC.
        (at(UTC, 2026, 3, 28, 22, 30), at(UTC, 2026, 3, 29, 6, 0)),
        # The night clocks go back (25 October 2026, 03:00 → 02:00): 08:00 CET is 07:00 UTC.
        (at(UTC, 2026, 10, 24, 21, 30), at(UTC, 2026, 10, 25, 7, 0)),
        (at(UTC, 2026, 10, 25, 1, 30), at(UTC, 2026, 10, 25, 7, 0)),  # 02:30 CET, the repeated hour
        (at(UTC, 2026, 3, 29, 6, 0), None),  # 08:00 CEST: over
    ],
)
def test_quiet_hours_keep_the_wall_clock_across_daylight_saving(moment, expected):
    assert quiet_until(moment, "Europe/Berlin", *NIGHT) == expected


def test_quiet_hours_within_a_day_and_degenerate_ones():
    lunch = (dt.time(13, 0), dt.time(14, 0))
    assert quiet_until(at(MSK, 2026, 3, 10, 13, 0), "Europe/Moscow", *lunch) == at(MSK, 2026, 3, 10, 14, 0)
    assert quiet_until(at(MSK, 2026, 3, 10, 14, 0), "Europe/Moscow", *lunch) is None
    assert quiet_until(at(MSK, 2026, 3, 10, 12, 59), "Europe/Moscow", *lunch) is None
    assert quiet_until(at(MSK, 2026, 3, 10, 23, 0), "Europe/Moscow", None, None) is None
    assert quiet_until(at(MSK, 2026, 3, 10, 23, 0), "Europe/Moscow", dt.time(8), dt.time(8)) is None
    # An unknown zone in old data counts as UTC rather than failing.
    assert quiet_until(at(UTC, 2026, 3, 10, 23, 0), "Mars/Olympus", *NIGHT) == at(UTC, 2026, 3, 11, 8, 0)


def test_digest_moments():
    nine = dt.time(9, 0)
    assert next_digest(at(MSK, 2026, 3, 10, 8, 59), "Europe/Moscow", "daily", nine) == at(MSK, 2026, 3, 10, 9, 0)
    assert next_digest(at(MSK, 2026, 3, 10, 9, 0), "Europe/Moscow", "daily", nine) == at(MSK, 2026, 3, 11, 9, 0)
    assert next_digest(at(MSK, 2026, 3, 10, 10, 20), "Europe/Moscow", "hourly", nine) == at(MSK, 2026, 3, 10, 11, 0)
    # Across the spring change in Berlin: 09:00 local the next day is 07:00 UTC, not 08:00.
    assert next_digest(at(BERLIN, 2026, 3, 28, 10, 0), "Europe/Berlin", "daily", nine) == at(UTC, 2026, 3, 29, 7, 0)
    # The night the clocks go back in Berlin: 02:30 CEST, then the next full hour is 02:00 CET.
    assert next_digest(at(UTC, 2026, 10, 25, 0, 30), "Europe/Berlin", "hourly", nine) == at(UTC, 2026, 10, 25, 1, 0)
    assert next_digest(at(UTC, 2026, 10, 25, 1, 30), "Europe/Berlin", "hourly", nine) == at(UTC, 2026, 10, 25, 2, 0)
    # A zone half an hour off UTC: the person's full hour.
    kolkata = ZoneInfo("Asia/Kolkata")
    assert next_digest(at(kolkata, 2026, 3, 10, 10, 20), "Asia/Kolkata", "hourly", nine) == at(kolkata, 2026, 3, 10, 11)


# -- quiet hours and digests on real notifications ------------------------------------------------------


def last_id() -> int:
    return Notification.objects.aggregate(m=Max("id"))["m"] or 0


def rows_since(since: int, **filters) -> dict[tuple[str, str], list[Notification]]:
    out: dict[tuple[str, str], list[Notification]] = {}
    for n in Notification.objects.filter(pk__gt=since, **filters).select_related("recipient").order_by("id"):
        out.setdefault((n.recipient.username if n.recipient else "", n.channel), []).append(n)
    return out


def test_email_in_quiet_hours_waits_for_their_end_in_the_persons_zone(personas, settings):
    p = personas
    p.initiator.time_zone = "Asia/Yekaterinburg"  # UTC+5: 22:30 there is 20:30 in Moscow
    p.initiator.save()
    Schedule.objects.create(user=p.initiator, quiet_start=dt.time(22, 0), quiet_end=dt.time(8, 0))
    moment = at(MSK, 2026, 3, 10, 20, 30)
    when(settings, moment)
    t = file_error(p.initiator)
    since = last_id()
    ticket_comment(ticket=t, actor=p.lead, body="Please try again")
    rows = rows_since(since)
    (email,) = rows["initiator", "email"]
    (inapp,) = rows["initiator", "inapp"]
    assert email.state == "pending"
    assert email.due_at == at(ZoneInfo("Asia/Yekaterinburg"), 2026, 3, 11, 8, 0) == at(UTC, 2026, 3, 11, 3, 0)
    assert inapp.due_at == moment
    # Nothing is delivered before its time.
    notify_deliver_due()
    email.refresh_from_db()
    assert email.state == "pending"

    # Comments on critical requests are high (they wait too), unless a rule makes them critical.
    urgent = file_error(p.initiator, priority_code="critical")
    since = last_id()
    ticket_comment(ticket=urgent, actor=p.lead, body="Looking")
    (high,) = rows_since(since)["initiator", "email"]
    assert (high.importance, high.due_at) == ("high", at(ZoneInfo("Asia/Yekaterinburg"), 2026, 3, 11, 8, 0))
    rule = Rule.objects.create(name="critical", event="ticket_comment", to_initiator=True, importance="critical")
    rule.priorities.add(urgent.priority)
    since = last_id()
    ticket_comment(ticket=urgent, actor=p.lead, body="Call me")
    (critical,) = rows_since(since)["initiator", "email"]
    assert (critical.importance, critical.due_at) == ("critical", moment)


@pytest.fixture
def digesting(personas, settings):
    """Ivan (English, Moscow) takes a daily digest at 09:00 and also SMS of comments; agent2 watches
    his low-priority request and takes a daily digest too. Two comments at 15:00 on 10 March."""
    p = personas
    p.initiator.language = "en"
    p.initiator.phone = p.initiator.phone_verified = "+7 999 123-45-67"
    p.initiator.save()
    # Comments are normal; the administrator makes them low here, so they wait for the digest.
    Rule.objects.create(name="sms", event="ticket_comment", to_initiator=True, channels=["sms"], importance="low")
    for user in (p.initiator, p.agent2):
        Schedule.objects.create(user=user, digest="daily", digest_time=dt.time(9, 0))
    when(settings, at(MSK, 2026, 3, 10, 15, 0))
    t = file_error(p.initiator, priority_code="low")
    ticket_watch(ticket=t, actor=p.agent2, add=True)
    since = last_id()
    ticket_comment(ticket=t, actor=p.lead, body="Looking")
    ticket_comment(ticket=t, actor=p.lead, body="Found it")
    return t, since


def test_low_importance_messages_are_held_for_the_digest(digesting, personas):
    _, since = digesting
    rows = rows_since(since)
    due = at(MSK, 2026, 3, 11, 9, 0)
    for key in (("initiator", "email"), ("initiator", "sms"), ("agent2", "email")):
        assert [(n.importance, n.state, n.due_at) for n in rows[key]] == [("low", "held", due)] * 2, key
    assert {n.state for n in rows["initiator", "inapp"]} == {"pending"}  # the inbox at once
    assert ("lead", "email") not in rows  # the actor
    assert notify_digests_due() == 0  # not yet
    notify_deliver_due()
    assert all(n.state == "held" for n in Notification.objects.filter(pk__gt=since, channel__in=["email", "sms"]))


def test_the_digest_job_sends_one_per_person_and_channel(digesting, personas, settings):
    t, since = digesting
    when(settings, at(MSK, 2026, 3, 11, 9, 0))
    notify_deliver_due()  # what was pending already
    mail.outbox.clear()
    assert notify_digests_due() == 6
    assert notify_digests_due() == 0
    digests = rows_since(since, event="digest")
    assert sorted(digests) == [("agent2", "email"), ("initiator", "email"), ("initiator", "sms")]
    for (username, channel), (digest,) in digests.items():
        held = Notification.objects.filter(digest=digest)
        assert held.count() == 2
        assert {(n.recipient.username, n.channel, n.state) for n in held} == {(username, channel, "digested")}
        assert {n.delivered_at for n in held} == {at(MSK, 2026, 3, 11, 9, 0)}
    email = digests["initiator", "email"][0]
    assert email.subject == "digest: 2 notifications"
    assert email.body.count(f"/requests/{t.number}") == 2
    assert not Notification.objects.filter(pk__gt=since, state="held").exists()

    notify_deliver_due()
    email.refresh_from_db()
    assert email.state == "delivered"
    (sent,) = [m for m in mail.outbox if m.to == ["initiator@example.com"]]
    assert sent.subject == "digest: 2 notifications"


def test_worker_once_gathers_the_digests_then_delivers_them(digesting, personas, settings):
    _, since = digesting
    when(settings, at(MSK, 2026, 3, 11, 9, 0))
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "notify.digests: 6" in out.getvalue()
    (digest,) = rows_since(since, event="digest")["agent2", "email"]
    assert digest.state == "delivered"  # in the same pass: digests run before delivery


def test_a_digest_waits_for_the_end_of_quiet_hours(personas, settings):
    p = personas
    Rule.objects.create(name="low", event="ticket_comment", to_initiator=True, channels=["email"], importance="low")
    Schedule.objects.create(user=p.initiator, quiet_start=dt.time(22, 0), quiet_end=dt.time(8, 0), digest="hourly")
    when(settings, at(MSK, 2026, 3, 10, 23, 10))
    t = file_error(p.initiator, priority_code="low")
    since = last_id()
    ticket_comment(ticket=t, actor=p.lead, body="Late night")
    (held,) = rows_since(since)["initiator", "email"]
    assert (held.state, held.due_at) == ("held", at(MSK, 2026, 3, 11, 0, 0))
    when(settings, at(MSK, 2026, 3, 11, 0, 0))
    assert notify_digests_due() == 1
    (digest,) = rows_since(since, event="digest")["initiator", "email"]
    assert digest.due_at == at(MSK, 2026, 3, 11, 8, 0)  # an e-mail like any other: not at midnight


def test_a_long_digest_lists_the_first_items_and_counts_them_all(personas, settings):
    p = personas
    moment = at(MSK, 2026, 3, 11, 9, 0)
    when(settings, moment)
    p.agent2.language = "en"
    p.agent2.save()
    since = last_id()
    Notification.objects.bulk_create(
        Notification(
            event="ticket_comment",
            recipient=p.agent2,
            channel="email",
            importance="low",
            subject=f"item {i}",
            state="held",
            due_at=moment,
            created_at=moment,
        )
        for i in range(ITEMS_LIMIT + 3)
    )
    assert notify_digests_due() == ITEMS_LIMIT + 3
    (digest,) = rows_since(since, event="digest")["agent2", "email"]
    assert digest.subject == f"digest: {ITEMS_LIMIT + 3} notifications"
    assert digest.body.count("• item") == ITEMS_LIMIT
    assert digest.body.endswith("… +3")


# -- the schedule API -----------------------------------------------------------------------------------


def test_the_schedule_round_trips(api, personas):
    me = api("initiator")
    assert me.get("/notifications/schedule").json() == {
        "quiet_start": None,
        "quiet_end": None,
        "digest": "",
        "digest_time": "09:00",
        "task_form": "todo",
    }
    wanted = {"quiet_start": "22:00", "quiet_end": "07:30", "digest": "daily", "digest_time": "08:15"}
    r = me.put("/notifications/schedule", wanted)
    # task_form left out: unchanged (the calendar task's form, tests/test_calendar_task_forms.py)
    assert (r.status_code, r.json()) == (200, {**wanted, "task_form": "todo"})
    assert me.get("/notifications/schedule").json() == {**wanted, "task_form": "todo"}
    r = me.put("/notifications/schedule", {**wanted, "task_form": "event"})
    assert (r.status_code, r.json()["task_form"]) == (200, "event")
    s = Schedule.objects.get(user=personas.initiator)
    assert (s.quiet_start, s.quiet_end, s.digest, s.digest_time) == (
        dt.time(22),
        dt.time(7, 30),
        "daily",
        dt.time(8, 15),
    )
    r = me.put("/notifications/schedule", {"digest": "hourly"})  # no quiet hours, the digest time by default
    assert r.json() == {
        "quiet_start": None,
        "quiet_end": None,
        "digest": "hourly",
        "digest_time": "09:00",
        "task_form": "event",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
        ({"quiet_start": "22:00", "quiet_end": "late"}, "quiet_end"),
        ({"quiet_start": "22:00"}, "quiet_end"),
        ({"quiet_end": "07:00"}, "quiet_end"),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "quiet_end"),
        ({"digest": "weekly"}, "digest"),
        ({"digest": "daily", "digest_time": "nine"}, "digest_time"),
        ({"quiet_start": "22:00+03:00", "quiet_end": "07:00"}, "quiet_start"),  # local times only
        ({"task_form": "meeting"}, "task_form"),
    ],
)
def test_the_schedule_refuses_bad_values_and_keeps_the_old_ones(api, body, field):
    me = api("initiator")
    good = {"quiet_start": "23:00", "quiet_end": "07:00", "digest": "", "digest_time": "09:00"}
    assert me.put("/notifications/schedule", good).status_code == 200
    r = me.put("/notifications/schedule", body)
    assert r.status_code == 422, r.content
    assert r.json()["detail"]
    assert field in {e["field"] for e in r.json()["errors"]}
    assert me.get("/notifications/schedule").json() == {**good, "task_form": "todo"}


def test_the_schedule_refuses_unknown_fields(api):
    r = api("initiator").put("/notifications/schedule", {"quiet_from": "22:00"})
    assert r.status_code == 422
    assert "quiet_from" in r.json()["detail"]
