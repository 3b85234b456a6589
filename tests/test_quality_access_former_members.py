"""A group's former members: a lead or a manager asking for an agent who was in the group during
the period (the facts name them there) gets their figures even though they have left since; an
outsider is still unknown (404), and a period in which the facts do not name them is too."""

from __future__ import annotations

import pytest
from django.test import Client

from otklik.accounts.models import GroupMembership, Role
from otklik.core.errors import NotFound
from otklik.quality.access import access_quality
from otklik.quality.period import Period
from otklik.quality.report import period_for, report_for

from .quality_month import build_month

pytestmark = pytest.mark.django_db
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def month(settings):
    return build_month(settings)


def leave_the_first_line(month, *, support: bool = True) -> None:
    """Alexei leaves the first line (and, with support=False, support altogether) after March."""
    p = month.p
    for membership in GroupMembership.objects.filter(user=p.agent, group__code="first-line"):
        membership.delete()  # deleted one by one: the reference snapshot hears of it
    if not support:
        p.agent.role = Role.INITIATOR
        p.agent.save(update_fields=["role"])


def march_for(user, **kw):
    return report_for(user, from_text=MARCH["from"], to_text=MARCH["to"], group=kw.get("group"), agent=kw.get("agent"))


def test_the_lead_still_sees_a_former_members_march(month):
    p = month.p
    leave_the_first_line(month)
    data = march_for(p.lead, agent="agent").data
    # As in the scripted month: Alexei resolved A (his one resolution in March), reopened once.
    assert data["scope"]["agent"] == "agent"
    assert (data["figures"]["resolved"], data["figures"]["reopens"]["reopened"]) == (1, 1)
    assert march_for(p.lead, agent="agent", group="first-line").data["figures"]["resolved"] == 1
    # Through the API and the page alike (the page offers him in its agent list).
    api = Client()
    api.force_login(p.lead)
    assert api.get("/api/v1/reports/quality", {**MARCH, "agent": "agent"}).status_code == 200
    page = api.get("/reports/quality", {**MARCH, "agent": "agent"})
    assert page.status_code == 200
    assert '<option value="agent" selected>' in page.content.decode()
    assert api.get("/reports/quality/requests", {**MARCH, "agent": "agent", "measure": "resolved"}).status_code == 200


def test_a_period_in_which_the_facts_do_not_name_him_is_404(month):
    p = month.p
    leave_the_first_line(month)
    # January 2026: before any of the month's requests; nothing of his in the first line.
    with pytest.raises(NotFound):
        report_for(p.lead, from_text="2026-01-01", to_text="2026-01-31", group=None, agent="agent")


def test_outsiders_stay_unknown(month):
    p = month.p
    leave_the_first_line(month)
    # Olga never worked in the first line; the manager is no one's figure; Ivan is an initiator.
    for who in ("agent2", "manager", "initiator"):
        with pytest.raises(NotFound):
            march_for(p.lead, agent=who)
    # Olga (an agent of another group) asking for Alexei is refused too.
    with pytest.raises(NotFound):
        march_for(p.agent2, agent="agent")
    api = Client()
    api.force_login(p.lead)
    assert api.get("/api/v1/reports/quality", {**MARCH, "agent": "agent2"}).status_code == 404


def test_someone_who_left_support_is_still_seen_by_the_manager_and_the_lead(month):
    p = month.p
    leave_the_first_line(month, support=False)
    assert march_for(p.manager, agent="agent").data["figures"]["resolved"] == 1
    assert march_for(p.lead, agent="agent").data["figures"]["resolved"] == 1
    with pytest.raises(NotFound):  # nothing of his in January
        report_for(p.manager, from_text="2026-01-01", to_text="2026-01-31", group=None, agent="agent")
    # Without a valid period the gate asks about any time: his facts exist, so the dates are the error.
    from otklik.quality.report import PeriodInvalid

    with pytest.raises(PeriodInvalid):
        report_for(p.lead, from_text="soon", to_text=None, group=None, agent="agent")
    with pytest.raises(NotFound):  # an outsider is 404 whatever the dates
        report_for(p.lead, from_text="soon", to_text=None, group=None, agent="agent2")


def test_the_gate_reads_the_period(month):
    p = month.p
    leave_the_first_line(month)
    march = period_for(MARCH["from"], MARCH["to"])
    assert isinstance(march, Period)
    assert access_quality(p.lead, agent="agent", period=march).executor_id == p.agent.pk
