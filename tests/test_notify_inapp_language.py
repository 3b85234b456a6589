"""An in-app notification follows its reader's language: written in Russian, it reads in English
in the notification centre, the API's inbox and the live stream's events once the person switches
to English, and in Russian again when they switch back. Rows written before the words were kept in
each language, and other systems' words, show as stored; an e-mail stays as it was sent."""

from __future__ import annotations

import json

import pytest

from otklik.accounts.services import token_create
from otklik.api.stream import _after
from otklik.notify.delivery import notify_deliver_due
from otklik.notify.models import Notification
from otklik.notify.services import notify_enqueue
from otklik.testing.client import browser
from otklik.testing.factories import file_error
from otklik.workflow import ticket_comment

pytestmark = pytest.mark.django_db


def _inbox(client) -> str:
    return client.get("/inbox").content.decode()


def test_ivan_reads_his_notifications_in_the_language_he_switches_to(personas):
    ivan = personas.initiator
    ivan.language = "ru"
    ivan.save(update_fields=["language"])
    t = file_error(ivan, subject="Отчёт не формируется")
    ticket_comment(ticket=t, actor=personas.lead, body="Смотрим")
    notify_deliver_due()
    row = Notification.objects.get(recipient=ivan, channel="inapp", event="ticket_comment")
    email = Notification.objects.get(recipient=ivan, channel="email", event="ticket_comment")
    russian = row.subject
    assert "комментарий" in russian.lower(), russian
    assert set(row.texts) == {"en"} and email.texts == {}

    client = browser(ivan, language="ru")
    assert russian in _inbox(client)
    client.post("/language", {"language": "en", "next": "/inbox"})
    page = _inbox(client)
    english = row.texts["en"]["subject"]
    assert english != russian and "comment" in english.lower(), english
    assert english in page and russian not in page

    _, raw = token_create(user=ivan, name="notifier")
    items = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {raw}"}).json()["items"]
    assert next(i for i in items if i["id"] == row.pk)["subject"] == english
    events = [json.loads(chunk.split("data: ", 1)[1]) for _, chunk in _after(ivan.pk, row.pk - 1, 1)]
    assert next(e for e in events if e["id"] == row.pk)["subject"] == english

    client.post("/language", {"language": "ru", "next": "/inbox"})
    assert russian in _inbox(client)
    email.refresh_from_db()
    assert "комментарий" in email.subject.lower()  # sent as it was


def test_older_rows_and_other_systems_words_show_as_stored(personas):
    ivan = personas.initiator
    ivan.language = "en"
    ivan.save(update_fields=["language"])
    notify_enqueue(sender=personas.admin, event="erp.posted", subject="Счёт 42 проведён", users=[ivan.username])
    external = Notification.objects.get(recipient=ivan, channel="inapp", event="erp.posted")
    assert external.texts == {}  # the same words in every language
    t = file_error(personas.initiator2)
    ticket_comment(ticket=t, actor=personas.lead, body="x")
    old = Notification.objects.filter(channel="inapp", event="ticket_comment").latest("id")
    Notification.objects.filter(pk=old.pk).update(recipient=ivan, texts={})  # written before this version
    page = _inbox(browser(ivan, language="en"))
    assert "Счёт 42 проведён" in page and old.subject in page
