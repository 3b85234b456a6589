"""Who sees whose quality figures (otklik.quality.access): Elena (manager) everyone, anyone; Sergei
(first-line lead) his group and its members, and himself; Alexei (agent) himself only; Ivan
(initiator) and the outsider nothing; a group or person one may not see is unknown (404)."""

from __future__ import annotations

import pytest

from otklik.accounts.models import SupportGroup
from otklik.core.errors import Forbidden, NotFound
from otklik.quality.access import access_quality, visible_agents, visible_groups
from otklik.quality.scope import Scope

pytestmark = pytest.mark.django_db


def gid(code: str) -> int:
    return SupportGroup.objects.get(code=code).pk


def test_the_manager_sees_everyone_and_may_narrow_to_anyone(personas):
    p = personas
    assert access_quality(p.manager).everyone
    scope = access_quality(p.manager, group="second-line", agent="agent2")
    assert (scope.group_ids, scope.executor_id) == (frozenset({gid("second-line")}), p.agent2.pk)
    assert access_quality(p.admin, agent="lead").executor_id == p.lead.pk
    assert visible_groups(p.manager) is None
    assert {a.username for a in visible_agents(p.manager)} >= {"agent", "agent2", "lead"}
    with pytest.raises(NotFound):
        access_quality(p.manager, group="no-such-group")
    with pytest.raises(NotFound):
        access_quality(p.manager, agent="initiator")  # not support staff: no figures of their own


def test_the_lead_sees_his_groups_and_their_members(personas):
    p = personas
    first = gid("first-line")
    assert access_quality(p.lead) == Scope(group_ids=frozenset({first}))
    alexei = access_quality(p.lead, agent="agent")
    assert (alexei.group_ids, alexei.executor_id) == (frozenset({first}), p.agent.pk)
    assert access_quality(p.lead, group="first-line").group_ids == frozenset({first})
    own = access_quality(p.lead, agent="lead")
    assert (own.group_ids, own.executor_id) == (None, p.lead.pk)
    for kw in ({"group": "second-line"}, {"agent": "agent2"}, {"agent": "manager"}):
        with pytest.raises(NotFound):
            access_quality(p.lead, **kw)
    assert [g.code for g in visible_groups(p.lead)] == ["first-line"]
    assert [a.username for a in visible_agents(p.lead)] == ["agent", "lead"]  # by name: Алексей, Сергей


def test_the_agent_sees_himself_only(personas):
    p = personas
    me = access_quality(p.agent)
    assert (me.group_ids, me.executor_id, me.agent.username) == (None, p.agent.pk, "agent")
    assert access_quality(p.agent, agent="agent", group="first-line").group_ids == frozenset({gid("first-line")})
    for kw in ({"agent": "lead"}, {"agent": "agent2"}, {"group": "second-line"}):
        with pytest.raises(NotFound):
            access_quality(p.agent, **kw)
    assert [a.username for a in visible_agents(p.agent)] == ["agent"]


@pytest.mark.parametrize("who", ["initiator", "initiator2", "outsider"])
def test_people_outside_support_have_no_reports(personas, who):
    with pytest.raises(Forbidden):
        access_quality(getattr(personas, who))
    with pytest.raises(Forbidden):  # refused before anything about the group is said
        access_quality(getattr(personas, who), group="no-such-group")


def test_a_deactivated_agent_has_no_reports(personas):
    personas.agent.is_active = False
    personas.agent.save(update_fields=["is_active"])
    with pytest.raises(Forbidden):
        access_quality(personas.agent)
