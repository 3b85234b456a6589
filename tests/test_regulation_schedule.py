"""A regulation version scheduled ahead of the moment it comes into force (a planned change of the
regulation's own texts), on the demo with a frozen clock: the version in force stays in force until
that moment and the next one is in force from it; everyone is told through the notification queue
when it is scheduled and when it comes into force, once each; the page and the API show the version
in force and announce the coming one. A change of the configuration acts as soon as it is saved, so
its version is in force at once, whatever the moment, and everyone is told once ANNOUNCE_AFTER has
passed without a further change (the later version's notice then names both changes).

The test's transaction never commits, so the publication the signals would make on commit is made
by hand (regulation_publish); one transactional test covers the signal's way."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from otklik.accounts.models import User
from otklik.catalog.models import Priority
from otklik.notify.models import Notification
from otklik.regulation.models import RegulationSettings, Section, Version
from otklik.regulation.reasons import CHANGED
from otklik.regulation.selectors import (
    State,
    forget_version_in_force,
    version_coming,
    version_get,
    version_in_force_id,
    version_list,
    version_states,
)
from otklik.regulation.services import ANNOUNCE_AFTER, regulation_publish
from otklik.regulation.timers import regulation_in_force_due
from otklik.runtime.jobs import default_jobs

T0 = datetime.fromisoformat("2026-12-07T10:00:00+03:00")
T1 = datetime.fromisoformat("2027-01-11T09:00:00+03:00")  # the moment the changes come into force


def at(settings, moment: datetime) -> None:
    settings.OTKLIK_NOW = moment.isoformat()


@pytest.fixture(autouse=True)
def _t0(settings):
    at(settings, T0)  # before `personas`: the demo (and its version 1) is loaded at T0


def schedule(moment: datetime | None) -> None:
    conf = RegulationSettings.current()
    conf.changes_effective_at = moment
    conf.save()


def rename(code: str, name: str) -> Version | None:
    """A change of the configuration: it acts at once."""
    Priority.objects.filter(code=code).update(name_en=name)
    return regulation_publish(code=CHANGED, params={"models": ["catalog.priority"]})


def retext(words: str) -> Version | None:
    """A change of the regulation's own text: it may wait for the planned moment."""
    Section.objects.filter(code="general").update(body_en=words)
    return regulation_publish(code=CHANGED, params={"models": ["regulation.section"]}, plannable=True)


def notices(event: str, channel: str = "inapp") -> list[Notification]:
    return list(Notification.objects.filter(event=event, channel=channel).order_by("recipient_id"))


def everyone() -> set[int]:
    return set(User.objects.filter(is_active=True).values_list("pk", flat=True))


@pytest.fixture
def scheduled(personas, settings) -> dict[str, Version]:
    """v1 in force (the demo's); v2 published at T0 for T1; v3, a later change for the same moment."""
    v1 = Version.objects.get()
    schedule(T1)
    v2 = retext("Planned wording.")
    v3 = retext("Planned wording, revised.")
    return {"v1": v1, "v2": v2, "v3": v3}


def test_before_the_moment_the_current_version_stays_in_force(scheduled, settings):
    v1, v2, v3 = scheduled["v1"], scheduled["v2"], scheduled["v3"]
    assert (v2.number, v2.effective_at, v2.published_at, v2.notice_at) == (2, T1, T0, T1)
    assert (v3.number, v3.effective_at, v3.published_at) == (3, T1, T0)  # joins the coming version
    assert version_in_force_id() == v1.pk
    assert version_get(None) == v1
    versions = version_list()
    assert version_states(versions, T0) == {1: State.IN_FORCE, 2: State.SUPERSEDED, 3: State.SCHEDULED}
    assert version_coming(versions, T0)["number"] == 3
    at(settings, T1 - timedelta(minutes=1))
    assert regulation_in_force_due() == 0
    assert version_in_force_id() == v1.pk
    assert notices("regulation_in_force") == []


def test_the_schedule_is_announced_once_to_everyone(scheduled):
    rows = notices("regulation_scheduled")
    assert {r.recipient_id for r in rows} == everyone()  # once each: v3 joined v2's moment quietly
    assert len(rows) == len(everyone())
    assert all(r.link.endswith("/regulation?version=2") for r in rows)
    # Each in the recipient's language's form of the moment.
    moment = {"en": "11 Jan 2027, 09:00", "ru": "11.01.2027 09:00"}
    assert all(moment[r.recipient.language or "ru"] in r.subject and "2" in r.body for r in rows)
    assert any(r.recipient.language == "ru" and "вступает в силу" in r.body for r in rows)
    # E-mail too, for those with an address.
    assert notices("regulation_scheduled", "email")


def test_at_the_moment_the_new_version_is_in_force_and_everyone_is_told_once(scheduled, settings):
    forget_version_in_force()  # as after a commit: the id in force is cached again
    assert version_in_force_id() == scheduled["v1"].pk
    with CaptureQueriesContext(connection) as queries:
        assert version_in_force_id() == scheduled["v1"].pk
    assert len(queries) == 0
    at(settings, T1)
    assert version_in_force_id() == scheduled["v3"].pk  # the cached answer knew its end
    assert version_get(None) == scheduled["v3"]
    assert regulation_in_force_due() == 2  # v2 and v3 fell due; v2 never came into force
    rows = notices("regulation_in_force")
    assert {r.recipient_id for r in rows} == everyone()
    assert len(rows) == len(everyone())
    assert all(r.link.endswith("/regulation?version=3") for r in rows)
    assert not Version.objects.filter(notice_at__isnull=False).exists()
    # After the moment: nothing more is due, nothing is sent twice.
    at(settings, T1 + timedelta(days=1))
    assert regulation_in_force_due() == 0
    assert len(notices("regulation_in_force")) == len(everyone())
    assert len(notices("regulation_scheduled")) == len(everyone())


def test_the_worker_runs_it_as_a_job(scheduled, settings):
    from otklik.core.worker import Worker

    at(settings, T1 + timedelta(hours=2))  # the worker was down at the moment itself
    done = Worker([j for j in default_jobs() if j.name == "regulation.in_force"]).run_once()
    assert done["regulation.in_force"] == 2
    assert len(notices("regulation_in_force")) == len(everyone())


def test_a_change_that_comes_into_force_at_once_replaces_the_scheduled_one(scheduled, settings):
    later = T0 + timedelta(minutes=5)
    at(settings, later)
    schedule(None)
    v4 = retext("At once after all.")
    assert (v4.effective_at, v4.notice_at) == (later, later + ANNOUNCE_AFTER)
    assert version_get(None) == v4
    states = version_states(version_list(), later)
    assert states == {1: State.PAST, 2: State.SUPERSEDED, 3: State.SUPERSEDED, 4: State.IN_FORCE}
    assert notices("regulation_in_force") == []  # told once no further change has come for a while
    at(settings, later + ANNOUNCE_AFTER)
    assert regulation_in_force_due() == 1
    told = notices("regulation_in_force")
    assert {r.recipient_id for r in told} == everyone()
    assert all(r.link.endswith("/regulation?version=4") for r in told)
    at(settings, T1)
    assert regulation_in_force_due() == 2
    assert len(notices("regulation_in_force")) == len(everyone())  # v3 never came into force: no notice
    assert version_get(None) == v4


def test_a_change_of_the_configuration_is_in_force_at_once_whatever_the_planned_moment(scheduled, settings):
    """The configuration acts as soon as it is saved: the regulation in force describes it at once."""
    later = T0 + timedelta(minutes=5)
    at(settings, later)
    v4 = rename("critical", "Emergency")
    assert (v4.effective_at, v4.notice_at) == (later, later + ANNOUNCE_AFTER)
    assert version_get(None) == v4
    assert "Emergency" in Client().get("/regulation", {"lang": "en"}).content.decode()
    at(settings, later + ANNOUNCE_AFTER)
    assert regulation_in_force_due() == 1
    told = notices("regulation_in_force")
    assert {r.recipient_id for r in told} == everyone()
    assert all(r.link.endswith("/regulation?version=4") for r in told)
    ru = next(r for r in told if r.recipient.language == "ru")
    assert "Редакция 4 регламента обслуживания действует с 07.12.2026 10:05." in ru.body
    assert "Что изменилось: приоритеты" in ru.body and "Changed" not in ru.body
    # The texts planned for T1 came with it (the version in force holds what is saved); v3 never comes.
    assert version_states(version_list(), later)[3] == State.SUPERSEDED
    # A text change after it is planned for T1 again, and announced again.
    v5 = retext("Planned once more.")
    assert (v5.effective_at, v5.notice_at) == (T1, T1)
    assert len([r for r in notices("regulation_scheduled") if r.link.endswith("version=5")]) == len(everyone())


def test_every_version_after_the_first_is_announced(personas, settings):
    """No moment planned: each published version is in force at once and everyone is told, in their
    language, once ANNOUNCE_AFTER has passed without a further change."""
    User.objects.filter(pk=personas.agent.pk).update(language="en")
    v2 = rename("critical", "Emergency")
    assert (v2.effective_at, v2.notice_at) == (T0, T0 + ANNOUNCE_AFTER)
    assert regulation_in_force_due() == 0 and notices("regulation_in_force") == []
    at(settings, T0 + ANNOUNCE_AFTER)
    assert regulation_in_force_due() == 1
    rows = notices("regulation_in_force")
    assert {r.recipient_id for r in rows} == everyone()
    en = next(r for r in rows if r.recipient_id == personas.agent.pk)
    assert en.subject == "A new edition of the service regulation is in force"
    assert "What changed: priorities" in en.body and "Изменено" not in en.body
    assert notices("regulation_in_force", "email") == []  # in-app by default (the rules say so)
    assert rename("critical", "Emergency") is None  # nothing changed: no version, no notice
    assert len(notices("regulation_in_force")) == len(everyone())


def test_changes_saved_one_after_another_are_announced_once_naming_them_all(personas, settings):
    """An administrator setting up the desk saves many times: people hear of it once, when no
    further change has come for ANNOUNCE_AFTER, of the latest version and of everything that changed."""
    v2 = rename("critical", "Emergency")
    at(settings, T0 + timedelta(minutes=20))
    v3 = retext("Reworded.")  # nothing planned: in force at once too
    v2.refresh_from_db()
    assert v2.notice_at is None  # its notice is v3's now
    assert v3.notice_at == T0 + timedelta(minutes=20) + ANNOUNCE_AFTER
    at(settings, T0 + ANNOUNCE_AFTER)  # v2's old moment: nothing is due
    assert regulation_in_force_due() == 0
    at(settings, v3.notice_at)
    assert regulation_in_force_due() == 1
    rows = notices("regulation_in_force")
    assert len(rows) == len(everyone()) and all(r.link.endswith("version=3") for r in rows)
    ru = next(r for r in rows if r.recipient.language == "ru")
    assert "Что изменилось: приоритеты, разделы регламента" in ru.body, ru.body
    # The versions' list says what each one changed, its own change only.
    assert "Emergency" not in str(v3.reason_params)
    assert v3.reason_params["models"] == ["regulation.section"]


@pytest.mark.parametrize(
    ("reason", "lang", "shown"),
    [
        ("Изменено: приоритеты, сроки · Changed: priorities, targets", "ru", "приоритеты, сроки"),
        ("Изменено: приоритеты, сроки · Changed: priorities, targets", "en", "priorities, targets"),
        ("new escalation ladder", "ru", "new escalation ladder"),
    ],
)
def test_an_old_rows_notice_says_what_changes_in_the_readers_language(reason, lang, shown):
    from otklik.regulation.reasons import reason_text

    assert reason_text("", {}, reason, lang, what_only=True) == shown


def test_the_notices_words_in_both_languages(scheduled):
    from django.utils import translation

    from otklik.notify.texts import render

    context = {
        "regulation": {"number": 3, "effective_at": "2027-01-11 09:00", "in_force": 1, "reason": "", "link": "L"}
    }
    with translation.override("ru"):
        ru = render("regulation_scheduled", "inapp", "ru", context)
        assert ru.subject == "Новая редакция регламента обслуживания с 2027-01-11 09:00"
        assert "Редакция 3 регламента обслуживания вступает в силу 2027-01-11 09:00." in ru.body
        assert "До этого момента действует редакция 1." in ru.body
    with translation.override("en"):
        en = render(
            "regulation_in_force",
            "inapp",
            "en",
            {**context, "regulation": {**context["regulation"], "reason": "targets"}},
        )
        assert en.subject == "A new edition of the service regulation is in force"
        assert "Version 3 of the service regulation is in force from 2027-01-11 09:00." in en.body
        assert "What changed: targets" in en.body


def test_the_first_publication_is_in_force_at_once(db, settings):
    schedule(T1)
    v1 = regulation_publish(reason="first")
    assert (v1.effective_at, v1.notice_at) == (T0, None)
    assert notices("regulation_scheduled") == []


def test_a_moment_that_has_passed_means_at_once(personas, settings):
    schedule(T0 - timedelta(days=1))
    v2 = retext("Not planned.")
    assert (v2.effective_at, v2.notice_at) == (T0, T0 + ANNOUNCE_AFTER)
    assert version_get(None) == v2
    assert notices("regulation_scheduled") == []


def test_the_page_shows_the_version_in_force_and_announces_the_coming_one(scheduled):
    ru = Client().get("/regulation", {"lang": "ru"}).content.decode()
    assert "Редакция 1, действует с 07.12.2026 10:00" in ru
    assert "Новая редакция регламента (№ 3) вступает в силу 11.01.2027 09:00." in ru
    assert 'href="?lang=ru&amp;version=3">Прочитать её</a>' in ru
    assert "(вступит в силу)" in ru and "(заменена до вступления в силу)" in ru and "(действует)" in ru
    en = Client().get("/regulation", {"lang": "en"}).content.decode()
    assert "Version 1, in force from 7 Dec 2026, 10:00" in en
    assert "A new edition of the regulation, version 3, comes into force on 11 Jan 2027, 09:00." in en
    assert "Planned wording" not in en and "This regulation sets out" in en
    coming = Client().get("/regulation", {"lang": "en", "version": "3"}).content.decode()
    assert "Version 3, comes into force on 11 Jan 2027, 09:00" in coming
    assert "This edition is not in force yet: until 11 Jan 2027, 09:00, version 1 is." in coming
    assert "Planned wording, revised." in coming
    replaced = Client().get("/regulation", {"lang": "en", "version": "2"}).content.decode()
    assert "Version 2, comes into force on 11 Jan 2027, 09:00 (replaced before it came into force)" in replaced
    assert "This edition is not in force yet" not in replaced
    md = Client().get("/regulation.md", {"lang": "ru", "version": "3"}).content.decode()
    assert "Редакция 3, вступает в силу 11.01.2027 09:00" in md


def test_the_page_after_the_moment(scheduled, settings):
    at(settings, T1 + timedelta(minutes=1))
    en = Client().get("/regulation", {"lang": "en"}).content.decode()
    assert "Version 3, in force from 11 Jan 2027, 09:00" in en
    assert "comes into force on" not in en
    assert "Planned wording, revised." in en


def test_a_replaced_version_says_when_it_was_in_force_and_points_to_the_one_in_force(scheduled, settings):
    at(settings, T1 + timedelta(minutes=1))
    ru = Client().get("/regulation", {"lang": "ru", "version": "1"}).content.decode()
    assert "Редакция 1, действовала с 07.12.2026 10:00 по 11.01.2027 09:00" in ru
    assert "действует с 07.12.2026" not in ru
    assert "Эта редакция утратила силу 11.01.2027 09:00: сейчас действует редакция 3." in ru
    assert 'href="?lang=ru">Действующая редакция</a>' in ru
    assert re.search(r">Редакция 1</a> — <time [^>]*>07.12.2026 10:00</time> \(утратила силу\)", ru)
    en = Client().get("/regulation", {"lang": "en", "version": "1"}).content.decode()
    assert "Version 1, in force from 7 Dec 2026, 10:00 to 11 Jan 2027, 09:00" in en
    assert "version 3 is in force now" in en
    md = Client().get("/regulation.md", {"lang": "ru", "version": "1"}).content.decode()
    assert "Редакция 1, действовала с 07.12.2026 10:00 по 11.01.2027 09:00" in md
    current = Client().get("/regulation", {"lang": "ru"}).content.decode()
    assert "Эта редакция утратила силу" not in current and "Редакция 3, действует с 11.01.2027 09:00" in current


def test_the_api_returns_the_version_in_force_and_the_scheduled_one(scheduled, settings):
    body = Client().get("/api/v1/regulation", {"lang": "en"}).json()
    assert (body["version"], body["in_force"]) == (1, True)
    assert body["scheduled"]["number"] == 3
    assert body["scheduled"]["state"] == "scheduled"
    assert datetime.fromisoformat(body["scheduled"]["effective_at"]) == T1
    assert [(v["number"], v["state"]) for v in body["versions"]] == [
        (3, "scheduled"),
        (2, "superseded"),
        (1, "in_force"),
    ]
    coming = Client().get("/api/v1/regulation", {"lang": "en", "version": 3}).json()
    assert (coming["version"], coming["in_force"]) == (3, False)
    at(settings, T1)
    after = Client().get("/api/v1/regulation", {"lang": "en"}).json()
    assert (after["version"], after["in_force"], after["scheduled"]) == (3, True, None)
    assert [v["state"] for v in after["versions"]] == ["in_force", "superseded", "past"]


def test_the_admin_refuses_a_moment_in_the_past(personas):
    from otklik.testing.adminforms import admin_form_data

    client = Client()
    personas.admin.language = "en"
    personas.admin.save()
    client.force_login(personas.admin)
    url = "/admin/regulation/regulationsettings/1/change/"
    data = admin_form_data(client.get(url))
    data.update({"changes_effective_at_0": "2026-12-01", "changes_effective_at_1": "09:00:00"})
    resp = client.post(url, data)
    assert resp.status_code == 200
    assert "Choose a moment in the future" in resp.content.decode()
    data.update({"changes_effective_at_0": "2027-01-11", "changes_effective_at_1": "09:00:00"})
    assert client.post(url, data).status_code == 302
    assert RegulationSettings.current().changes_effective_at == T1


def test_the_command_plans_the_texts_and_publishes_what_acts_already_at_once(personas):
    Priority.objects.filter(code="critical").update(name_en="Emergency")  # behind Django's back: acts already
    out = StringIO()
    call_command("regulation_publish", "--effective", "2027-01-11 09:00", stdout=out)
    assert "Published version 2, in force from 2026-12-07 10:00." in out.getvalue()
    assert "Planned changes of the regulation's texts come into force at 2027-01-11 09:00." in out.getvalue()
    assert RegulationSettings.current().changes_effective_at == T1
    assert Version.objects.get(number=2).effective_at == T0
    assert Version.objects.get(number=2).reason_code == "by_hand"
    assert retext("Planned.").effective_at == T1
    with pytest.raises(CommandError, match="future"):
        call_command("regulation_publish", "--effective", "2026-01-01")
    with pytest.raises(CommandError, match="not a date"):
        call_command("regulation_publish", "--effective", "next monday")


@pytest.mark.django_db(transaction=True)
def test_settings_saved_with_a_moment_publish_the_coming_version_on_commit(settings):
    at(settings, T0)
    regulation_publish(reason="first")
    with transaction.atomic():
        conf = RegulationSettings.current()
        conf.changes_effective_at = T1
        conf.additional_en = "Call us."
        conf.save()
    coming = Version.objects.get(number=2)
    assert (coming.effective_at, coming.published_at) == (T1, T0)
    assert coming.content["sections"][-1]["kind"] == "additional"
    assert version_get(None).number == 1
