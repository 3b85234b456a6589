"""The pieces every rendering of the regulation is made of: the fixed labels in both languages,
one language of a version's content, durations, and the blocks (paragraph, sub-heading, table,
list) that the page template and the Markdown download both show."""

from __future__ import annotations

import datetime as dt

from otklik.core import dates
from otklik.core.jsonvalue import JsonValue

from .models import Version

LANGS = ("ru", "en")
Block = dict[str, JsonValue]

LABELS: dict[str, dict[str, str]] = {
    "version": {"ru": "Редакция {number}, действует с {date}", "en": "Version {number}, in force from {date}"},
    "version_past": {
        "ru": "Редакция {number}, действовала с {date} по {until}",
        "en": "Version {number}, in force from {date} to {until}",
    },
    "short": {"ru": "редакция {number}", "en": "version {number}"},
    "short_cap": {"ru": "Редакция {number}", "en": "Version {number}"},
    "versions": {"ru": "Редакции", "en": "Versions"},
    "current": {"ru": "действует", "en": "in force"},
    "past": {"ru": "утратила силу", "en": "no longer in force"},
    "download": {"ru": "Скачать в Markdown", "en": "Download as Markdown"},
    "print": {"ru": "Печать", "en": "Print"},
    "contents": {"ru": "Содержание", "en": "Contents"},
    "day": {"ru": "День", "en": "Day"},
    "hours": {"ru": "Рабочие часы", "en": "Working hours"},
    "closed": {"ru": "нерабочий", "en": "closed"},
    "date": {"ru": "Дата", "en": "Date"},
    "kind": {"ru": "Вид", "en": "Kind"},
    "note": {"ru": "Примечание", "en": "Note"},
    "calendar": {"ru": "Календарь «{name}», часовой пояс {tz}.", "en": "Calendar “{name}”, time zone {tz}."},
    "exceptions": {"ru": "Особые даты {year} года", "en": "Special dates in {year}"},
    "no_exceptions": {"ru": "Особых дат в {year} году нет.", "en": "No special dates in {year}."},
    "exceptions_period": {"ru": "Особые даты с {start} по {end}", "en": "Special dates from {start} to {end}"},
    "no_exceptions_period": {
        "ru": "Особых дат с {start} по {end} нет.",
        "en": "No special dates from {start} to {end}.",
    },
    "other_calendars": {"ru": "Другие календари", "en": "Other calendars"},
    "used_by": {"ru": "Используется: {who}.", "en": "Used by: {who}."},
    "groups": {"ru": "группы {names}", "en": "groups {names}"},
    "policies": {"ru": "политики {names}", "en": "policies {names}"},
    "numbered": {"ru": "номера вида {prefix}-000123", "en": "numbered {prefix}-000123"},
    "out_of_scope": {"ru": "вне области обслуживания", "en": "outside the scope"},
    "out_of_scope_title": {"ru": "Обращения вне области обслуживания", "en": "Requests outside the scope"},
    "default": {"ru": "по умолчанию", "en": "default"},
    "priority": {"ru": "Приоритет", "en": "Priority"},
    "definition": {"ru": "Определение", "en": "Definition"},
    "response": {"ru": "Реакция", "en": "Response"},
    "first_reaction_in": {"ru": "первая реакция: {range}", "en": "first reaction: {range}"},
    "resolution_in": {"ru": "решение: {range}", "en": "resolution: {range}"},
    "next_reaction_in": {"ru": "следующая реакция: {range}", "en": "next reaction: {range}"},
    "escalation_steps": {"ru": "эскалация: {steps}", "en": "escalation: {steps}"},
    "escalation_all": {
        "ru": "Эскалация одинакова для всех приоритетов: {steps}.",
        "en": "Escalation is the same for every priority: {steps}.",
    },
    "step": {"ru": "{when} — {who}", "en": "{when}: {who}"},
    "after": {"ru": "{when}, через {delay}", "en": "{when}, {delay} later"},
    "type": {"ru": "Тип", "en": "Type"},
    "calendar_col": {"ru": "Календарь", "en": "Calendar"},
    "special_title": {"ru": "Особые сроки", "en": "Special targets"},
    "conditions": {"ru": "Условия: {conds}.", "en": "Conditions: {conds}."},
    "cond_request_types": {"ru": "типы {names}", "en": "types {names}"},
    "cond_priorities": {"ru": "приоритеты {names}", "en": "priorities {names}"},
    "cond_categories": {"ru": "категории {names} (с подкатегориями)", "en": "categories {names} (with sub-categories)"},
    "cond_organisations": {"ru": "организации {names}", "en": "organisations {names}"},
    "route": {"ru": "Маршрут", "en": "Route"},
    "pauses_at": {"ru": "Отсчёт приостановлен", "en": "The clock pauses"},
    "stops_at": {"ru": "Отсчёт остановлен", "en": "The clock stops"},
    "level": {"ru": "Ступень", "en": "Level"},
    "when": {"ru": "Когда", "en": "When"},
    "target": {"ru": "Срок", "en": "Target"},
    "every_target": {"ru": "любой", "en": "any"},
    "every_policy": {"ru": "все", "en": "all"},
    "policy": {"ru": "Политика", "en": "Policy"},
    "delay": {"ru": "Задержка", "en": "Delay"},
    "notify": {"ru": "Уведомляются", "en": "Notified"},
    "actions": {"ru": "Действия", "en": "Actions"},
    "reassign": {"ru": "передать: {to}", "en": "reassign to {to}"},
    "raise": {"ru": "повысить приоритет до «{to}»", "en": "raise the priority to “{to}”"},
    "watchers": {"ru": "добавить наблюдателей: {names}", "en": "add as watchers: {names}"},
    "none": {"ru": "—", "en": "—"},
    "quoted": {"ru": "«{name}»", "en": "“{name}”"},
    "at_once": {"ru": "сразу", "en": "at once"},
    "minutes": {"ru": "{m} мин", "en": "{m} min"},
    "hours_only": {"ru": "{h} ч", "en": "{h} h"},
    "hours_minutes": {"ru": "{h} ч {m} мин", "en": "{h} h {m} min"},
    "language": {"ru": "Русский", "en": "English"},
    "confirmation_title": {"ru": "Срок подтверждения", "en": "Confirmation period"},
    "survey_title": {"ru": "Оценка удовлетворённости", "en": "Satisfaction rating"},
    "file_complaint": {"ru": "Подать рекламацию", "en": "File a complaint"},
    "kpis": {"ru": "Показатели", "en": "Indicators"},
    "score_title": {"ru": "Интегральная оценка", "en": "Composite score"},
    "component": {"ru": "Составляющая", "en": "Component"},
    "normalised": {"ru": "Приведение к 0–1", "en": "Brought to 0–1 as"},
    "weight": {"ru": "Вес", "en": "Weight"},
    "share": {"ru": "Доля", "en": "Share"},
    # how to prepare a request, the stages (render_guide.py)
    "fields_common": {"ru": "Поля любого обращения", "en": "The fields of every request"},
    "fields_of_types": {"ru": "Поля по типам обращений", "en": "The fields of each request type"},
    "field_kind": {"ru": "{kind}, {need}", "en": "{kind}, {need}"},
    "required": {"ru": "обязательно", "en": "required"},
    "optional": {"ru": "необязательно", "en": "optional"},
    "only_common": {"ru": "только общие поля", "en": "the common fields only"},
    "choices": {"ru": "варианты: {names}", "en": "choices: {names}"},
    "route_of": {"ru": "Маршрут «{name}» ({types})", "en": "Route “{name}” ({types})"},
    "route_named": {"ru": "{name} ({types})", "en": "{name} ({types})"},  # a name that says "route" itself
    "route_word": {"ru": "маршрут", "en": "route"},
    "start_stage": {"ru": "{name} (начальный этап)", "en": "{name} (first stage)"},
    "moves_to": {"ru": "переводит в «{to}»", "en": "moves it to “{to}”"},
    "taken_by": {"ru": "кто выполняет: {who}", "en": "who may take it: {who}"},
    "automatic": {"ru": "выполняется автоматически", "en": "taken automatically"},
    "with_comment": {"ru": "нужен комментарий", "en": "a comment is required"},
    "no_moves": {"ru": "переходов нет", "en": "no further steps"},
    # a waiting point's transition taken on the initiator's reply (RoutePoint.on_reply)
    "on_reply": {
        "ru": "выполняется и сам, когда инициатор просто отвечает на обращение комментарием",
        "en": "also taken by itself when the initiator simply replies to the request with a comment",
    },
    # scheduling (the page)
    "version_coming": {
        "ru": "Редакция {number}, вступает в силу {date}",
        "en": "Version {number}, comes into force on {date}",
    },
    "announce": {
        "ru": "Новая редакция регламента (№ {number}) вступает в силу {date}.",
        "en": "A new edition of the regulation, version {number}, comes into force on {date}.",
    },
    "announce_read": {"ru": "Прочитать её", "en": "Read it"},
    "not_yet": {
        "ru": "Эта редакция ещё не действует: до {date} действует редакция {number}.",
        "en": "This edition is not in force yet: until {date}, version {number} is.",
    },
    "no_longer": {
        "ru": "Эта редакция утратила силу {until}: сейчас действует редакция {number}.",
        "en": "This edition is no longer in force: it was replaced on {until}, and version {number} is in force now.",
    },
    "read_in_force": {"ru": "Действующая редакция", "en": "The edition in force"},
    "scheduled": {"ru": "вступит в силу", "en": "scheduled"},
    "superseded": {"ru": "заменена до вступления в силу", "en": "replaced before it came into force"},
}


def label(key: str, lang: str, **values: str | int) -> str:
    return LABELS[key][lang].format(**values)


def quoted(names: list[str], lang: str) -> str:
    """Names listed inside a sentence, each in the language's quotation marks: «Доступ», «Другое»
    (a capital letter in mid-sentence reads as a name, not as a slip)."""
    return ", ".join(label("quoted", lang, name=n) for n in names)


def localize(value: JsonValue, lang: str) -> JsonValue:
    """One language of the content: every {"ru", "en"} pair becomes its `lang` text."""
    if isinstance(value, dict):
        if set(value) == set(LANGS) and all(isinstance(v, str) for v in value.values()):
            return value[lang]
        return {k: localize(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [localize(v, lang) for v in value]
    return value


def duration(minutes: int | None, lang: str) -> str:
    """Working time as people read it: 30 min, 4 h, 1 h 30 min."""
    if not minutes:
        return label("none", lang)
    h, m = divmod(minutes, 60)
    if not h:
        return label("minutes", lang, m=m)
    return label("hours_only", lang, h=h) if not m else label("hours_minutes", lang, h=h, m=m)


def span(span: dict[str, int] | None, lang: str) -> str | None:
    if not span:
        return None
    low, high = duration(span["min"], lang), duration(span["max"], lang)
    return low if low == high else f"{low} – {high}"


def moment_text(value: dt.datetime, lang: str) -> str:
    """An instant as the regulation says it: in the service's zone, to the minute, in `lang`'s form."""
    return dates.moment(value, zone=dates.service_zone(), lang=lang)


def day_text(iso: JsonValue, lang: str) -> str:
    """A date the content keeps as ISO (2026-12-31), in `lang`'s form (31.12.2026)."""
    return dates.day(dt.date.fromisoformat(str(iso)), lang=lang)


def effective(version: Version, lang: str) -> str:
    return moment_text(version.effective_at, lang)


def version_line(version: Version, lang: str, moment: dt.datetime, until: dt.datetime | None = None) -> str:
    """ "Version 3, in force from …", "… comes into force on …" for one still to come, or
    "Version 1, in force from … to …" for one a newer version replaced at `until`."""
    if until is not None:
        return label(
            "version_past", lang, number=version.number, date=effective(version, lang), until=moment_text(until, lang)
        )
    key = "version_coming" if version.effective_at > moment else "version"
    return label(key, lang, number=version.number, date=effective(version, lang))


# --- blocks: what the page and the Markdown download are made of -----------------------------
def para(text: str) -> Block:
    return {"type": "p", "text": text}


def heading(text: str) -> Block:
    return {"type": "h", "text": text}


def table(head: list[str], rows: list[list[str]]) -> Block:
    return {"type": "table", "head": head, "rows": rows}


def item(term: str, text: str = "", children: list[dict[str, JsonValue]] | None = None) -> dict[str, JsonValue]:
    return {"term": term, "text": text, "children": children or []}


def bullets(items: list[dict[str, JsonValue]]) -> Block:
    return {"type": "list", "items": items}


def hours_text(intervals: list[list[str]], lang: str) -> str:
    return ", ".join(f"{a}–{b}" for a, b in intervals) if intervals else label("closed", lang)
