"""GET /api/v1/regulation: the published service regulation, structured, in one language.

Anyone may read it, signed in or not: the regulation is what the support service promises its
users, and it is published on a page that needs no login either. A bearer token or a session is
still honoured, only to pick the caller's language when `lang` is not given.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from otklik.api.auth import ActiveSessionAuth, TokenAuth
from otklik.core.jsonvalue import JsonValue
from otklik.regulation.http import language_for
from otklik.regulation.render import localize
from otklik.regulation.selectors import version_get, version_list
from otklik.regulation.services import regulation_in_force

router = Router(tags=["regulation"])


def anyone(request: HttpRequest) -> bool:
    """The last of the auth callbacks: no (valid) credentials is fine too."""
    return True


class VersionRef(Schema):
    number: int
    effective_at: datetime
    reason: str


class RegulationOut(Schema):
    version: int
    effective_at: datetime
    lang: str
    title: str
    sections: list[dict[str, JsonValue]]
    versions: list[VersionRef]


@router.get("/regulation", response=RegulationOut, auth=[TokenAuth(), ActiveSessionAuth(), anyone])
def regulation(request: HttpRequest, lang: str | None = None, version: int | None = None) -> dict[str, JsonValue]:
    """The regulation in force (or version `version`) in `lang` (ru, en; default: the caller's
    language). Sections in reading order, each with `kind` (text, hours, types, scope, priorities,
    targets, pauses, escalation, complaints, quality), `code`, `title` and its structured data;
    target durations are working minutes. `versions`: every version, newest first. No login needed."""
    chosen = language_for(request, lang)
    shown = version_get(version) if version is not None else regulation_in_force()
    local = localize(shown.content, chosen)
    return {
        "version": shown.number,
        "effective_at": shown.effective_at,
        "lang": chosen,
        "title": local.get("title", ""),
        "sections": local.get("sections", []),
        "versions": version_list(),
    }
