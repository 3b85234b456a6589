"""The live stream `GET /api/v1/notifications/stream`: the caller's in-app notifications as
Server-Sent Events, for browsers (EventSource, with the session) and `otklik notifier` (a token).

It is served by an ASGI process (uvicorn, the third child of `otklik serve`): an open stream costs a
coroutine there, where it would hold one of gunicorn's few sync workers. The WSGI web server answers
the same path with 307 to `settings.STREAM_URL`; behind a reverse proxy route the path to the stream
process instead (README, "Live notifications").

The stream: `retry: 3000`, then `event: hello` with the unread count (and, on a first connection,
`id:` the newest delivered id, so a client that drops before any notification came resumes from
there), then one `event: notification` per delivered in-app row (`id:` the row's id, `data:` the
inbox item plus `unread`), and `: ping` every STREAM_PING_SECONDS. With `?ticket=NUMBER` (an open
request page) also `event: ticket` when that request changes (otklik.api.stream_tickets).

What arrives (rows are not delivered in id order: a retry, a quiet-hours deferral or a revived dead
row delivers a lower id later):
- on an open stream, every row delivered after it opened, once. One `Hub` per process watches the
  connected users' rows by id: each pass reads every row above a floor (the highest id as it was a
  look-back before the previous pass) plus every older row of theirs not yet delivered, which it
  remembers until it is. No clocks are involved; the one assumption is that a transaction writing
  notifications commits within STREAM_LOOKBACK_SECONDS of writing them.
- on reconnecting with `Last-Event-ID: N` (or `?last_event_id=N`): first the rows below N delivered
  no earlier than the look-back before N was, then every delivered row above N, then the live ones.
  Nothing delivered after the client lost its stream is lost (assuming the workers' clocks agree
  within the look-back); rows delivered within the look-back before N may come again: clients
  deduplicate by id.
- without it: nothing older than the connection.

The hub reads in one database thread of its own for all connections, woken on PostgreSQL by the
workers' NOTIFY (a commit that queues work is delivered moments later) with a poll as the fallback,
and polling on SQLite. Other database work runs in worker threads (`thread_sensitive=False`) that
give their connection back at once: a stream may stay open for days.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user, get_user_model
from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse

from otklik.accounts.models import User
from otklik.api.notification_json import notification_item, reader_languages
from otklik.api.shutdown import close_on_shutdown
from otklik.api.stream_tickets import push_marks, reader
from otklik.api.token_user import NOTIFIER_SCOPES, token_user
from otklik.core.clock import now
from otklik.core.textguard import has_unstorable
from otklik.core.wakeup import CHANNEL
from otklik.notify.models import Channel, Notification, State
from otklik.tickets.live import Mark, Viewer, watch_for

log = logging.getLogger("otklik.stream")
T = TypeVar("T")

RETRY_MS = 3000
# Events waiting for a slow client; past this the stream is closed and the client catches up on reconnecting.
BUFFER_MAX = 1000
# After a NOTIFY the workers deliver within moments: look every BURST_GAP for BURST_SECONDS.
BURST_SECONDS = 2.0
BURST_GAP = 0.1
CATCH_UP_BATCH = 200
# A place taken by a connection whose stream never started (the client left first) lapses after this.
ADMIT_SECONDS = 30.0
FIELDS = (
    *("id", "recipient", "state", "event", "importance", "subject", "body", "texts", "link", "ticket__number"),
    *("created_at", "read_at"),
)
DONE = (State.DELIVERED, State.DIGESTED)


def _inapp() -> QuerySet[Notification]:
    return Notification.objects.filter(channel=Channel.INAPP)


def _event(n: Notification, unread: int, language: str) -> tuple[int, str]:
    data = json.dumps({**notification_item(n, language), "unread": unread}, cls=DjangoJSONEncoder, ensure_ascii=False)
    return n.pk, f"id: {n.pk}\nevent: notification\ndata: {data}\n\n"


def _unread(user_ids: list[int]) -> dict[int, int]:
    """As the inbox counts them (GET /api/v1/notifications)."""
    rows = (
        _inapp()
        .filter(recipient_id__in=user_ids, read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values_list("recipient_id", "n")
    )
    return {u: 0 for u in user_ids} | dict(rows)


@dataclass
class _Watch:
    """One connected user's rows: those not delivered yet (any id), and the delivered ones above the
    floor already handled (sent, or there before the user connected)."""

    waiting: set[int] = field(default_factory=set)
    handled: set[int] = field(default_factory=set)


class Finder:
    """The hub's reader, always called in the hub's one database thread (it keeps its connection)."""

    def __init__(self, lookback: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lookback = lookback
        self.clock = clock
        self.watches: dict[int, _Watch] = {}
        self.samples: deque[tuple[float, int]] = deque()  # (monotonic time, the highest id by then)
        self.last_pass: float | None = None
        self.startup_floor: int | None = None

    def step(self, users: set[int]) -> tuple[dict[int, list[tuple[int, str]]], set[int]]:
        """New deliveries per user, and the users now watched. All reads come first; the state moves
        on only when they all succeeded, so a failed pass is simply done again."""
        try:
            return self._step(users)
        except Exception:
            connection.close()  # a broken connection is replaced on the next pass
            raise

    def _step(self, users: set[int]) -> tuple[dict[int, list[tuple[int, str]]], set[int]]:
        started = self.clock()
        top = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
        floor = self._floor()
        watches = {u: w for u, w in self.watches.items() if u in users}
        fresh = {u: _Watch() for u in users if u not in watches}
        if fresh:
            rows = (
                _inapp()
                .filter(Q(id__gt=floor) | ~Q(state__in=DONE), recipient_id__in=list(fresh))
                .values_list("recipient_id", "id", "state")
            )
            for u, pk, state in rows:
                if state == State.DELIVERED:
                    fresh[u].handled.add(pk)  # there before the user connected: not news
                elif state != State.DIGESTED:
                    fresh[u].waiting.add(pk)
            watches |= fresh
        waiting = set().union(*(w.waiting for w in watches.values()))
        wanted = Q(recipient_id__in=list(watches), id__gt=floor)
        if waiting:
            wanted |= Q(id__in=waiting)
        found: dict[int, list[Notification]] = defaultdict(list)
        settled: dict[int, set[int]] = defaultdict(set)
        pending: dict[int, set[int]] = defaultdict(set)
        for n in _inapp().filter(wanted).select_related("ticket").only(*FIELDS).order_by("id"):
            uid = n.recipient_id  # always someone's here: in-app rows of the watched users
            if uid is None or (w := watches.get(uid)) is None:
                continue
            if n.state == State.DELIVERED:
                if n.pk not in w.handled:
                    found[uid].append(n)
            elif n.state == State.DIGESTED:  # went into a digest: the digest is the news
                settled[uid].add(n.pk)
            else:
                pending[uid].add(n.pk)
        unread = _unread(list(found)) if found else {}
        languages = reader_languages(found) if found else {}
        events = {
            u: [_event(n, unread[u], languages.get(u, settings.LANGUAGE_CODE)) for n in ns] for u, ns in found.items()
        }
        # Every read succeeded: move on.
        for u, ns in found.items():
            ids = {n.pk for n in ns}
            watches[u].handled |= ids
            watches[u].waiting -= ids
        for u, ids in settled.items():
            watches[u].waiting -= ids
        for u, ids in pending.items():
            watches[u].waiting |= ids
        for w in watches.values():  # nothing at or below the floor comes back unless it is waiting
            w.handled = {pk for pk in w.handled if pk > floor}
        self.watches = watches
        self.samples.append((self.clock(), top))
        self.last_pass = started
        return events, set(watches)

    def _floor(self) -> int:
        """An id every row not yet visible at the previous pass is above: the highest id as it was a
        look-back before that pass (an id is taken at INSERT; its transaction commits within the
        look-back, and later INSERTs take higher ids)."""
        if self.startup_floor is None:
            # No history yet: the last row created three look-backs ago (its id was taken before two).
            cut = now() - timedelta(seconds=3 * self.lookback)
            self.startup_floor = (
                Notification.objects.filter(created_at__lt=cut).order_by("-id").values_list("id", flat=True).first()
                or 0
            )
        if self.last_pass is None:
            return self.startup_floor
        limit = self.last_pass - self.lookback
        while len(self.samples) > 1 and self.samples[1][0] <= limit:
            self.samples.popleft()
        if self.samples and self.samples[0][0] <= limit:
            return max(self.startup_floor, self.samples[0][1])
        return self.startup_floor


class _Subscriber:
    def __init__(self, user_id: int, watch: Viewer | None = None) -> None:
        self.user_id = user_id
        self.watch = watch  # the request an open page asked about (?ticket=), and its last mark sent
        self.mark: Mark | None = None
        self.chunks: list[tuple[int, str]] = []
        self.wake = asyncio.Event()
        self.ready = asyncio.Event()  # the hub watches the user: rows delivered from now on will come
        self.closed = False

    def push(self, chunks: list[tuple[int, str]]) -> None:
        if self.closed:
            return
        if len(self.chunks) + len(chunks) > BUFFER_MAX:
            log.warning("stream: a client of user %s is too slow; closing its stream", self.user_id)
            self.close()
            return
        self.chunks.extend(chunks)
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()
        self.ready.set()


class Hub:
    """The process's one reader of new deliveries, fanning them out to the open streams."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.subscribers: dict[int, set[_Subscriber]] = {}
        self.count = 0
        self.admitted: dict[object, float] = {}
        self.finder = Finder(settings.STREAM_LOOKBACK_SECONDS)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="otklik-stream-db")
        self.kick = asyncio.Event()
        self.asap = False
        self.burst_until = 0.0
        self.closing = False
        self.exiting = False  # the server is shutting down: no new hub either
        self.task = self.loop.create_task(self._run())
        self.task.add_done_callback(self._ended)
        self.listener = self.loop.create_task(self._listen()) if connection.vendor == "postgresql" else None
        close_on_shutdown(self._close_soon)

    def admit(self) -> object | None:
        """A place for one more stream, or None when the process has as many as it may."""
        moment = self.loop.time()
        for place, at in list(self.admitted.items()):
            if moment - at > ADMIT_SECONDS:
                del self.admitted[place]
        if self.closing or self.count + len(self.admitted) >= settings.STREAM_MAX_CONNECTIONS:
            return None
        place = object()
        self.admitted[place] = moment
        return place

    def join(self, place: object, user_id: int, watch: Viewer | None = None) -> _Subscriber:
        self.admitted.pop(place, None)
        sub = _Subscriber(user_id, watch)
        if self.closing:
            sub.close()
            return sub
        self.subscribers.setdefault(user_id, set()).add(sub)
        self.count += 1
        self.asap = True
        self.kick.set()
        return sub

    def leave(self, sub: _Subscriber) -> None:
        subs = self.subscribers.get(sub.user_id)
        if subs is not None and sub in subs:
            subs.discard(sub)
            self.count -= 1
            if not subs:
                del self.subscribers[sub.user_id]

    def _ended(self, task: asyncio.Task[None]) -> None:
        """The reader must not stop while streams wait on it: if it does, they end (the clients
        reconnect, and the next request starts a new hub)."""
        if not task.cancelled() and task.exception() is not None:
            log.error("stream: the hub stopped", exc_info=task.exception())
        self.close()

    def burst(self) -> None:
        self.burst_until = self.loop.time() + BURST_SECONDS
        self.kick.set()

    def _close_soon(self) -> None:  # from a signal handler: let the loop do it
        self.exiting = True
        self.loop.call_soon_threadsafe(self.close)

    def close(self) -> None:
        """End every stream now (the server shuts down, or the reader stopped): clients reconnect."""
        if self.closing:
            return
        self.closing = True
        for subs in self.subscribers.values():
            for sub in subs:
                sub.close()
        self.kick.set()
        if self.listener is not None:
            self.listener.cancel()

    async def _run(self) -> None:
        step = sync_to_async(self.finder.step, thread_sensitive=False, executor=self.executor)
        marks = sync_to_async(reader(), thread_sensitive=False, executor=self.executor)
        last: float | None = None
        try:
            while not self.closing:
                if not self.subscribers:
                    await self._wait(None)
                    continue
                last = self.loop.time()
                try:
                    events, watched = await step(set(self.subscribers))
                except Exception:
                    log.exception("stream: cannot read new notifications; trying again")
                    await asyncio.sleep(settings.STREAM_POLL_SECONDS)
                    continue
                for user_id, chunks in events.items():
                    for sub in self.subscribers.get(user_id, ()):
                        sub.push(chunks)
                for user_id in watched:
                    for sub in self.subscribers.get(user_id, ()):
                        sub.ready.set()
                await push_marks(self.subscribers.values(), marks)
                await self._wait(last)
        finally:
            await self.loop.run_in_executor(self.executor, connections.close_all)
            self.executor.shutdown(wait=False)

    async def _wait(self, last: float | None) -> None:
        """Until the next pass is due: the poll, a burst after a NOTIFY, or a new stream at once."""
        while not self.closing and not self.asap:
            timeout = None
            if last is not None:
                gap = BURST_GAP if self.loop.time() < self.burst_until else settings.STREAM_POLL_SECONDS
                timeout = last + gap - self.loop.time()
                if timeout <= 0:
                    return
            self.kick.clear()
            try:
                await asyncio.wait_for(self.kick.wait(), timeout)
            except TimeoutError:
                return
        self.asap = False

    async def _listen(self) -> None:
        """PostgreSQL: the workers' wake-up channel, on one connection of our own for the process."""
        import psycopg

        params = connection.get_connection_params()
        for key in ("cursor_factory", "context"):
            params.pop(key, None)
        delay = 1.0
        while not self.closing:
            try:
                async with await psycopg.AsyncConnection.connect(**params, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    delay = 1.0
                    self.burst()  # anything queued while we were not listening
                    async for _ in conn.notifies():
                        self.burst()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # polling goes on meanwhile: only promptness is lost
                log.warning("stream: LISTEN failed (%s); polling until it is back", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)


_hub: Hub | None = None


def get_hub() -> Hub:
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop or (_hub.task.done() and not _hub.exiting):
        _hub = Hub()
    return _hub


async def _db(fn: Callable[..., T], *args: Any) -> T:
    """`fn` in a worker thread, giving its connection back at once (a stream may stay open for days)."""

    def call() -> T:
        try:
            return fn(*args)
        finally:
            connection.close()

    return await sync_to_async(call, thread_sensitive=False)()


def _close_connection() -> None:
    connection.close()  # this thread's: the name is looked up here, not where the call was made


def _token_user(request: HttpRequest, token: str) -> User | None:
    return token_user(request, token, NOTIFIER_SCOPES)


def _session_user(request: HttpRequest) -> User | None:
    user = get_user(request)
    return user if user.is_authenticated and user.is_active else None


def _hello(user_id: int) -> tuple[int, int]:
    """The unread count, and the newest delivered id (0: none yet)."""
    mine = _inapp().filter(recipient_id=user_id, state=State.DELIVERED)
    top = mine.order_by("-id").values_list("id", flat=True).first()
    return _unread([user_id])[user_id], top or 0


def _after(user_id: int, after: int, unread: int) -> list[tuple[int, str]]:
    rows = (
        _inapp()
        .filter(recipient_id=user_id, state=State.DELIVERED, id__gt=after)
        .select_related("ticket")
        .only(*FIELDS)
        .order_by("id")[:CATCH_UP_BATCH]
    )
    language = reader_languages([user_id]).get(user_id, settings.LANGUAGE_CODE) if rows else ""
    return [_event(n, unread, language) for n in rows]


def _late(user_id: int, last_id: int, unread: int) -> list[tuple[int, str]]:
    """Rows below the client's last id delivered within the look-back before it was, or later."""
    mine = _inapp().filter(recipient_id=user_id, state=State.DELIVERED)
    anchor = mine.filter(id__lte=last_id).order_by("-id").values_list("delivered_at", flat=True).first()
    if anchor is None:
        return []
    since = anchor - timedelta(seconds=settings.STREAM_LOOKBACK_SECONDS)
    rows = list(
        mine.filter(id__lt=last_id, delivered_at__gte=since).select_related("ticket").only(*FIELDS).order_by("id")
    )
    language = reader_languages([user_id]).get(user_id, settings.LANGUAGE_CODE) if rows else ""
    return [_event(n, unread, language) for n in rows]


def _last_event_id(request: HttpRequest) -> int | None:
    value = (request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _still_allowed(request: HttpRequest, token: str | None, user_id: int) -> bool:
    """Whether the stream's caller may still read it: the token is not revoked or expired, the
    session not ended, the user not deactivated. Checked at every ping, so an open stream stops
    within STREAM_PING_SECONDS (plus the token cache's seconds) of any of them."""
    if token:
        user = token_user(request, token, NOTIFIER_SCOPES)
        return user is not None and user.pk == user_id
    key = request.session.session_key
    if not key or not request.session.exists(key):
        return False
    return get_user_model().objects.filter(pk=user_id, is_active=True).exists()


async def _events(
    hub: Hub, place: object, user_id: int, watch: Viewer | None, last_id: int | None, allowed: Callable[[], bool]
) -> AsyncIterator[str]:
    ping = ": ping\n\n"
    sub = hub.join(place, user_id, watch)
    try:
        yield f"retry: {RETRY_MS}\n\n"
        while not sub.ready.is_set():  # the hub takes the user in with its next pass
            try:
                await asyncio.wait_for(sub.ready.wait(), settings.STREAM_PING_SECONDS)
            except TimeoutError:
                yield ping
        if sub.closed:
            return
        unread, top = await _db(_hello, user_id)
        # Without Last-Event-ID, hello carries the newest delivered id: a client that drops before any
        # notification came reconnects from there and misses nothing. With one, it must not move it.
        hello = f"id: {top}\n" if last_id is None else ""
        yield f"{hello}event: hello\ndata: {json.dumps({'unread': unread})}\n\n"
        sent: set[int] = set()  # what the catch-up sent, which the hub may bring again
        if last_id is not None:
            # The late ones (below the client's id) first: a client cut off in the middle comes back
            # with a lower id and gets all again, rather than a higher one that skips them.
            late = await _db(_late, user_id, last_id, unread)
            sent.update(pk for pk, _ in late)
            if late:
                yield "".join(text for _, text in late)
            after = last_id
            while batch := await _db(_after, user_id, after, unread):
                sent.update(pk for pk, _ in batch)
                yield "".join(text for _, text in batch)
                after = batch[-1][0]
        while True:
            if not sub.chunks and not sub.closed:
                sub.wake.clear()
                try:
                    await asyncio.wait_for(sub.wake.wait(), settings.STREAM_PING_SECONDS)
                except TimeoutError:
                    if not await _db(allowed):
                        return  # revoked, logged out or deactivated: the stream ends
                    yield ping
                    continue
            chunks, sub.chunks = sub.chunks, []
            text = "".join(t for pk, t in chunks if pk not in sent)
            if text:
                yield text
            if sub.closed:
                return
    finally:
        hub.leave(sub)


def _error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status, json_dumps_params={"ensure_ascii": False})


async def notifications_stream(request: HttpRequest) -> HttpResponseBase:
    """`GET /api/v1/notifications/stream`: Server-Sent Events under ASGI, 307 to the stream server under WSGI."""
    if not isinstance(request, ASGIRequest):
        response = HttpResponse(status=307)
        response["Location"] = settings.STREAM_URL + request.get_full_path()
        response["Cache-Control"] = "no-store"
        return response
    if request.method != "GET":
        response = _error(405, f"{request.method} is not allowed here; allowed: GET", "method_not_allowed")
        response["Allow"] = "GET"
        return response
    if has_unstorable(dict(request.GET.lists())):
        # As the API's other endpoints (api.main.refuse_nul): PostgreSQL cannot even compare a NUL,
        # so `?ticket=` with one would be a 500 at the lookup.
        return _error(
            400,
            "the request contains a NUL character (\\u0000) or a lone surrogate, which cannot be stored",
            "bad_request",
        )
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" else None
    user = await _db(_token_user, request, bearer) if bearer else None
    if user is None:
        bearer = None
        user = await _db(_session_user, request)
    # The middleware may have read the session in the request's own thread: give that connection back too.
    await sync_to_async(_close_connection)()
    if user is None:
        response = _error(401, "authentication required: send 'Authorization: Bearer <token>'", "unauthorized")
        response["WWW-Authenticate"] = "Bearer"
        _allow_origin(request, response)
        return response
    ticket = request.GET.get("ticket", "").strip()  # a request page's: its changes too (stream_tickets)
    watch = await _db(watch_for, user, ticket) if ticket else None
    hub = get_hub()
    place = hub.admit()
    if place is None:
        response = _error(503, "too many live streams on this server; try again shortly", "unavailable")
        response["Retry-After"] = "10"
        return response
    allowed = partial(_still_allowed, request, bearer, user.pk)
    stream = StreamingHttpResponse(
        _events(hub, place, user.pk, watch, _last_event_id(request), allowed),
        content_type="text/event-stream; charset=utf-8",
    )
    stream["Cache-Control"] = "no-cache"
    stream["X-Accel-Buffering"] = "no"
    _allow_origin(request, stream)
    return stream


def _allow_origin(request: HttpRequest, response: HttpResponseBase) -> None:
    """The web pages live on the web server's origin and read the stream from this process's port:
    a cross-origin EventSource with the session cookie, allowed for the site's own origins only."""
    origin = request.headers.get("Origin", "")
    if origin and origin.rstrip("/") in _site_origins():
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"


def _site_origins() -> set[str]:
    parts = urlsplit(settings.BASE_URL)
    return {f"{parts.scheme}://{parts.netloc}", *(o.rstrip("/") for o in settings.CSRF_TRUSTED_ORIGINS)}
