"""An open request page stays true (issue 14, item 8): the mark of the changes by others a viewer
may see (otklik.tickets.live), who may ask the stream about a request, the stream's `ticket` events
(otklik.api.stream_tickets) and the mark the page is rendered with. The browser side is in
tests/e2e/test_request_page.py."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Collection

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.accounts.models import User
from otklik.api.stream_tickets import push_marks, ticket_event
from otklik.complaints.services import complaint_file
from otklik.testing.factories import file_error
from otklik.tickets.live import Mark, MarkReader, Viewer, mark_of, marks, page_mark, viewer, watch_for
from otklik.tickets.models import LogRecord, Ticket
from otklik.tickets.selectors import ticket_activity
from otklik.tickets.watchers import ticket_watch
from otklik.workflow import ticket_comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(personas) -> Ticket:
    return file_error(personas.initiator)


def test_a_mark_moves_with_what_others_do_that_the_viewer_may_see(personas, ticket):
    ivan, alexei, sergei = personas.initiator, personas.agent, personas.lead
    before = {who: mark_of(who, ticket) for who in (ivan, alexei, sergei)}

    reply = ticket_comment(ticket=ticket, actor=alexei, body="Looking into it")
    assert mark_of(ivan, ticket) == (before[ivan][0] + 1, reply.pk)
    assert mark_of(sergei, ticket) == (before[sergei][0] + 1, reply.pk)
    assert mark_of(alexei, ticket) == before[alexei]  # his own change is no news to him

    note = ticket_comment(ticket=ticket, actor=alexei, body="The cache again", internal=True)
    assert mark_of(ivan, ticket) == (before[ivan][0] + 1, reply.pk)  # an internal note: not Ivan's business
    assert mark_of(sergei, ticket) == (before[sergei][0] + 2, note.pk)

    answer = ticket_comment(ticket=ticket, actor=ivan, body="Thank you")
    assert mark_of(alexei, ticket)[1] >= answer.pk
    assert mark_of(alexei, ticket)[0] > before[alexei][0]
    assert mark_of(ivan, ticket) == (before[ivan][0] + 1, reply.pk)


def test_the_mark_moves_for_a_record_that_commits_below_the_highest_id(personas, ticket):
    """Ids are taken at INSERT, so a record may commit after one with a higher id: the count moves
    all the same (records are never deleted). The explicit ids stand for two such transactions."""
    ivan = personas.initiator
    reply = ticket_comment(ticket=ticket, actor=personas.agent, body="First")
    count, _ = mark_of(ivan, ticket)

    def record(pk: int) -> None:
        LogRecord.objects.create(
            pk=pk,
            ticket=ticket,
            created_at=reply.created_at,
            actor=personas.agent,
            actor_role=reply.actor_role,
            point=reply.point,
            event=reply.event,
            body="a reply",
        )

    record(reply.pk + 1000)
    assert mark_of(ivan, ticket) == (count + 1, reply.pk + 1000)
    record(reply.pk + 500)  # committed later, with a lower id
    assert mark_of(ivan, ticket) == (count + 2, reply.pk + 1000)


def test_the_page_and_the_stream_mark_the_same_records(personas, ticket):
    """The page's mark (from the timeline it read) and the stream's (one grouped query) agree for
    every kind of viewer: otherwise a page would announce a change it already shows, or miss one."""
    ticket_watch(ticket=ticket, actor=personas.lead, user_ref="agent2", add=True)
    ticket_comment(ticket=ticket, actor=personas.agent, body="Public")
    ticket_comment(ticket=ticket, actor=personas.agent, body="Internal", internal=True)
    ticket_comment(ticket=ticket, actor=personas.initiator, body="Answer")
    complaint_file(author=personas.initiator, body="Nobody called me back.", ticket=ticket)
    for who in (personas.initiator, personas.agent, personas.lead, personas.agent2, personas.manager):
        assert page_mark(who, ticket_activity(who, ticket)) == mark_of(who, ticket), who.username
    # The watcher from the other line (support staff: the internal note too) does not see the
    # complaint, which the manager, who wrote nothing, does.
    assert mark_of(personas.agent2, ticket)[0] < mark_of(personas.manager, ticket)[0]


def test_one_query_reads_the_marks_of_many_viewers(personas, ticket, django_assert_num_queries):
    other = file_error(personas.initiator, subject="Another")
    viewers = [viewer(personas.initiator, ticket), viewer(personas.agent, ticket), viewer(personas.lead, other)]
    with django_assert_num_queries(1):
        found = marks(viewers)
    assert set(found) == set(viewers)
    assert marks([]) == {}


def test_the_reader_checks_many_moved_marks_in_a_fixed_number_of_queries(personas, ticket):
    """The stream hub's one database thread reads every open page's mark each pass: checking again who
    may see a moved request costs the same few queries for two viewers as for ten."""
    ticket_watch(ticket=ticket, actor=personas.lead, user_ref="agent2", add=True)  # seen as a watcher
    others = [file_error(personas.initiator, subject=f"Another {i}") for i in range(4)]
    people = (personas.initiator, personas.agent, personas.lead, personas.manager)
    few = [viewer(personas.agent2, ticket), viewer(personas.initiator, ticket)]
    many = few + [viewer(who, t) for t in others for who in people][:8]
    MarkReader().step(few)  # warm the people's caches

    counts = []
    for viewers in (few, many):
        with CaptureQueriesContext(connection) as ctx:
            found = MarkReader().step(viewers)  # a new reader: every mark has moved
        assert set(found) == set(viewers)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 4, counts


def test_only_those_who_may_see_the_request_may_watch_it(personas, ticket):
    for who in (personas.outsider, personas.initiator2, personas.agent2):
        assert watch_for(who, ticket.number) is None, who.username
    for ref in ("", "ERR-999999", "x" * 100, "'; drop table"):
        assert watch_for(personas.initiator, ref) is None
    v = watch_for(personas.initiator, ticket.number.lower())
    assert v == Viewer(personas.initiator.pk, ticket.pk, ticket.number, staff=False, rating=True)
    assert watch_for(personas.agent, str(ticket.pk)) == viewer(personas.agent, ticket)


def test_the_reader_stops_telling_someone_who_no_longer_sees_the_request(personas, ticket):
    ticket_watch(ticket=ticket, actor=personas.lead, user_ref="agent2", add=True)
    olga = viewer(personas.agent2, ticket)
    ivan = viewer(personas.initiator, ticket)
    reader = MarkReader()
    first = reader.step([olga, ivan])
    assert set(first) == {olga, ivan}

    ticket_watch(ticket=ticket, actor=personas.lead, user_ref="agent2", add=False)
    ticket_comment(ticket=ticket, actor=personas.agent, body="Found it")
    second = reader.step([olga, ivan])
    assert olga not in second  # the mark moved; she may no longer see the request: nothing more
    assert second[ivan] != first[ivan]


def test_the_reader_counts_what_the_person_may_see_now_not_when_the_stream_opened(personas, ticket):
    """Olga watched the request as support staff; she is staff no more (still a watcher): an
    internal note written after that is not counted for her, and neither is it hinted at."""
    ticket_watch(ticket=ticket, actor=personas.lead, user_ref="agent2", add=True)
    olga = viewer(personas.agent2, ticket)
    assert olga.staff
    reader = MarkReader()
    first = reader.step([olga])[olga]

    User.objects.filter(pk=personas.agent2.pk).update(role="initiator")
    ticket_comment(ticket=ticket, actor=personas.agent, body="The cache again", internal=True)
    second = reader.step([olga])[olga]
    as_now = User.objects.get(pk=personas.agent2.pk)
    assert not viewer(as_now, ticket).staff
    assert second == mark_of(as_now, ticket)  # the note is not in her count
    assert second[1] <= first[1]
    assert reader.step([olga])[olga] == second  # and stays so while nothing she may see moves

    reply = ticket_comment(ticket=ticket, actor=personas.agent, body="Found it")
    assert reader.step([olga])[olga] == (second[0] + 1, reply.pk)


class Sub:
    def __init__(self, watch: Viewer | None) -> None:
        self.watch = watch
        self.mark: Mark | None = None
        self.chunks: list[tuple[int, str]] = []

    def push(self, chunks: list[tuple[int, str]]) -> None:
        self.chunks.extend(chunks)


def test_a_stream_gets_the_mark_once_and_again_only_when_it_moves():
    v = Viewer(1, 2, "ERR-000002", staff=False, rating=True)
    watching, plain = Sub(v), Sub(None)
    current: dict[Viewer, Mark] = {v: (3, 40)}
    asked: list[set[Viewer]] = []

    async def step(viewers: Collection[Viewer]) -> dict[Viewer, Mark]:
        asked.append(set(viewers))
        return dict(current)

    def run() -> None:
        asyncio.run(push_marks([[watching], [plain]], step))

    run()
    run()
    assert asked == [{v}, {v}]
    assert [text for _, text in watching.chunks] == [ticket_event(v, (3, 40))]
    current[v] = (4, 41)
    run()
    assert len(watching.chunks) == 2 and '"count": 4, "last": 41' in watching.chunks[1][1]
    assert plain.chunks == []
    # An event of its own kind, with no id: Last-Event-ID stays the notifications'.
    text = watching.chunks[0][1]
    assert text.startswith("event: ticket\ndata: {") and text.endswith("\n\n") and "id:" not in text
    assert all(pk == 0 for pk, _ in watching.chunks)

    asked.clear()
    asyncio.run(push_marks([[plain]], step))
    assert asked == []  # nobody watches a request: no read at all


def test_a_failed_read_is_tried_again_on_the_next_pass():
    v = Viewer(1, 2, "ERR-000002", staff=False, rating=True)
    sub = Sub(v)

    async def broken(viewers: Collection[Viewer]) -> dict[Viewer, Mark]:
        raise RuntimeError("the database went away")

    asyncio.run(push_marks([[sub]], broken))
    assert sub.chunks == [] and sub.mark is None


def test_the_page_carries_its_mark_and_asks_the_stream_about_its_request(personas, ticket):
    ticket_comment(ticket=ticket, actor=personas.agent, body="Looking into it")
    client = Client()
    client.force_login(personas.initiator)
    html = client.get(f"/requests/{ticket.number}").content.decode()
    count, top = mark_of(personas.initiator, ticket)
    assert f'data-live-ticket="{ticket.number}" data-live-mark="{count}:{top}"' in html
    assert re.search(r'<div class="live-change" id="live-change" role="status"></div>', html)
    assert "web/ticket.js" in html


def test_a_request_reference_no_database_stores_is_nobodys(personas, ticket):
    """A NUL would be a 500 on PostgreSQL at the lookup: no request has such a number."""
    assert watch_for(personas.initiator, ticket.number + "\x00") is None
    assert watch_for(personas.initiator, "\ud800") is None


def test_the_stream_refuses_a_nul_in_its_query_with_a_clear_400():
    from asgiref.sync import async_to_sync
    from django.test import AsyncRequestFactory

    from otklik.api.stream import notifications_stream

    for query in ({"ticket": "ERR-000001\x00"}, {"ticket": "\x00"}, {"other": "\x00"}):
        request = AsyncRequestFactory().get("/api/v1/notifications/stream", query)
        response = async_to_sync(notifications_stream)(request)
        assert response.status_code == 400, query
        assert json.loads(response.content)["code"] == "bad_request"
