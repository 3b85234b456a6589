"""The regulation's table of targets is what the SLA configuration would choose for a request of
each type and priority (it asks the SLA reference, it does not repeat the rule): the same policy
and the same calendar as a request filed now gets, even where a policy names an unusable calendar."""

from __future__ import annotations

import pytest

from otklik.regulation.build import regulation_content
from otklik.sla.models import Calendar, Clock, Metric, Policy
from otklik.workflow import ticket_create

pytestmark = pytest.mark.django_db


def _targets() -> dict[tuple[str, str], dict]:
    content = regulation_content()
    (targets,) = [s for s in content["sections"] if s["kind"] == "targets"]
    return {(r["type"], r["priority"]): r for r in targets["rows"]}


def _filed(personas, type_code: str, priority_code: str) -> tuple[str | None, str | None]:
    fields = {"error": {"steps": "open it"}, "wish": {"benefit": "time"}, "request": {"kind": "access"}}.get(type_code)
    t = ticket_create(
        initiator=personas.initiator, type_code=type_code, subject="x", priority_code=priority_code, fields=fields
    )
    clock = Clock.objects.filter(ticket=t, metric=Metric.RESOLUTION).select_related("policy", "calendar").first()
    if clock is None:
        return None, None
    return clock.policy.code, clock.calendar.code if clock.calendar_id else None


def test_every_row_is_what_a_request_gets(personas):
    rows = _targets()
    assert rows
    for (type_code, priority_code), row in rows.items():
        policy, calendar = _filed(personas, type_code, priority_code)
        if policy is None:
            continue  # no resolution target for it: nothing to compare
        assert (row["policy"], row["calendar"]) == (policy, calendar), (type_code, priority_code)


def test_a_policy_naming_an_unusable_calendar(personas):
    broken = Calendar.objects.create(code="broken", name_ru="Сломанный", name_en="Broken", time_zone="Europe/Moscow")
    # Edited outside the admin: the SLA skips an invalid calendar (the group's or the default one counts).
    Calendar.objects.filter(pk=broken.pk).update(week={"mon": [["18:00", "09:00"]]})
    Policy.objects.filter(is_active=True).update(calendar=broken)
    from otklik.sla.reference import invalidate

    invalidate()
    rows = _targets()
    for (type_code, priority_code), row in rows.items():
        assert row["calendar"] != "broken"
        policy, calendar = _filed(personas, type_code, priority_code)
        if policy is not None:
            assert (row["policy"], row["calendar"]) == (policy, calendar), (type_code, priority_code)
