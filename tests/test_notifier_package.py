"""The installable notifier (notifier/, package otklik_notifier): its pairing kept readable by its
user alone, times in the person's zone, and — run as a program against a live server — pairing
with a code the person confirms in the portal, then showing the person's new notifications (in the
terminal here: the test machine has no desktop), each once, marking nothing read."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import select
import stat
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

otklik_notifier = pytest.importorskip("otklik_notifier", reason="pip install -e . (the main distribution includes it)")

from otklik_notifier import config  # noqa: E402
from otklik_notifier.display import Terminal, local_time  # noqa: E402

from otklik.accounts.models import ApiToken  # noqa: E402
from otklik.accounts.tokens import forget_tokens  # noqa: E402
from otklik.notify.models import Notification  # noqa: E402
from otklik.testing.factories import file_error  # noqa: E402
from otklik.workflow import ticket_comment  # noqa: E402


def test_the_pairing_is_kept_for_its_user_alone(tmp_path):
    path = tmp_path / "conf" / "otklik-notifier" / "config.json"
    os.umask(0o022)
    config.save(path, config.Pairing("https://desk.example.org", "otk_secret", "ivan", "Иван", "Asia/Omsk"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert config.load(path) == config.Pairing("https://desk.example.org", "otk_secret", "ivan", "Иван", "Asia/Omsk")
    assert config.forget(path) and config.load(path) is None and not config.forget(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    with pytest.raises(SystemExit, match="pair again"):
        config.load(path)


def test_the_config_folder_follows_the_platform(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config.config_dir() == tmp_path / "otklik-notifier"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    assert config.config_dir() == tmp_path / "Roaming" / "otklik-notifier"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert config.config_dir() == Path.home() / "Library" / "Application Support" / "otklik-notifier"


def test_times_are_shown_in_the_persons_zone():
    assert local_time("2026-12-07T10:05:00Z", "Asia/Vladivostok") == "07.12.2026 20:05"
    assert local_time("2026-12-07T10:05:00+00:00", "Europe/Moscow") == "07.12.2026 13:05"
    assert local_time("2026-12-31T22:30:00+00:00", "Asia/Yekaterinburg") == "01.01.2027 03:30"
    assert local_time("not a time", "Europe/Moscow") == "not a time"
    out = io.StringIO()
    Terminal("Asia/Omsk", out).show(
        {"created_at": "2026-12-07T10:05:00Z", "subject": "S", "body": "B", "link": "https://x/requests/ERR-1"}
    )
    assert out.getvalue() == "[07.12.2026 16:05] S\nB\nhttps://x/requests/ERR-1\n\n"


def _notifier(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "otklik_notifier", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def _read_until(proc: subprocess.Popen[str], pattern: str, seconds: float, seen: str = "") -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not re.search(pattern, seen):
        if select.select([proc.stdout], [], [], 0.2)[0]:
            chunk = os.read(proc.stdout.fileno(), 65536).decode()
            if not chunk:
                break
            seen += chunk
    return seen


@pytest.mark.django_db(transaction=True)
def test_pair_with_a_confirmed_code_then_follow_the_persons_notifications(live_server, personas, settings, tmp_path):
    p = personas
    p.initiator.time_zone = "Asia/Vladivostok"
    p.initiator.save(update_fields=["time_zone"])
    settings.BASE_URL = live_server.url
    conf = tmp_path / "notifier.json"

    pairing = _notifier("--config", str(conf), "pair", "--url", live_server.url, "--no-browser", "--device", "test-pc")
    try:
        seen = _read_until(pairing, "Waiting for the confirmation", 30)
        code = re.search(r"Your code: ([A-Z]{4}-[A-Z]{4})", seen).group(1)
        assert f"{live_server.url}/settings/notifier\n" in seen and "?code=" not in seen
        ivan = Client()
        ivan.force_login(p.initiator)
        assert ivan.post("/settings/notifier", {"code": code, "answer": "confirm"}).status_code == 302
        out, _ = pairing.communicate(timeout=30)
    finally:
        pairing.kill()
    seen += out
    assert pairing.returncode == 0, seen
    assert "Paired as" in seen and "(initiator)" in seen
    assert stat.S_IMODE(conf.stat().st_mode) == 0o600
    kept = config.load(conf)
    assert kept.url == live_server.url and kept.username == "initiator" and kept.time_zone == "Asia/Vladivostok"
    assert ApiToken.objects.get(scope="notifications").user_id == p.initiator.pk

    # Following: the live server has no stream process behind the redirect, so it asks the inbox.
    settings.STREAM_URL = "http://127.0.0.1:9"
    t = file_error(p.initiator, subject="Принтер не печатает")
    follower = _notifier("--config", str(conf), "--print", "--interval", "0.5")
    try:
        seen = _read_until(follower, "asking the inbox", 30)
        assert "asking the inbox" in seen, seen
        time.sleep(1.5)  # its first look: what was there before is not news
        ticket_comment(ticket=t, actor=p.lead, body="Смотрим принтер")
        seen = _read_until(follower, "Смотрим принтер", 20, seen)
    finally:
        follower.kill()
        rest = follower.communicate(timeout=10)[0]
    seen += rest or ""
    assert seen.count("Смотрим принтер") == 1, seen
    n = Notification.objects.get(recipient=p.initiator, channel="inapp", event="ticket_comment", ticket=t)
    shown = n.created_at.astimezone(ZoneInfo("Asia/Vladivostok")).strftime("%d.%m.%Y %H:%M")
    assert f"[{shown}] {n.subject}" in seen
    assert f"{live_server.url}/requests/{t.number}" in seen
    n.refresh_from_db()
    assert n.read_at is None  # shown is not read: only a click marks it

    # --once prints the unread and exits; a disconnected notifier is told to pair again.
    once = _notifier("--config", str(conf), "--once")
    out, _ = once.communicate(timeout=30)
    assert once.returncode == 0 and "Смотрим принтер" in out
    ApiToken.objects.filter(scope="notifications").update(revoked_at=dt.datetime.now(dt.UTC))
    forget_tokens()  # a bulk update sends no signal; the live server runs in this process
    refused = _notifier("--config", str(conf), "--once")
    out, _ = refused.communicate(timeout=30)
    assert refused.returncode == 1 and "pair again" in out


def test_without_a_pairing_it_says_how_to_pair(tmp_path):
    proc = _notifier("--config", str(tmp_path / "none.json"), "--once")
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "otklik-notifier pair --url" in out
    proc = _notifier("pair", "--url", "ftp://example.org")
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "not an http(s) address" in out


def test_the_token_never_follows_a_redirect_to_another_server():
    """A server (or someone between) answering with a redirect elsewhere must not get the token
    sent there: the notifier follows redirects only on its own server (or up to https there)."""
    from otklik_notifier.http import call, may_follow
    from otklik_notifier.stream import Follower

    from otklik.testing.http import LoopbackHTTPServer, Reply

    with LoopbackHTTPServer(default=Reply(200, body='{"items": []}')) as elsewhere:
        # "localhost" and "127.0.0.1" are different origins (the same machine, here).
        away = f"http://localhost:{elsewhere.port}/steal"
        with LoopbackHTTPServer(default=Reply(302, headers={"Location": away})) as server:
            answer = call("GET", f"{server.url}/api/v1/me", token="otk_secret")
            assert answer.status == 302  # refused, as an answer
            with pytest.raises(OSError):
                Follower(server.url, "otk_secret", lambda n: None).unread()
        assert elsewhere.requests == []
        # On its own server a redirect is followed, with the token.
        with LoopbackHTTPServer(default=Reply(200, body='{"ok": 1}')) as own:
            own.answer(Reply(307, headers={"Location": "/api/v1/me"}))
            assert call("GET", f"{own.url}/old", token="otk_secret").data == {"ok": 1}
            assert [r.header("Authorization") for r in own.requests] == ["Bearer otk_secret"] * 2
    assert may_follow("http://desk.example.org/a", "https://desk.example.org/b")  # up to https, same host
    assert may_follow("https://desk.example.org/a", "https://desk.example.org:443/b")
    assert not may_follow("https://desk.example.org/a", "http://desk.example.org/b")
    assert not may_follow("https://desk.example.org/a", "https://desk.example.org:8443/b")
    assert not may_follow("https://desk.example.org/a", "https://evil.example.net/b")


def test_the_live_streams_redirect_stays_on_the_servers_host():
    """The web server sends the stream's path to its stream process (another port, same host): that
    is followed with the token; a redirect to another host is refused before anything is sent there,
    and the notifier asks the inbox instead."""
    from otklik_notifier.http import may_follow_to_stream
    from otklik_notifier.stream import Follower, NoStream

    from otklik.testing.http import LoopbackHTTPServer, Reply

    with LoopbackHTTPServer(default=Reply(200, body="")) as elsewhere:
        away = f"http://localhost:{elsewhere.port}/api/v1/notifications/stream"
        with (
            LoopbackHTTPServer(default=Reply(307, headers={"Location": away})) as server,
            pytest.raises(NoStream, match="refusing to follow"),
        ):
            Follower(server.url, "otk_secret", lambda n: None)._open_stream()
        assert elsewhere.requests == []
    assert may_follow_to_stream("http://desk.example.org:8000/s", "http://desk.example.org:8001/s")
    assert may_follow_to_stream("http://desk.example.org/s", "https://desk.example.org:8443/s")
    assert not may_follow_to_stream("https://desk.example.org/s", "http://desk.example.org:8001/s")
    assert not may_follow_to_stream("http://desk.example.org/s", "http://evil.example.net/s")
    assert not may_follow_to_stream("http://desk.example.org/s", "ftp://desk.example.org/s")
