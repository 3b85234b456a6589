"""The notification queue in the admin: carriers whose secrets are write-only, rules, templates
checked on save and previewed on a real request, and the history with what needs attention.
Olga is the administrator."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from otklik.notify.models import Carrier, Notification, Rule, Template
from otklik.notify.rules import DEFAULT_RULES
from otklik.testing.factories import file_error

pytestmark = pytest.mark.django_db
SECRET = "whsec-0123456789-abcdef"
TOKEN_URL = "json://gateway.example/sms?to={phone}&token=SUPERSECRETTOKEN"


@pytest.fixture
def olga(django_user_model):
    return django_user_model.objects.create_superuser("olga", "olga@example.org", "pw", language="en")


@pytest.fixture
def admin(olga):
    client = Client()
    client.force_login(olga)
    return client


def carrier_post(**extra):
    data = {
        "name": "smsc",
        "channel": "sms",
        "driver": "apprise",
        "enabled": "on",
        "priority": "1",
        "max_attempts": "3",
        "backoff_base_seconds": "30",
        "backoff_cap_seconds": "600",
        "backoff_jitter": "0.5",
        "timeout_seconds": "10",
        "rate_limit_per_minute": "0",
        "url": TOKEN_URL,
        "secret": "",
    }
    data.update(extra)
    return data


def test_a_carriers_address_is_stored_but_never_shown_back(admin):
    r = admin.post("/admin/notify/carrier/add/", carrier_post())
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Carrier.objects.get(name="smsc")
    assert c.settings["url"] == TOKEN_URL
    page = admin.get(f"/admin/notify/carrier/{c.pk}/change/").content.decode()
    assert "SUPERSECRETTOKEN" not in page and "gateway.example" not in page, page[page.find("SUPERSECRET") - 300 :]
    assert "url ✓" in page
    listing = admin.get("/admin/notify/carrier/").content.decode()
    assert "SUPERSECRETTOKEN" not in listing
    # Saving with the field left empty keeps the stored address.
    r = admin.post(f"/admin/notify/carrier/{c.pk}/change/", carrier_post(url="", priority="2"))
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.settings["url"], c.priority) == (TOKEN_URL, 2)
    # The change log names fields, never values.
    for entry in LogEntry.objects.all():
        assert "SUPERSECRETTOKEN" not in entry.change_message
    r = admin.post(f"/admin/notify/carrier/{c.pk}/change/", carrier_post(url="json://other.example/x"))
    assert r.status_code == 302
    assert "Address (URL)" in LogEntry.objects.latest("id").get_change_message()  # the field's label, in sentence case


def test_carrier_forms_refuse_what_cannot_work(admin):
    r = admin.post("/admin/notify/carrier/add/", carrier_post(url="nosuchscheme://x"))
    assert r.status_code == 200 and "Apprise does not understand this URL" in r.content.decode()
    assert "nosuchscheme" not in r.content.decode()  # not echoed back either
    r = admin.post("/admin/notify/carrier/add/", carrier_post(channel="webhook", url="https://erp.example/hook"))
    assert "Webhooks use the webhook driver" in r.content.decode()
    r = admin.post(
        "/admin/notify/carrier/add/",
        carrier_post(name="erp", channel="webhook", driver="webhook", url="https://erp.example/hook", secret="short"),
    )
    assert "signing secret of at least 16 characters" in r.content.decode()
    r = admin.post(
        "/admin/notify/carrier/add/",
        carrier_post(name="erp", channel="webhook", driver="webhook", url="ftp://erp.example/", secret=SECRET),
    )
    assert "A webhook address is an http(s) URL" in r.content.decode()
    r = admin.post(
        "/admin/notify/carrier/add/",
        carrier_post(name="erp", channel="webhook", driver="webhook", url="https://[erp.example/hook", secret=SECRET),
    )
    assert r.status_code == 200 and "A webhook address is an http(s) URL" in r.content.decode()
    r = admin.post("/admin/notify/carrier/add/", carrier_post(backoff_jitter="1.5", max_attempts="0"))
    assert "Between 0 and 1." in r.content.decode() and "At least one attempt." in r.content.decode()
    assert not Carrier.objects.exists()
    r = admin.post(
        "/admin/notify/carrier/add/",
        carrier_post(name="erp", channel="webhook", driver="webhook", url="https://erp.example/hook", secret=SECRET),
    )
    assert r.status_code == 302
    erp = Carrier.objects.get(name="erp")
    assert erp.settings == {"url": "https://erp.example/hook", "secret": SECRET}
    assert SECRET not in admin.get(f"/admin/notify/carrier/{erp.pk}/change/").content.decode()


def test_a_rule_is_written_from_the_admin_and_applies_at_once(admin, personas):
    before = Rule.objects.count()
    assert before == len(DEFAULT_RULES)  # the defaults the migrations wrote
    data = {
        "name": "Critical requests → managers by SMS",
        "event": "ticket_created",
        "enabled": "on",
        "roles": ["manager"],
        "channels": ["sms", "inapp"],
        "importance": "",
    }
    r = admin.post("/admin/notify/rule/add/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    rule = Rule.objects.get(name=data["name"])
    assert (rule.roles, sorted(rule.channels)) == (["manager"], ["inapp", "sms"])
    bad = {"event": "*", "integration_event": "Bad Event"}  # another system's event, badly named
    r = admin.post("/admin/notify/rule/add/", {**data, "name": "nobody", "roles": [], **bad})
    page = r.content.decode()
    assert "Name at least one kind of recipient" in page and "lower-case letters" in page


def test_restoring_the_default_rules_writes_only_the_missing_ones(admin):
    Rule.objects.filter(event="ticket_moved").delete()
    r = admin.post("/admin/notify/rule/restore-defaults/")
    assert r.status_code == 302
    assert Rule.objects.filter(event="ticket_moved").count() == 1 and Rule.objects.count() == len(DEFAULT_RULES)
    assert admin.get("/admin/notify/rule/restore-defaults/").status_code == 302  # GET changes nothing
    assert Rule.objects.count() == len(DEFAULT_RULES)


def test_a_template_that_does_not_compile_is_refused(admin):
    data = {"event": "ticket_created", "channel": "", "language": "en", "subject": "{% if %}", "body": "x", "html": ""}
    r = admin.post("/admin/notify/template/add/", data)
    assert r.status_code == 200 and "The template does not compile" in r.content.decode()
    assert not Template.objects.exists()


def test_the_preview_renders_the_unsaved_template_on_a_real_request_escaping_html(admin, personas):
    t = file_error(personas.initiator, subject="Printer <b>on fire</b>")
    data = {
        "event": "ticket_created",
        "channel": "email",
        "language": "en",
        "subject": "{{ ticket.number }} — {{ ticket.subject }}",
        "body": "Hello {{ recipient }}, see {{ ticket.link }}",
        "html": "<p>{{ ticket.subject }}</p>",
        "preview_ticket": t.number.lower(),
    }
    r = admin.post("/admin/notify/template/preview/", data)
    page = r.content.decode()
    assert r.status_code == 200
    main = page[page.find('id="content-main"') :]
    assert f"{t.number} — Printer &lt;b&gt;on fire&lt;/b&gt;" in page, main[:1500]  # the text, escaped on the page
    assert f"/requests/{t.number}" in page
    # The HTML part: escaped by the template, then again inside the sandboxed frame's srcdoc.
    assert 'sandbox=""' in page and "&lt;p&gt;Printer &amp;lt;b&amp;gt;" in page
    assert not Template.objects.exists()  # nothing saved
    r = admin.post("/admin/notify/template/preview/", {**data, "preview_ticket": "NOPE-1", "body": "{{ x|nosuch }}"})
    page = r.content.decode()
    assert "No request numbered NOPE-1" in page and "The template fails" in page
    assert admin.get("/admin/notify/template/preview/").status_code == 403


def test_the_history_counts_what_waits_and_what_is_dead(admin, personas):
    file_error(personas.initiator)
    Notification.objects.filter(pk=Notification.objects.first().pk).update(state="dead")
    page = admin.get("/admin/notify/notification/").content.decode()
    pending = Notification.objects.filter(state="pending").count()
    assert f'<a href="?state__exact=pending">{pending}</a>' in page
    assert '<a href="?state__exact=dead">1</a>' in page
    assert admin.get("/admin/notify/notification/?carrier__id__exact=1&created_at__year=2026").status_code == 200


def test_the_preview_offers_the_complaint_and_monthly_report_variables(admin, personas):
    """The help text names these variables: the preview must give each of them a sample value."""
    t = file_error(personas.initiator, subject="Printer jam")
    data = {
        "event": "quality_monthly",
        "channel": "email",
        "language": "en",
        "subject": "Quality {{ month }} — {{ scope }}",
        "body": "Score {{ report.score }}, in time {{ report.sla_percent }} %, see {{ report_link }}; "
        "complaint {{ complaint.number }} ({{ complaint.state }}) answer due {{ complaint.answer_due }}",
        "html": "",
        "preview_ticket": t.number,
    }
    page = admin.post("/admin/notify/template/preview/", data).content.decode()
    assert "Quality November 2026 — First line" in page
    assert "Score 81.5, in time 77.9 %" in page and "/reports/quality?from=2026-11-01" in page
    assert "complaint CMP-000001 (under review) answer due 3 Dec 2026, 18:00" in page
    form = admin.get("/admin/notify/template/add/").content.decode()
    assert "{{ report_link }}" in form and "{{ complaint.number }}" in form


def test_the_rules_list_names_the_channels_in_the_readers_language(olga):
    Rule.objects.create(
        name="Комментарий → SMS", event="ticket_comment", to_initiator=True, channels=["email", "inapp", "sms"]
    )
    olga.language = "ru"
    olga.save(update_fields=["language"])
    client = Client()
    client.force_login(olga)
    page = client.get("/admin/notify/rule/").content.decode()
    assert '<td class="field-channel_list">в приложении, эл. почта, SMS</td>' in page
    assert "inapp, email" not in page
