"""A log an operator can read: a refused request is one line (method, path, status, user) without a
traceback; a form's validation refusal (422) is not a warning; the browser's /favicon.ico is
served, not a 404 in the log. (The console e-mail carrier's one line per message: test_notify_email.)"""

from __future__ import annotations

import logging
import sys

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from otklik.core.requestlog import RequestLine
from otklik.testing.client import browser

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_log(caplog):
    """The records of `django.request` as the console handler gets them (the `django` logger does
    not propagate to the root, where caplog listens)."""
    logger = logging.getLogger("django")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="django")
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


def lines(caplog) -> list[tuple[str, str, bool]]:
    """(level, message, whether a traceback goes with it) of each request record."""
    return [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records if r.name == "django.request"]


def test_a_403_is_one_line_with_the_user_and_no_traceback(personas, request_log):
    agent = browser(personas.agent)
    assert agent.get("/complaints/new").status_code == 403  # raised as PermissionDenied: staff file none
    assert lines(request_log) == [("WARNING", "GET /complaints/new 403 user=agent", False)]
    formatted = request_log.handler.format(request_log.records[-1])
    assert "Traceback" not in formatted and len(formatted.splitlines()) == 1


def test_a_404_is_one_line_and_not_a_warning(personas, request_log):
    ivan = browser(personas.initiator)
    assert ivan.get("/requests/ERR-999999").status_code == 404
    assert Client().get("/no-such-page?q=secret").status_code == 404
    assert lines(request_log) == [
        ("INFO", "GET /requests/ERR-999999 404 user=initiator", False),
        ("INFO", "GET /no-such-page 404 user=-", False),  # the query is not logged
    ]


def test_a_422_on_a_form_is_not_a_warning(personas, request_log):
    ivan = browser(personas.initiator)
    r = ivan.post("/new/error", {"subject": "", "description": ""})
    assert r.status_code == 422
    assert lines(request_log) == [("INFO", "POST /new/error 422 user=initiator", False)]
    assert not [r for r in request_log.records if r.levelno >= logging.WARNING]


def test_an_operator_who_logs_warnings_only_does_not_see_ordinary_refusals(personas, request_log):
    logging.getLogger("django").setLevel(logging.WARNING)  # caplog restores it
    ivan = browser(personas.initiator)
    ivan.get("/requests/ERR-999999")
    browser(personas.agent).get("/complaints/new")
    assert lines(request_log) == [("WARNING", "GET /complaints/new 403 user=agent", False)]


def test_server_errors_keep_their_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x",), info)
    record.status_code = 500
    assert RequestLine().filter(record)
    assert record.exc_info is info and record.getMessage() == "Internal Server Error: /x"


def test_rating_link_tokens_stay_masked_in_the_one_line(request_log):
    Client().get("/feedback/abcdefghijklmnopqrstuvwxyz/extra")
    (record,) = [r for r in request_log.records if r.name == "django.request"]
    assert "abcdefghijkl" not in record.getMessage() and "/feedback/abcdef…" in record.getMessage()


def test_the_favicon_is_served_and_linked(personas, request_log):
    r = Client().get("/favicon.ico")
    assert r.status_code == 200 and r["Content-Type"] == "image/x-icon"
    body = r.content
    assert body[:4] == b"\x00\x00\x01\x00" and b"PNG" in body[:64]  # an ICO holding a PNG image
    assert "max-age" in r["Cache-Control"]
    assert Client().head("/favicon.ico").status_code == 200
    assert Client().post("/favicon.ico").status_code == 405
    page = browser(personas.initiator).get("/my").content.decode()
    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in page
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in page
    assert finders.find("web/favicon.svg") and finders.find("web/favicon.ico")
    assert [m for _level, m, _tb in lines(request_log) if "favicon" in m] == ["POST /favicon.ico 405 user=-"]
