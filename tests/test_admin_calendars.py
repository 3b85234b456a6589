"""Working calendars in the admin: the week as text, dated exceptions inline, the production
calendar action, and the import page (staff with the change permission only)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import translation

from otklik.sla.models import Calendar, CalendarDay, DayKind

pytestmark = pytest.mark.django_db
D = dt.date
ADD_URL = "/admin/sla/calendar/add/"
LIST_URL = "/admin/sla/calendar/"


def change_url(cal):
    return f"/admin/sla/calendar/{cal.pk}/change/"


def import_url(cal):
    return reverse("admin:sla_calendar_import", args=[cal.pk])


@pytest.fixture
def olga(django_user_model):
    """Olga, the administrator (superuser), reading the admin in English."""
    return django_user_model.objects.create_superuser("olga", "olga@example.org", "pw", language="en")


@pytest.fixture
def client_olga(olga):
    client = Client()
    client.force_login(olga)
    return client


@pytest.fixture
def office():
    cal = Calendar.objects.create(code="head-office", name_ru="Головной офис", name_en="Head office")
    CalendarDay.objects.create(calendar=cal, date=D(2026, 12, 31), kind=DayKind.CUSTOM, intervals=[["09:00", "12:00"]])
    return cal


def calendar_post(week="mon 09:00-13:00 14:00-18:00\nfri 09:00-16:45", tz="Europe/Moscow", days=(), **extra):
    """The add/change form as a browser posts it, with `days` as inline rows (dicts)."""
    data = {
        "code": "branch",
        "name_ru": "Филиал",
        "name_en": "Branch",
        "time_zone": tz,
        "week": week,
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for i, day in enumerate(days):
        for key, value in day.items():
            data[f"days-{i}-{key}"] = value
    return data


def errors_of(resp):
    return resp.content.decode()


# --- the add and change pages ---------------------------------------------------------------
def test_add_page_offers_the_week_as_text(client_olga):
    resp = client_olga.get(ADD_URL)
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "mon 09:00-13:00 14:00-18:00\nfri 09:00-13:00 14:00-18:00" not in text  # one line per day
    assert "mon 09:00-13:00 14:00-18:00\ntue 09:00-13:00 14:00-18:00" in text
    assert "A day that is not listed is closed." in text


def test_add_saves_the_parsed_week_and_inline_dates(client_olga):
    days = [
        {"date": "2026-03-09", "kind": "holiday", "intervals": "", "note_en": "Women's day, moved"},
        {"date": "2026-03-06", "kind": "shortened", "intervals": "09:00-13:00 14:00-17:00"},
    ]
    resp = client_olga.post(ADD_URL, calendar_post(days=days))
    assert resp.status_code == 302, errors_of(resp)[:3000]
    cal = Calendar.objects.get(code="branch")
    assert cal.week == {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "fri": [["09:00", "16:45"]]}
    assert [(d.date, d.kind, d.intervals) for d in cal.days.order_by("date")] == [
        (D(2026, 3, 6), "shortened", [["09:00", "13:00"], ["14:00", "17:00"]]),
        (D(2026, 3, 9), "holiday", []),
    ]


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("mon 09:00-18:00\ntue 09:00-13:00 12:00-14:00", "line 2 (&#x27;tue 09:00-13:00 12:00-14:00&#x27;)"),
        ("mon 09:00-18:00\nmonday 09:00-18:00", "&#x27;monday&#x27; is not a day"),
        ("mon 9am-6pm", "&#x27;9am-6pm&#x27; is not an interval"),
        ("mon 18:00-09:00", "ends before it starts"),
        ("", "This field is required."),
        ("sat", "no working time at all"),
    ],
)
def test_a_bad_week_line_is_a_form_error(client_olga, week, message):
    resp = client_olga.post(ADD_URL, calendar_post(week=week))
    assert resp.status_code == 200
    assert message in errors_of(resp)
    assert not Calendar.objects.filter(code="branch").exists()


def test_an_unknown_time_zone_is_a_form_error(client_olga):
    resp = client_olga.post(ADD_URL, calendar_post(tz="Europe/Atlantis"))
    assert resp.status_code == 200
    assert "Unknown time zone &#x27;Europe/Atlantis&#x27;" in errors_of(resp)
    assert not Calendar.objects.filter(code="branch").exists()


def test_a_bad_date_row_is_a_form_error(client_olga):
    days = [{"date": "2026-03-06", "kind": "custom", "intervals": "09:00-13:00 12:00-14:00"}]
    resp = client_olga.post(ADD_URL, calendar_post(days=days))
    assert resp.status_code == 200
    assert "intervals overlap" in errors_of(resp)
    days = [{"date": "2026-03-06", "kind": "working", "intervals": ""}]
    resp = client_olga.post(ADD_URL, calendar_post(days=days))
    assert resp.status_code == 200
    assert "A working date needs its working intervals." in errors_of(resp)
    assert not Calendar.objects.filter(code="branch").exists()


def test_change_page_shows_the_dates_as_text_in_date_order(client_olga, office, settings):
    settings.OTKLIK_NOW = "2025-12-01T10:00:00+03:00"  # both dates to come (the past ones are folded apart)
    CalendarDay.objects.create(calendar=office, date=D(2026, 1, 1), kind=DayKind.HOLIDAY)
    resp = client_olga.get(change_url(office))
    assert resp.status_code == 200
    formset = resp.context["inline_admin_formsets"][0].formset
    assert [f.instance.date for f in formset.forms if f.instance.pk] == [D(2026, 1, 1), D(2026, 12, 31)]
    text = resp.content.decode()
    assert 'value="09:00-12:00"' in text
    assert import_url(office) in text


def test_saving_a_default_calendar_clears_the_other_default(client_olga, office):
    office.is_default = True
    office.save()
    resp = client_olga.post(ADD_URL, calendar_post(is_default="on"))
    assert resp.status_code == 302, errors_of(resp)[:3000]
    assert list(Calendar.objects.filter(is_default=True).values_list("code", flat=True)) == ["branch"]


def test_list_shows_the_number_of_dates_and_searches(client_olga, office):
    Calendar.objects.create(code="branch", name_ru="Филиал", name_en="Branch", time_zone="Asia/Yekaterinburg")
    resp = client_olga.get(LIST_URL, {"q": "head"})
    assert resp.status_code == 200
    rows = list(resp.context["cl"].result_list)
    assert [c.code for c in rows] == ["head-office"] and rows[0].date_count == 1
    assert "Asia/Yekaterinburg" in client_olga.get(LIST_URL).content.decode()


# --- the actions ----------------------------------------------------------------------------
def test_fill_action_adds_this_year_and_the_next_two(client_olga, office, settings):
    settings.OTKLIK_NOW = "2026-02-01T10:00:00+03:00"
    resp = client_olga.post(
        LIST_URL, {"action": "fill_russian_production_calendar", "_selected_action": [office.pk]}, follow=True
    )
    assert resp.status_code == 200
    years = set(office.days.values_list("date__year", flat=True))
    assert years == {2026, 2027, 2028}
    assert office.days.get(date=D(2026, 12, 31)).kind == DayKind.CUSTOM  # the edited date is kept
    added = office.days.count() - 1
    assert f"Head office: {added} dates of 2026–2028 added" in resp.content.decode()


def test_import_action_leads_to_the_import_page(client_olga, office):
    resp = client_olga.post(LIST_URL, {"action": "import_dates", "_selected_action": [office.pk]})
    assert resp.status_code == 302 and resp["Location"] == import_url(office)


# --- the import page ------------------------------------------------------------------------
def test_import_page_with_a_good_file(client_olga, office, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("date,kind,intervals,note_ru,note_en\n2026-12-31,holiday,,,\n2027-01-11,holiday,,,\n")
    page = client_olga.get(import_url(office))
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()
    with path.open("rb") as handle:
        resp = client_olga.post(import_url(office), {"file": handle}, follow=True)
    assert resp.redirect_chain[-1][0] == change_url(office)
    assert "2 dates imported." in resp.content.decode()
    assert office.days.get(date=D(2026, 12, 31)).kind == DayKind.HOLIDAY


def test_import_page_with_a_bad_file_says_why_and_imports_nothing(client_olga, office, tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("date,kind\n2027-01-11,holiday\n2026-02-30,holiday\n")
    with path.open("rb") as handle:
        resp = client_olga.post(import_url(office), {"file": handle})
    assert resp.status_code == 200
    assert "Nothing was imported: row 3: bad date &#x27;2026-02-30&#x27;" in resp.content.decode()
    assert list(office.days.values_list("date", flat=True)) == [D(2026, 12, 31)]


def test_import_page_refuses_a_file_over_a_megabyte(client_olga, office, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"date\n" + b"2026-02-09\n" * 100_000)
    with path.open("rb") as handle:
        resp = client_olga.post(import_url(office), {"file": handle})
    assert resp.status_code == 200
    assert "larger than 1 MB" in resp.content.decode()


def test_import_page_is_csrf_protected(olga, office, tmp_path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(olga)
    path = tmp_path / "dates.json"
    path.write_text('["2027-01-11"]')
    with path.open("rb") as handle:
        resp = client.post(import_url(office), {"file": handle})
    assert resp.status_code == 403
    assert not office.days.filter(date=D(2027, 1, 11)).exists()


def test_import_page_is_closed_to_non_staff(django_user_model, office):
    ivan = django_user_model.objects.create_user("ivan", password="pw", language="en")
    client = Client()
    client.force_login(ivan)
    resp = client.get(import_url(office))
    assert resp.status_code == 302 and "/admin/login/" in resp["Location"]


def test_import_page_needs_the_change_permission(django_user_model, office):
    """Pavel is staff who may only view calendars; Nina may change them."""
    pavel = django_user_model.objects.create_user("pavel", password="pw", language="en", is_staff=True)
    pavel.user_permissions.add(Permission.objects.get(codename="view_calendar"))
    client = Client()
    client.force_login(pavel)
    assert client.get(import_url(office)).status_code == 403
    assert client.post(import_url(office), {}).status_code == 403

    nina = django_user_model.objects.create_user("nina", password="pw", language="en", is_staff=True)
    nina.user_permissions.add(Permission.objects.get(codename="change_calendar"))
    client.force_login(nina)
    assert client.get(import_url(office)).status_code == 200


def test_import_page_of_a_missing_calendar_is_404(client_olga):
    assert client_olga.get(reverse("admin:sla_calendar_import", args=[999999])).status_code == 404


def test_the_same_date_twice_is_a_form_error(client_olga):
    days = [{"date": "2026-03-09", "kind": "holiday"}, {"date": "2026-03-09", "kind": "holiday"}]
    resp = client_olga.post(ADD_URL, calendar_post(days=days))
    assert resp.status_code == 200
    assert "Please correct the duplicate data for date" in errors_of(resp)
    assert not Calendar.objects.filter(code="branch").exists()


def test_the_dates_formset_judges_the_whole_calendar():
    """Even a calendar the main form let through (here a zone edited behind its back) is checked again."""
    from django.forms.models import inlineformset_factory

    from otklik.sla.admin_calendars import CalendarDayForm, CalendarDayFormSet

    formset_class = inlineformset_factory(
        Calendar, CalendarDay, form=CalendarDayForm, formset=CalendarDayFormSet, fields=("date", "kind", "intervals")
    )
    broken = Calendar(code="x", name_ru="x", name_en="x", time_zone="Mars/Olympus")
    data = {
        "days-TOTAL_FORMS": "1",
        "days-INITIAL_FORMS": "0",
        "days-0-date": "2026-03-09",
        "days-0-kind": "custom",
        "days-0-intervals": "10:00-12:00",
    }
    formset = formset_class(data, instance=broken, prefix="days")
    with translation.override("en"):
        assert not formset.is_valid()
        errors = str(formset.non_form_errors())
    assert "The calendar is not valid: tz: unknown time zone &#x27;Mars/Olympus&#x27;" in errors
