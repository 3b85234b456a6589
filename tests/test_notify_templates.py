"""The admin's templates: one per event × channel × language wins over the built-in text (each
recipient in their language), a channel-less one serves every channel, the HTML part is escaped
while the text parts are not, templates see plain values (no model methods), a template failing on
a request falls back to the built-in text, SMS are clipped, links use BASE_URL."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db.models import Max

from otklik.notify import delivery
from otklik.notify.models import Notification, Rule, Template
from otklik.notify.texts import sms_limit
from otklik.testing.clock import set_now as when
from otklik.testing.factories import file_error
from otklik.tickets.models import Ticket
from otklik.workflow import ticket_comment

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 3, 10, 11, 30, tzinfo=MSK)


@pytest.fixture
def people(personas, dispatching):
    """Ivan reads English, Sergey (the lead, his request's executor) Russian."""
    personas.initiator.language = "en"
    personas.initiator.save()
    personas.lead.language = "ru"
    personas.lead.save()
    return personas


@pytest.fixture
def t(people, settings):
    when(settings, T0)
    return file_error(people.initiator)


def comment(t, actor, body: str = "Fixed in 5.2") -> dict[tuple[str, str], Notification]:
    """The rows of a comment by `actor`, by (recipient, channel)."""
    since = Notification.objects.aggregate(m=Max("id"))["m"] or 0
    ticket_comment(ticket=t, actor=actor, body=body)
    rows = Notification.objects.filter(pk__gt=since, event="ticket_comment").select_related("recipient")
    return {(n.recipient.username, n.channel): n for n in rows}


def test_a_template_per_event_channel_and_language_wins(t, people):
    Template.objects.create(
        event="ticket_comment",
        channel="email",
        language="en",
        subject="EN {{ ticket.number }}",
        body="EN {{ comment }}",
    )
    Template.objects.create(
        event="ticket_comment", channel="email", language="ru", subject="RU {{ actor }}", body="RU {{ comment }}"
    )
    rows = comment(t, people.manager)
    assert (rows["initiator", "email"].subject, rows["initiator", "email"].body) == (
        f"EN {t.number}",
        "EN Fixed in 5.2",
    )
    assert (rows["lead", "email"].subject, rows["lead", "email"].body) == ("RU Елена Морозова", "RU Fixed in 5.2")
    # No template for the in-app channel: the built-in text, in each one's language.
    assert rows["initiator", "inapp"].subject == f"{t.number}: new comment"
    assert rows["lead", "inapp"].subject == f"{t.number} · Новый комментарий"


def test_a_channel_less_template_serves_every_channel_but_a_channels_own_wins(t, people):
    Template.objects.create(event="ticket_comment", channel="", language="ru", subject="все: {{ comment }}", body="-")
    Template.objects.create(event="ticket_comment", channel="email", language="ru", subject="почта", body="-")
    rows = comment(t, people.manager)
    assert rows["lead", "inapp"].subject == "все: Fixed in 5.2"
    assert rows["lead", "email"].subject == "почта"
    assert rows["initiator", "inapp"].subject == f"{t.number}: new comment"  # English: no template


def test_the_html_part_is_escaped_and_the_text_parts_are_not(people, settings):
    when(settings, T0)
    t = file_error(people.initiator, subject="<script>alert(1)</script>")
    Template.objects.create(
        event="ticket_comment",
        channel="email",
        language="en",
        subject="{{ ticket.subject }}",
        body="{{ ticket.subject }} & {{ comment }}",
        html="<p>{{ ticket.subject }}</p><p>{{ comment }}</p>",
    )
    n = comment(t, people.manager, body="a < b")["initiator", "email"]
    assert n.subject == "<script>alert(1)</script>"
    assert n.body == "<script>alert(1)</script> & a < b"
    assert n.html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><p>a &lt; b</p>"
    # Without a template the e-mail's HTML is made from the text, escaped too.
    lead_mail = comment(t, people.manager, body="<b>bold</b>")["lead", "email"]
    delivery.notify_deliver_due()
    (sent,) = [m for m in mail.outbox if m.extra_headers.get("Message-ID", "").startswith(f"<{lead_mail.key}@")]
    assert "<b>bold</b>" in sent.body
    (page, _kind) = sent.alternatives[0]
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold" not in page


def test_templates_see_plain_values_and_cannot_call_model_methods(t, people):
    Template.objects.create(
        event="ticket_comment",
        channel="",
        language="ru",
        subject="s",
        body="[{{ ticket.delete }}][{{ ticket.subject }}][{{ actor.delete }}][{{ ticket.initiator.delete }}]",
    )
    rows = comment(t, people.manager)
    assert rows["lead", "inapp"].body == "[][Report fails][][]"
    assert Ticket.objects.filter(pk=t.pk).exists()


def test_a_template_failing_on_a_request_falls_back_to_the_built_in_text(t, people, caplog):
    Template.objects.create(
        event="ticket_comment", channel="", language="en", subject="oops", body='{% include "missing.txt" %}'
    )
    rows = comment(t, people.manager)
    assert "the ticket_comment/inapp/en template failed" in caplog.text  # it compiled, then failed
    n = rows["initiator", "inapp"]
    assert n.subject == f"{t.number}: new comment"
    assert "Fixed in 5.2" in n.body
    assert set(rows) == {("initiator", "inapp"), ("initiator", "email"), ("lead", "inapp"), ("lead", "email")}


def test_sms_are_clipped_to_the_configured_length(t, people, settings):
    settings.SMS_MAX_LENGTH = 40
    for user in (people.initiator, people.lead):
        user.phone = user.phone_verified = "+7 999 123-45-67"
        user.save()
    Rule.objects.create(name="sms", event="ticket_comment", to_initiator=True, to_executor=True, channels=["sms"])
    Template.objects.create(event="ticket_comment", channel="sms", language="en", subject="s", body="{{ comment }}")
    rows = comment(t, people.manager, body="x" * 100)
    assert rows["initiator", "sms"].body == "x" * 39 + "…"
    # The built-in text of an SMS is its subject (it fits here).
    assert rows["lead", "sms"].body == rows["lead", "sms"].subject == f"{t.number} · Новый комментарий"
    assert len(rows["lead", "sms"].body) <= 40


def test_the_sms_limit_defaults_to_160(settings):
    del settings.SMS_MAX_LENGTH
    assert sms_limit() == 160


def test_links_use_the_base_url(people, settings):
    settings.BASE_URL = "https://desk.example.org"
    when(settings, T0)
    t = file_error(people.initiator)
    Template.objects.create(
        event="ticket_comment", channel="email", language="en", subject="s", body="{{ ticket.link }} | {{ base_url }}"
    )
    rows = comment(t, people.manager)
    link = f"https://desk.example.org/requests/{t.number}"
    assert {n.link for n in rows.values()} == {link}
    assert rows["initiator", "email"].body == f"{link} | https://desk.example.org"
