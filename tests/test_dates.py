"""Dates as people read them (core/dates.py): 07.12.2026 14:05 in Russian, 7 Dec 2026, 14:05 in
English, never 2026-12-07 (ISO is for machines); in the person's zone on the pages, in the
service's in notifications, and in each recipient's language however many languages one event
reaches."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone, translation

from otklik.core import dates
from otklik.core.clock import service_minute

UTC = dt.UTC
MOMENT = dt.datetime(2026, 12, 7, 11, 5, tzinfo=UTC)  # 14:05 in Moscow


def test_a_moment_in_each_language():
    with translation.override("ru"):
        assert dates.moment(MOMENT, zone=ZoneInfo("Europe/Moscow")) == "07.12.2026 14:05"
        assert dates.moment(MOMENT, zone=ZoneInfo("Europe/Moscow"), long=True) == "7 декабря 2026, 14:05"
        assert dates.day(dt.date(2026, 12, 7)) == "07.12.2026"
        assert dates.day(dt.date(2026, 12, 7), long=True) == "7 декабря 2026"
        assert dates.month(dt.date(2026, 11, 1)) == "ноябрь 2026"
        assert dates.day_month(dt.date(2026, 12, 7)) == "07.12"
    with translation.override("en"):
        assert dates.moment(MOMENT, zone=ZoneInfo("Europe/Moscow")) == "7 Dec 2026, 14:05"
        assert dates.day(dt.date(2026, 12, 7), long=True) == "7 December 2026"
        assert dates.month(dt.date(2026, 11, 1)) == "November 2026"
        assert dates.day_month(dt.date(2026, 12, 7)) == "7 Dec"
    # The language given wins over the active one (the regulation renders either on one request).
    with translation.override("en"):
        assert dates.day(dt.date(2026, 12, 7), lang="ru") == "07.12.2026"
    assert dates.moment(None) == "" and dates.day(None) == ""


def test_the_page_filter_writes_the_viewers_zone_and_language():
    page = Template("{% load web %}{{ at|local }} | {{ at|local:'%H:%M:%S' }} | {{ d|day }}")
    with translation.override("ru"), timezone.override(ZoneInfo("Asia/Yekaterinburg")):
        text = page.render(Context({"at": MOMENT, "d": dt.date(2026, 12, 31)}))
    assert text == "07.12.2026 16:05 | 16:05:00 | 31.12.2026"


def test_a_zone_is_named_as_people_read_it():
    with translation.override("ru"):
        assert dates.zone("Europe/Moscow") == "МСК"
        assert dates.zone("Asia/Almaty", at=MOMENT) == "UTC+5"
    assert dates.zone("Europe/Moscow", lang="en") == "MSK"
    assert dates.zone("America/St_Johns", at=MOMENT) == "UTC−3:30"
    assert dates.zone("UTC") == "UTC"


def test_a_notifications_moment_is_in_the_service_zone_and_the_active_language(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    with translation.override("ru"), timezone.override(ZoneInfo("America/New_York")):
        assert service_minute(MOMENT) == "07.12.2026 14:05"
    with translation.override("en"):
        assert service_minute(MOMENT) == "7 Dec 2026, 14:05"


def test_a_deadline_warning_reads_in_each_recipients_language(personas, settings):
    """One event, two recipients: each reads the deadline in their own language's form (the words
    are made per recipient; the row's context keeps the moment for machines, ISO)."""
    from otklik.notify.models import Rule
    from otklik.sla.notices import on_sla
    from otklik.testing.factories import file_error

    settings.TIME_ZONE = "Europe/Moscow"
    personas.agent.language, personas.lead.language = "ru", "en"
    for user in (personas.agent, personas.lead):
        user.save(update_fields=["language"])
    Rule.objects.create(name="warn whom the timer names", event="sla_warned", to_addressed=True, channels=["inapp"])
    ticket = file_error(personas.initiator)
    rows = on_sla(
        ticket, event="warned", metric="resolution", user_ids=[personas.agent.pk, personas.lead.pk], due=MOMENT
    )
    bodies = {r.recipient_id: r.body for r in rows if r.channel == "inapp"}
    assert "07.12.2026 14:05" in bodies[personas.agent.pk]
    assert "7 Dec 2026, 14:05" in bodies[personas.lead.pk]
    assert all(r.context["due_at"] == "2026-12-07T14:05:00+03:00" for r in rows)


def test_moments_are_written_as_djangos_date_format_writes_them():
    """core/dates writes the numbers of a format itself (a list page writes some fifty moments):
    every format character, escaped text and language gives what Django's own formatter gives."""
    from django.utils import dateformat, formats

    chars = "aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ"
    moments = [
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=ZoneInfo("Europe/Moscow")),
        dt.datetime(999, 7, 9, 12, 0),  # naive, a year of three digits
    ]
    fmts = [*chars, r"d.m.Y H:i", r"j M Y, H:i", r"j E Y, \в H:i", r"\Y\e\s: Y", "Y-m-d\\TH:i:s"]
    for lang in ("ru", "en"):
        with translation.override(lang), timezone.override(ZoneInfo("Asia/Yekaterinburg")):
            for value in moments:
                for fmt in fmts:
                    assert dates._format(value, fmt) == dateformat.format(value, fmt), (lang, value, fmt)
                for name in ("SHORT_DATETIME_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "DATE_FORMAT"):
                    assert dates._written(value, name, None) == formats.date_format(value, name)
