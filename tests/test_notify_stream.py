"""The live stream `GET /api/v1/notifications/stream` (Server-Sent Events) as clients meet it: a real
`otklik serve` (gunicorn + the uvicorn stream process, no worker) on loopback ports, against an
SQLite file this test process writes too; rows are delivered here as the worker would (state and
delivered_at), so the order of deliveries is the test's to choose. The hub's reader is also tested
on its own, with a clock of the test's."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import timezone
from otklik_notifier.stream import SseEvent, SseParser, sse_lines

from otklik.accounts.models import User
from otklik.accounts.services import token_create
from otklik.notify.models import Notification

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the process tests run once, on SQLite (tests/test_notify_stream_pg.py covers PostgreSQL)",
)

STREAM = "/api/v1/notifications/stream"
START_SECONDS = 60
LOOKBACK = 5.0  # the stream process's look-back here (the least it takes)
_names = count()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def file_db(tmp_path_factory: pytest.TempPathFactory, django_db_blocker: object) -> Iterator[Path]:
    """This module's database: an SQLite file the server processes open too (the suite's own test
    database lives in memory). The default connection points at it until the module ends."""
    path = tmp_path_factory.mktemp("stream-db") / "otklik.sqlite3"
    conn = connections["default"]
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        saved_name, saved_raw = conn.settings_dict["NAME"], conn.connection
        conn.connection = None
        conn.settings_dict["NAME"] = str(path)
        try:
            call_command("migrate", verbosity=0)
            yield path
        finally:
            conn.close()
            conn.settings_dict["NAME"] = saved_name
            conn.connection = saved_raw


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    return conn.getresponse()


def _wait_for_health(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")
        try:
            if _get(port, "/api/v1/health").status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answers on {port}\n{log.read_text(errors='replace')}")


@dataclass
class Stack:
    proc: subprocess.Popen[bytes]
    web: int
    stream: int
    log: Path
    env: dict[str, str]


def _serve(file_db: Path, data: Path, *extra: str) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{file_db}",
        "OTKLIK_DATA_DIR": str(data),
        "OTKLIK_SECRET_KEY": settings.SECRET_KEY,  # the sessions this process signs
        "OTKLIK_STREAM_PING_SECONDS": "1",
        "OTKLIK_STREAM_POLL_SECONDS": "0.2",
        "OTKLIK_STREAM_LOOKBACK_SECONDS": str(LOOKBACK),
        "OTKLIK_STREAM_MAX_CONNECTIONS": "4",
        "OTKLIK_TOKEN_CACHE_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    log = (data / "serve.log").open("ab")
    cmd = [sys.executable, "-m", "otklik", "serve", "--no-worker", "--no-migrate", *extra]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc, env


@pytest.fixture(scope="module")
def stack(file_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("stream-data")
    web, stream = _free_port(), _free_port()
    proc, env = _serve(file_db, data, "--addr", f"127.0.0.1:{web}", "--stream-addr", f"127.0.0.1:{stream}")
    log = data / "serve.log"
    try:
        _wait_for_health(web, proc, log)
        _wait_for_health(stream, proc, log)
        yield Stack(proc, web, stream, log, env)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        print(log.read_text(errors="replace"))  # shown when a test failed


class Sse:
    """A Server-Sent Events client for the tests: one connection, events as they come."""

    def __init__(
        self, port: int, *, token: str | None = None, last_id: int | None = None, query: str = "", cookie: str = ""
    ) -> None:
        headers = {"Accept": "text/event-stream"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if last_id is not None:
            headers["Last-Event-ID"] = str(last_id)
        if cookie:
            headers["Cookie"] = cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # the server pings every second
        self.conn.request("GET", STREAM + query, headers=headers)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.parser = SseParser()
        self.lines = sse_lines(self.response)
        self.raw: list[str] = []

    def next(self, seconds: float = 10.0) -> SseEvent | None:
        """The next event within `seconds`, or None."""
        deadline = time.monotonic() + seconds
        for line in self.lines:
            self.raw.append(line)
            event = self.parser.feed(line)
            if event is not None:
                return event
            if time.monotonic() > deadline:
                return None
        raise EOFError("the server ended the stream")

    def notifications(self, seconds: float) -> list[SseEvent]:
        """Every notification event for `seconds` (the pings keep lines coming)."""
        deadline = time.monotonic() + seconds
        found = []
        while (left := deadline - time.monotonic()) > 0:
            event = self.next(left)
            if event is not None and event.type == "notification":
                found.append(event)
        return found

    def close(self) -> None:
        self.response.close()
        self.conn.close()

    def __enter__(self) -> Sse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def person() -> tuple[User, str]:
    user = User.objects.create_user(username=f"stream-{os.getpid()}-{next(_names)}", password="x")
    _, raw = token_create(user=user, name="stream")
    return user, raw


def queue(user: User, subject: str, **fields: object) -> Notification:
    moment = timezone.now()
    return Notification.objects.create(
        event="test",
        recipient=user,
        channel="inapp",
        subject=subject,
        body=f"{subject}: текст",
        due_at=moment,
        created_at=moment,
        **fields,
    )


def deliver(n: Notification, at: object = None) -> Notification:
    """What the worker does with an in-app row."""
    Notification.objects.filter(pk=n.pk).update(state="delivered", delivered_at=at or timezone.now())
    n.refresh_from_db()
    return n


# --- the stream process ------------------------------------------------------------------------


def test_without_credentials_the_stream_is_401(stack):
    for headers in ({}, {"Authorization": "Bearer otk_nope"}, {"Authorization": "Basic eDp4"}):
        response = _get(stack.stream, STREAM, headers)
        assert response.status == 401, headers
        assert json.loads(response.read())["code"] == "unauthorized"
        assert response.getheader("WWW-Authenticate") == "Bearer"


def test_hello_counts_the_unread_and_a_delivery_arrives_with_its_id(stack):
    user, token = person()
    deliver(queue(user, "прочитано", read_at=timezone.now()))
    deliver(queue(user, "старое 1"))
    newest = deliver(queue(user, "старое 2"))
    with Sse(stack.stream, token=token) as s:
        assert s.status == 200
        assert s.response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
        assert s.response.getheader("Cache-Control") == "no-cache"
        assert s.response.getheader("X-Accel-Buffering") == "no"
        hello = s.next()
        assert s.parser.retry == 3000
        assert (hello.type, json.loads(hello.data)) == ("hello", {"unread": 2})
        assert hello.id == str(newest.pk)  # where a client resumes if it drops before any notification
        assert s.notifications(1.5) == []  # nothing older than the connection
        assert ": ping" in s.raw
        n = queue(user, "Новое", importance="high", link="https://example.org/x")
        assert s.notifications(1.0) == []  # queued is not delivered
        deliver(n)
        event = s.next()
        assert (event.type, event.id) == ("notification", str(n.pk))
        data = json.loads(event.data)
        assert data == {
            "id": n.pk,
            "event": "test",
            "importance": "high",
            "subject": "Новое",
            "body": "Новое: текст",
            "link": "https://example.org/x",
            "ticket": None,
            "created_at": data["created_at"],
            "read_at": None,
            "unread": 3,
        }
        assert s.notifications(1.0) == []  # once


def test_a_revoked_token_or_a_deactivated_user_ends_an_open_stream(stack):
    from otklik.accounts.models import ApiToken
    from otklik.accounts.services import token_revoke

    user, token = person()
    with Sse(stack.stream, token=token) as s:
        assert s.next().type == "hello"
        assert s.notifications(1.5) == []  # alive: pings come
        token_revoke(user=user, token_id=ApiToken.objects.get(user=user).pk)
        with pytest.raises(EOFError):  # within a ping and the token cache's second
            s.notifications(8)
    other, token = person()
    with Sse(stack.stream, token=token) as s:
        assert s.next().type == "hello"
        User.objects.filter(pk=other.pk).update(is_active=False)
        with pytest.raises(EOFError):
            s.notifications(8)


def test_rows_delivered_out_of_id_order_arrive_while_connected(stack):
    user, token = person()
    early = queue(user, "отложенное")  # a retry or quiet hours will deliver it after later ones
    with Sse(stack.stream, token=token) as s:
        assert s.next().type == "hello"
        later = deliver(queue(user, "позднее"))
        assert s.next().id == str(later.pk)
        deliver(early)
        assert s.next().id == str(early.pk)
        assert s.notifications(1.0) == []


def test_reconnecting_with_last_event_id_gets_exactly_what_was_missed(stack):
    user, token = person()
    deliver(queue(user, "давнее"), at=timezone.now() - timedelta(hours=1))
    late = queue(user, "задержанное")  # lower id, delivered only after the client left
    with Sse(stack.stream, token=token) as s:
        assert s.next().type == "hello"
        seen = deliver(queue(user, "увиденное"))
        assert s.next().id == str(seen.pk)
    deliver(late)
    missed = deliver(queue(user, "пропущенное"))
    for kind in ("header", "query"):
        if kind == "header":
            s = Sse(stack.stream, token=token, last_id=seen.pk)
        else:
            s = Sse(stack.stream, token=token, query=f"?last_event_id={seen.pk}")
        with s:
            hello = s.next()
            assert (hello.type, hello.id) == ("hello", "")  # it must not move the client's id
            assert json.loads(hello.data) == {"unread": 4}
            got = s.notifications(2.0)
            assert [e.id for e in got] == [str(late.pk), str(missed.pk)], kind
            assert [json.loads(e.data)["subject"] for e in got] == ["задержанное", "пропущенное"]


def test_a_client_that_saw_only_hello_misses_nothing_on_reconnecting(stack):
    user, token = person()
    with Sse(stack.stream, token=token) as s:
        hello = s.next()
        assert hello.id == "0"  # nothing delivered to this user yet
    n = deliver(queue(user, "пока вас не было"))
    with Sse(stack.stream, token=token, last_id=int(hello.id)) as s:
        s.next()
        assert [e.id for e in s.notifications(1.5)] == [str(n.pk)]


def test_the_browser_session_is_enough(stack):
    user, _ = person()
    client = Client()
    client.force_login(user)
    with Sse(
        stack.stream, cookie=f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    ) as s:
        assert s.status == 200
        assert s.next().type == "hello"


def test_the_web_server_redirects_the_stream_path_to_the_stream_server(stack, settings):
    response = _get(stack.web, STREAM + "?last_event_id=7")
    assert response.status == 307
    assert response.getheader("Location") == f"http://127.0.0.1:{stack.stream}{STREAM}?last_event_id=7"
    # The same under Django's own (WSGI) handler, with the configured stream URL.
    settings.STREAM_URL = "https://stream.example.org"
    response = Client(HTTP_HOST="127.0.0.1").get(STREAM, {"last_event_id": "7"})
    assert (response.status_code, response["Location"]) == (307, f"https://stream.example.org{STREAM}?last_event_id=7")


def test_a_full_stream_server_answers_503_and_takes_clients_again_when_they_leave(stack):
    _, token = person()
    opened: list[Sse] = []
    try:
        for _ in range(6):  # the server takes 4 here
            s = Sse(stack.stream, token=token)
            if s.status == 503:
                break
            assert s.next().type == "hello"
            opened.append(s)
        assert s.status == 503, "no place was refused"
        assert len(opened) <= 4
        assert json.loads(s.response.read())["code"] == "unavailable"
        assert s.response.getheader("Retry-After")
        s.close()
    finally:
        for o in opened:
            o.close()
    deadline = time.monotonic() + 10
    while True:
        with Sse(stack.stream, token=token) as s:
            if s.status == 200 or time.monotonic() > deadline:
                break
        time.sleep(0.2)
    assert s.status == 200


def _children(pid: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def test_the_notifier_follows_the_stream_and_survives_its_restart(stack, tmp_path):
    user, token = person()
    cmd = [sys.executable, "-m", "otklik", "notifier", "--url", f"http://127.0.0.1:{stack.web}", "--token", token]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "OTKLIK_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [*cmd, "--print", "--interval", "0.5"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True)
    reader.start()

    def wait_for(text: str, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in out):
            assert proc.poll() is None, "".join(out)
            assert time.monotonic() < deadline, f"no {text!r} after {seconds} s:\n{''.join(out)}"
            time.sleep(0.1)

    try:
        wait_for("live notifications")  # redirected by the web server, following the stream
        deliver(queue(user, "Первое"))
        wait_for("Первое", 10)
        streams = [p for p, c in _children(stack.proc.pid).items() if "uvicorn" in c]
        assert len(streams) == 1, _children(stack.proc.pid)
        os.kill(streams[0], signal.SIGTERM)  # `otklik serve` starts it again
        deliver(queue(user, "Второе"))  # while it is down or starting
        wait_for("Второе")
        wait_for("again")  # back on the stream, not only asking the inbox
        deliver(queue(user, "Третье"))
        wait_for("Третье", 10)
        time.sleep(1.0)
    finally:
        proc.kill()
        proc.wait(timeout=10)
        reader.join(timeout=10)
    text = "".join(out)
    assert [text.count(s) for s in ("Первое\n", "Второе\n", "Третье\n")] == [1, 1, 1], text
    assert text.index("Первое") < text.index("Второе") < text.index("Третье")


def test_serve_refuses_a_taken_stream_port_and_stops_open_streams_at_once(stack, file_db, tmp_path):
    web = _free_port()
    proc, _ = _serve(file_db, tmp_path, "--addr", f"127.0.0.1:{web}", "--stream-addr", f"127.0.0.1:{stack.stream}")
    assert proc.wait(timeout=START_SECONDS) != 0
    assert f"cannot listen on 127.0.0.1:{stack.stream}" in (tmp_path / "serve.log").read_text()
    assert "--stream-addr" in (tmp_path / "serve.log").read_text()

    stream = _free_port()
    proc, _ = _serve(file_db, tmp_path, "--addr", f"127.0.0.1:{web}", "--stream-addr", f"127.0.0.1:{stream}")
    try:
        _wait_for_health(stream, proc, tmp_path / "serve.log")
        _, token = person()
        with Sse(stream, token=token) as s:
            assert s.next().type == "hello"
            proc.send_signal(signal.SIGINT)
            started = time.monotonic()
            with pytest.raises(EOFError):
                s.notifications(10)
            assert time.monotonic() - started < 5  # ended by the server, not by uvicorn's 5 s grace
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log = (tmp_path / "serve.log").read_text()
    assert "Otklik stopped." in log and "Cancel" not in log, log


# --- the hub's reader, with the test's clock -----------------------------------------------------


@pytest.fixture
def finder(file_db):
    from otklik.api.stream import Finder

    now = [1000.0]
    f = Finder(lookback=LOOKBACK, clock=lambda: now[0])
    f.now = now  # type: ignore[attr-defined]
    return f


def _pass(finder, users, *, later: float = 0.2) -> dict[int, list[int]]:
    finder.now[0] += later
    events, watched = finder.step(set(users))
    assert watched == set(users)
    return {u: [pk for pk, _ in chunks] for u, chunks in events.items()}


def test_the_reader_sends_each_delivery_once_and_nothing_from_before(finder):
    user, _ = person()
    deliver(queue(user, "до подключения"))
    assert _pass(finder, [user.pk]) == {}
    a, b = deliver(queue(user, "a")), deliver(queue(user, "b"))
    assert _pass(finder, [user.pk]) == {user.pk: [a.pk, b.pk]}
    assert _pass(finder, [user.pk]) == {}


def test_the_reader_waits_for_rows_below_its_floor_however_late(finder):
    user, _ = person()
    other, _ = person()
    early = queue(user, "ранний")
    assert _pass(finder, [user.pk]) == {}
    for _ in range(5):  # newer rows, and time: the floor moves past `early`
        queue(other, "чужое")
        _pass(finder, [user.pk], later=LOOKBACK)
    assert finder._floor() > early.pk
    dead = queue(user, "умерший", state="dead")  # an admin may queue it again
    digested = queue(user, "в дайджесте", state="held")
    _pass(finder, [user.pk])
    for _ in range(3):
        queue(other, "чужое")
        _pass(finder, [user.pk], later=LOOKBACK)
    assert finder._floor() > dead.pk
    deliver(early)
    Notification.objects.filter(pk=digested.pk).update(state="digested")
    assert _pass(finder, [user.pk]) == {user.pk: [early.pk]}
    assert digested.pk not in finder.watches[user.pk].waiting
    deliver(dead)
    assert _pass(finder, [user.pk]) == {user.pk: [dead.pk]}


def test_a_failed_pass_changes_nothing(finder, monkeypatch):
    from otklik.api import stream

    user, _ = person()
    assert _pass(finder, [user.pk]) == {}
    n = deliver(queue(user, "a"))
    real = stream._unread
    monkeypatch.setattr(stream, "_unread", lambda ids: (_ for _ in ()).throw(RuntimeError("database went away")))
    with pytest.raises(RuntimeError):
        _pass(finder, [user.pk])
    monkeypatch.setattr(stream, "_unread", real)
    assert _pass(finder, [user.pk]) == {user.pk: [n.pk]}


def test_a_user_who_leaves_and_comes_back_starts_afresh(finder):
    user, _ = person()
    other, _ = person()
    assert _pass(finder, [user.pk, other.pk]) == {}
    assert _pass(finder, [other.pk]) == {}
    assert user.pk not in finder.watches
    deliver(queue(user, "пока не было"))
    assert _pass(finder, [user.pk, other.pk]) == {}  # a new connection starts from now


# --- the client's parser --------------------------------------------------------------------------


def test_the_notifier_parses_events_as_the_standard_says():
    stream = (
        "\ufeffretry: 2500\r\n: a comment\r\n\r\n"
        'id: 7\nevent: notification\ndata: {"a":\ndata:  1}\n\n'
        "data:no space\rid: x\0y\r\r"
        "event: hello\n\n"  # no data: not dispatched
        "data\n\n"
    ).encode()
    parser = SseParser()
    events = [e for line in sse_lines(io.BytesIO(stream)) if (e := parser.feed(line)) is not None]
    assert parser.retry == 2500
    assert [(e.type, e.data, e.id) for e in events] == [
        ("notification", '{"a":\n 1}', "7"),
        ("message", "no space", "7"),  # an id with NUL is ignored: the last one stays
        ("message", "", "7"),
    ]
