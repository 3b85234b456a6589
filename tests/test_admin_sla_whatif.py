"""The what-if preview: before an edited policy or calendar is saved, the admin sees which open
requests would get which new deadlines and which would become breached, and nothing is saved.

The demo's Moscow calendar: Mon–Fri 09:00–13:00 and 14:00–18:00. Two Error requests (priority
normal: first reaction 4 h, resolution 24 h) are filed on Tuesday 10 March 2026 at 11:30; the
preview is asked for at 15:00, when 2.5 working hours of each target are used.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.core.clock import now
from otklik.regulation.models import Version
from otklik.sla import reference
from otklik.sla.models import Calendar, CalendarDay, Clock, Policy, Target
from otklik.sla.reference import sla_reference
from otklik.sla.timers import sla_timers_pass
from otklik.sla.whatif import whatif_compare
from otklik.testing.adminforms import admin_form_data as form_data
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord, Ticket

MSK = ZoneInfo("Europe/Moscow")
FILED = "2026-03-10T11:30:00+03:00"
ASKED = "2026-03-10T15:00:00+03:00"


def at(day: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hh, mm, tzinfo=MSK)


def change_url(obj):
    return f"/admin/sla/{obj._meta.model_name}/{obj.pk}/change/"


class _HiddenInputs(HTMLParser):
    """The fields of the preview's "Save these changes" form, as the browser would post them."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "whatif-save":
            self.inside = True
        elif tag == "input" and self.inside and attrs.get("type") == "hidden":
            self.fields.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def hidden_fields(response) -> dict[str, list[str]]:
    parser = _HiddenInputs()
    parser.feed(response.content.decode())
    out: dict[str, list[str]] = {}
    for name, value in parser.fields:
        out.setdefault(name, []).append(value)
    return out


def on_commit(callbacks):
    """What the request left to do on commit, but dropping the SLA snapshot (harmless, and done anyway)."""
    return [c for c in callbacks if c is not reference._snapshot.drop_on_commit]


def state():
    """Everything a preview must leave as it was."""
    return {
        "targets": sorted(Target.objects.values_list("pk", "policy_id", "priority_id", "metric", "minutes")),
        "policies": sorted(Policy.objects.values_list("pk", "code", "is_default", "is_active", "updated_at")),
        "days": sorted(CalendarDay.objects.values_list("pk", "calendar_id", "date", "kind")),
        "calendars": sorted(Calendar.objects.values_list("pk", "is_default", "updated_at")),
        "clocks": sorted(Clock.objects.values_list("pk", "policy_id", "calendar_id", "target", "state", "due_at")),
        "tickets": sorted(Ticket.objects.values_list("pk", "sla_due_at", "sla_next_at", "sla_breached", "version")),
        "reactions": LogRecord.objects.count(),
        "log": LogEntry.objects.count(),
        "versions": Version.objects.count(),
    }


@pytest.fixture
def world(db, settings):
    """The demo, two normal Error requests filed at 11:30, and the admin at 15:00."""
    from otklik.testing.personas import load_personas

    settings.OTKLIK_NOW = FILED
    personas = load_personas()
    personas.admin.language = "en"
    personas.admin.save()
    first = file_error(personas.initiator, subject="Report fails")
    second = file_error(personas.initiator2, subject="Printing <fails>")
    settings.OTKLIK_NOW = ASKED
    client = Client()
    client.force_login(personas.admin)
    return personas, client, first, second


def shorten_error_targets(client, *, first_reaction="2h", resolution="20h"):
    policy = Policy.objects.get(code="errors")
    page = client.get(change_url(policy))
    data = form_data(page)
    forms = page.context["inline_admin_formsets"][0].formset.forms
    for i, form in enumerate(forms):
        if form.instance.priority.code == "normal" and form.instance.metric == "first_reaction":
            data[f"targets-{i}-minutes"] = first_reaction
        if form.instance.priority.code == "normal" and form.instance.metric == "resolution":
            data[f"targets-{i}-minutes"] = resolution
    return policy, data


def test_preview_lists_new_deadlines_and_breaches_and_saves_nothing(world, django_capture_on_commit_callbacks):
    _, client, first, second = world
    assert Clock.objects.get(ticket=first, metric="first_reaction").due_at == at(10, 16, 30)
    assert Clock.objects.get(ticket=first, metric="resolution").due_at == at(13, 11, 30)
    policy, data = shorten_error_targets(client)
    before = state()

    with django_capture_on_commit_callbacks() as pending:
        resp = client.post(change_url(policy), {**data, "_preview": "Preview the effect"})

    assert resp.status_code == 200, resp.content.decode()[:3000]
    assert on_commit(pending) == []  # no marking, no publication of the regulation: the edit was rolled back
    assert state() == before
    whatif = resp.context["whatif"]
    assert whatif.examined == Ticket.objects.filter(is_open=True).count()
    assert (whatif.changed_requests, whatif.breached_requests) == (2, 2)
    rows = {(c.number, c.metric): c for c in whatif.changes}
    assert set(rows) == {(t.number, m) for t in (first, second) for m in ("first_reaction", "resolution")}
    reaction = rows[(first.number, "first_reaction")]
    # 2 h from 11:30 ran out at 14:30, before the preview at 15:00: breached where it happened.
    assert (reaction.old_due, reaction.new_due) == (at(10, 16, 30), at(10, 14, 30))
    assert (reaction.old_state, reaction.new_state, reaction.becomes_breached) == ("running", "breached", True)
    resolution = rows[(first.number, "resolution")]
    # 20 h from 11:30: Tuesday 5.5 h, Wednesday 8 h, Thursday 6.5 h.
    assert (resolution.old_due, resolution.new_due) == (at(13, 11, 30), at(12, 16, 30))
    assert (resolution.new_state, resolution.becomes_breached) == ("running", False)
    assert [c.new_due for c in whatif.changes] == sorted(c.new_due for c in whatif.changes)

    text = resp.content.decode()
    assert text.count("becomes breached") == 2
    assert f'href="/admin/tickets/ticket/{first.pk}/change/"' in text
    assert "Printing &lt;fails&gt;" in text and "Printing <fails>" not in text  # escaped
    assert "24h → 20h" in text and "4h → 2h" in text
    assert "Save these changes" in text and "history.back()" in text
    hidden = hidden_fields(resp)
    assert "_preview" not in hidden
    assert hidden["csrfmiddlewaretoken"][0]  # a fresh token of its own
    assert hidden["request_types"] == [str(v) for v in data["request_types"]]
    # Nothing was cached from the rolled-back edit.
    assert sla_reference().policies_by_id[policy.pk].targets[
        (first.priority_id, "first_reaction")
    ].target == dt.timedelta(hours=4)

    # No "changed successfully" waits for the next page.
    assert [str(m) for m in client.get("/admin/").context["messages"]] == []

    # "Save these changes" posts the same form again, without _preview.
    posted = {name: values if len(values) > 1 else values[0] for name, values in hidden.items()}
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(change_url(policy), posted)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    normal = Target.objects.filter(policy=policy, priority=first.priority)
    assert dict(normal.values_list("metric", "minutes")) == {
        "first_reaction": 120,
        "resolution": 1200,
        "next_reaction": 120,
    }
    assert set(Ticket.objects.filter(sla_next_at__lte=now()).values_list("pk", flat=True)) == set(
        Ticket.objects.filter(is_open=True).values_list("pk", flat=True)
    )

    # The worker recomputes them as the preview said.
    sla_timers_pass()
    for ticket in (first, second):
        clocks = {c.metric: c for c in Clock.objects.filter(ticket=ticket)}
        assert (clocks["first_reaction"].state, clocks["first_reaction"].due_at) == ("breached", at(10, 14, 30))
        assert (clocks["resolution"].state, clocks["resolution"].due_at) == ("running", at(12, 16, 30))
        ticket.refresh_from_db()
        assert ticket.sla_breached is True


def test_preview_lists_only_the_requests_whose_deadline_or_state_would_change(world):
    """The first request's first reaction is met: a new first-reaction target changes its working
    time but neither its deadline (the one it met) nor its state, so it is not listed."""
    from otklik.workflow.transitions import ticket_transition

    personas, client, first, second = world
    ticket_transition(ticket=first, actor=personas.lead, transition_code="accept", version=first.version)
    assert Clock.objects.get(ticket=first, metric="first_reaction").state == "met"
    policy, data = shorten_error_targets(client, first_reaction="3h", resolution="24h")
    resp = client.post(change_url(policy), {**data, "_preview": "Preview the effect"})
    assert resp.status_code == 200, resp.content.decode()[:3000]
    whatif = resp.context["whatif"]
    assert {(c.number, c.metric) for c in whatif.changes} == {(second.number, "first_reaction")}
    assert whatif.changed_requests == 1
    assert first.number not in resp.content.decode()


def test_preview_of_a_new_policy(world):
    """A new policy placed first takes the Error requests of normal priority: 1 h to react."""
    _, client, first, second = world
    error, normal = first.request_type, first.priority
    data = {
        "code": "urgent-errors",
        "name_ru": "Срочные ошибки",
        "name_en": "Urgent errors",
        "order": "1",
        "is_active": "on",
        "request_types": [str(error.pk)],
        "priorities": [str(normal.pk)],
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-priority": str(normal.pk),
        "targets-0-metric": "first_reaction",
        "targets-0-minutes": "1h",
        "targets-0-warning_percent": "80",
        "_preview": "Preview the effect",
    }
    before = state()
    resp = client.post("/admin/sla/policy/add/", data)
    assert resp.status_code == 200, resp.content.decode()[:3000]
    assert state() == before and not Policy.objects.filter(code="urgent-errors").exists()
    rows = {(c.number, c.metric): c for c in resp.context["whatif"].changes}
    reaction = rows[(first.number, "first_reaction")]
    assert (reaction.old_due, reaction.new_due, reaction.becomes_breached) == (at(10, 16, 30), at(10, 12, 30), True)
    # The new policy has no resolution target: that clock would be cancelled.
    resolution = rows[(second.number, "resolution")]
    assert (resolution.old_state, resolution.new_state, resolution.new_due) == ("running", "cancelled", None)
    assert "Urgent errors" in resp.content.decode()


def test_preview_of_an_invalid_form_shows_the_errors(world):
    client = world[1]
    policy, data = shorten_error_targets(client, first_reaction="soon")
    before = state()
    resp = client.post(change_url(policy), {**data, "_preview": "Preview the effect"})
    assert resp.status_code == 200
    assert "whatif" not in resp.context
    text = resp.content.decode()
    assert "“soon” is not working time: type e.g. 30 min, 1 h 30 min, 2 h, 1 d (eight working hours) or 1:30." in text
    assert 'name="_preview"' in text  # the form again, ready for another try
    assert state() == before


def test_preview_of_a_change_that_moves_nothing(world):
    _, client, _, _ = world
    policy = Policy.objects.get(code="wishes")
    before = state()
    resp = client.post(change_url(policy), {**form_data(client.get(change_url(policy))), "_preview": "1"})
    assert resp.status_code == 200
    assert resp.context["whatif"].changes == []
    assert "No deadline of an open request would change." in resp.content.decode()
    assert state() == before


def test_preview_needs_the_change_permission(world, django_user_model):
    _, client, _, _ = world
    policy, data = shorten_error_targets(client)
    viewer = django_user_model.objects.create_user("pavel", password="pw", language="en", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_policy"))
    other = Client()
    other.force_login(viewer)
    assert other.get(change_url(policy)).status_code == 200  # may look …
    assert 'name="_preview"' not in other.get(change_url(policy)).content.decode()
    before = state()
    assert other.post(change_url(policy), {**data, "_preview": "1"}).status_code == 403  # … not preview
    assert state() == before


def test_calendar_preview_moves_deadlines_past_a_new_holiday(world, django_capture_on_commit_callbacks):
    _, client, first, _ = world
    moscow = Calendar.objects.get(code="moscow")
    page = client.get(change_url(moscow))
    assert 'name="_preview"' in page.content.decode()
    data = form_data(page)
    new = int(data["days-TOTAL_FORMS"]) - 1  # the inline's empty extra row
    assert not data.get(f"days-{new}-date")
    data.update({f"days-{new}-date": "2026-03-11", f"days-{new}-kind": "holiday", f"days-{new}-note_en": "Spring"})
    before = state()

    with django_capture_on_commit_callbacks() as pending:
        resp = client.post(change_url(moscow), {**data, "_preview": "Preview the effect"})

    assert resp.status_code == 200, resp.content.decode()[:3000]
    assert on_commit(pending) == [] and state() == before
    rows = {(c.number, c.metric): c for c in resp.context["whatif"].changes}
    resolution = rows[(first.number, "resolution")]
    # Wednesday off: Friday 11:30 becomes Monday 16 March 11:30.
    assert (resolution.old_due, resolution.new_due) == (at(13, 11, 30), at(16, 11, 30))
    assert resolution.new_state == "running" and not resolution.becomes_breached
    assert (first.number, "first_reaction") not in rows  # due today, before the holiday

    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(change_url(moscow), data)
    assert resp.status_code == 302, resp.content.decode()[:3000]
    assert first.pk in set(Ticket.objects.filter(sla_next_at__lte=now()).values_list("pk", flat=True))
    sla_timers_pass()
    assert Clock.objects.get(ticket=first, metric="resolution").due_at == at(16, 11, 30)


def test_compare_loads_the_requests_in_bulk_and_stops_at_the_limit(world):
    personas = world[0]
    for n in range(6):
        file_error(personas.initiator, subject=f"More {n}")
    sref = sla_reference()
    open_requests = Ticket.objects.filter(is_open=True)
    with CaptureQueriesContext(connection) as queries:
        result = whatif_compare(tickets=open_requests, before=sref, after=sref, when=now())
    assert result.examined == open_requests.count() >= 8 and not result.truncated and result.changes == []
    touching = [q["sql"] for q in queries.captured_queries if "tickets_ticket" in q["sql"] or "sla_clock" in q["sql"]]
    assert len(touching) == 2, touching  # the requests, then all their clocks

    result = whatif_compare(tickets=open_requests, before=sref, after=sref, when=now(), limit=3)
    assert (result.examined, result.total, result.truncated) == (3, open_requests.count(), True)
