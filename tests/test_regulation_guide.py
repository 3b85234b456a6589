"""The regulation's sections on a request's way through the service, built from the configuration
and rendered as pure functions: how to prepare a request (the admin's guidance, the forms' fields),
the stages of each route with who acts at each (from the route's own points and transitions), the
kind of response per priority, the admin's additional information, special dates over the coming
months; and versions published before these sections keep rendering.

The configuration is test_regulation_build's, with transitions on its route."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from otklik.catalog.models import FormField
from otklik.regulation.build import regulation_content
from otklik.regulation.calendars import period_of
from otklik.regulation.models import RegulationSettings, Version
from otklik.regulation.render import document, page_context, to_markdown
from otklik.routes.models import Route, RoutePoint, Transition
from otklik.sla.models import EscalationRule, Policy

from .test_regulation_build import NOW, configure, section


@pytest.fixture(autouse=True)
def _fixed_now(settings):
    settings.OTKLIK_NOW = NOW


def move(route: Route, code: str, source: str, target: str, ru: str, en: str, **flags: object) -> Transition:
    points = {p.code: p for p in route.points.all()}
    return Transition.objects.create(
        route=route,
        code=code,
        label_ru=ru,
        label_en=en,
        source=points[source],
        target=points[target],
        **flags,
    )


@pytest.fixture
def config(db):
    found = configure()
    route = Route.objects.get(code="err")
    move(route, "ask", "new", "waiting", "Запросить сведения", "Ask", by_executor=True, by_group_member=True, order=1)
    move(route, "take", "new", "resolved", "Решить", "Resolve", by_executor=True, executor_on_arrival="actor", order=2)
    move(route, "answer", "waiting", "new", "Ответить", "Answer", by_initiator=True, comment_required=True)
    move(route, "close", "resolved", "closed", "Закрыть", "Close", by_initiator=True, by_manager=True)
    move(route, "dispatch", "new", "new", "Передать", "Pass on", by_group_lead=True, executor_on_arrival="dispatcher")
    return found


def blocks_text(blocks: list[dict]) -> str:
    """Every word the blocks show, for searching in."""
    out: list[str] = []

    def items(its: list[dict]) -> None:
        for it in its:
            out.extend([it["term"], it["text"]])
            items(it["children"])

    for b in blocks:
        if b["type"] in ("p", "h"):
            out.append(b["text"])
        elif b["type"] == "list":
            items(b["items"])
        elif b["type"] == "table":
            out += b["head"] + [c for row in b["rows"] for c in row]
        elif b["type"] == "markdown":
            out.append(b["source"])
    return "\n".join(out)


def rendered(content: dict, code: str, lang: str) -> str:
    (found,) = [s for s in document(content, lang)["sections"] if s["code"] == code]
    return blocks_text(found["blocks"])


# --- stages ------------------------------------------------------------------------------------
def test_each_stage_with_its_actions_and_who_takes_them(config):
    (route,) = section(regulation_content(), "stages")["routes"]
    assert route["name"] == {"ru": "Маршрут ошибки", "en": "Error route"}
    assert route["types"] == [{"ru": "Ошибка", "en": "Error"}]
    stages = {p["code"]: p for p in route["points"]}
    assert list(stages) == ["new", "waiting", "resolved", "closed", "oos"]  # the route's order
    assert stages["new"]["is_start"] and stages["new"]["clock"] == "runs"
    assert stages["waiting"]["clock"] == "paused"
    assert stages["closed"]["clock"] == "final" and stages["closed"]["transitions"] == []
    dispatch, ask, take = stages["new"]["transitions"]  # the transitions' order
    assert (ask["code"], ask["target"], ask["actors"]) == ("ask", "waiting", ["executor", "group_member"])
    assert [a["ru"] for a in ask["actor_names"]] == ["исполнитель", "участник группы"]
    assert take["executor"]["en"] == "whoever takes it becomes the executor"
    assert ask["executor"] is None  # the executor stays: nothing to say
    assert dispatch["actors"] == ["group_lead"]
    (close,) = stages["resolved"]["transitions"]
    assert [a["ru"] for a in close["actor_names"]] == ["инициатор", "менеджер"]
    (answer,) = stages["waiting"]["transitions"]
    assert answer["comment_required"] is True


def test_stages_rendered_in_both_languages(config):
    content = regulation_content()
    ru = rendered(content, "stages", "ru")
    for words in ("инициатор", "исполнитель", "участник группы", "руководитель группы", "менеджер"):
        assert words in ru
    assert "Маршрут ошибки (Ошибка)" in ru  # its name says "route" already
    assert "Маршрут «Маршрут" not in ru
    assert "Новая (начальный этап)" in ru
    assert "переводит в «Ждёт инициатора»; кто выполняет: исполнитель, участник группы" in ru
    assert "кто выполняет: инициатор; нужен комментарий" in ru
    assert "срок решения приостановлен" in ru
    en = rendered(content, "stages", "en")
    assert "moves it to “Waiting for the initiator”; who may take it: executor, group member" in en
    assert "who may take it: group lead; the group's dispatcher (or its lead) becomes the executor" in en
    assert "Новая" not in en


def test_a_transition_taken_on_the_initiators_reply_says_so(config):
    """At a waiting point whose «on the reply» names a transition, the initiator's ordinary reply
    takes it too: the regulation says so of that transition (and only of it)."""
    waiting = RoutePoint.objects.get(route__code="err", code="waiting")
    waiting.on_reply = Transition.objects.get(route__code="err", code="answer")
    waiting.save(update_fields=["on_reply"])
    content = regulation_content()
    (route,) = section(content, "stages")["routes"]
    stages = {p["code"]: p for p in route["points"]}
    (answer,) = stages["waiting"]["transitions"]
    assert answer["on_reply"] is True
    assert not any(t["on_reply"] for t in stages["new"]["transitions"])
    ru = rendered(content, "stages", "ru")
    assert "выполняется и сам, когда инициатор просто отвечает на обращение комментарием" in ru
    assert ru.count("просто отвечает") == 1
    en = rendered(content, "stages", "en")
    assert "also taken by itself when the initiator simply replies to the request with a comment" in en


def test_a_point_added_to_the_route_is_a_stage_at_once(config):
    route = Route.objects.get(code="err")
    RoutePoint.objects.create(
        route=route, code="withdrawn", name_ru="Отозвано", name_en="Withdrawn", kind="declined", order=9
    )
    move(route, "withdraw", "new", "withdrawn", "Отозвать", "Withdraw", by_initiator=True)
    (r,) = section(regulation_content(), "stages")["routes"]
    stages = {p["code"]: p for p in r["points"]}
    assert stages["withdrawn"]["name"]["en"] == "Withdrawn"
    assert "withdraw" in [t["code"] for t in stages["new"]["transitions"]]


# --- preparing a request -----------------------------------------------------------------------
def test_preparation_lists_the_forms_fields_and_the_admins_guidance(config):
    FormField.objects.create(
        request_type=config["error"],
        code="steps",
        label_ru="Шаги",
        label_en="Steps",
        help_ru="Что вы делали",
        help_en="What you did",
        kind="text",
        required=True,
        order=2,
    )
    RegulationSettings(preparation_ru="Сначала **прочтите** это.", preparation_en="Read **this** first.").save()
    prep = section(regulation_content(), "preparation")
    assert prep["guidance"] == {"ru": "Сначала **прочтите** это.", "en": "Read **this** first."}
    assert [f["code"] for f in prep["common"]] == ["subject", "description", "category", "priority", "attachments"]
    assert "200" in prep["common"][0]["text"]["en"]  # MAX_SUBJECT_LENGTH
    (error,) = prep["types"]
    assert [f["code"] for f in error["fields"]] == ["where", "steps"]
    ru = rendered(regulation_content(), "preparation", "ru")
    assert "Сначала **прочтите** это." in ru  # the admin's Markdown, first
    assert "выбор из списка, необязательно; варианты: «Сайт», «Приложение»" in ru
    assert "текст, обязательно; Что вы делали" in ru
    en = rendered(regulation_content(), "preparation", "en")
    assert "a choice, optional; choices: “Website”, “App”" in en


def test_preparation_comes_after_the_general_provisions(config):
    codes = [s["code"] for s in regulation_content()["sections"]]
    assert codes.index("general") < codes.index("preparation") < codes.index("hours")


# --- the kind of response per priority ---------------------------------------------------------
def test_each_priority_with_its_targets_and_escalation(config):
    EscalationRule.objects.create(
        trigger="breach", level=2, delay_minutes=120, notify_managers=True, policy=Policy.objects.get(code="errors")
    )
    priorities = {p["code"]: p for p in section(regulation_content(), "priorities")["priorities"]}
    high, normal = priorities["high"], priorities["normal"]
    assert high["response"] == {
        "first_reaction": {"min": 60, "max": 60},
        "resolution": {"min": 480, "max": 480},
        "next_reaction": None,
    }
    # The errors policy serves "high" only: its own rule applies there, the general ones everywhere.
    assert [(e["trigger"], e["level"]) for e in high["escalation"]] == [("warning", 1), ("breach", 1), ("breach", 2)]
    assert [(e["trigger"], e["level"]) for e in normal["escalation"]] == [("warning", 1), ("breach", 1)]
    ru = rendered(regulation_content(), "priorities", "ru")
    assert "первая реакция: 1 ч; решение: 8 ч; эскалация: предупреждение (срок почти исчерпан) — исполнитель" in ru
    assert "нарушение (срок истёк), через 2 ч — руководители службы поддержки" in ru
    en = rendered(regulation_content(), "priorities", "en")
    assert "breach (the target is missed), 2 h later: the support managers" in en


def test_a_ladder_shared_by_every_priority_is_said_once(config):
    ru = rendered(regulation_content(), "priorities", "ru")
    assert "эскалация:" not in ru
    assert (
        "Эскалация одинакова для всех приоритетов: предупреждение (срок почти исчерпан) — исполнитель; "
        "нарушение (срок истёк), через 30 мин — исполнитель, руководитель группы, Anna Petrova." in ru
    )


# --- additional information --------------------------------------------------------------------
def test_additional_information_closes_the_regulation_and_is_markdown_safe(config):
    assert "additional" not in [s["kind"] for s in regulation_content()["sections"]]  # empty: left out
    RegulationSettings(additional_ru="", additional_en="**Bold** <script>alert(1)</script>").save()
    content = regulation_content()
    last = content["sections"][-1]
    assert (last["kind"], last["title"]["ru"]) == ("additional", "Дополнительная информация")
    assert last["body"] == {"ru": "**Bold** <script>alert(1)</script>", "en": "**Bold** <script>alert(1)</script>"}
    (block,) = page_context(content, "en")["sections"][-1]["blocks"]
    assert "<strong>Bold</strong>" in block["html"]
    assert "<script>" not in block["html"] and "&lt;script&gt;" in block["html"]


# --- special dates over the coming months ------------------------------------------------------
@pytest.mark.parametrize(
    ("moment", "zone", "period"),
    [
        ("2026-03-10T10:00:00+03:00", "Europe/Moscow", ("2026-03-01", "2027-02-28")),
        ("2026-12-07T10:00:00+03:00", "Europe/Moscow", ("2026-12-01", "2027-11-30")),
        ("2026-01-31T23:30:00+03:00", "Europe/Moscow", ("2026-01-01", "2026-12-31")),
        # Already February in Vladivostok: its period starts there.
        ("2026-01-31T23:30:00+03:00", "Asia/Vladivostok", ("2026-02-01", "2027-01-31")),
        ("2026-05-01T12:00:00+00:00", "No/Such_Zone", ("2026-05-01", "2027-04-30")),
    ],
)
def test_the_period_is_this_month_and_the_eleven_after_it(moment, zone, period):
    first, last = period_of(dt.datetime.fromisoformat(moment), zone)
    assert (first.isoformat(), last.isoformat()) == period


def test_special_dates_render_over_the_period(config):
    ru = rendered(regulation_content(), "hours", "ru")
    assert "Особые даты с 01.03.2026 по 28.02.2027" in ru
    assert "01.01.2027" in ru and "08.03.2027" not in ru


# --- versions published before these sections --------------------------------------------------
def schema_one(content: dict) -> dict:
    """The content as schema 1 had it: no preparation, stages or additional sections, the dates of
    one calendar year, two targets per priority and no escalation there."""
    old = copy.deepcopy(content)
    old["schema"] = 1
    old["sections"] = [s for s in old["sections"] if s["kind"] not in ("preparation", "stages", "additional")]
    for s in old["sections"]:
        s.pop("period", None)
        s.pop("response_text", None)
        if s["kind"] == "priorities":
            for p in s["priorities"]:
                p.pop("escalation")
                p["response"].pop("next_reaction")
    return old


def test_a_version_of_schema_one_keeps_rendering(config):
    old = schema_one(regulation_content())
    ru = document(old, "ru")
    assert [s["code"] for s in ru["sections"]][:3] == ["general", "hours", "types"]
    text = "\n".join(blocks_text(s["blocks"]) for s in ru["sections"])
    assert "Особые даты 2026 года" in text
    assert "первая реакция: 1 ч; решение: 8 ч" in text
    version = Version(number=1, effective_at=dt.datetime.fromisoformat(NOW), content=old)
    md = to_markdown(old, "en", version)
    assert md.startswith("# Service regulation\n\nVersion 1, in force from 10 Mar 2026, 10:00")
    assert "### Special dates in 2026" in md
