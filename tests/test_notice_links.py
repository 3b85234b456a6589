"""The links notices carry are built by the domains below the pages (tickets, complaints, feedback,
quality, regulation), which may not ask the pages' URL names: each is checked here against the page
it must open, so that a page that moves breaks this test, not people's links. The inbox's own
mapping of the login summary's links (web/views/inbox.py) is checked the same way."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import resolve

from otklik.complaints.models import Complaint
from otklik.complaints.notices import complaint_link
from otklik.feedback.models import Survey
from otklik.feedback.surveys import survey_link
from otklik.quality.monthly import report_link
from otklik.quality.period import month_of
from otklik.regulation.notices import regulation_link
from otklik.tickets.login_summary import summary_link
from otklik.tickets.notices import link_to
from otklik.web.views.inbox import _own_pages


def opens(link: str) -> str:
    assert link.startswith(settings.BASE_URL), link
    return resolve(urlsplit(link).path).view_name


def test_each_domains_link_opens_its_page():
    assert opens(link_to("ERR-000123")) == "web:ticket"
    assert opens(summary_link({"executing": 2})) == "web:queue"
    assert opens(summary_link({"executing": 0})) == "web:portal"
    assert opens(regulation_link(3)) == "regulation"
    assert opens(report_link(month_of(dt.date(2026, 11, 5), "Europe/Moscow"))) == "web:quality"


@pytest.mark.django_db
def test_links_to_rows_open_their_pages():
    complaint = Complaint(pk=5)
    assert opens(complaint_link(complaint)) == "web:complaint"
    survey = Survey(pk=7, token_nonce="n", asked_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC))
    assert opens(survey_link(survey)) == "survey-link"


def test_the_inbox_knows_the_login_summarys_links():
    pages = _own_pages()
    for counts in ({"executing": 1}, {"executing": 0}):
        link = summary_link(counts)
        assert link in pages
        assert resolve(pages[link][0]).view_name == opens(link)
