"""The regulation page (/regulation) and its Markdown download (/regulation.md); no login needed."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from otklik.core.errors import DomainError, NotFound
from otklik.regulation.http import language_for, version_number
from otklik.regulation.models import Version
from otklik.regulation.render import LABELS, LANGS, effective, page_context, to_markdown
from otklik.regulation.selectors import version_get, version_list
from otklik.regulation.services import regulation_in_force


def _chosen(request: HttpRequest) -> tuple[str, Version]:
    lang = language_for(request, request.GET.get("lang"))
    number = version_number(request.GET.get("version"))
    return lang, version_get(number) if number is not None else regulation_in_force()


def _refusal(exc: DomainError) -> HttpResponse:
    if isinstance(exc, NotFound):
        raise Http404(exc.detail)
    return HttpResponse(exc.detail, status=exc.status, content_type="text/plain; charset=utf-8")


def _query(**params: str | int) -> str:
    return "?" + urlencode(params)


def page(request: HttpRequest) -> HttpResponse:
    try:
        lang, version = _chosen(request)
    except DomainError as exc:
        return _refusal(exc)
    pinned: dict[str, str | int] = {"version": version.number} if "version" in request.GET else {}
    in_force = version_list()
    current = in_force[0]["number"] if in_force else version.number
    context = {
        "lang": lang,
        "doc": page_context(version.content, lang),
        "version": version,
        "heading": LABELS["version"][lang].format(number=version.number, date=effective(version)),
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
                "is_shown": v["number"] == version.number,
                "is_current": v["number"] == current,
            }
            for v in in_force
        ],
    }
    return render(request, "web/regulation/page.html", context)


def markdown(request: HttpRequest) -> HttpResponse:
    try:
        lang, version = _chosen(request)
    except DomainError as exc:
        return _refusal(exc)
    response = HttpResponse(to_markdown(version.content, lang, version), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="regulation-v{version.number}-{lang}.md"'
    return response
