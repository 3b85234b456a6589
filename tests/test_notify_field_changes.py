"""Changes of a request's priority, category or group (ticket_update, ticket_assign) are the
`ticket_changed` event: by the default rule the executor and the initiator hear of them in the app
(never the one who changed it), with the old and new values named in their language; other edits
are silent; a rule restricted to some fields fires only for them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Max

from otklik.notify.models import Notification, Rule
from otklik.testing.clock import set_now as when
from otklik.testing.factories import file_error
from otklik.workflow import ticket_assign, ticket_update

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 3, 10, 11, 30, tzinfo=MSK)


@pytest.fixture
def t(personas, settings, dispatching):
    """Ivan's (English) normal-priority accounting request, executed by the lead (Russian)."""
    when(settings, T0)
    personas.initiator.language = "en"
    personas.initiator.save()
    return file_error(personas.initiator)


def last_id() -> int:
    return Notification.objects.aggregate(m=Max("id"))["m"] or 0


def changed(since: int) -> dict[tuple[str, str], Notification]:
    rows = Notification.objects.filter(pk__gt=since, event="ticket_changed").select_related("recipient")
    return {(n.recipient.username, n.channel): n for n in rows}


def test_priority_and_category_changes_reach_the_executor_and_the_initiator(t, personas):
    since = last_id()
    ticket_update(ticket=t, actor=personas.agent, version=t.version, changes={"priority": "high", "category": "email"})
    rows = changed(since)
    assert sorted(rows) == [("initiator", "inapp"), ("lead", "inapp")]  # not the agent who changed it
    en, ru = rows["initiator", "inapp"], rows["lead", "inapp"]
    assert {en.importance, ru.importance} == {"low"}
    assert en.body.splitlines()[1:] == ["priority: Normal → High", "category: Accounting system → E-mail"]
    assert ru.body.splitlines()[1:] == [
        "приоритет: Обычный → Высокий",
        "категория: Учётная система → Электронная почта",
    ]
    assert en.subject == f"{t.number}: changed: priority, category"
    assert en.context == {
        "changes": [
            {"field": "priority", "old": "normal", "new": "high"},
            {"field": "category", "old": "accounting", "new": "email"},
        ]
    }


def test_a_move_to_another_group_reaches_the_new_executor_and_the_initiator(t, personas):
    since = last_id()
    ticket_assign(ticket=t, actor=personas.lead, version=t.version, group_code="second-line")
    rows = changed(since)
    assert sorted(rows) == [("agent2", "inapp"), ("initiator", "inapp")]  # agent2: the dispatcher, now executor
    assert rows["initiator", "inapp"].body.splitlines()[1:] == ["group: First-line support → Second-line support"]
    assert rows["agent2", "inapp"].body.splitlines()[1:] == ["группа: Первая линия поддержки → Вторая линия поддержки"]
    assert rows["agent2", "inapp"].context == {
        "changes": [{"field": "group", "old": "first-line", "new": "second-line"}]
    }


def test_other_edits_are_silent(t, personas):
    since = last_id()
    t = ticket_update(ticket=t, actor=personas.lead, version=t.version, changes={"subject": "Report still fails"})
    t = ticket_update(ticket=t, actor=personas.lead, version=t.version, changes={"fields": {"steps": "open it twice"}})
    t = ticket_assign(ticket=t, actor=personas.lead, version=t.version, executor="agent")  # an assignment, not this
    assert t.subject == "Report still fails"
    assert changed(since) == {}


def test_a_rule_for_some_fields_fires_only_for_them(t, personas):
    for rule in Rule.objects.filter(event="ticket_changed"):
        rule.enabled = False
        rule.save()
    Rule.objects.create(name="moves", event="ticket_changed", fields=["group"], to_initiator=True, channels=["email"])
    since = last_id()
    t = ticket_update(ticket=t, actor=personas.lead, version=t.version, changes={"priority": "high"})
    assert changed(since) == {}
    ticket_assign(ticket=t, actor=personas.lead, version=t.version, group_code="second-line")
    assert sorted(changed(since)) == [("initiator", "email")]
