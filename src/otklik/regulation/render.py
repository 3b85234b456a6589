"""Rendering a published version: one language of its content as a plain tree (the API), as
Markdown (the download), and as the blocks the HTML page template shows.

Both Markdown and HTML come from the same blocks (paragraph, sub-heading, table, list, the
admin's Markdown), so the page and the download never disagree. Names and notes from the
configuration are escaped for Markdown; the admin's section bodies are Markdown already and
go into the download as written, and into the page through markdown-it with raw HTML disabled.
"""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from otklik.core.jsonvalue import JsonValue

from .models import Version

LANGS = ("ru", "en")
Block = dict[str, JsonValue]

LABELS: dict[str, dict[str, str]] = {
    "version": {"ru": "Версия {number}, действует с {date}", "en": "Version {number}, in force from {date}"},
    "versions": {"ru": "Редакции", "en": "Versions"},
    "current": {"ru": "действует", "en": "in force"},
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
}


def label(key: str, lang: str, **values: str | int) -> str:
    return LABELS[key][lang].format(**values)


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


def _span(span: dict[str, int] | None, lang: str) -> str | None:
    if not span:
        return None
    low, high = duration(span["min"], lang), duration(span["max"], lang)
    return low if low == high else f"{low} – {high}"


def effective(version: Version) -> str:
    return timezone.localtime(version.effective_at, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")


# --- blocks ------------------------------------------------------------------------------------
def _p(text: str) -> Block:
    return {"type": "p", "text": text}


def _h(text: str) -> Block:
    return {"type": "h", "text": text}


def _table(head: list[str], rows: list[list[str]]) -> Block:
    return {"type": "table", "head": head, "rows": rows}


def _item(term: str, text: str = "", children: list[dict[str, JsonValue]] | None = None) -> dict[str, JsonValue]:
    return {"term": term, "text": text, "children": children or []}


def _list(items: list[dict[str, JsonValue]]) -> Block:
    return {"type": "list", "items": items}


def _intervals(intervals: list[list[str]], lang: str) -> str:
    return ", ".join(f"{a}–{b}" for a, b in intervals) if intervals else label("closed", lang)


def _calendar_blocks(cal: dict[str, JsonValue], year: int, lang: str) -> list[Block]:
    blocks = [
        _p(label("calendar", lang, name=cal["name"], tz=cal["time_zone"])),
        _table(
            [label("day", lang), label("hours", lang)],
            [[d["name"], _intervals(d["intervals"], lang)] for d in cal["week"]],
        ),
    ]
    if cal["exceptions"]:
        blocks.append(_h(label("exceptions", lang, year=year)))
        blocks.append(
            _table(
                [label("date", lang), label("kind", lang), label("hours", lang), label("note", lang)],
                [
                    [e["date"], e["kind_name"], _intervals(e["intervals"], lang) if e["intervals"] else "", e["note"]]
                    for e in cal["exceptions"]
                ],
            )
        )
    else:
        blocks.append(_p(label("no_exceptions", lang, year=year)))
    return blocks


def _hours(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [_p(s["body"])]
    if s["calendar"]:
        blocks += _calendar_blocks(s["calendar"], s["year"], lang)
    if s["other_calendars"]:
        blocks.append(_h(label("other_calendars", lang)))
    for cal in s["other_calendars"]:
        who = []
        if cal["used_by"]["groups"]:
            who.append(label("groups", lang, names=", ".join(cal["used_by"]["groups"])))
        if cal["used_by"]["policies"]:
            who.append(label("policies", lang, names=", ".join(cal["used_by"]["policies"])))
        blocks += _calendar_blocks(cal, s["year"], lang)
        if who:
            blocks.append(_p(label("used_by", lang, who="; ".join(who))))
    return blocks


def _types(s: dict[str, JsonValue], lang: str) -> list[Block]:
    items = []
    for t in s["types"]:
        kinds = [_item(k["label"], ", ".join(c["label"] for c in k["choices"])) for k in t["kinds"] if k["choices"]]
        numbered = label("numbered", lang, prefix=t["prefix"])
        items.append(_item(t["name"], f"{t['description']} ({numbered})" if t["description"] else numbered, kinds))
    return [_p(s["body"]), _list(items)]


def _category_items(nodes: list[dict[str, JsonValue]], lang: str) -> list[dict[str, JsonValue]]:
    items = []
    for n in nodes:
        text = n["description"]
        if not n["in_scope"]:
            text = label("out_of_scope", lang)  # its note follows in the out-of-scope list
        items.append(_item(n["name"], text, _category_items(n["children"], lang)))
    return items


def _scope(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [_p(s["body"]), _list(_category_items(s["categories"], lang))]
    if s["out_of_scope"]:
        blocks += [
            _h(label("out_of_scope_title", lang)),
            _p(s["out_of_scope_text"]),
            _list([_item(c["name"], c["note"]) for c in s["out_of_scope"]]),
            _list([_item("", h["text"]) for h in s["out_of_scope_handling"]]),
        ]
    return blocks


def _priorities(s: dict[str, JsonValue], lang: str) -> list[Block]:
    rows = []
    for p in s["priorities"]:
        name = f"{p['name']} ({label('default', lang)})" if p["is_default"] else p["name"]
        response = []
        first, resolution = _span(p["response"]["first_reaction"], lang), _span(p["response"]["resolution"], lang)
        if first:
            response.append(label("first_reaction_in", lang, range=first))
        if resolution:
            response.append(label("resolution_in", lang, range=resolution))
        rows.append([name, p["description"], "; ".join(response) or label("none", lang)])
    head = [label("priority", lang), label("definition", lang), label("response", lang)]
    return [_p(s["body"]), _table(head, rows)]


def _targets(s: dict[str, JsonValue], lang: str) -> list[Block]:
    metrics = s["metrics"]
    calendars = {r["calendar"] for r in s["rows"]}
    with_calendar = len(calendars) > 1  # one calendar for all: the working-hours section says which
    head = [label("type", lang), label("priority", lang), *(m["name"] for m in metrics)]
    if with_calendar:
        head.append(label("calendar_col", lang))
    rows = []
    for r in s["rows"]:
        row = [r["type_name"], r["priority_name"], *(duration(r["targets"][m["code"]], lang) for m in metrics)]
        if with_calendar:
            row.append(r["calendar_name"] or label("none", lang))
        rows.append(row)
    blocks = [_p(s["body"]), _list([_item(m["name"], m["meaning"]) for m in metrics]), _table(head, rows)]
    if s["special"]:
        blocks += [_h(label("special_title", lang)), _p(s["special_text"])]
    for p in s["special"]:
        conds = [label(f"cond_{rel}", lang, names=", ".join(names)) for rel, names in p["conditions"].items() if names]
        blocks.append(_list([_item(p["name"], label("conditions", lang, conds="; ".join(conds)))]))
        blocks.append(
            _table(
                [label("priority", lang), *(m["name"] for m in metrics)],
                [
                    [t["priority_name"], *(duration(t["targets"][m["code"]], lang) for m in metrics)]
                    for t in p["targets"]
                ],
            )
        )
    return blocks


def _pauses(s: dict[str, JsonValue], lang: str) -> list[Block]:
    none = label("none", lang)
    rows = [
        [r["name"], ", ".join(r["types"]) or none, ", ".join(r["paused"]) or none, ", ".join(r["stopped"]) or none]
        for r in s["routes"]
    ]
    head = [label("route", lang), label("type", lang), label("pauses_at", lang), label("stops_at", lang)]
    return [_p(s["body"]), _table(head, rows)] if rows else [_p(s["body"])]


def _escalation(s: dict[str, JsonValue], lang: str) -> list[Block]:
    if not s["rules"]:
        return [_p(s["body"])]
    rows = []
    for r in s["rules"]:
        actions = []
        for key in ("reassign_group", "reassign_user"):
            if r[key]:
                actions.append(label("reassign", lang, to=r[key]))
        if r["raise_priority_to"]:
            actions.append(label("raise", lang, to=r["raise_priority_to"]))
        if r["add_watchers"]:
            actions.append(label("watchers", lang, names=", ".join(r["add_watchers"])))
        rows.append(
            [
                str(r["level"]),
                r["trigger_name"],
                r["metric_name"] or label("every_target", lang),
                r["policy_name"] or label("every_policy", lang),
                duration(r["delay_minutes"], lang) if r["delay_minutes"] else label("at_once", lang),
                ", ".join(r["notify"]) or label("none", lang),
                "; ".join(actions) or label("none", lang),
            ]
        )
    head = [label(k, lang) for k in ("level", "when", "target", "policy", "delay", "notify", "actions")]
    return [_p(s["body"]), _table(head, rows)]


def _handling(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [_p(s["body"]), _h(label("confirmation_title", lang))]
    blocks.append(_list([_item("", t["text"]) for t in s["types"]]))
    return [*blocks, _h(label("survey_title", lang)), _p(s["survey"]["text"])]


def _complaints(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [_p(s["body"])]
    if "route" not in s:  # a version published before the section had more than its text
        return blocks
    blocks += [
        _p(s["route_text"]),
        _list([_item(r["name"], r["meaning"]) for r in s["route"]]),
        _p(s["targets_text"]),
        _list([_item(t["name"], duration(t["minutes"], lang)) for t in s["targets"]]),
        _p(s["calendar_text"]),
    ]
    if s.get("own_calendar"):
        blocks += _calendar_blocks(s["own_calendar"], s["own_calendar"]["year"], lang)
    blocks.append(_p(s["overdue_text"]))
    return blocks


def _quality(s: dict[str, JsonValue], lang: str) -> list[Block]:
    if "kpis" not in s:  # a version published before the criteria were structured
        return [_p(s["body"])]
    total = s["weights_total"] or 1
    rows = [
        [c["name"], c["normalised"], str(c["weight"]), f"{100 * c['weight'] / total:.0f} %"] for c in s["components"]
    ]
    head = [label(k, lang) for k in ("component", "normalised", "weight", "share")]
    return [
        _p(s["body"]),
        _p(s["intro"]),
        _h(label("kpis", lang)),
        _list([_item(k["name"], k["definition"]) for k in s["kpis"]]),
        _h(label("score_title", lang)),
        _p(s["score"]),
        _table(head, rows),
        _p(s["monthly"]),
    ]


RENDERERS = {
    "hours": _hours,
    "types": _types,
    "scope": _scope,
    "priorities": _priorities,
    "targets": _targets,
    "pauses": _pauses,
    "escalation": _escalation,
    "handling": _handling,
    "complaints": _complaints,
    "quality": _quality,
}


def document(content: dict[str, JsonValue], lang: str) -> dict[str, JsonValue]:
    """The version's content in `lang` as numbered sections of blocks."""
    local = localize(content, lang)
    sections = []
    for n, s in enumerate(local.get("sections", []), 1):
        if s["kind"] == "text":
            blocks: list[Block] = [{"type": "markdown", "source": s["body"]}] if s["body"].strip() else []
        elif s["kind"] in RENDERERS:
            blocks = RENDERERS[s["kind"]](s, lang)
        else:  # any kind a later schema adds: its text
            blocks = [_p(s.get("body") or "")]
        sections.append({"number": n, "anchor": f"s{n}", "code": s["code"], "title": s["title"], "blocks": blocks})
    return {"title": local.get("title") or "", "sections": sections}


# --- Markdown ----------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_ORDERED = re.compile(r"(\d+)([.)])")


def md_escape(value: str) -> str:
    """Configuration text as literal Markdown on one line: no emphasis, links, HTML or table breaks."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))
    # What would open a heading, a list or a setext underline at the start of a line stays literal.
    ordered = _ORDERED.match(text)
    if ordered:
        return ordered.group(1) + "\\" + text[ordered.end(1) :]
    return "\\" + text if text[:1] in ("#", "+", "-", "=") else text


def _md_table(block: Block) -> list[str]:
    def row(cells: list[str]) -> str:
        return "| " + " | ".join(md_escape(c) or " " for c in cells) + " |"

    rule = "| " + " | ".join("---" for _ in block["head"]) + " |"
    return [row(block["head"]), rule, *(row(r) for r in block["rows"])]


def _md_items(items: list[dict[str, JsonValue]], depth: int = 0) -> list[str]:
    lines = []
    for it in items:
        parts = [f"**{md_escape(it['term'])}**" if it["term"] else "", md_escape(it["text"])]
        lines.append("  " * depth + "- " + " — ".join(p for p in parts if p))
        lines += _md_items(it["children"], depth + 1)
    return lines


def _md_block(block: Block) -> list[str]:
    kind = block["type"]
    if kind == "markdown":
        return [block["source"].strip()]
    if kind == "h":
        return [f"### {md_escape(block['text'])}"]
    if kind == "table":
        return _md_table(block)
    if kind == "list":
        return _md_items(block["items"])
    return [md_escape(block["text"])]


def to_markdown(content: dict[str, JsonValue], lang: str, version: Version) -> str:
    """The version in `lang` as a GitHub-flavoured Markdown document."""
    doc = document(content, lang)
    out = [f"# {md_escape(doc['title'])}", "", label("version", lang, number=version.number, date=effective(version))]
    for s in doc["sections"]:
        out += ["", f"## {s['number']}. {md_escape(s['title'])}"]
        for block in s["blocks"]:
            out += ["", *_md_block(block)]
    return "\n".join(out).rstrip() + "\n"


# --- HTML --------------------------------------------------------------------------------------
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(source: str) -> SafeString:
    """The admin's Markdown as HTML. Raw HTML is disabled (shown as text) and markdown-it refuses
    javascript:/vbscript:/data: links, so nothing the text holds runs in the reader's browser."""
    return mark_safe(_markdown.render(source))  # noqa: S308 (escaped by markdown-it, raw HTML off)


def page_context(content: dict[str, JsonValue], lang: str) -> dict[str, JsonValue]:
    """The page template's sections: as document(), with the admin's Markdown rendered to HTML."""
    doc = document(content, lang)
    for s in doc["sections"]:
        for block in s["blocks"]:
            if block["type"] == "markdown":
                block["html"] = markdown_html(block["source"])
    return doc
