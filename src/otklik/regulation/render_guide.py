"""Rendering the sections of guide.py (how to prepare a request, the stages of each route, the
admin's additional information) as blocks, in one language; render.py puts them with the others."""

from __future__ import annotations

from otklik.core.jsonvalue import JsonValue

from .blocks import Block, bullets, heading, item, label, para, quoted


def markdown(source: str) -> list[Block]:
    """The admin's Markdown (rendered with raw HTML off on the page, as written in the download)."""
    return [{"type": "markdown", "source": source}] if source.strip() else []


def preparation(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = markdown(s["guidance"] or "")
    blocks += [heading(label("fields_common", lang)), para(s["body"])]
    blocks.append(bullets([item(f["name"], f["text"]) for f in s["common"]]))
    blocks += [heading(label("fields_of_types", lang)), para(s["types_text"])]
    types = []
    for t in s["types"]:
        fields = []
        for f in t["fields"]:
            need = label("required" if f["required"] else "optional", lang)
            parts = [label("field_kind", lang, kind=f["kind_name"], need=need)]
            if f["help"]:
                parts.append(f["help"])
            if f["choices"]:
                parts.append(label("choices", lang, names=quoted(f["choices"], lang)))
            fields.append(item(f["label"], "; ".join(parts)))
        types.append(item(t["name"], "" if fields else label("only_common", lang), fields))
    blocks.append(bullets(types))
    return [*blocks, para(s["scope_text"])]


def _move(t: dict[str, JsonValue], lang: str) -> dict[str, JsonValue]:
    parts = [label("moves_to", lang, to=t["target_name"])] if t["target_name"] else []
    if t["actor_names"]:
        parts.append(label("taken_by", lang, who=", ".join(t["actor_names"])))
    else:
        parts.append(label("automatic", lang))
    if t.get("on_reply"):  # absent from the editions built before it was said
        parts.append(label("on_reply", lang))
    if t["comment_required"]:
        parts.append(label("with_comment", lang))
    if t["executor"]:
        parts.append(t["executor"])
    return item(t["label"], "; ".join(parts))


def stages(s: dict[str, JsonValue], lang: str) -> list[Block]:
    blocks = [para(s["body"]), para(s["actors_text"]), bullets([item(a["name"], a["meaning"]) for a in s["actors"]])]
    for r in s["routes"]:
        named = "route_named" if label("route_word", lang) in r["name"].lower() else "route_of"
        blocks.append(heading(label(named, lang, name=r["name"], types=", ".join(r["types"]))))
        points = []
        for p in r["points"]:
            name = label("start_stage", lang, name=p["name"]) if p["is_start"] else p["name"]
            moves = [_move(t, lang) for t in p["transitions"]]
            text = p["clock_text"] if moves else f"{p['clock_text']}; {label('no_moves', lang)}"
            points.append(item(name, text, moves))
        blocks.append(bullets(points))
    return blocks


def additional(s: dict[str, JsonValue], lang: str) -> list[Block]:
    return markdown(s["body"])
