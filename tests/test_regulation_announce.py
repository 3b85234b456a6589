"""Every new regulation version is announced, and the admin who published it is told which version
and from when: a save in the admin that changes the configuration publishes a version in force at
once (the configuration acts as soon as it is saved) and everyone is told once no further change
has come for ANNOUNCE_AFTER; a save of the
regulation's own texts while a moment for planned changes is set publishes a version that comes
into force then. The publication happens when the admin's transaction commits, so these tests commit."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import transaction
from django.test import Client

from otklik.accounts.models import User
from otklik.catalog.models import Priority
from otklik.notify.models import Notification
from otklik.regulation.models import RegulationSettings, Section, Version
from otklik.regulation.services import ANNOUNCE_AFTER, regulation_in_force
from otklik.regulation.signals import PendingPublication
from otklik.regulation.timers import regulation_in_force_due
from otklik.testing.adminforms import admin_form_data

T0 = datetime.fromisoformat("2026-12-07T10:00:00+03:00")
T1 = datetime.fromisoformat("2027-01-11T09:00:00+03:00")


@pytest.fixture
def olga(django_user_model: type[User], settings) -> User:
    settings.OTKLIK_NOW = T0.isoformat()
    User.objects.create_user("ivan", "ivan@example.org", "pw", language="ru")
    return django_user_model.objects.create_superuser("olga", "olga@example.org", "pw", language="en")


def messages_after(client: Client, url: str, data: dict[str, object]) -> str:
    """The messages shown after the save, as the page shows them (the link is a link, not text)."""
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert not (response.context.get("adminform") and response.context["adminform"].form.errors)
    said = " ".join(str(m) for m in response.context["messages"])
    if "href=" in said:
        assert said.split("<a ")[0].strip() in response.content.decode()
        assert "&lt;a href" not in response.content.decode()
    return said


def add_priority(client: Client, code: str) -> str:
    url = "/admin/catalog/priority/add/"
    data = admin_form_data(client.get(url))
    data.update({"code": code, "name_ru": "Плановый", "name_en": "Planned", "rank": 7})
    return messages_after(client, url, data)


@pytest.mark.django_db(transaction=True)
def test_the_admin_is_told_which_version_a_save_published_and_everyone_is_told(olga, settings):
    regulation_in_force()  # v1
    client = Client()
    client.force_login(olga)
    said = add_priority(client, "planned")
    v2 = Version.objects.get(number=2)
    assert (v2.effective_at, v2.published_at, v2.reason_code) == (T0, T0, "changed")
    assert v2.reason_params == {"models": ["catalog.priority"]}
    assert "Version 2 of the service regulation is published and is in force from 7 Dec 2026, 10:00." in said
    assert "Everyone is told at 7 Dec 2026, 10:30, together with any further changes saved before then." in said
    assert 'href="/regulation?version=2">Read it</a>' in said
    assert not Notification.objects.filter(event="regulation_in_force").exists()
    settings.OTKLIK_NOW = (T0 + ANNOUNCE_AFTER).isoformat()
    assert regulation_in_force_due() == 1
    told = Notification.objects.filter(event="regulation_in_force", channel="inapp")
    assert set(told.values_list("recipient__username", flat=True)) == {"olga", "ivan"}
    ivan = told.get(recipient__username="ivan")
    assert "Что изменилось: приоритеты" in ivan.body and "Changed" not in ivan.body


@pytest.mark.django_db(transaction=True)
def test_a_planned_change_of_the_texts_through_the_admin_end_to_end(olga, settings):

    regulation_in_force()  # v1
    client = Client()
    client.force_login(olga)
    # The moment first (no text changed yet: nothing to publish), then the texts.
    url = "/admin/regulation/regulationsettings/add/"
    data = admin_form_data(client.get(url))
    data.update({"changes_effective_at_0": "2027-01-11", "changes_effective_at_1": "09:00:00"})
    assert "published" not in messages_after(client, url, data)
    assert Version.objects.count() == 1
    url = "/admin/regulation/regulationsettings/1/change/"
    data = admin_form_data(client.get(url))
    data.update({"additional_ru": "С 11 января служба работает и по субботам.", "additional_en": "Saturdays too."})
    data.update({"changes_effective_at_0": "2027-01-11", "changes_effective_at_1": "09:00:00"})  # as shown
    said = messages_after(client, url, data)
    v2 = Version.objects.get(number=2)
    assert (v2.effective_at, v2.notice_at) == (T1, T1)
    assert "Version 2 of the service regulation is published and comes into force on 11 Jan 2027, 09:00" in said
    assert "until then version 1 stays in force" in said
    assert Notification.objects.filter(event="regulation_scheduled", channel="inapp").count() == 2
    assert Notification.objects.filter(event="regulation_in_force").count() == 0
    # The page announces it; at the moment the worker says it is in force.
    ru = Client().get("/regulation", {"lang": "ru"}).content.decode()
    assert "Новая редакция регламента (№ 2) вступает в силу 11.01.2027 09:00." in ru
    settings.OTKLIK_NOW = T1.isoformat()
    assert regulation_in_force_due() == 1
    assert Notification.objects.filter(event="regulation_in_force", channel="inapp").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_configuration_change_while_texts_are_planned_is_in_force_at_once(olga):
    regulation_in_force()  # v1
    with transaction.atomic():
        conf = RegulationSettings.current()
        conf.changes_effective_at = T1
        conf.additional_en = "Planned."
        conf.save()
    assert Version.objects.get(number=2).effective_at == T1
    client = Client()
    client.force_login(olga)
    said = add_priority(client, "planned")
    v3 = Version.objects.get(number=3)
    assert v3.effective_at == T0  # the priority exists now: the regulation in force says so now
    assert "Version 3 of the service regulation is published and is in force from 7 Dec 2026, 10:00." in said
    assert "It includes the planned changes of version 2, which was to come into force on 11 Jan 2027, 09:00" in said


@pytest.mark.parametrize(
    ("models", "plannable"),
    [
        ({Section}, True),
        ({Section, RegulationSettings}, True),
        ({Priority}, False),
        ({Section, Priority}, False),
    ],
)
def test_only_a_change_of_the_regulations_own_texts_may_wait(models, plannable):
    pending = PendingPublication()
    pending.models.update(models)
    assert pending.plannable() is plannable
