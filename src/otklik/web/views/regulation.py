"""The regulation page (/regulation) and its Markdown download (/regulation.md); no login needed.
The page has the site's header (the person's navigation, or a way to sign in), in the document's language.

The page shows the version in force (or the one asked for) and announces the one scheduled next;
an older version says from when to when it was in force and points to the one in force; the list of
versions says which is in force, which are no longer, which is still to come and which were replaced
before they came into force."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from otklik.core.clock import now
from otklik.core.errors import DomainError, NotFound
from otklik.regulation.blocks import LABELS, LANGS, label, moment_text, version_line
from otklik.regulation.http import language_for, version_number
from otklik.regulation.models import Version
from otklik.regulation.render import page_context, to_markdown
from otklik.regulation.selectors import (
    State,
    VersionSummary,
    version_coming,
    version_ended_at,
    version_get,
    version_list,
    version_states,
)
from otklik.regulation.services import regulation_in_force

STATE_LABELS = {
    State.IN_FORCE: "current",
    State.PAST: "past",
    State.SCHEDULED: "scheduled",
    State.SUPERSEDED: "superseded",
}


def _chosen(request: HttpRequest) -> tuple[str, Version, list[VersionSummary]]:
    """The language, the version to show (asked for, else the one in force) and every version."""
    lang = language_for(request, request.GET.get("lang"))
    number = version_number(request.GET.get("version"))
    versions = version_list(lang)
    if not versions:  # a fresh install: the first version is published now
        regulation_in_force()
        versions = version_list(lang)
    if number is None:
        states = version_states(versions, now())
        number = next(v["number"] for v in versions if states[v["number"]] == State.IN_FORCE)
    return lang, version_get(number), versions


def _refusal(exc: DomainError) -> HttpResponse:
    if isinstance(exc, NotFound):
        raise Http404(exc.detail)
    return HttpResponse(exc.detail, status=exc.status, content_type="text/plain; charset=utf-8")


def _query(**params: str | int) -> str:
    return "?" + urlencode(params)


def page(request: HttpRequest) -> HttpResponse:
    try:
        lang, version, versions = _chosen(request)
    except DomainError as exc:
        return _refusal(exc)
    moment = now()
    states = version_states(versions, moment)
    current = next(v for v in versions if states[v["number"]] == State.IN_FORCE)
    coming = version_coming(versions, moment)
    pinned: dict[str, str | int] = {"version": version.number} if "version" in request.GET else {}
    announce = None
    if coming is not None and coming["number"] != version.number:
        announce = {
            "text": label("announce", lang, number=coming["number"], date=moment_text(coming["effective_at"], lang)),
            "url": _query(lang=lang, version=coming["number"]),
        }
    shown = states.get(version.number)
    until = version_ended_at(versions, version.number, moment)
    heading = version_line(version, lang, moment, until)
    if shown == State.SUPERSEDED:  # published, but a newer one came (or comes) into force no later
        heading += f" ({LABELS['superseded'][lang]})"
    notice = None
    if shown == State.SCHEDULED:  # reading an edition still to come
        notice = {
            "text": label("not_yet", lang, number=current["number"], date=moment_text(version.effective_at, lang)),
            "url": _query(lang=lang),
        }
    if until is not None:  # reading an edition a newer one replaced
        notice = {
            "text": label("no_longer", lang, number=current["number"], until=moment_text(until, lang)),
            "url": _query(lang=lang),
        }
    context = {
        "lang": lang,
        "doc": page_context(version.content, lang),
        "version": version,
        "heading": heading,
        "announce": announce,
        "notice": notice,
        "labels": {k: v[lang] for k, v in LABELS.items()},
        "languages": [
            {"code": code, "name": LABELS["language"][code], "url": _query(lang=code, **pinned)} for code in LANGS
        ],
        "complaint_url": reverse("web:complaint-new"),
        "markdown_url": reverse("regulation-markdown") + _query(lang=lang, version=version.number),
        "versions": [
            {
                **v,
                "url": _query(lang=lang, version=v["number"]),
                "name": label("short_cap", lang, number=v["number"]),
                "when": moment_text(v["effective_at"], lang),  # in the service's zone, as the heading says it
                "is_shown": v["number"] == version.number,
                "is_current": states[v["number"]] == State.IN_FORCE,
                "state": LABELS[STATE_LABELS[states[v["number"]]]][lang] if states[v["number"]] in STATE_LABELS else "",
            }
            for v in versions
        ],
    }
    context["version_label"] = label("short", lang, number=version.number)
    context["signin_url"] = reverse("web:login") + _query(next=request.get_full_path())
    # The site's header in the document's language, so the page speaks one language.
    with translation.override(lang):
        return render(request, "web/regulation/page.html", context)


def markdown(request: HttpRequest) -> HttpResponse:
    try:
        lang, version, versions = _chosen(request)
    except DomainError as exc:
        return _refusal(exc)
    until = version_ended_at(versions, version.number, now())
    response = HttpResponse(
        to_markdown(version.content, lang, version, until), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="regulation-v{version.number}-{lang}.md"'
    return response
