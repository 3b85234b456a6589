"""What opening a request's page costs the database once the caches are warm (issue 15: the
request page in the API's class): the session and its user, the request, its watchers, files, log,
clocks and survey, one statement each and none joined to the catalogue (the points, transitions and
authors come from the snapshots), the initiator's open complaint for the initiator, and the bell's
count for the frame. Pinned statement by statement, for the agent in charge, a manager and the
initiator: a read that comes back per record, or a join, shows here.

Ivan (initiator) files an Error; Alexei (agent) accepts, starts, writes, resolves it (the survey is
asked); a file is attached and a watcher added."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.testing.factories import file_error
from otklik.tickets.attachments import attachment_add
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_comment, ticket_transition


def tables(client: Client, number: str) -> list[str]:
    """Each statement's verb and first table, in order."""
    assert client.get(f"/requests/{number}").status_code == 200  # the session, the caches: warmed once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/requests/{number}")
    assert response.status_code == 200
    out = []
    for q in ctx.captured_queries:
        found = re.search(r'\bFROM "?(\w+)"?', q["sql"])
        out.append(found.group(1) if found else q["sql"].split()[0])
    joined = [q["sql"] for q in ctx.captured_queries if " JOIN " in q["sql"]]
    assert not joined, joined
    return out


FRAME = ["django_session", "accounts_user"]  # the session middleware and its user
REQUEST = ["tickets_ticket", "tickets_watcher", "tickets_attachment", "tickets_reaction", "sla_clock"]
BELL = ["notify_notification"]  # the frame's unread count


def test_each_persona_reads_the_request_in_one_statement_per_table(personas):
    p = personas
    t = file_error(p.initiator)
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="accept", version=t.version)
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="start", version=t.version)
    for i in range(6):
        ticket_comment(ticket=t, actor=p.initiator if i % 2 else p.agent, body=f"Message {i}", internal=i == 4)
    attachment_add(ticket=t, actor=p.agent, upload=SimpleUploadedFile("log.txt", b"trace"), internal=False)
    ticket_watch(ticket=t, actor=p.agent, user_ref=p.lead.username, add=True)
    t.refresh_from_db()
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="resolve", version=t.version, comment="Done")

    seen = {}
    for who in ("agent", "manager", "initiator"):
        client = Client()
        client.force_login(getattr(p, who))
        seen[who] = tables(client, t.number)
    assert seen["agent"] == [*FRAME, *REQUEST, "feedback_survey", *BELL]
    assert seen["manager"] == [*FRAME, *REQUEST, "feedback_survey", *BELL]
    # The initiator: their open complaint too (the page offers no second).
    assert seen["initiator"] == [*FRAME, *REQUEST, "feedback_survey", "feedback_complaint", *BELL]


def test_a_longer_history_reads_no_more(personas):
    p = personas
    t = file_error(p.initiator)
    t = ticket_transition(ticket=t, actor=p.agent, transition_code="accept", version=t.version)
    client = Client()
    client.force_login(p.agent)
    short = tables(client, t.number)
    for i in range(15):
        ticket_comment(ticket=t, actor=p.initiator if i % 2 else p.agent, body=f"Message {i}")
    assert tables(client, t.number) == short
