"""`otklik notifier`: the notification reader, against a real server (Django's live server, a WSGI
server like gunicorn, which redirects the live stream's path to the stream process). Here that
process is missing or answers 404, so the notifier asks the inbox; tests/test_notify_stream.py has
it following the stream."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from otklik.accounts.services import token_create
from otklik.testing.factories import file_error


@pytest.mark.django_db(transaction=True)
def test_once_prints_the_unread_and_exits(live_server, personas):
    t = file_error(personas.initiator, subject="Отчёт не формируется")
    _, raw = token_create(user=personas.lead, name="notifier")
    out = io.StringIO()
    call_command("notifier", url=live_server.url, token=raw, once=True, force_print=True, stdout=out)
    text = out.getvalue()
    assert f"{t.number} · Новое обращение: Отчёт не формируется" in text
    assert f"/requests/{t.number}" in text


@pytest.mark.django_db(transaction=True)
def test_a_bad_token_or_url_is_a_clear_error(live_server, personas):
    with pytest.raises(CommandError, match="refused the token"):
        call_command("notifier", url=live_server.url, token="otk_nope", once=True)
    with pytest.raises(CommandError, match="not an http"):
        call_command("notifier", url="ftp://example.org", token="x", once=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stream", ["refused", "404"])
def test_following_shows_each_new_notification_once(live_server, personas, settings, stream):
    import os
    import subprocess
    import sys
    import time

    from otklik.workflow import ticket_comment

    # No stream process behind the redirect (nothing listens on the discard port), or none at all.
    settings.STREAM_URL = "http://127.0.0.1:9" if stream == "refused" else f"{live_server.url}/no-stream-here"
    t = file_error(personas.initiator)
    _, raw = token_create(user=personas.initiator, name="notifier")
    cmd = [sys.executable, "-m", "otklik", "notifier", "--url", live_server.url, "--token", raw]
    proc = subprocess.Popen(
        [*cmd, "--interval", "0.5", "--print"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        # It says it falls back to the inbox right before its first look (the inbox as it was, not
        # news); a fixed sleep from the start raced with a slow start-up under load.
        seen = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "asking the inbox" not in seen:
            time.sleep(0.1)
            seen += os.read(proc.stdout.fileno(), 65536).decode() if _ready(proc) else ""
        assert "asking the inbox" in seen, seen
        time.sleep(1.5)  # that first look: one local request
        ticket_comment(ticket=t, actor=personas.lead, body="Смотрим")
        ticket_comment(ticket=t, actor=personas.lead, body="Исправлено")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "Исправлено" not in seen:
            time.sleep(0.5)
            seen += os.read(proc.stdout.fileno(), 65536).decode() if _ready(proc) else ""
    finally:
        proc.kill()
        rest = proc.communicate(timeout=10)[0]
    seen += rest or ""
    assert seen.count("Смотрим") == 1 and seen.count("Исправлено") == 1, seen
    assert seen.index("Смотрим") < seen.index("Исправлено")
    assert "asking the inbox" in seen


def _ready(proc) -> bool:
    import select

    return bool(select.select([proc.stdout], [], [], 0)[0])


def test_once_without_a_server_is_a_clear_error(db):
    with pytest.raises(CommandError, match="cannot reach"):
        call_command("notifier", url="http://127.0.0.1:9", token="x", once=True)
