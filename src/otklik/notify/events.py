"""Which events the admin offers: the help desk's own, from the registry of their words
(texts.register), and the events other systems queue, whose names are checked so that a typo of
one of ours (`ticket_create`) is not taken for another system's event and never fires."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .models import Event
from .services import EVENT_RE, RESERVED_EVENTS
from .texts import registered_events

DIGEST = "digest"
_FIRST_WORD = re.compile(r"[._-]")
_CLOSE = 0.75  # difflib's ratio from which a name reads as a typo of one of ours (sla_warning: 0.76)


def own_events(*, digest: bool = False) -> list[str]:
    """The help desk's events a rule (or, with the digest, a template) may name."""
    return [e for e in registered_events() if digest or e != DIGEST]


def event_label(event: str) -> str:
    """What the event means, in the reader's language, when it is one of ours; else its name."""
    return str(Event(event).label) if event in Event.values else event


def _first_word(name: str) -> str:
    return _FIRST_WORD.split(name, maxsplit=1)[0]


def own_prefixes(own: list[str]) -> set[str]:
    """The first words of the help desk's own event names (ticket, sla, regulation, …), taken from
    the registry so that a new domain's events are guarded too: another system names its events
    otherwise (the API's own advice: erp.document_posted)."""
    return {_first_word(e) for e in own}


@dataclass(frozen=True)
class NameProblem:
    code: str  # "format", "own", "like_own"
    similar: str = ""  # for "like_own": the help desk's event it resembles


def integration_event_problem(name: str, own: list[str]) -> NameProblem | None:
    """Why `name` cannot be another system's event, or None when it can. One of our own names
    is no problem (the caller takes it as ours)."""
    if not EVENT_RE.match(name):
        return NameProblem("format")
    if name in own:
        return None
    close = difflib.get_close_matches(name, own, n=1, cutoff=_CLOSE)
    if close:
        return NameProblem("like_own", close[0])
    if name in RESERVED_EVENTS or _first_word(name) in own_prefixes(own):
        return NameProblem("own")
    return None
