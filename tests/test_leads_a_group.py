"""“Leads a group” has one meaning everywhere: a lead's membership of an active support group (the
role's label names a job, the membership is what the desk acts on). The navigation's Dashboard and
Complaints links, the dashboard page and the complaints list agree for the same person; the
managers see them all."""

from __future__ import annotations

import pytest

from otklik.accounts.models import GroupMembership, Role, SupportGroup, User
from otklik.accounts.selectors import leads_a_group, may_supervise
from otklik.testing.client import browser

pytestmark = pytest.mark.django_db


def _nav(user: User) -> tuple[bool, bool]:
    page = browser(user).get("/work").content.decode()
    return 'href="/dashboard"' in page, 'href="/complaints"' in page


def test_an_agent_who_leads_a_group_supervises(personas):
    group = SupportGroup.objects.get(code="second-line")
    GroupMembership.objects.update_or_create(group=group, user=personas.agent2, defaults={"is_lead": True})
    assert personas.agent2.role == Role.AGENT
    assert leads_a_group(personas.agent2) and may_supervise(personas.agent2)
    assert _nav(personas.agent2) == (True, True)
    c = browser(personas.agent2)
    assert c.get("/dashboard").status_code == 200
    assert c.get("/complaints").status_code == 200


def test_the_lead_role_without_a_group_to_lead_does_not(personas):
    user = personas.lead
    GroupMembership.objects.filter(user=user).update(is_lead=False)
    # A bulk update sends no signal: the directory snapshot is dropped by hand.
    from otklik.accounts.directory import invalidate

    invalidate()
    assert user.role == Role.LEAD
    assert not leads_a_group(user) and not may_supervise(user)
    assert _nav(user) == (False, False)
    c = browser(user)
    assert c.get("/dashboard").status_code == 403
    assert c.get("/complaints").status_code == 404  # as a complaint one may not see


def test_a_lead_of_an_inactive_group_leads_nothing(personas):
    SupportGroup.objects.filter(memberships__user=personas.lead, memberships__is_lead=True).update(is_active=False)
    from otklik.accounts.directory import invalidate

    invalidate()
    assert not leads_a_group(personas.lead)


def test_managers_and_group_leads_see_both_links(personas):
    assert _nav(personas.manager) == (True, True)
    assert _nav(personas.lead) == (True, True)
    assert _nav(personas.agent) == (False, False)
