"""The regulation generated from the configuration, and its publication as numbered versions.

A small configuration of its own (not the demo's), so every figure below is known: one request
type on one route, two priorities, a Moscow calendar with a holiday this year and one next year,
a policy for errors, a default policy, a policy for one organisation, an escalation rule, and a
category outside the scope.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from django.db import transaction

from otklik.accounts.models import Organisation, Role, SupportGroup, User
from otklik.catalog.models import Category, FormField, Priority, RequestType
from otklik.core.errors import NotFound
from otklik.regulation.build import regulation_content
from otklik.regulation.models import Section, Version
from otklik.regulation.selectors import version_get, version_in_force_id, version_list
from otklik.regulation.services import content_digest, regulation_publish
from otklik.routes.models import Route, RoutePoint
from otklik.sla.models import Calendar, CalendarDay, EscalationRule, Policy, Target

NOW = "2026-03-10T10:00:00+03:00"
WEEK = {d: [["14:00", "18:00"], ["09:00", "13:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture(autouse=True)
def _fixed_now(settings):
    settings.OTKLIK_NOW = NOW


def configure() -> dict:
    group = SupportGroup.objects.create(code="desk", name_ru="Первая линия", name_en="First line")
    route = Route.objects.create(code="err", name_ru="Маршрут ошибки", name_en="Error route")
    points = {}
    for order, (code, ru, en, kind, clock) in enumerate(
        [
            ("new", "Новая", "New", "new", "runs"),
            ("waiting", "Ждёт инициатора", "Waiting for the initiator", "waiting", "paused"),
            ("resolved", "Решена", "Resolved", "resolved", "stopped"),
            ("closed", "Закрыта", "Closed", "closed", "runs"),
            ("oos", "Вне регламента", "Out of scope", "declined", "stopped"),
        ]
    ):
        points[code] = RoutePoint.objects.create(
            route=route, code=code, name_ru=ru, name_en=en, kind=kind, clock=clock, is_start=code == "new", order=order
        )
    route.is_active = True
    route.out_of_scope_point = points["oos"]
    route.save()
    error = RequestType.objects.create(
        code="error",
        prefix="ERR",
        name_ru="Ошибка",
        name_en="Error",
        description_ru="Что-то сломалось.",
        description_en="Something broke.",
        route=route,
        default_group=group,
    )
    FormField.objects.create(
        request_type=error,
        code="where",
        label_ru="Где",
        label_en="Where",
        kind="choice",
        choices="web|Сайт|Website\napp|Приложение|App",
    )
    high = Priority.objects.create(code="high", rank=1, name_ru="Высокий", name_en="High", description_en="Work stops.")
    normal = Priority.objects.create(code="normal", rank=2, name_ru="Обычный", name_en="Normal", is_default=True)
    soft = Category.objects.create(code="soft", name_ru="Программы", name_en="Software")
    Category.objects.create(code="soft-mail", parent=soft, name_ru="Почта", name_en="Mail")
    Category.objects.create(
        code="hw",
        name_ru="Оборудование",
        name_en="Hardware",
        in_scope=False,
        out_of_scope_note_ru="Звоните в хозотдел: 1234.",
        out_of_scope_note_en="Call the facilities desk: 1234.",
    )
    cal = Calendar.objects.create(
        code="msk", name_ru="Москва", name_en="Moscow", time_zone="Europe/Moscow", week=WEEK, is_default=True
    )
    CalendarDay.objects.create(calendar=cal, date=date(2026, 3, 9), kind="holiday", note_en="Women's Day (moved)")
    CalendarDay.objects.create(
        calendar=cal, date=date(2026, 4, 30), kind="shortened", intervals=[["09:00", "13:00"], ["14:00", "17:00"]]
    )
    CalendarDay.objects.create(calendar=cal, date=date(2027, 1, 1), kind="holiday")  # next year, within 12 months
    CalendarDay.objects.create(calendar=cal, date=date(2027, 3, 8), kind="holiday")  # past the 12 months: not shown
    CalendarDay.objects.create(calendar=cal, date=date(2026, 2, 23), kind="holiday")  # last month: not shown
    errors = Policy.objects.create(code="errors", order=10, name_ru="Ошибки", name_en="Errors", calendar=cal)
    errors.request_types.set([error])
    errors.priorities.set([high])
    Target.objects.create(policy=errors, priority=high, metric="first_reaction", minutes=60, warning_percent=80)
    Target.objects.create(policy=errors, priority=high, metric="resolution", minutes=480, warning_percent=80)
    fallback = Policy.objects.create(code="default", order=1000, is_default=True, name_ru="Общая", name_en="General")
    Target.objects.create(policy=fallback, priority=normal, metric="first_reaction", minutes=240)
    Target.objects.create(policy=fallback, priority=normal, metric="resolution", minutes=90)
    vip_org = Organisation.objects.create(code="vip", name="VIP Ltd")
    vip = Policy.objects.create(code="vip", order=5, name_ru="VIP", name_en="VIP")
    vip.organisations.set([vip_org])
    Target.objects.create(policy=vip, priority=normal, metric="first_reaction", minutes=15)
    boss = User.objects.create(username="boss", first_name="Anna", last_name="Petrova", role=Role.MANAGER)
    rule = EscalationRule.objects.create(
        trigger="breach",
        level=1,
        delay_minutes=30,
        notify_executor=True,
        notify_group_lead=True,
        raise_priority_to=high,
    )
    rule.notify_users.set([boss])
    EscalationRule.objects.create(trigger="warning", level=1, notify_executor=True)
    EscalationRule.objects.create(trigger="breach", level=3, notify_managers=True, is_active=False)
    Section.objects.create(code="general", order=10, title_ru="Общие положения", title_en="General", body_en="Hello.")
    Section.objects.create(code="final", order=950, title_ru="Заключение", title_en="Final", body_en="Bye.")
    Section.objects.create(code="draft", order=20, title_ru="Черновик", title_en="Draft", is_active=False)
    return {"error": error, "high": high, "normal": normal, "fallback": fallback, "cal": cal}


@pytest.fixture
def config(db):
    return configure()


def section(content: dict, kind: str) -> dict:
    (found,) = [s for s in content["sections"] if s["kind"] == kind]
    return found


def test_sections_in_reading_order_with_the_admins_text_around_them(config):
    content = regulation_content()
    assert [s["code"] for s in content["sections"]] == [
        "general",
        "preparation",
        "hours",
        "types",
        "scope",
        "priorities",
        "targets",
        "stages",
        "pauses",
        "escalation",
        "handling",
        "complaints",
        "quality",
        "final",
    ]
    general = content["sections"][0]
    assert general["kind"] == "text"
    assert general["title"] == {"ru": "Общие положения", "en": "General"}
    assert general["body"] == {"ru": "Hello.", "en": "Hello."}  # an empty language falls back to the other
    assert content["title"]["en"] == "Service regulation"
    # Every heading exists in both languages.
    assert all(set(s["title"]) == {"ru", "en"} and all(s["title"].values()) for s in content["sections"])


def test_working_hours_with_the_special_dates_of_the_coming_twelve_months(config):
    hours = section(regulation_content(), "hours")
    cal = hours["calendar"]
    assert (cal["code"], cal["time_zone"], hours["year"]) == ("msk", "Europe/Moscow", 2026)
    assert hours["period"] == {"from": "2026-03-01", "to": "2027-02-28"}
    week = {d["day"]: d["intervals"] for d in cal["week"]}
    assert list(week) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert week["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]  # sorted
    assert week["sat"] == []
    assert [(e["date"], e["kind"]) for e in cal["exceptions"]] == [
        ("2026-03-09", "holiday"),
        ("2026-04-30", "shortened"),
        ("2027-01-01", "holiday"),  # the new year's holidays are there before the year begins
    ]
    assert cal["exceptions"][0]["note"] == {"ru": "Women's Day (moved)", "en": "Women's Day (moved)"}
    assert cal["exceptions"][1]["intervals"] == [["09:00", "13:00"], ["14:00", "17:00"]]
    assert hours["other_calendars"] == []


def test_a_groups_own_calendar_is_listed_with_who_uses_it(config):
    night = Calendar.objects.create(code="night", name_ru="Ночь", name_en="Night", week={"sat": [["00:00", "24:00"]]})
    SupportGroup.objects.filter(code="desk").update(calendar=night)
    (other,) = section(regulation_content(), "hours")["other_calendars"]
    assert other["code"] == "night"
    assert other["used_by"] == {"groups": [{"ru": "Первая линия", "en": "First line"}], "policies": []}


def test_types_with_their_kinds(config):
    (error,) = section(regulation_content(), "types")["types"]
    assert (error["code"], error["prefix"], error["description"]["en"]) == ("error", "ERR", "Something broke.")
    (kind,) = error["kinds"]
    assert kind["label"] == {"ru": "Где", "en": "Where"}
    assert [c["label"]["en"] for c in kind["choices"]] == ["Website", "App"]


def test_scope_tree_and_what_happens_out_of_scope(config):
    scope = section(regulation_content(), "scope")
    tree = {n["code"]: n for n in scope["categories"]}
    assert [c["code"] for c in tree["soft"]["children"]] == ["soft-mail"]
    assert tree["soft"]["in_scope"] is True
    assert tree["hw"]["in_scope"] is False
    (hw,) = scope["out_of_scope"]
    assert hw["code"] == "hw"
    assert hw["note"]["en"] == "Call the facilities desk: 1234."
    assert "1234" in hw["note"]["ru"]
    (handling,) = scope["out_of_scope_handling"]
    assert handling["point"] == {"ru": "Вне регламента", "en": "Out of scope"}
    assert "closed at once" in handling["text"]["en"] and "Out of scope" in handling["text"]["en"]
    assert "сразу закрывается" in handling["text"]["ru"]


def test_without_an_out_of_scope_point_such_requests_are_refused(config):
    Route.objects.filter(code="err").update(out_of_scope_point=None)
    (handling,) = section(regulation_content(), "scope")["out_of_scope_handling"]
    assert handling["point"] is None
    assert "not registered" in handling["text"]["en"]


def test_target_table_selects_policies_as_the_sla_does(config):
    targets = section(regulation_content(), "targets")
    rows = {(r["type"], r["priority"]): r for r in targets["rows"]}
    assert list(rows) == [("error", "high"), ("error", "normal")]
    high, normal = rows["error", "high"], rows["error", "normal"]
    # errors × high: the errors policy (the VIP policy comes first but names an organisation).
    assert high["policy"] == "errors"
    assert high["targets"] == {"first_reaction": 60, "resolution": 480, "next_reaction": None}
    assert high["calendar"] == "msk"
    # errors × normal: the errors policy names only "high", so the default policy serves it.
    assert normal["policy"] == "default"
    assert normal["targets"] == {"first_reaction": 240, "resolution": 90, "next_reaction": None}
    assert [m["code"] for m in targets["metrics"]] == ["first_reaction", "resolution", "next_reaction"]
    # The organisation's own policy is listed apart, with its conditions and figures.
    (vip,) = targets["special"]
    assert vip["code"] == "vip"
    assert vip["conditions"]["organisations"] == [{"ru": "VIP Ltd", "en": "VIP Ltd"}]
    assert vip["targets"] == [
        {
            "priority": "normal",
            "priority_name": {"ru": "Обычный", "en": "Normal"},
            "targets": {"first_reaction": 15, "resolution": None, "next_reaction": None},
        }
    ]
    assert targets["special_text"]["en"]


def test_priorities_with_the_response_they_get(config):
    priorities = section(regulation_content(), "priorities")
    by_code = {p["code"]: p for p in priorities["priorities"]}
    assert list(by_code) == ["high", "normal"]
    assert by_code["normal"]["is_default"] is True
    assert by_code["high"]["description"] == {"ru": "Work stops.", "en": "Work stops."}
    assert by_code["high"]["response"]["first_reaction"] == {"min": 60, "max": 60}
    assert "«Обычный»" in priorities["body"]["ru"]


def test_clock_pauses_and_stops_per_route(config):
    (route,) = section(regulation_content(), "pauses")["routes"]
    assert route["types"] == [{"ru": "Ошибка", "en": "Error"}]
    assert [p["en"] for p in route["paused"]] == ["Waiting for the initiator"]
    # A final point stops the clocks even when it says "runs".
    assert [p["en"] for p in route["stopped"]] == ["Resolved", "Closed", "Out of scope"]


def test_escalation_ladder_from_warning_to_breach(config):
    rules = section(regulation_content(), "escalation")["rules"]
    assert [(r["trigger"], r["level"]) for r in rules] == [
        ("warning", 1),
        ("breach", 1),
    ]  # the inactive one is left out
    breach = rules[1]
    assert breach["delay_minutes"] == 30
    assert [n["en"] for n in breach["notify"]] == ["the executor", "the group lead", "Anna Petrova"]
    assert breach["raise_priority_to"] == {"ru": "Высокий", "en": "High"}
    assert breach["policy"] is None and breach["metric"] is None


def test_content_is_canonical_json(config):
    first, second = regulation_content(), regulation_content()
    assert first == second
    assert json.loads(json.dumps(first)) == first
    # The database may hand the JSON back with its keys in another order (PostgreSQL's jsonb does).
    shuffled = json.loads(json.dumps(first, sort_keys=True))
    assert content_digest(shuffled) == content_digest(first)
    assert len(content_digest(first)) == 64


def test_publication_makes_a_version_only_when_something_changed(config):
    v1 = regulation_publish(reason="first")
    assert (v1.number, v1.reason, v1.digest) == (1, "first", content_digest(v1.content))
    assert v1.effective_at == datetime.fromisoformat(NOW)
    assert regulation_publish(reason="again") is None
    Target.objects.filter(policy__code="errors", metric="resolution").update(minutes=600)
    v2 = regulation_publish(reason="longer resolution")
    assert v2.number == 2
    assert version_get(None) == v2
    assert version_get(1) == v1
    # v1 keeps the figures it was published with.
    old = {(r["type"], r["priority"]): r for r in section(v1.content, "targets")["rows"]}
    new = {(r["type"], r["priority"]): r for r in section(v2.content, "targets")["rows"]}
    assert old["error", "high"]["targets"]["resolution"] == 480
    assert new["error", "high"]["targets"]["resolution"] == 600


def test_version_in_force_follows_publication(config):
    assert version_in_force_id() is None
    v1 = regulation_publish()
    assert version_in_force_id() == v1.pk
    Priority.objects.filter(code="high").update(name_en="Urgent")
    v2 = regulation_publish()
    assert version_in_force_id() == v2.pk


def test_a_publication_that_rolls_back_is_never_in_force(config):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        v = regulation_publish()
        assert version_in_force_id() == v.pk
        raise Undo
    assert version_in_force_id() is None


@pytest.mark.parametrize("number", [0, -1, 2, 2**40])
def test_unknown_version_numbers(config, number):
    regulation_publish()
    with pytest.raises(NotFound):
        version_get(number)


def test_no_version_yet(db):
    with pytest.raises(NotFound):
        version_get(None)


# --- automatic publication on commit (real transactions) -------------------------------------
@pytest.mark.django_db(transaction=True)
def test_one_version_per_committed_change(settings):
    with transaction.atomic():
        configure()  # dozens of rows, one transaction
    assert Version.objects.count() == 1

    with transaction.atomic():
        for minutes in (61, 62, 63):
            Target.objects.filter(policy__code="errors", metric="first_reaction").get().save()
            t = Target.objects.get(policy__code="errors", metric="first_reaction")
            t.minutes = minutes
            t.save()
        with transaction.atomic():  # a savepoint inside counts with its transaction
            Priority.objects.get(code="high").save()
    assert list(Version.objects.order_by("number").values_list("number", flat=True)) == [1, 2]
    latest = Version.objects.get(number=2)
    reason = version_list("en")[0]["reason"]
    assert "Changed:" in reason and "targets" in reason and "priorities" in reason
    rows = {(r["type"], r["priority"]): r for r in section(latest.content, "targets")["rows"]}
    assert rows["error", "high"]["targets"]["first_reaction"] == 63

    with pytest.raises(RuntimeError), transaction.atomic():
        Section.objects.create(code="rolled-back", title_ru="x", title_en="x")
        raise RuntimeError
    assert Version.objects.count() == 2

    # A save that changes nothing the regulation shows publishes nothing new.
    with transaction.atomic():
        Priority.objects.get(code="high").save()
    assert Version.objects.count() == 2

    # M2M conditions of a policy count as changes too.
    with transaction.atomic():
        Policy.objects.get(code="errors").priorities.clear()
    assert Version.objects.count() == 3

    # The id in force is served from memory between publications.
    first = version_in_force_id()
    assert first == Version.objects.get(number=3).pk
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert version_in_force_id() == first
    assert len(queries) == 0


def test_publish_command(config):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("regulation_publish", "--reason", "bulk import", stdout=out)
    assert "Published version 1" in out.getvalue()
    assert Version.objects.get().reason == "bulk import"
    out = StringIO()
    call_command("regulation_publish", stdout=out)
    assert "up to date" in out.getvalue()
