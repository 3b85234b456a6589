"""Russian as a Russian writes it (issue 14, item 4), read from the compiled catalogue and the code:
no English words in Russian text outside an allowed list, none of the agreement mistakes seen, the
glossary's terms (docs/glossary.md), «ёлочки», no double colons, notification subjects in sentence
case; and the machinery behind it: the admin's model names in the accusative, route and calendar
problems in the reader's language, Russian day names in the weekly hours, durations in Russian."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import pgettext

import otklik

ROOT = Path(otklik.__file__).resolve().parent
MO = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.mo"
GLOSSARY = ROOT.parents[1] / "docs" / "glossary.md"

# Latin words a Russian sentence may hold: abbreviations, names, formats, and the code names an
# administrator types as they are (CSV columns and values, weekday codes, event codes).
ALLOWED = {
    *[
        "SLA",
        "API",
        "URL",
        "HTML",
        "CSV",
        "XLSX",
        "JSON",
        "SMS",
        "IANA",
        "IP",
        "NUL",
        "UTF",
        "UTC",
        "ID",
        "HH",
        "MM",
        "POST",
    ],
    *["Apprise", "Telegram", "Django", "Markdown", "Excel", "Outlook", "Thunderbird"],
    *["ERR", "REQ", "WSH", "ru", "en", "http", "https"],
    *["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    *["date", "kind", "intervals", "holiday", "shortened", "working", "custom", "digest"],
    *["Ctrl", "Cmd", "Mac"],  # keys as their caps say, and the computer that has Cmd
}
# What is stripped before looking for words: placeholders, template syntax, URLs and paths, code
# (`…`, identifiers with _ . / : | or digits), HTML tags, JSON-like examples.
CODE = re.compile(
    r"%\([a-z_]+\)[sdfr]|%[sd]|\{\{.*?\}\}|\{[a-z_]*\}|`[^`]*`|<[^>]+>|\w+://\S+|\{\".*\}|\[\[.*?\]\]"
    r"|\w+(?:[_./:|\-]\w+)+|\w*\d\w*|\.\w+"
)
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Known agreement mistakes (issue 14): a name chosen at run time followed by a participle that
# would have to agree with it, a feminine or neuter noun with a masculine short participle, and
# Django's nominative after «ещё один».
BAD_AGREEMENT = [
    re.compile(r"(%\([a-z_]+\)s|\{[a-z_]+\})\s*(«[^»]*»|\"[^\"]*\"|“[^”]*”)?\s+(был|была|было)\b"),
    re.compile(r"(%\([a-z_]+\)s|\{[a-z_]+\})\s*«[^»]*»\s+(успешно\s+)?[а-яё]+(ан|ен|ён)\b"),
    re.compile(
        r"\b(реакция|политика|точка маршрута|рекламация|категория|группа|версия|дата|запись)\b:?\s+[а-яё]+(ан|ен|ён)\b",
        re.I,
    ),
    re.compile(r"\b(решение|обращение|уведомление|правило)\b:?\s+[а-яё]+(ан|ен|ён)\b", re.I),
    re.compile(r"\bе[щщ][её] один\b", re.I),
]
# The subjects of notifications: titles, so a capital first letter (the English may stay lower-case).
SUBJECTS = [
    "new request: %(subject)s",
    "what awaits your reaction",
    "please rate how your request was handled",
    "a reminder: please rate how your request was handled",
    "low rating: %(score)s of 5",
    "new complaint %(number)s",
    "your complaint %(number)s is under review",
    "your complaint %(number)s is upheld",
    "your complaint %(number)s is rejected",
    "the deadline is near: %(target)s",
    "deadline missed: %(target)s",
    "quality report for %(month)s",
    "you are the executor",
    "new comment",
]


def catalogue() -> dict[str, str]:
    """msgid (with "context\\x04" before it where it has one) → the Russian text, plural forms joined."""
    with MO.open("rb") as f:
        raw: dict[object, str] = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    out: dict[str, str] = {}
    for key, text in raw.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid:
            out[msgid] = f"{out[msgid]}\n{text}" if msgid in out and isinstance(key, tuple) else text
    return out


def code_literals() -> dict[str, str]:
    """The Russian string literals of the code (the regulation, the demo, the quality definitions,
    rule names): "file:line" → text. Docstrings and comments aside."""
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and re.search("[а-яё]", node.value, re.I)
            ):
                found[f"{path.relative_to(ROOT)}:{node.lineno}"] = node.value
    return found


def glossary() -> list[dict[str, str]]:
    rows = []
    header: list[str] = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            header = [] if not line.strip() else header
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "English":
            header = cells
        elif header and not set(cells[0]) <= {"-", " "}:
            rows.append(dict(zip(header, cells, strict=True)))
    return rows


@pytest.fixture(scope="module")
def ru() -> dict[str, str]:
    return catalogue()


def test_the_glossary_is_a_table_of_both_languages():
    rows = glossary()
    assert len(rows) >= 40
    terms = {r["English"]: r["Russian"] for r in rows}
    assert terms["request"] == "обращение"
    assert terms["carrier (delivery gateway)"] == "шлюз доставки"
    assert terms["complaint"] == "рекламация"
    assert all(r["Russian"] for r in rows)


def test_russian_translations_hold_no_english_words(ru):
    offending = {}
    for msgid, text in ru.items():
        words = set(LATIN_WORD.findall(CODE.sub(" ", text))) - ALLOWED
        if words:
            offending[msgid.split("\x04")[-1]] = (text, sorted(words))
    assert not offending, f"English words in Russian translations: {offending}"


def test_no_known_agreement_mistakes(ru):
    bad = [(msgid, text, p.pattern) for msgid, text in ru.items() for p in BAD_AGREEMENT if p.search(text)]
    assert not bad, bad


def test_messages_composed_at_run_time_agree():
    """What the pages and the admin compose from two catalogue strings, as Russian reads it: the SLA
    log's «<target>: <event>» for every target and event, and Django's admin messages and titles
    for every registered model (the catalogue overrides Django's where they would need to agree)."""
    from django.contrib import admin
    from django.utils.text import capfirst
    from django.utils.translation import gettext

    from otklik.core.adminwords import accusative
    from otklik.routes.models import RoutePoint
    from otklik.sla.models import ClockState, Metric
    from otklik.tickets.models import SlaEvent

    composed: list[str] = []
    with translation.override("ru"):
        for _code, target in Metric.choices:
            for _code, happened in [*SlaEvent.choices, *ClockState.choices]:
                composed.append(gettext("%(target)s: %(event)s") % {"target": capfirst(target), "event": happened})
        for model in admin.site._registry:
            name = model._meta.verbose_name
            composed += [
                gettext("The {name} “{obj}” was added successfully.").format(name=name, obj="X"),
                gettext("The {name} “{obj}” was changed successfully.").format(name=name, obj="X"),
                gettext("The %(name)s “%(obj)s” was deleted successfully.") % {"name": name, "obj": "X"},
                gettext("Select %s to change") % accusative(name),
                gettext("Add %s") % accusative(name),
                pgettext("admin inline", "Add another %(name)s") % {"name": accusative(name)},
            ]
        # Where the accusative differs: feminine nouns in -а/-я, animate masculine ones.
        names = {m._meta.model_name: accusative(m._meta.verbose_name) for m in admin.site._registry}
    assert names["policy"] == "политику SLA" and names["organisation"] == "организацию"
    assert names["complaint"] == "рекламацию" and names["user"] == "пользователя"
    with translation.override("ru"):
        assert accusative(RoutePoint._meta.verbose_name) == "точку маршрута"
    bad = [(text, p.pattern) for text in composed for p in BAD_AGREEMENT if p.search(text)]
    bad += [text for text in composed if re.search(r"\b(был|была|было)\b", text)]
    assert not bad, bad


def test_sla_events_and_clock_states_need_no_agreement(ru):
    """«Первая реакция: назначен», «Решение приостановлен»: the SLA event and clock state come after a
    target of any gender, so none is a bare short participle."""
    for context in ("SLA event", "SLA clock state"):
        labels = {k: v for k, v in ru.items() if k.startswith(context + "\x04")}
        assert len(labels) >= 5, context
        for msgid, text in labels.items():
            assert not re.fullmatch(r"[а-яё]+(ан|ян|ен|ён|ит|ыт|ут|ят)", text), f"{msgid!r} → {text!r} would agree"
    with translation.override("ru"):
        from otklik.tickets.models import SlaEvent

        assert str(dict(SlaEvent.choices)["applied"]) == "срок назначен"


def test_glossary_terms_only(ru):
    avoid = [
        (row["English"], stem.strip())
        for row in glossary()
        for stem in row["avoid in Russian"].split(",")
        if stem.strip()
    ]
    texts = {**{f"catalogue: {k}": v for k, v in ru.items()}, **code_literals()}
    found = [
        (where, term, stem, text)
        for where, text in texts.items()
        for term, stem in avoid
        if re.search(r"(?<![а-яё])" + re.escape(stem), text, re.I)
    ]
    assert not found, f"words the glossary says to avoid: {found}"


def test_russian_quotation_marks(ru):
    """«ёлочки», and „лапки“ inside them: no "straight" or “English” quotes, no «« nested ».»"""
    bad = []
    for msgid, text in ru.items():
        prose = re.sub(r"<[^>]+>|\{\".*\}|\[\[.*?\]\]|\{\{.*?\}\}", " ", text)
        if re.search(r"[\"“”]", prose) or re.search(r"«[^»]*«", prose):
            bad.append((msgid, text))
    assert not bad, bad


def test_no_double_colons_or_lowercase_subjects(ru):
    assert not [(k, v) for k, v in ru.items() if re.search(r":\s*:", v)]
    # «ERR-000001: Срок подходит: решение» read as a double colon: the number is set apart by a dot.
    assert ru["%(number)s: %(subject)s"] == "%(number)s · %(subject)s"
    for subject in SUBJECTS:
        text = ru[subject]
        assert text[:1].isupper(), f"a notification subject begins with a capital: {text!r}"


def test_no_staff_words_in_an_initiators_login_summary(personas):
    from otklik.tickets.login_summary import _summary

    with translation.override("ru"):
        subject, body = _summary({"summary": {"executing": 0, "answering": 2, "breached": 0, "unread": 3}})
    assert subject == "Что ждёт вашей реакции"
    assert body.splitlines() == ["Вашего ответа ждут 2 обращения", "Непрочитанных уведомлений: 3"]
    # The sentence agrees with its number, whatever it is.
    for n, line in (
        (1, "Вашего ответа ждёт 1 обращение"),
        (5, "Вашего ответа ждут 5 обращений"),
        (21, "Вашего ответа ждёт 21 обращение"),
    ):
        with translation.override("ru"):
            _, body = _summary({"summary": {"executing": n, "answering": n, "breached": 0, "unread": 0}})
        assert line in body.splitlines()
    with translation.override("ru"):
        _, body = _summary({"summary": {"executing": 3, "answering": 0, "breached": 0, "unread": 0}})
    assert body == "Вашей реакции ждут 3 обращения, которые вы исполняете"


def test_quotes_inside_quotes_are_lapki(personas):
    """A subject with its own «ёлочки», quoted in a notification: the inner ones become „лапки“."""
    from otklik.feedback.notices import _survey_requested

    with translation.override("ru"):
        context = {"ticket": {"subject": "Нужен доступ к разделу «Договоры»"}, "valid_until": "1 мая"}
        _, body = _survey_requested(context)
    assert "Ваше обращение «Нужен доступ к разделу „Договоры“» решено." in body


def test_durations_and_escalation_rules_in_russian():
    from otklik.core.i18n import working_time
    from otklik.sla.models import EscalationRule, Trigger

    with translation.override("ru"):
        assert working_time(30 * 60) == "30 мин"
        assert working_time(90 * 60) == "1 ч 30 мин"
        rule = EscalationRule(trigger=Trigger.BREACH, level=1, delay_minutes=30)
        assert str(rule) == "нарушение, уровень 1, через 30 мин"
    with translation.override("en"):
        assert str(rule) == "breach, level 1, after 30 min"


def test_working_time_typed_in_the_admin_reads_in_russian():
    """The SLA admin shows a target as it may be typed: «1 ч 30 мин» in Russian, "1h 30m" in English."""
    from otklik.sla.worktime import format_minutes, parse_minutes

    shown = [format_minutes(m, "ru") for m in (240, 90, 45)]
    assert shown == ["4 ч", "1 ч 30 мин", "45 мин"]
    assert [parse_minutes(s) for s in shown] == [240, 90, 45]
    assert format_minutes(90, "en") == "1h 30m"


# --- problems as data, said in the reader's language ----------------------------------------------
def test_route_problems_in_russian_and_english():
    from otklik.routes.problems import problem_text
    from otklik.routes.validation import PointSpec, TransitionSpec, route_issues

    points = [PointSpec(1, "new", "new", is_start=True), PointSpec(2, "in_work", "in_work")]
    issues = route_issues(points, [TransitionSpec("take", 1, 2, ())])
    assert [i.code for i in issues] == ["no_final_point", "nobody_may_take"]
    with translation.override("ru"):
        said = [problem_text(i) for i in issues]
    assert said[1] == "переход «take» (new → in_work) не указывает, кто может его выполнить"
    for text in said:
        assert not set(LATIN_WORD.findall(CODE.sub(" ", text))) - ALLOWED - {"take", "new", "in_work"}, text
    with translation.override("en"):
        assert problem_text(issues[1]) == "transition 'take' (new → in_work) names nobody who may take it"


def test_weekly_hours_take_russian_day_names():
    from otklik.sla.calendar_import import parse_week

    week = parse_week(
        "пн 09:00-13:00 14:00-18:00\nВторник: 10:00-17:00\nСР 09:00-12:00\nthu 09:00-18:00\nпт. 09:00-16:45"
    )
    assert week == {
        "mon": [["09:00", "13:00"], ["14:00", "18:00"]],
        "tue": [["10:00", "17:00"]],
        "wed": [["09:00", "12:00"]],
        "thu": [["09:00", "18:00"]],
        "fri": [["09:00", "16:45"]],
    }
    assert parse_week("сб 10:00-14:00\nвоскресенье 10:00-12:00") == {
        "sat": [["10:00", "14:00"]],
        "sun": [["10:00", "12:00"]],
    }


def test_the_russian_admin_shows_the_weekly_hours_in_russian_day_names():
    from otklik.sla.calendar_import import format_week, parse_week
    from otklik.sla.calendar_words import day_names

    week = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "14:00"]]}
    with translation.override("ru"):
        text = format_week(week, day_names())
    assert text == "пн 09:00-13:00 14:00-18:00\nсб 10:00-14:00"
    assert parse_week(text) == week
    with translation.override("en"):
        assert format_week(week, day_names()) == "mon 09:00-13:00 14:00-18:00\nsat 10:00-14:00"


def test_calendar_problems_in_russian():
    from otklik.sla.calendar import CalendarProblem
    from otklik.sla.calendar_import import parse_week
    from otklik.sla.calendar_words import calendar_problem_text

    with pytest.raises(CalendarProblem) as bad_day:
        parse_week("пн 09:00-18:00\nпонедельни 09:00-18:00")
    with pytest.raises(CalendarProblem) as overlap:
        parse_week("вт 09:00-13:00 12:00-18:00")
    assert str(bad_day.value) == (
        "line 2 ('понедельни 09:00-18:00'): 'понедельни' is not a day; use mon, tue, wed, thu, fri, sat, sun"
    )
    with translation.override("ru"):
        assert calendar_problem_text(bad_day.value) == (
            "строка 2 («понедельни 09:00-18:00»): «понедельни» — не день недели; укажите mon, tue, wed, thu, "
            "fri, sat, sun (или пн, вт, ср, чт, пт, сб, вс)"
        )
        assert calendar_problem_text(overlap.value) == (
            "строка 1 («вт 09:00-13:00 12:00-18:00»): интервалы пересекаются (09:00–13:00 и 12:00–18:00)"
        )


@pytest.mark.django_db
def test_calendar_import_refusal_in_russian():
    from otklik.sla.calendar_import import CalendarInvalid, calendar_import
    from otklik.sla.calendar_words import calendar_problem_text
    from otklik.sla.models import Calendar

    calendar = Calendar.objects.create(code="c", name_ru="К", name_en="C")
    data = b"date,kind,intervals\n2030-01-09,holiday,\n2030-01-10,shortened,\n"
    with pytest.raises(CalendarInvalid) as refused:
        calendar_import(calendar=calendar, data=data, filename="dates.csv")
    assert refused.value.detail == "row 3: a shortened date needs its working intervals"
    with translation.override("ru"):
        assert calendar_problem_text(refused.value.problem) == (
            "строка 3: для даты вида «shortened» нужны рабочие интервалы"
        )


# --- the admin's model names, declined ------------------------------------------------------------
def test_every_admin_model_has_its_accusative(ru):
    from django.contrib import admin

    missing = []
    for model, model_admin in admin.site._registry.items():
        names = [model._meta.verbose_name] + [i.verbose_name or i.model._meta.verbose_name for i in model_admin.inlines]
        for name in names:
            with translation.override("en"):
                english = str(name)
            if f"accusative\x04{english}" not in ru:
                missing.append(english)
    assert not missing, f"add pgettext_noop('accusative', …) to core/adminwords.py and translate: {missing}"


@pytest.fixture
def ru_admin(personas):
    from django.test import Client

    personas.admin.language = "ru"
    personas.admin.save(update_fields=["language"])
    client = Client()
    client.force_login(personas.admin)
    return client


def test_the_admin_declines_model_names(ru_admin):
    from otklik.routes.models import Route
    from otklik.sla.models import Policy

    page = ru_admin.get("/admin/sla/policy/").content.decode()
    assert "Выберите политику SLA для изменения" in page and "Добавить политику SLA" in page
    assert "Добавить политику SLA" in ru_admin.get("/admin/sla/policy/add/").content.decode()
    policy = Policy.objects.order_by("pk").first()
    page = ru_admin.get(f"/admin/sla/policy/{policy.pk}/change/").content.decode()
    assert "Изменить политику SLA" in page
    page = ru_admin.get(f"/admin/sla/policy/{policy.pk}/delete/").content.decode()
    assert "удалить политику SLA" in page
    route = Route.objects.order_by("pk").first()
    page = ru_admin.get(f"/admin/routes/route/{route.pk}/change/").content.decode()
    assert "Добавить точку маршрута" in page and "Добавить переход" in page
    assert "еще один" not in page and "ещё один" not in page


def test_the_admin_says_what_was_saved_without_agreement(ru_admin):
    from otklik.accounts.models import Organisation

    response = ru_admin.post(
        "/admin/accounts/organisation/add/", {"name": "Ромашка", "code": "romashka", "is_active": "on"}, follow=True
    )
    assert Organisation.objects.filter(code="romashka").exists(), response.content.decode()[:3000]
    assert "Добавлено: организация «Ромашка»." in re.sub(r"<[^>]+>", "", response.content.decode())


def test_words_agree_with_their_nouns(personas):
    """«Включено» for a rule (правило), «включён» for a carrier (шлюз); «Выходной (перенесён с …)»;
    the demo admin is «Администратор системы»."""
    from otklik.notify.models import Carrier, Rule
    from otklik.sla.production import _agreed

    with translation.override("ru"):
        assert str(Rule._meta.get_field("enabled").verbose_name) == "включено"
        assert str(Carrier._meta.get_field("enabled").verbose_name) == "включён"
    assert _agreed("Выходной (перенесено с 04.01.2026)") == "Выходной (перенесён с 04.01.2026)"
    assert personas.admin.get_full_name() == "Администратор системы"


def test_no_capital_letter_in_mid_sentence_after_a_dash_or_a_dot():
    from otklik.core.text import run_on

    assert run_on("Работа остановлена") == "работа остановлена"
    assert run_on("Осталось 3 ч 59 мин") == "осталось 3 ч 59 мин"
    assert run_on("SLA нарушен") == "SLA нарушен" and run_on("Я") == "Я" and run_on("") == ""


def test_the_pages_go_on_their_sentences_in_lower_case(personas):
    """/new: «Критический — работа остановлена…»; the regulation: «Ошибка — что-то работает…»;
    the history: «срок назначен · до 2026-12-08 09:24», not «· срок»."""
    from django.test import Client

    from otklik.catalog.models import Priority
    from otklik.testing.factories import file_error

    user = personas.initiator
    user.language = "ru"
    user.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(user)
    page = client.get("/new/error").content.decode()
    described = [p for p in Priority.objects.all() if p.description_ru]
    assert described
    for p in described:
        assert f"{p.name_ru} — {p.description_ru[0].lower()}" in page
    regulation = client.get("/regulation").content.decode()
    assert not re.search(r"</strong> — [А-ЯЁ][а-яё]", regulation)
    ticket = file_error(user)
    lead = personas.lead
    lead.language = "ru"
    lead.save(update_fields=["language"])
    client.force_login(lead)
    history = client.get(f"/requests/{ticket.number}").content.decode()
    assert "срок назначен · до <time" in history and "· срок <time" not in history
    assert "</time> · осталось" in history and "· Осталось" not in history  # the SLA block


# A word said twice in a row («и и»): what Django's own Russian has in places.
DOUBLED = re.compile(r"(?<![\w-])(\w+)\s+\1(?![\w-])", re.I)


def test_djangos_words_the_admin_shows_read_right():
    """Django's own Russian has "straight" and “English” quotes («Объект "…" был успешно изменён») and
    a doubled word («… и и нажмите …»): every Django msgid the catalogue overrides (core/adminwords.py)
    reads, in Russian, with «ёлочки», no word twice and no participle to agree."""
    from django.utils.translation import gettext

    from otklik.core.adminwords import DJANGO_OVERRIDES

    with translation.override("ru"):
        shown = {msgid: gettext(msgid) for msgid in DJANGO_OVERRIDES}
    bad = [
        (msgid, text)
        for msgid, text in shown.items()
        if text == msgid
        or re.search(r"[\"“”]", text)
        or DOUBLED.search(text)
        or re.search(r"\b(был|была|было|были)\b", text)
    ]
    assert not bad, bad


def test_the_admin_scripts_words_read_right(ru_admin):
    """The admin's scripts (the two-list selector's help, the action warning) take their Russian from
    the catalogue's djangojs.po: «ёлочки», and no «и и»."""
    import json

    from otklik.core.adminwords import DJANGO_JS_OVERRIDES

    script = ru_admin.get("/admin/jsi18n/").content.decode()
    found = re.search(r"const newcatalog = (\{.*?\});\n", script, re.S)
    assert found is not None
    words = json.loads(found.group(1))
    for msgid in DJANGO_JS_OVERRIDES:
        entry = words[msgid]
        for text in entry if isinstance(entry, list) else [entry]:  # a plural entry: each form
            assert text != msgid and not re.search(r"[\"“”]", text) and not DOUBLED.search(text), text
    assert "«%s»" in words['Remove %s by selecting them and then select the "Remove" arrow button.']
    # The date fields' clock note: «ваше» in lower case after the colon, «местное» for «локальное».
    behind = words["Note: You are %s hour behind server time."]
    assert behind[:3] == [
        "Внимание: ваше местное время отстаёт от времени сервера на %s час.",
        "Внимание: ваше местное время отстаёт от времени сервера на %s часа.",
        "Внимание: ваше местное время отстаёт от времени сервера на %s часов.",
    ]
    assert all("Ваше" not in text and "локальное" not in text for text in behind), behind
    assert all(
        text.startswith("Внимание: ваше местное время опережает")
        for text in words["Note: You are %s hour ahead of server time."]
    )


def test_the_admins_own_buttons_and_boxes_read_right(ru_admin):
    """Django's Russian that reads as a translation is the catalogue's own: the recent actions box
    of an administrator who has done nothing yet, and the «save and add» button."""
    from django.contrib.admin.models import LogEntry

    LogEntry.objects.all().delete()
    index = ru_admin.get("/admin/").content.decode()
    assert "Ваши действия" in index and "Пока нет" in index
    assert "Мои действия" not in index and "Недоступно" not in index
    form = ru_admin.get("/admin/accounts/organisation/add/").content.decode()
    assert 'value="Сохранить и добавить ещё"' in form
    assert "другой объект" not in form


def test_the_admins_messages_and_history_read_right(ru_admin):
    """What the admin says on adding, changing and deleting, and the object's history (Django's
    LogEntry messages): «ёлочки», no word twice, nothing to agree («Изменено: название.»)."""
    from otklik.accounts.models import Organisation

    def said(response) -> str:
        # Text as read: a link inside a sentence («Ромашка») joins its words without a space.
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))

    def check(text: str, where: str) -> None:
        assert not DOUBLED.search(text), (where, DOUBLED.search(text))
        assert not re.search(r"\b(был|была|было|были)\b", text), where

    data = {"name": "Ромашка", "code": "romashka", "is_active": "on"}
    added = said(ru_admin.post("/admin/accounts/organisation/add/", data, follow=True))
    org = Organisation.objects.get(code="romashka")
    assert "Добавлено: организация «Ромашка»." in added
    changed = said(
        ru_admin.post(f"/admin/accounts/organisation/{org.pk}/change/", {**data, "name": "Лютик"}, follow=True)
    )
    assert "Изменено: организация «Лютик»." in changed
    history = ru_admin.get(f"/admin/accounts/organisation/{org.pk}/history/")
    history_text = said(history)
    assert "Добавлено." in history_text and re.search(r"Изменено: [^.]*\.", history_text), history_text[-1500:]
    asked = said(ru_admin.get(f"/admin/accounts/organisation/{org.pk}/delete/"))
    assert "удалить организацию «Лютик»?" in asked
    deleted = said(ru_admin.post(f"/admin/accounts/organisation/{org.pk}/delete/", {"post": "yes"}, follow=True))
    assert "Удалено: организация «Лютик»." in deleted
    index = said(ru_admin.get("/admin/"))  # the recent actions: Django's LogEntry words
    for where, text in (("added", added), ("changed", changed), ("history", history_text), ("delete", asked)):
        check(text, where)
    check(index, "index")
    for text in (added, changed, history_text, asked, deleted, index):
        quoted = re.sub(r"<[^>]+>", "", text)
        assert not re.search(r"“[^”“]*[”“]", quoted), quoted[:2000]
