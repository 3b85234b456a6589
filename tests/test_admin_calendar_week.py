"""A calendar's week edited as a grid (seven rows, intervals per day) with the text form beside it
for pasting; and its past dates folded away below the coming ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from otklik.sla.admin_week import WeekGridField, WeekGridWidget
from otklik.sla.models import Calendar, CalendarDay, DayKind
from otklik.testing.adminforms import admin_form_data

pytestmark = pytest.mark.django_db
D = dt.date
ADD = "/admin/sla/calendar/add/"


@pytest.fixture
def admin(django_user_model, settings):
    settings.OTKLIK_NOW = "2026-06-15T10:00:00+03:00"
    olga = django_user_model.objects.create_superuser("olga", "olga@example.org", "pw", language="en")
    client = Client()
    client.force_login(olga)
    return client


@pytest.fixture
def office():
    cal = Calendar.objects.create(
        code="office",
        name_ru="Офис",
        name_en="Office",
        week={"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "fri": [["10:00", "16:00"]]},
    )
    for date, kind in ((D(2025, 1, 1), DayKind.HOLIDAY), (D(2026, 5, 1), DayKind.HOLIDAY), (D(2026, 11, 4), "holiday")):
        CalendarDay.objects.create(calendar=cal, date=date, kind=kind)
    return cal


def change_url(cal):
    return f"/admin/sla/calendar/{cal.pk}/change/"


def grid(week):
    return WeekGridWidget().post_data("week_grid", week)


# --- the grid itself ------------------------------------------------------------------------
def test_the_grid_has_seven_rows_and_shows_the_week(admin, office):
    text = admin.get(change_url(office)).content.decode()
    assert text.count('<tr><th scope="row">') == 7
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        assert f'<th scope="row">{day}</th>' in text
    assert 'name="week_grid_mon_1_from" value="14:00"' in text
    assert 'name="week_grid_fri_0_to" value="16:00"' in text
    assert 'name="week_grid_sun_0_from" value=""' in text and 'type="time"' in text


def test_the_grid_speaks_russian(admin, office, django_user_model):
    olga = django_user_model.objects.get(username="olga")
    olga.language = "ru"
    olga.save()
    text = admin.get(change_url(office)).content.decode()
    assert '<th scope="row">Понедельник</th>' in text and '<th scope="row">Воскресенье</th>' in text


def test_a_week_changed_in_the_grid_is_saved(admin, office):
    page = admin.get(change_url(office))
    data = admin_form_data(page)
    data.update({"week_grid_sat_0_from": "10:00", "week_grid_sat_0_to": "14:00", "week_grid_fri_0_to": ""})
    data["week_grid_fri_0_from"] = ""
    resp = admin.post(change_url(office), data)
    assert resp.status_code == 302, resp.content.decode()[:4000]
    office.refresh_from_db()
    assert office.week == {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "14:00"]]}


def test_a_new_calendar_from_the_grid(admin):
    week = {day: [["9:00", "18:00"]] for day in ("mon", "tue")}
    data = {
        "code": "branch",
        "name_ru": "Филиал",
        "name_en": "Branch",
        "time_zone": "Asia/Yekaterinburg",
        "week": "",
        "days-TOTAL_FORMS": "0",
        "days-INITIAL_FORMS": "0",
        **grid(week),
    }
    resp = admin.post(ADD, data)
    assert resp.status_code == 302, resp.content.decode()[:4000]
    assert Calendar.objects.get(code="branch").week == {"mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"week_grid_tue_0_from": "09:00"}, "Tuesday: an interval needs both its start and its end."),
        ({"week_grid_tue_0_from": "9h", "week_grid_tue_0_to": "18:00"}, "Tuesday: “9h” is not a time such as 09:00."),
        ({"week_grid_mon_1_from": "12:00"}, "Monday: intervals overlap"),
        ({"week_grid_fri_0_from": "17:00"}, "Friday: "),
    ],
)
def test_a_bad_interval_in_the_grid_is_named_by_its_day(admin, office, change, message):
    data = {**admin_form_data(admin.get(change_url(office))), **change}
    resp = admin.post(change_url(office), data)
    assert resp.status_code == 200
    assert message in resp.content.decode()
    office.refresh_from_db()
    assert office.week["mon"] == [["09:00", "13:00"], ["14:00", "18:00"]]


def test_an_empty_grid_is_no_week(admin, office):
    data = admin_form_data(admin.get(change_url(office)))
    data.update({k: "" for k in data if str(k).startswith("week_grid_")})
    resp = admin.post(change_url(office), data)
    assert resp.status_code == 200 and "no working time at all" in resp.content.decode()


def test_the_text_pasted_replaces_the_grid(admin, office):
    data = admin_form_data(admin.get(change_url(office)))
    data["week"] = "tue 08:00-12:00\nthu 08:00-12:00"
    resp = admin.post(change_url(office), data)
    assert resp.status_code == 302, resp.content.decode()[:4000]
    office.refresh_from_db()
    assert office.week == {"tue": [["08:00", "12:00"]], "thu": [["08:00", "12:00"]]}


def test_the_grid_and_the_text_changed_apart_are_refused(admin, office):
    data = admin_form_data(admin.get(change_url(office)))
    data["week"] = "tue 08:00-12:00"
    data.update({"week_grid_sat_0_from": "10:00", "week_grid_sat_0_to": "14:00"})
    resp = admin.post(change_url(office), data)
    assert resp.status_code == 200
    assert "The grid and the text give different weeks: change only one of them." in resp.content.decode()


def test_the_field_alone():
    field = WeekGridField()
    assert field.clean({"mon": [["9:00", "12:00:00"]]}) == {"mon": [["09:00", "12:00"]]}
    assert field.clean(None) is None  # not posted: the text decides
    assert not field.has_changed({"mon": [["09:00", "12:00"]]}, {"mon": [["09:00", "12:00"]], "tue": []})


# --- the dates ------------------------------------------------------------------------------
def test_past_dates_are_folded_away_below_the_coming_ones(admin, office):
    page = admin.get(change_url(office))
    coming, past = page.context["inline_admin_formsets"]
    assert [f.instance.date for f in coming.formset.forms if f.instance.pk] == [D(2026, 11, 4)]
    assert [f.instance.date for f in past.formset.forms if f.instance.pk] == [D(2026, 5, 1), D(2025, 1, 1)]
    assert past.is_collapsible and not coming.is_collapsible
    text = page.content.decode()
    assert "Dates from today on" in text and "Past dates" in text
    assert text.index("Dates from today on") < text.index("Past dates")
    # A new calendar has nothing in the past.
    assert len(admin.get(ADD).context["inline_admin_formsets"]) == 1


def test_the_page_with_both_saves_unchanged_and_a_past_date_can_still_be_fixed(admin, office):
    page = admin.get(change_url(office))
    data = admin_form_data(page)
    resp = admin.post(change_url(office), data)
    assert resp.status_code == 302, resp.content.decode()[:4000]
    assert office.days.count() == 3
    past = page.context["inline_admin_formsets"][1].formset
    prefix = past.prefix
    i = next(i for i, f in enumerate(past.forms) if f.instance.date == D(2025, 1, 1))
    data[f"{prefix}-{i}-note_en"] = "New year"
    resp = admin.post(change_url(office), data)
    assert resp.status_code == 302, resp.content.decode()[:4000]
    assert office.days.get(date=D(2025, 1, 1)).note_en == "New year"


def test_today_is_the_calendars_own_when_past_and_coming_dates_are_split(admin, office, settings):
    """At 01:30 on 16 June in Vladivostok it is still 15 June in Moscow: for a Vladivostok calendar
    the 15th is past already, for a Moscow one it is today."""
    settings.OTKLIK_NOW = "2026-06-15T15:30:00+00:00"
    CalendarDay.objects.create(calendar=office, date=D(2026, 6, 15), kind=DayKind.HOLIDAY)
    for zone, coming_15th in (("Europe/Moscow", True), ("Asia/Vladivostok", False)):
        Calendar.objects.filter(pk=office.pk).update(time_zone=zone)
        coming, past = admin.get(change_url(office)).context["inline_admin_formsets"]
        dates = {f.instance.date for f in (coming if coming_15th else past).formset.forms if f.instance.pk}
        assert D(2026, 6, 15) in dates, zone


def test_a_bad_interval_is_named_in_the_admins_language(django_user_model, office, settings):
    settings.OTKLIK_NOW = "2026-06-15T10:00:00+03:00"
    anna = django_user_model.objects.create_superuser("anna", "anna@example.org", "pw", language="ru")
    client = Client()
    client.force_login(anna)
    data = {**admin_form_data(client.get(change_url(office))), "week_grid_mon_1_from": "12:00"}
    text = client.post(change_url(office), data).content.decode()
    assert "интервалы пересекаются" in text and "intervals overlap" not in text
