"""A request its initiator withdrew stands at a point of its own (issue 14): code `withdrawn`, kind
declined, named as withdrawn in the type's gender, never «Отклонён»: on the page, in the lists, in
the notifications and in the regulation."""

from __future__ import annotations

import pytest

from otklik.notify.models import Notification
from otklik.regulation.build import regulation_content
from otklik.sla.models import Clock
from otklik.testing.client import browser
from otklik.tickets.models import LogRecord
from otklik.workflow import ticket_assign, ticket_create, ticket_transition

FIELDS = {"error": {"steps": "x"}, "wish": {"benefit": "time"}, "request": {"kind": "access"}}
NAMES = {"error": "Отозвана", "wish": "Отозвано", "request": "Отозван"}  # Ошибка, Пожелание, Запрос


def withdrawn(personas, type_code: str):
    t = ticket_create(initiator=personas.initiator, type_code=type_code, subject="Not needed", fields=FIELDS[type_code])
    return ticket_transition(ticket=t, actor=personas.initiator, transition_code="withdraw", version=1)


@pytest.mark.parametrize("type_code", ["error", "wish", "request"])
def test_a_withdrawn_request_stands_at_its_own_point(personas, type_code):
    t = withdrawn(personas, type_code)
    point = t.point
    assert (point.code, point.kind, point.is_final, t.is_open) == ("withdrawn", "declined", True, False)
    assert (point.name_ru, point.name_en) == (NAMES[type_code], "Withdrawn")
    record = LogRecord.objects.get(ticket=t, event="transition")
    assert (record.reaction, record.to_point.code) == ("initiator_withdrew", "withdrawn")
    assert set(Clock.objects.filter(ticket=t).values_list("state", flat=True)) == {"cancelled"}


def test_support_still_declines_to_the_declined_point(personas):
    t = ticket_create(initiator=personas.initiator, type_code="request", subject="x", fields=FIELDS["request"])
    t = ticket_transition(ticket=t, actor=personas.lead, transition_code="decline", version=1, comment="Not ours")
    assert (t.point.code, t.point.name_ru) == ("declined", "Отклонён")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_page_and_the_list_read_withdrawn(personas, language):
    t = withdrawn(personas, "request")
    client = browser(personas.initiator, language=language)
    expected = {"ru": "Отозван", "en": "Withdrawn"}[language]
    page = client.get(f"/requests/{t.number}").content.decode()
    assert expected in page and "Отклонён" not in page and "Declined" not in page
    listing = client.get("/my").content.decode()
    assert expected in listing


def test_the_executor_is_told_it_was_withdrawn(personas):
    personas.agent.language = "ru"
    personas.agent.save(update_fields=["language"])
    t = ticket_create(initiator=personas.initiator, type_code="error", subject="Not needed", fields=FIELDS["error"])
    t = ticket_assign(ticket=t, actor=personas.lead, version=t.version, executor="agent")
    before = list(Notification.objects.values_list("pk", flat=True))
    ticket_transition(ticket=t, actor=personas.initiator, transition_code="withdraw", version=t.version)
    told = Notification.objects.filter(ticket=t, event="ticket_moved", recipient=personas.agent)
    told = told.exclude(pk__in=before)
    assert told.exists()
    assert all("«Отозвана»" in n.subject and "Отклон" not in n.subject + n.body for n in told)


def test_the_regulation_lists_the_withdrawn_and_waiting_points(personas):
    pauses = next(s for s in regulation_content()["sections"] if s["kind"] == "pauses")
    routes = {r["code"]: r for r in pauses["routes"]}
    for code, name in NAMES.items():
        assert {"ru": name, "en": "Withdrawn"} in routes[code]["stopped"]
        assert routes[code]["paused"] == [{"ru": "Ожидает инициатора", "en": "Waiting for the initiator"}]
