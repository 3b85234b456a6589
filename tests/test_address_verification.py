"""People enter their own phone and messenger address in their settings, and prove each with a
one-time code sent to it through the notification queue on that channel before anything else goes
there: the code expires, allows a few tries and can be asked for again only after a pause and a
few times a day; changing the address un-verifies it. Ivan (initiator) does it through the page;
the code really travels to an SMS gateway on loopback."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from otklik.accounts.models import User
from otklik.accounts.people import people
from otklik.core.errors import Conflict, Invalid, TooMany
from otklik.notify.codes import CODE_MASK
from otklik.notify.delivery import notify_deliver_due
from otklik.notify.models import AddressCheck, Carrier, Notification, Rule
from otklik.notify.services import notification_retry
from otklik.notify.verification import (
    CODE_MINUTES,
    CODES_PER_ADDRESS,
    CODES_PER_DAY,
    MAX_ATTEMPTS,
    RESEND_SECONDS,
    address_set,
    verification_codes_forget_due,
    verification_confirm,
    verification_send,
)
from otklik.testing.client import browser
from otklik.testing.clock import set_now
from otklik.testing.factories import file_error
from otklik.testing.http import LoopbackHTTPServer
from otklik.workflow import ticket_comment

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def gateway(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    with LoopbackHTTPServer(default=200) as server:
        Carrier.objects.create(
            name="sms-gw",
            channel="sms",
            driver="apprise",
            settings={"url": f"json://127.0.0.1:{server.port}/send/{{phone}}"},
        )
        yield server


@pytest.fixture
def clock(settings):
    set_now(settings, T0)

    def move(**delta: float) -> None:
        set_now(settings, T0 + dt.timedelta(**delta))

    return move


def code_of(user: User, channel: str = "sms") -> str:
    n = Notification.objects.filter(recipient=user, channel=channel, event="address_verification").latest("id")
    return re.search(r"\b(\d{6})\b", n.body).group(1)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


# --- the service ---------------------------------------------------------------------------------


def test_a_code_goes_to_the_new_phone_through_the_queue_and_proves_it(personas, gateway, clock):
    ivan = personas.initiator
    assert address_set(user=ivan, channel="sms", address="+7 (999) 123-45-67")
    ivan = fresh(ivan)
    assert (ivan.phone, ivan.verified_phone) == ("+79991234567", "")
    assert people([ivan.pk])[ivan.pk].phone == ""  # not used for notifications yet
    verification_send(user=ivan, channel="sms")
    (row,) = Notification.objects.filter(recipient=ivan, event="address_verification")
    assert (row.channel, row.state, row.importance, row.context["address"]) == (
        "sms",
        "pending",
        "high",
        "+79991234567",
    )
    check = AddressCheck.objects.get(user=ivan)
    code = code_of(ivan)
    assert code not in check.code_hash and check.expires_at == T0 + dt.timedelta(minutes=CODE_MINUTES)
    assert code in row.body

    notify_deliver_due()  # really sent, to the address not yet proven: the code's own message only
    row.refresh_from_db()
    assert row.state == "delivered"
    (received,) = gateway.requests
    assert received.path == "/send/+79991234567" and code in received.json()["message"]

    verification_confirm(user=ivan, channel="sms", code=f" {code[:3]} {code[3:]} ")
    ivan = fresh(ivan)
    assert ivan.verified_phone == "+79991234567" and people([ivan.pk])[ivan.pk].phone == "+79991234567"
    assert AddressCheck.objects.get(user=ivan).closed_at == T0


def test_the_callers_copy_shows_the_address_that_was_proven(personas, gateway, clock):
    """The code proves the address stored when it was typed; a caller holding an older copy of the
    person (another phone in memory) is left with that address shown as proven, not its own."""
    ivan = personas.initiator
    address_set(user=ivan, channel="sms", address="+79991234567")
    ivan = fresh(ivan)
    verification_send(user=ivan, channel="sms")
    stale = fresh(ivan)
    stale.phone = "+70000000000"  # what an older page had
    verification_confirm(user=stale, channel="sms", code=code_of(ivan))
    assert fresh(ivan).verified_phone == "+79991234567"
    assert (stale.phone, stale.verified_phone) == ("+79991234567", "+79991234567")


def test_only_a_proven_phone_receives_notifications_and_a_change_unproves_it(personas, gateway, clock):
    p = personas
    Rule.objects.create(name="sms comments", event="ticket_comment", to_initiator=True, channels=["sms"])
    t = file_error(p.initiator)
    address_set(user=p.initiator, channel="sms", address="+79991234567")
    ticket_comment(ticket=t, actor=p.lead, body="Unproven")
    assert not Notification.objects.filter(recipient=p.initiator, channel="sms", event="ticket_comment").exists()
    verification_send(user=p.initiator, channel="sms")
    verification_confirm(user=p.initiator, channel="sms", code=code_of(p.initiator))
    ticket_comment(ticket=t, actor=p.lead, body="Proven")
    (sms,) = Notification.objects.filter(recipient=p.initiator, channel="sms", event="ticket_comment")
    address_set(user=p.initiator, channel="sms", address="+79990000000")  # changed: not proven any more
    assert fresh(p.initiator).verified_phone == ""
    notify_deliver_due()  # the row queued before the change does not go to the new number
    sms.refresh_from_db()
    assert sms.state == "dead" and "no verified phone number" in sms.deliveries.get().error
    assert gateway.requests == []


def test_a_code_for_an_address_since_changed_is_not_sent_nor_accepted(personas, gateway, clock):
    ivan = personas.initiator
    address_set(user=ivan, channel="sms", address="+79991234567")
    verification_send(user=ivan, channel="sms")
    code = code_of(ivan)
    address_set(user=ivan, channel="sms", address="+79997654321")
    notify_deliver_due()
    row = Notification.objects.get(recipient=ivan, event="address_verification")
    assert row.state == "dead" and gateway.requests == []
    with pytest.raises(Conflict) as refused:
        verification_confirm(user=fresh(ivan), channel="sms", code=code)
    assert refused.value.code == "no_code" and fresh(ivan).verified_phone == ""


def test_wrong_tries_are_counted_and_limited(personas, gateway, clock):
    ivan = personas.initiator
    address_set(user=ivan, channel="sms", address="+79991234567")
    verification_send(user=ivan, channel="sms")
    code = code_of(ivan)
    wrong = "000000" if code != "000000" else "111111"
    for left in range(MAX_ATTEMPTS - 1, 0, -1):
        with pytest.raises(Invalid) as refused:
            verification_confirm(user=ivan, channel="sms", code=wrong)
        (error,) = refused.value.errors
        assert (error.field, error.code, error.params) == ("code", "invalid", {"left": left})
    with pytest.raises(Conflict) as refused:
        verification_confirm(user=ivan, channel="sms", code=wrong)
    assert refused.value.code == "too_many_attempts"
    with pytest.raises(Conflict) as refused:  # the right code no longer helps: ask for a new one
        verification_confirm(user=ivan, channel="sms", code=code)
    assert refused.value.code == "no_code" and fresh(ivan).verified_phone == ""


def test_a_code_expires(personas, gateway, clock):
    ivan = personas.initiator
    address_set(user=ivan, channel="sms", address="+79991234567")
    verification_send(user=ivan, channel="sms")
    code = code_of(ivan)
    clock(minutes=CODE_MINUTES)
    with pytest.raises(Conflict) as refused:
        verification_confirm(user=ivan, channel="sms", code=code)
    assert refused.value.code == "code_expired" and fresh(ivan).verified_phone == ""


def test_codes_are_rate_limited_and_a_new_one_replaces_the_old(personas, gateway, clock):
    ivan = personas.initiator
    address_set(user=ivan, channel="sms", address="+79991234567")
    verification_send(user=ivan, channel="sms")
    first = code_of(ivan)
    with pytest.raises(TooMany) as refused:
        verification_send(user=ivan, channel="sms")
    assert refused.value.code == "too_soon"
    for i in range(1, CODES_PER_DAY):
        clock(seconds=RESEND_SECONDS * i)
        verification_send(user=ivan, channel="sms")
    clock(seconds=RESEND_SECONDS * CODES_PER_DAY)
    with pytest.raises(TooMany) as refused:
        verification_send(user=ivan, channel="sms")
    assert refused.value.code == "too_many_codes"
    last = code_of(ivan)
    if first != last:
        with pytest.raises((Invalid, Conflict)):
            verification_confirm(user=ivan, channel="sms", code=first)
    verification_confirm(user=ivan, channel="sms", code=last)
    assert fresh(ivan).verified_phone == "+79991234567"
    clock(days=1, seconds=RESEND_SECONDS * CODES_PER_DAY)
    with pytest.raises(Conflict) as refused:  # a day later: allowed again, but there is nothing to prove
        verification_send(user=fresh(ivan), channel="sms")
    assert refused.value.code == "already_verified"


def test_refusals_before_sending(personas, clock):
    ivan = personas.initiator
    with pytest.raises(Invalid) as refused:
        address_set(user=ivan, channel="sms", address="call me maybe")
    assert [(e.field, e.code) for e in refused.value.errors] == [("phone", "invalid")]
    with pytest.raises(Invalid):
        address_set(user=ivan, channel="sms", address="+7 123")  # too few digits
    with pytest.raises(Invalid) as refused:
        address_set(user=ivan, channel="messenger", address="two words")
    assert [(e.field, e.code) for e in refused.value.errors] == [("messenger", "invalid")]
    with pytest.raises(Invalid) as refused:
        verification_send(user=ivan, channel="sms")  # no phone at all
    assert [(e.field, e.code) for e in refused.value.errors] == [("phone", "required")]
    address_set(user=ivan, channel="messenger", address="100200300")
    with pytest.raises(Conflict) as refused:
        verification_send(user=ivan, channel="messenger")  # no messenger carrier in this help desk
    assert refused.value.code == "no_carrier"
    with pytest.raises(Invalid):
        verification_send(user=ivan, channel="email")
    assert not AddressCheck.objects.exists()
    assert not Notification.objects.filter(event="address_verification").exists()


def test_a_messenger_address_is_proven_the_same_way(personas, clock, settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    ivan = personas.initiator
    with LoopbackHTTPServer(default=200) as bot:
        url = f"form://127.0.0.1:{bot.port}/bot/chat?:chat_id={{address}}"
        Carrier.objects.create(name="bot", channel="messenger", driver="apprise", settings={"url": url})
        address_set(user=ivan, channel="messenger", address="100200300")
        verification_send(user=ivan, channel="messenger")
        code = code_of(ivan, "messenger")  # before delivery: once delivered it leaves the history
        notify_deliver_due()
        (received,) = bot.requests
        assert received.form()["chat_id"] == ["100200300"] and code in received.body.decode()
    verification_confirm(user=ivan, channel="messenger", code=code)
    assert fresh(ivan).verified_messenger == "100200300"


# --- the page ------------------------------------------------------------------------------------


def test_ivan_enters_and_confirms_his_phone_on_the_settings_page(personas, gateway, clock):
    ivan = browser(personas.initiator)
    page = ivan.get("/settings").content.decode()
    assert '<label for="id_address_sms">Phone number for SMS</label>' in page
    assert '<label for="id_address_messenger">Messenger address</label>' in page
    assert "id_code_sms" not in page  # nothing to confirm yet

    r = ivan.post("/settings/address/sms", {"address": "12"})
    assert r.status_code == 422
    text = r.content.decode()
    assert 'id="id_address_sms_error">Enter a phone number of 10 to 15 digits' in text
    assert 'value="12"' in text and fresh(personas.initiator).phone == ""

    r = ivan.post("/settings/address/sms", {"address": "+7 999 123-45-67"})
    assert (r.status_code, r["Location"]) == (302, "/settings#address-sms")
    page = ivan.get("/settings").content.decode()
    assert "A code was sent to the number: type it below to confirm the number." in page
    assert 'data-address-state="unconfirmed"' in page and '<label for="id_code_sms">Code from the SMS</label>' in page
    assert "Send a new code" in page

    r = ivan.post("/settings/address/sms/send")
    assert r.status_code == 429 and "wait a little before asking again" in r.content.decode()

    code = code_of(personas.initiator)
    wrong = "000000" if code != "000000" else "111111"
    r = ivan.post("/settings/address/sms/confirm", {"code": wrong})
    assert r.status_code == 422
    assert f'id="id_code_sms_error">This is not the code that was sent. Tries left: {MAX_ATTEMPTS - 1}.' in (
        r.content.decode()
    )
    r = ivan.post("/settings/address/sms/confirm", {"code": code})
    assert r.status_code == 302
    page = ivan.get("/settings").content.decode()
    assert "The phone number is confirmed: SMS can reach you now." in page
    assert 'data-address-state="confirmed"' in page and "id_code_sms" not in page
    assert "You have no confirmed phone number" not in page

    r = ivan.post("/settings/address/sms", {"address": ""})  # removed
    assert r.status_code == 302 and fresh(personas.initiator).phone == ""


def test_without_a_gateway_the_address_is_kept_and_the_page_says_why_no_code_came(personas, clock):
    ivan = browser(personas.initiator)
    r = ivan.post("/settings/address/messenger", {"address": "100200300"})
    assert r.status_code == 302
    page = ivan.get("/settings").content.decode()
    assert "Saved, but no code was sent. The help desk cannot send messages this way yet" in page
    assert fresh(personas.initiator).messenger == "100200300"
    assert "The help desk has no gateway for this yet: codes cannot be sent." in page


def test_the_address_pages_guard_their_input(personas):
    ivan = browser(personas.initiator)
    assert ivan.post("/settings/address/pigeon", {"address": "x"}).status_code == 404
    assert ivan.get("/settings/address/sms").status_code == 405
    assert Client().post("/settings/address/sms", {"address": "+79991234567"}).status_code == 302  # sign in
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.initiator)
    assert strict.post("/settings/address/sms", {"address": "+79991234567"}).status_code == 403
    assert ivan.post("/settings/address/sms/confirm", {"code": ""}).status_code == 422
    assert ivan.post("/settings/address/sms/confirm", {"code": "123456"}).status_code == 409  # none sent
    assert fresh(personas.initiator).phone == ""


def test_the_user_admin_shows_what_is_confirmed_read_only(personas):
    ivan = personas.initiator
    ivan.phone = ivan.phone_verified = "+79991234567"
    ivan.save()
    admin = Client()
    admin.force_login(personas.admin)
    page = admin.get(f"/admin/accounts/user/{ivan.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "phone" in form.fields and "phone_verified" not in form.fields  # shown, not editable
    assert page.content.decode().count("+79991234567") >= 2


# --- the code does not outlive its use ------------------------------------------------------------


def test_a_delivered_code_leaves_the_history_with_what_a_gateway_echoed(personas, gateway, clock):
    ivan = personas.initiator
    address_set(user=ivan, channel="sms", address="+79991234567")
    verification_send(user=ivan, channel="sms")
    code = code_of(ivan)
    row = Notification.objects.get(recipient=ivan, event="address_verification")
    # An earlier failed try whose gateway quoted the message back.
    row.deliveries.create(started_at=T0, outcome="transient", response=f"rejected: {code}", error=f"bad {code}")
    notify_deliver_due()
    assert code in gateway.requests[0].json()["message"]  # the person got it
    row.refresh_from_db()
    assert row.state == "delivered" and code not in row.body and CODE_MASK in row.body
    assert all(code not in a.response + a.error for a in row.deliveries.all())
    verification_confirm(user=ivan, channel="sms", code=code)  # the check keeps its hash: it still works
    assert fresh(ivan).verified_phone == "+79991234567"


def test_a_code_never_delivered_is_masked_once_expired_and_never_retried(personas, clock, settings):
    ivan = personas.initiator
    Carrier.objects.create(name="sms-gw", channel="sms", driver="apprise", settings={"url": "json://192.0.2.1/s"})
    address_set(user=ivan, channel="sms", address="+79991234567")
    verification_send(user=ivan, channel="sms")
    code = code_of(ivan)
    assert verification_codes_forget_due() == 0  # pending and valid: it must still go out
    clock(minutes=CODE_MINUTES, seconds=1)
    assert verification_codes_forget_due() == 1
    row = Notification.objects.get(recipient=ivan, event="address_verification")
    assert code not in row.body and CODE_MASK in row.body
    assert verification_codes_forget_due() == 0  # nothing left to mask
    Notification.objects.filter(pk=row.pk).update(state="dead")
    assert notification_retry(ids=[row.pk]) == 0  # the person asks for a new code instead
    assert Notification.objects.get(pk=row.pk).state == "dead"


def test_the_notification_admin_never_shows_a_live_code(personas, clock, gateway):
    ivan = personas.initiator
    address_set(user=ivan, channel="sms", address="+79991234567")
    verification_send(user=ivan, channel="sms")
    code = code_of(ivan)
    row = Notification.objects.get(recipient=ivan, event="address_verification")
    admin = Client()
    admin.force_login(personas.admin)
    page = admin.get(f"/admin/notify/notification/{row.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert code not in text and CODE_MASK in text
    # Other notifications' text is shown as it is.
    other = Notification.objects.exclude(event="address_verification").first() or Notification.objects.create(
        event="ticket_comment", recipient=ivan, channel="inapp", subject="s", body="Call 123456", due_at=T0
    )
    assert other.body in admin.get(f"/admin/notify/notification/{other.pk}/change/").content.decode()


def test_at_most_a_few_codes_a_day_go_to_one_address_whoever_asks(personas, gateway, clock):
    """Many accounts must not make the help desk send SMS after SMS to one (paid) number."""
    users = list(User.objects.filter(is_active=True).order_by("pk")[: CODES_PER_ADDRESS + 1])
    assert len(users) == CODES_PER_ADDRESS + 1
    for user in users[:CODES_PER_ADDRESS]:
        address_set(user=user, channel="sms", address="+79990000000")
        verification_send(user=fresh(user), channel="sms")
    last = users[CODES_PER_ADDRESS]
    address_set(user=last, channel="sms", address="+7 999 000-00-00")
    with pytest.raises(TooMany) as refused:
        verification_send(user=fresh(last), channel="sms")
    assert refused.value.code == "too_many_codes"
    address_set(user=last, channel="sms", address="+79990000001")  # another number is not held back
    verification_send(user=fresh(last), channel="sms")
    clock(days=1, seconds=1)  # a day later the number may get codes again
    address_set(user=last, channel="sms", address="+79990000000")
    verification_send(user=fresh(last), channel="sms")
