"""The rating link rates without signing in, so no log keeps its token whole: Django's request log
("Not Found: /feedback/…"), the development server's and the console handler's lines, and
gunicorn's access log (path, request line, referer) keep its first six characters. HEAD on the
link behaves like GET: the page's status, nothing recorded.

Ivan (initiator) was asked to rate an Error Alexei (agent) resolved."""

from __future__ import annotations

import datetime as dt
import io
import logging
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from gunicorn.config import Config

from otklik.core.gunicorn_logging import MaskingLogger
from otklik.core.logmask import MaskTokens, mask_tokens
from otklik.feedback.models import Survey
from otklik.feedback.surveys import survey_answer, survey_token
from otklik.notify.models import Notification
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.tickets.models import LogRecord
from otklik.workflow import ticket_transition

MSK = ZoneInfo("Europe/Moscow")
RESOLVED = datetime(2026, 10, 28, 15, tzinfo=MSK)


@pytest.fixture
def survey(personas, settings) -> Survey:
    p = personas
    set_now(settings, RESOLVED)
    t = file_error(p.initiator)
    for code, kw in (("accept", {}), ("start", {}), ("resolve", {"comment": "Done"})):
        t = ticket_transition(ticket=t, actor=p.agent, transition_code=code, version=t.version, **kw)
    return Survey.objects.get(ticket=t)


def _path(survey: Survey) -> str:
    (row,) = Notification.objects.filter(ticket=survey.ticket, event="survey_requested", channel="inapp")
    return urlsplit(row.link).path


def test_mask_keeps_six_characters_of_each_token():
    token = "WzEsInh5eiJd:1tZk3x:abcdefghijklmnopqrstuvwxyz"
    line = f'GET /feedback/{token}?score=5 HTTP/1.1" 200 "https://x.example/feedback/{token}"'
    masked = mask_tokens(line)
    assert token not in masked
    assert masked == 'GET /feedback/WzEsIn…?score=5 HTTP/1.1" 200 "https://x.example/feedback/WzEsIn…"'
    # Other paths, and the request page's own rating form, are left alone.
    assert mask_tokens("POST /requests/ERR-000001/feedback 302") == "POST /requests/ERR-000001/feedback 302"


def test_a_refused_link_is_logged_without_its_token(survey, caplog):
    token = survey_token(survey)
    forged = token[:-3] + "xyz"
    with caplog.at_level(logging.INFO):
        assert Client().get(f"/feedback/{forged}").status_code == 404
        survey_answer(ticket=survey.ticket, actor=survey.initiator, score=4)
        assert Client().post(_path(survey), {"score": "5"}).status_code == 409
    logged = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert len(logged) == 2  # "Not Found: /feedback/…", "Conflict: /feedback/…"
    assert all(f"/feedback/{token[:6]}…" in m for m in logged)
    assert not any(token[:20] in m or forged[:20] in m for m in logged)


def _through(logger_name: str, handler: logging.Handler, message: str, *args: object) -> str:
    stream = io.StringIO()
    probe = logging.StreamHandler(stream)
    probe.filters = list(handler.filters) if handler is not None else []
    logger = logging.getLogger(logger_name)
    logger.addHandler(probe)
    try:
        logger.warning(message, *args)
    finally:
        logger.removeHandler(probe)
    return stream.getvalue()


def test_the_development_server_and_the_console_mask_it(survey):
    token = survey_token(survey)
    # The development server's access lines: masked by its logger's filter.
    server = _through("django.server", None, '"%s" %s %s', f"GET /feedback/{token} HTTP/1.1", 200, 1234)
    assert token not in server and f"/feedback/{token[:6]}…" in server
    # Any other logger that names a link goes out through the console handler, which masks it.
    (console,) = [h for h in logging.getLogger().handlers if any(isinstance(f, MaskTokens) for f in h.filters)]
    other = _through("otklik.feedback", console, "opened %s", f"/feedback/{token}")
    assert token not in other and f"/feedback/{token[:6]}…" in other


class _Response:
    status = "200 OK"
    sent = 1234
    headers = [("Content-Type", "text/html")]


def test_the_gunicorn_access_log_masks_the_path_and_the_referer(survey):
    token = survey_token(survey)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/feedback/{token}?score=5",
        "PATH_INFO": f"/feedback/{token}",
        "QUERY_STRING": "score=5",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://help.example/feedback/{token}",
        "REMOTE_ADDR": "192.0.2.1",
    }
    headers = [("REFERER", f"https://help.example/feedback/{token}")]
    atoms = MaskingLogger(Config()).atoms(_Response(), headers, environ, dt.timedelta(milliseconds=5))
    assert not any(token in str(v) for v in atoms.values())
    assert atoms["r"] == f"GET /feedback/{token[:6]}…?score=5 HTTP/1.1"
    assert atoms["f"] == f"https://help.example/feedback/{token[:6]}…"
    assert atoms["{referer}i"] == f"https://help.example/feedback/{token[:6]}…"


def test_head_behaves_like_get_and_records_nothing(survey):
    client = Client()
    path = _path(survey)
    resp = client.head(path)
    assert resp.status_code == 200
    survey.refresh_from_db()
    assert (survey.score, survey.token_used_at, survey.answered_at) == (None, None, None)
    assert not LogRecord.objects.filter(ticket=survey.ticket, event="feedback").exists()
    assert client.head(path[:-3] + "xyz").status_code == 404  # a forged link, as for GET
    survey_answer(ticket=survey.ticket, actor=survey.initiator, score=4)
    assert client.head(path).status_code == 409  # used, as for GET


@pytest.mark.parametrize("name", ["django.security.csrf", "django.request", "django.template", "otklik.feedback"])
def test_every_handler_a_record_reaches_masks_tokens(name):
    """Not only the loggers named in LOGGING: a record of any child logger is handled only by
    handlers that mask (Django's own console handler, unfiltered, printed whole tokens in DEBUG)."""
    logger: logging.Logger | None = logging.getLogger(name)
    handlers: list[logging.Handler] = []
    while logger is not None:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    ours = [h for h in handlers if not type(h).__module__.startswith("_pytest")]  # pytest's capture
    assert ours
    unmasked = [h for h in ours if not any(isinstance(f, MaskTokens) for f in h.filters)]
    assert unmasked == [], name
