"""Rendering a published version: one language of its content as a plain tree (the API), as
Markdown (the download), and as the blocks the HTML page template shows.

Both Markdown and HTML come from the same blocks (paragraph, sub-heading, table, list, the
admin's Markdown), so the page and the download never disagree. Names and notes from the
configuration are escaped for Markdown; the admin's section bodies are Markdown already and
go into the download as written, and into the page through markdown-it with raw HTML disabled.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from otklik.core import dates
from otklik.core.clock import now
from otklik.core.jsonvalue import JsonValue
from otklik.core.text import run_on

from . import render_guide
from .blocks import (
    Block,
    bullets,
    day_text,
    duration,
    heading,
    hours_text,
    item,
    label,
    localize,
    para,
    quoted,
    span,
    table,
    version_line,
)
from .models import Version


def _dates_label(key: str, where: dict[str, JsonValue], lang: str) -> str:
    """ "Special dates …" over the version's period; a version of schema 1 listed one calendar year."""
    period = where.get("period")
    if isinstance(period, dict):
        return label(f"{key}_period", lang, start=day_text(period["from"], lang), end=day_text(period["to"], lang))
    return label(key, lang, year=where["year"])


def _calendar_blocks(cal: dict[str, JsonValue], where: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [
        para(label("calendar", lang, name=cal["name"], tz=dates.zone(str(cal["time_zone"]), lang=lang))),
        table(
            [label("day", lang), label("hours", lang)],
            [[d["name"], hours_text(d["intervals"], lang)] for d in cal["week"]],
        ),
    ]
    if cal["exceptions"]:
        blocks.append(heading(_dates_label("exceptions", where, lang)))
        blocks.append(
            table(
                [label("date", lang), label("kind", lang), label("hours", lang), label("note", lang)],
                [
                    [
                        day_text(e["date"], lang),
                        e["kind_name"],
                        hours_text(e["intervals"], lang) if e["intervals"] else "",
                        e["note"],
                    ]
                    for e in cal["exceptions"]
                ],
            )
        )
    else:
        blocks.append(para(_dates_label("no_exceptions", where, lang)))
    return blocks


def _hours(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [para(s["body"])]
    if s["calendar"]:
        blocks += _calendar_blocks(s["calendar"], s, lang)
    if s["other_calendars"]:
        blocks.append(heading(label("other_calendars", lang)))
    for cal in s["other_calendars"]:
        who = []
        if cal["used_by"]["groups"]:
            who.append(label("groups", lang, names=", ".join(cal["used_by"]["groups"])))
        if cal["used_by"]["policies"]:
            who.append(label("policies", lang, names=", ".join(cal["used_by"]["policies"])))
        blocks += _calendar_blocks(cal, s, lang)
        if who:
            blocks.append(para(label("used_by", lang, who="; ".join(who))))
    return blocks


def _types(s: dict[str, JsonValue], lang: str) -> list[Block]:
    items = []
    for t in s["types"]:
        kinds = [item(k["label"], quoted([c["label"] for c in k["choices"]], lang)) for k in t["kinds"] if k["choices"]]
        numbered = label("numbered", lang, prefix=t["prefix"])
        # «… не так, как должно (номера вида ERR-000123).», not «… должно. (номера …)»
        described = f"{t['description'].rstrip().rstrip('.')} ({numbered})." if t["description"] else numbered
        items.append(item(t["name"], described, kinds))
    return [para(s["body"]), bullets(items)]


def _category_items(nodes: list[dict[str, JsonValue]], lang: str) -> list[dict[str, JsonValue]]:
    items = []
    for n in nodes:
        text = n["description"]
        if not n["in_scope"]:
            text = label("out_of_scope", lang)  # its note follows in the out-of-scope list
        items.append(item(n["name"], text, _category_items(n["children"], lang)))
    return items


def _scope(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [para(s["body"]), bullets(_category_items(s["categories"], lang))]
    if s["out_of_scope"]:
        blocks += [
            heading(label("out_of_scope_title", lang)),
            para(s["out_of_scope_text"]),
            bullets([item(c["name"], c["note"]) for c in s["out_of_scope"]]),
            bullets([item("", h["text"]) for h in s["out_of_scope_handling"]]),
        ]
    return blocks


def _priorities(s: dict[str, JsonValue], lang: str) -> list[Block]:
    ladders = [[_step(e, lang) for e in p.get("escalation", [])] for p in s["priorities"]]
    # The same ladder for every priority (the usual case) is said once, under the table.
    shared = ladders[0] if ladders and ladders[0] and all(x == ladders[0] for x in ladders) else None
    rows = []
    for p, steps in zip(s["priorities"], ladders, strict=True):
        name = f"{p['name']} ({label('default', lang)})" if p["is_default"] else p["name"]
        response = []
        for metric in ("first_reaction", "resolution", "next_reaction"):
            figures = span(p["response"].get(metric), lang)  # a version of schema 1 had no next reaction
            if figures:
                response.append(label(f"{metric}_in", lang, range=figures))
        if steps and shared is None:
            response.append(label("escalation_steps", lang, steps="; ".join(steps)))
        rows.append([name, p["description"], "; ".join(response) or label("none", lang)])
    head = [label("priority", lang), label("definition", lang), label("response", lang)]
    blocks = [para(s["body"])]
    if s.get("response_text"):
        blocks.append(para(s["response_text"]))
    blocks.append(table(head, rows))
    if shared is not None:
        blocks.append(para(label("escalation_all", lang, steps="; ".join(shared))))
    return blocks


def _step(e: dict[str, JsonValue], lang: str) -> str:
    """One escalation step as the priorities' table says it: "breach, in 2 h: the support managers"."""
    name = e["trigger_name"]
    when = name[:1].lower() + name[1:]  # inside a sentence
    if e["delay_minutes"]:
        when = label("after", lang, when=when, delay=duration(e["delay_minutes"], lang))
    return label("step", lang, when=when, who=", ".join(e["notify"]) or label("none", lang))


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
    blocks = [para(s["body"]), bullets([item(m["name"], m["meaning"]) for m in metrics]), table(head, rows)]
    if s["special"]:
        blocks += [heading(label("special_title", lang)), para(s["special_text"])]
    for p in s["special"]:
        conds = [label(f"cond_{rel}", lang, names=", ".join(names)) for rel, names in p["conditions"].items() if names]
        blocks.append(bullets([item(p["name"], label("conditions", lang, conds="; ".join(conds)))]))
        blocks.append(
            table(
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
    return [para(s["body"]), table(head, rows)] if rows else [para(s["body"])]


def _escalation(s: dict[str, JsonValue], lang: str) -> list[Block]:
    if not s["rules"]:
        return [para(s["body"])]
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
    return [para(s["body"]), table(head, rows)]


def _handling(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [para(s["body"]), heading(label("confirmation_title", lang))]
    blocks.append(bullets([item("", t["text"]) for t in s["types"]]))
    return [*blocks, heading(label("survey_title", lang)), para(s["survey"]["text"])]


def _complaints(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [para(s["body"])]
    if "route" not in s:  # a version published before the section had more than its text
        return blocks
    blocks += [
        para(s["route_text"]),
        bullets([item(r["name"], r["meaning"]) for r in s["route"]]),
        para(s["targets_text"]),
        bullets([item(t["name"], duration(t["minutes"], lang)) for t in s["targets"]]),
        para(s["calendar_text"]),
    ]
    if s.get("own_calendar"):
        blocks += _calendar_blocks(s["own_calendar"], s["own_calendar"], lang)
    blocks.append(para(s["overdue_text"]))
    return blocks


def _quality(s: dict[str, JsonValue], lang: str) -> list[Block]:
    if "kpis" not in s:  # a version published before the criteria were structured
        return [para(s["body"])]
    total = s["weights_total"] or 1
    rows = [
        [c["name"], c["normalised"], str(c["weight"]), f"{100 * c['weight'] / total:.0f} %"] for c in s["components"]
    ]
    head = [label(k, lang) for k in ("component", "normalised", "weight", "share")]
    return [
        para(s["body"]),
        para(s["intro"]),
        heading(label("kpis", lang)),
        bullets([item(k["name"], k["definition"]) for k in s["kpis"]]),
        heading(label("score_title", lang)),
        para(s["score"]),
        table(head, rows),
        para(s["monthly"]),
    ]


RENDERERS = {
    "preparation": render_guide.preparation,
    "hours": _hours,
    "types": _types,
    "scope": _scope,
    "priorities": _priorities,
    "targets": _targets,
    "stages": render_guide.stages,
    "pauses": _pauses,
    "escalation": _escalation,
    "handling": _handling,
    "complaints": _complaints,
    "quality": _quality,
    "additional": render_guide.additional,
}


def document(content: dict[str, JsonValue], lang: str) -> dict[str, JsonValue]:
    """The version's content in `lang` as numbered sections of blocks."""
    local = localize(content, lang)
    sections = []
    for n, s in enumerate(local.get("sections", []), 1):
        if s["kind"] == "text":
            blocks: list[Block] = render_guide.markdown(s["body"])
        elif s["kind"] in RENDERERS:
            blocks = RENDERERS[s["kind"]](s, lang)
        else:  # any kind a later schema adds: its text
            blocks = [para(s.get("body") or "")]
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
        # After the term and a dash the text goes on the sentence: «Ошибка — что-то работает не так».
        text = run_on(it["text"]) if it["term"] else it["text"]
        parts = [f"**{md_escape(it['term'])}**" if it["term"] else "", md_escape(text)]
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


def to_markdown(content: dict[str, JsonValue], lang: str, version: Version, until: dt.datetime | None = None) -> str:
    """The version in `lang` as a GitHub-flavoured Markdown document; `until`: when a newer version
    replaced it, for one no longer in force."""
    doc = document(content, lang)
    out = [f"# {md_escape(doc['title'])}", "", version_line(version, lang, now(), until)]
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
