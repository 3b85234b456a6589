"""The request's page reads a bounded number of queries (at most 10: the session and user, the
request, its watchers, files, clocks, log, the satisfaction survey, the initiator's open complaint
on it, ...), the same before and after the
resolution: neither the satisfaction section, the confirmation notice, the answers nor a longer
history add any.

Ivan (initiator) and Alexei (agent) look at Ivan's Error before and after its resolution."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.feedback.surveys import survey_answer
from otklik.testing.factories import file_error
from otklik.workflow import ticket_comment, ticket_transition


def count(client: Client, number: str) -> int:
    client.get(f"/requests/{number}")  # the session, the caches: warmed once
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/requests/{number}").status_code == 200
    return len(queries)


LIMIT = 10


def test_the_page_reads_the_same_few_queries_in_every_state(personas):
    p = personas
    clients = {}
    for who in ("initiator", "agent"):
        clients[who] = Client()
        clients[who].force_login(getattr(p, who))
    t = file_error(p.initiator)
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="accept", version=t.version)
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="start", version=t.version)
    before = {who: count(c, t.number) for who, c in clients.items()}

    t = ticket_transition(ticket=t, actor=p.agent, transition_code="resolve", version=t.version, comment="Done")
    asked = {who: count(c, t.number) for who, c in clients.items()}
    # The survey is read in every state (a rejected request keeps its survey): one query, always.
    assert asked == before
    assert max(before.values()) <= LIMIT, before

    survey_answer(ticket=t, actor=p.initiator, score=4, comment="Fine")
    for i in range(10):
        ticket_comment(ticket=t, actor=p.initiator if i % 2 else p.agent, body=f"Message {i}")
    survey_answer(ticket=t, actor=p.initiator, score=5, comment="Better")
    assert {who: count(c, t.number) for who, c in clients.items()} == asked
