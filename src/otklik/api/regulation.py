"""GET /api/v1/regulation: the published service regulation, structured, in one language.

Anyone may read it, signed in or not: the regulation is what the support service promises its
users, and it is published on a page that needs no login either. A bearer token or a session is
still honoured, only to pick the caller's language when `lang` is not given — a notifier's token,
scoped to notifications, as well as a full one.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from otklik.api.auth import NOTIFIER_TOKEN, ActiveSessionAuth
from otklik.core.clock import now
from otklik.core.jsonvalue import JsonValue
from otklik.regulation.blocks import localize
from otklik.regulation.http import language_for
from otklik.regulation.selectors import State, version_coming, version_get, version_list, version_states
from otklik.regulation.services import regulation_in_force

router = Router(tags=["regulation"])


def anyone(request: HttpRequest) -> bool:
    """The last of the auth callbacks: no (valid) credentials is fine too."""
    return True


class VersionRef(Schema):
    number: int
    effective_at: datetime
    published_at: datetime
    reason: str = Field(description="why it was published, in `lang`")
    state: str = Field(description="in_force, past, scheduled (comes into force at effective_at), superseded")


class RegulationOut(Schema):
    version: int
    effective_at: datetime
    in_force: bool = Field(description="whether the version shown is the one in force now")
    lang: str
    title: str
    sections: list[dict[str, JsonValue]]
    scheduled: VersionRef | None = Field(description="the version that comes into force next, if one is scheduled")
    versions: list[VersionRef]


# A notifier's token too (NOTIFIER_TOKEN): it would otherwise be refused (403) what anyone may read.
@router.get("/regulation", response=RegulationOut, auth=[NOTIFIER_TOKEN, ActiveSessionAuth(), anyone])
def regulation(request: HttpRequest, lang: str | None = None, version: int | None = None) -> dict[str, JsonValue]:
    """The regulation in force (or version `version`) in `lang` (ru, en; default: the caller's
    language). Sections in reading order, each with `kind` (text, preparation, hours, types, scope,
    priorities, targets, stages, pauses, escalation, handling, complaints, quality, additional),
    `code`, `title` and its structured data; target durations are working minutes. `scheduled`: the
    version that comes into force next (published ahead of its `effective_at`), else null;
    `versions`: every version, newest first, with its state. No login needed."""
    chosen = language_for(request, lang)
    shown = version_get(version) if version is not None else regulation_in_force()
    local = localize(shown.content, chosen)
    versions = version_list(chosen)
    states = version_states(versions, now())
    listed = [{**v, "state": str(states[v["number"]])} for v in versions]
    coming = version_coming(versions, now())
    return {
        "version": shown.number,
        "effective_at": shown.effective_at,
        "in_force": states.get(shown.number) == State.IN_FORCE,
        "lang": chosen,
        "title": local.get("title", ""),
        "sections": local.get("sections", []),
        "scheduled": next((v for v in listed if coming is not None and v["number"] == coming["number"]), None),
        "versions": listed,
    }
