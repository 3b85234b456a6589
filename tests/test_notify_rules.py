"""The admin's notification rules: event × conditions → recipients → channels. Conditions on the
request's type, priority, group and changed fields; every kind of recipient; the union of the
channels of all matching rules; mandatory channels; staff only; nobody hears of their own action;
webhooks once per event; the built-in defaults only while the table is empty; changes take effect
at once; other systems' events follow a rule of their name."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Max

from otklik.accounts.models import SupportGroup
from otklik.accounts.services import token_create
from otklik.catalog.models import Priority, RequestType
from otklik.notify.models import Notification, Preference, Rule
from otklik.notify.rules import DEFAULT_RULES, restore_default_rules
from otklik.testing.client import ApiClient
from otklik.testing.clock import set_now as when
from otklik.testing.factories import file_error
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_assign, ticket_comment, ticket_update

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 3, 10, 11, 30, tzinfo=MSK)


@pytest.fixture
def t(personas, settings):
    """Ivan's error request in the first line, executed by the agent, watched by agent2."""
    when(settings, T0)
    p = personas
    ticket = file_error(p.initiator)
    ticket = ticket_assign(ticket=ticket, actor=p.lead, version=ticket.version, executor="agent")
    ticket_watch(ticket=ticket, actor=p.agent2, add=True)
    return ticket


def only(**kw) -> Rule:
    """Switch every rule off (one by one: a bulk update sends no signal) and add this one."""
    for r in Rule.objects.filter(enabled=True):
        r.enabled = False
        r.save()
    return add(**kw)


def add(**kw) -> Rule:
    users = kw.pop("users", [])
    rule = Rule.objects.create(**{"name": "probe", "event": "ticket_comment", "channels": ["inapp"], **kw})
    rule.users.set(users)
    return rule


def last_id() -> int:
    return Notification.objects.aggregate(m=Max("id"))["m"] or 0


def heard(since: int, event: str = "ticket_comment") -> dict[str | None, set[str]]:
    """Who got rows of `event` after row `since`, and on which channels (None: the webhook row)."""
    out: dict[str | None, set[str]] = {}
    for n in Notification.objects.filter(pk__gt=since, event=event).select_related("recipient"):
        out.setdefault(n.recipient.username if n.recipient else None, set()).add(n.channel)
    return out


def comment(t, actor, body: str = "ping") -> dict[str | None, set[str]]:
    since = last_id()
    ticket_comment(ticket=t, actor=actor, body=body)
    return heard(since)


def test_conditions_on_type_priority_and_group(t, personas):
    p = personas
    rule = only(to_initiator=True)
    rule.request_types.add(RequestType.objects.get(code="error"))
    assert comment(t, p.admin) == {"initiator": {"inapp"}}
    other = file_error(p.initiator, type_code="request", category_code="access", fields={"kind": "access"})
    assert comment(other, p.admin) == {}  # another type

    rule.request_types.clear()
    rule.priorities.add(Priority.objects.get(code="high"))
    assert comment(t, p.admin) == {}  # normal priority
    t = ticket_update(ticket=t, actor=p.lead, version=t.version, changes={"priority": "high"})
    assert comment(t, p.admin) == {"initiator": {"inapp"}}

    rule.priorities.clear()
    rule.groups.add(SupportGroup.objects.get(code="second-line"))
    assert comment(t, p.admin) == {}  # first line
    t = ticket_assign(ticket=t, actor=p.lead, version=t.version, group_code="second-line")
    assert comment(t, p.admin) == {"initiator": {"inapp"}}


def test_a_changed_fields_condition(t, personas):
    p = personas
    only(event="ticket_changed", to_initiator=True, fields=["category"])
    since = last_id()
    t = ticket_update(ticket=t, actor=p.lead, version=t.version, changes={"priority": "high"})
    assert heard(since, "ticket_changed") == {}
    t = ticket_update(ticket=t, actor=p.lead, version=t.version, changes={"category": "email"})
    assert heard(since, "ticket_changed") == {"initiator": {"inapp"}}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"to_initiator": True}, {"initiator"}),
        ({"to_executor": True}, {"agent"}),
        ({"to_group_members": True}, {"agent", "lead"}),
        ({"to_group_lead": True}, {"lead"}),
        ({"to_watchers": True}, {"agent2"}),
        ({"roles": ["manager"]}, {"manager"}),
        ({"roles": ["agent", "initiator"]}, {"agent", "agent2", "initiator", "initiator2", "outsider"}),
        ({"users": ["initiator2", "manager"]}, {"initiator2", "manager"}),
        ({"to_addressed": True}, set()),  # a comment names nobody
    ],
)
def test_each_kind_of_recipient(t, personas, rule, expected):
    from otklik.accounts.models import User

    if "users" in rule:
        rule = {"users": list(User.objects.filter(username__in=rule["users"]))}
    only(**rule)
    got = comment(t, personas.admin)
    assert set(got) == expected
    assert all(channels == {"inapp"} for channels in got.values())


def test_the_addressed_are_the_people_the_event_names(t, personas):
    p = personas
    only(event="ticket_assigned", to_addressed=True, channels=["email"])
    since = last_id()
    ticket_assign(ticket=t, actor=p.admin, version=t.version, executor="lead")
    assert heard(since, "ticket_assigned") == {"lead": {"email"}}


def test_the_dispatcher_or_without_one_the_first_lead(t, personas):
    p = personas
    only(to_group_dispatcher=True)
    assert SupportGroup.objects.get(code="first-line").dispatcher_id is None
    assert comment(t, p.admin) == {"lead": {"inapp"}}  # the first line's lead stands in
    t = ticket_assign(ticket=t, actor=p.lead, version=t.version, group_code="second-line", executor="agent2")
    assert SupportGroup.objects.get(code="second-line").dispatcher == p.agent2
    assert comment(t, p.admin) == {"agent2": {"inapp"}}


def test_a_person_gets_the_union_of_the_rules_channels_once_each(t, personas):
    p = personas
    only(to_initiator=True, channels=["inapp"])
    add(to_initiator=True, channels=["email", "inapp"])
    add(to_executor=True, channels=["email"])
    since = last_id()
    assert comment(t, p.admin) == {"initiator": {"inapp", "email"}, "agent": {"email"}}
    assert Notification.objects.filter(pk__gt=since).count() == 3


def test_mandatory_channels_cannot_be_switched_off(t, personas, api):
    p = personas
    only(to_initiator=True, channels=["inapp"])
    rule = add(to_initiator=True, channels=["email"])
    me = api("initiator")
    off = [{"event": "ticket_comment", "channel": "email", "enabled": False}]
    assert me.put("/notifications/preferences", off).status_code == 200
    assert comment(t, p.admin) == {"initiator": {"inapp"}}

    rule.mandatory = True
    rule.save()
    assert Preference.objects.get(user=p.initiator, event="ticket_comment", channel="email").enabled is False
    assert comment(t, p.admin) == {"initiator": {"inapp", "email"}}  # their old choice gives way
    refused = me.put("/notifications/preferences", off)
    assert refused.status_code == 422, refused.content
    assert "cannot be switched off" in refused.json()["detail"]
    shown = {e["event"]: {c["channel"]: c for c in e["channels"]} for e in me.get("/notifications/preferences").json()}
    assert shown["ticket_comment"]["email"] == {"channel": "email", "enabled": True, "mandatory": True}
    # A channel no mandatory rule offers can still be switched off.
    inapp_off = [{"event": "ticket_comment", "channel": "inapp", "enabled": False}]
    assert me.put("/notifications/preferences", inapp_off).status_code == 200
    assert comment(t, p.admin) == {"initiator": {"email"}}


def test_staff_only_leaves_out_everyone_else(t, personas):
    only(to_initiator=True, to_executor=True, to_watchers=True, staff_only=True)
    assert comment(t, personas.admin) == {"agent": {"inapp"}, "agent2": {"inapp"}}


def test_nobody_hears_of_their_own_action(t, personas):
    p = personas
    only(to_initiator=True, to_executor=True, users=[p.initiator, p.agent], roles=["initiator"])
    assert set(comment(t, p.initiator)) == {"agent", "initiator2", "outsider"}
    assert set(comment(t, p.agent)) == {"initiator", "initiator2", "outsider"}


def test_a_disabled_rule_is_silent(t, personas):
    rule = only(to_initiator=True)
    assert comment(t, personas.admin) == {"initiator": {"inapp"}}
    rule.enabled = False
    rule.save()
    assert comment(t, personas.admin) == {}


def test_webhook_rules_give_one_row_without_recipient_per_event(t, personas):
    only(to_initiator=True, channels=["inapp", "webhook"])
    add(channels=["webhook"])  # nobody named: for the webhook carriers only
    add(to_executor=True, channels=["webhook"])
    since = last_id()
    assert comment(t, personas.admin) == {"initiator": {"inapp"}, None: {"webhook"}}
    comment(t, personas.admin)
    hooks = Notification.objects.filter(pk__gt=since, channel="webhook")
    assert [(n.recipient_id, n.event, n.ticket_id) for n in hooks] == [(None, "ticket_comment", t.pk)] * 2


def test_the_defaults_apply_only_while_the_table_is_empty(personas):
    p = personas
    Rule.objects.all().delete()
    since = last_id()
    file_error(p.initiator)
    # The default: the executor and the dispatcher (first line has none: its lead, also the executor).
    assert heard(since, "ticket_created") == {"lead": {"inapp", "email"}}
    assert restore_default_rules() == len(DEFAULT_RULES)
    assert restore_default_rules() == 0
    for r in Rule.objects.all():
        r.enabled = False
        r.save()
    quiet = file_error(p.initiator)
    ticket_comment(ticket=quiet, actor=p.lead, body="anyone?")
    # Calendar tasks are no rule's business (tasks.py); everything else is silent.
    assert not Notification.objects.filter(ticket=quiet).exclude(event="task").exists()


def test_rule_changes_take_effect_at_once(t, personas, settings):
    p = personas
    settings.REFERENCE_TTL = 3600  # only the signals can refresh the snapshot
    rule = only(to_initiator=True)
    assert comment(t, p.admin) == {"initiator": {"inapp"}}
    rule.channels = ["email"]
    rule.save()
    assert comment(t, p.admin) == {"initiator": {"email"}}
    rule.priorities.add(Priority.objects.get(code="critical"))
    assert comment(t, p.admin) == {}
    rule.priorities.remove(Priority.objects.get(code="critical"))
    rule.users.add(p.manager)
    assert comment(t, p.admin) == {"initiator": {"email"}, "manager": {"email"}}
    rule.delete()
    assert comment(t, p.admin) == {}  # the other rules are off: silence, not the defaults


@pytest.fixture
def erp(personas):
    _, raw = token_create(user=personas.admin, name="ERP", integration=True)
    return ApiClient(raw)


def test_other_systems_events_follow_a_rule_of_their_name(erp, personas):
    body = {"recipients": {"users": ["initiator"]}, "event": "erp.posted", "subject": "Накладная №42 проведена"}
    since = last_id()
    assert erp.post("/notifications/enqueue", body).status_code == 202
    assert heard(since, "erp.posted") == {"initiator": {"inapp", "email"}}  # no rule: in-app and e-mail

    add(event="erp.posted", to_addressed=True, channels=["inapp"], users=[personas.manager])
    since = last_id()
    r = erp.post("/notifications/enqueue", body)
    assert r.status_code == 202, r.content
    assert heard(since, "erp.posted") == {"initiator": {"inapp"}, "manager": {"inapp"}}
    assert r.json()["queued"] == 2


def test_sms_and_messengers_only_reach_people_with_a_confirmed_phone_or_messenger_address(t, personas):
    p = personas
    p.initiator.phone, p.initiator.messenger = "+79990001122", ""
    p.initiator.save()
    p.agent.phone, p.agent.messenger = "", "100200300"
    p.agent.save()
    only(to_initiator=True, to_executor=True, channels=["sms", "messenger"])
    assert comment(t, p.admin) == {}  # entered, but not confirmed by a code yet
    p.initiator.phone_verified = p.initiator.phone
    p.initiator.save()
    p.agent.messenger_verified = p.agent.messenger
    p.agent.save()
    assert comment(t, p.admin) == {"initiator": {"sms"}, "agent": {"messenger"}}
    p.initiator.phone = "+79990003344"  # changed (here by an administrator): not confirmed any more
    p.initiator.save()
    assert comment(t, p.admin) == {"agent": {"messenger"}}


def test_the_migrations_write_exactly_the_default_rules():
    """The migrations keep frozen copies of the defaults; together they must be rules.DEFAULT_RULES,
    or a fresh install and an emptied rule table would disagree."""
    import importlib

    from otklik.notify.rules import DEFAULT_RULES

    first = importlib.import_module("otklik.notify.migrations.0004_default_rules").DEFAULT_RULES
    added = importlib.import_module("otklik.notify.migrations.0005_feedback_events").NEW_RULES
    regulation = importlib.import_module("otklik.notify.migrations.0006_regulation_events").NEW_RULES
    # 0008 renamed some in the glossary's words (issue 14).
    renamed = dict(importlib.import_module("otklik.notify.migrations.0008_rule_names_in_glossary_words").RENAMED)
    assert [(renamed.get(name, name), *rest) for name, *rest in [*first, *added, *regulation]] == [
        tuple(r) for r in DEFAULT_RULES
    ]
