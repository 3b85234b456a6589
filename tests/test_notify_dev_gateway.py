"""The development gateway: `otklik demo` (and so `make run`) adds one carrier for SMS and one for
messengers that send nothing but write each message as one line to the server's log, so a person
trying the demo can confirm their phone or messenger address with the code the log shows. The tests'
shared demo has no carrier (as a production server has none unless configured); the admin marks
the development gateways wherever carriers are managed."""

from __future__ import annotations

import logging
import re

import pytest
from django.core.management import call_command
from django.test import Client

from otklik.accounts.models import User
from otklik.notify.delivery import notify_deliver_due
from otklik.notify.models import Carrier, Notification, Rule
from otklik.notify.services import notify_enqueue
from otklik.runtime.demo.gateways import demo_gateways
from otklik.testing.client import browser

pytestmark = pytest.mark.django_db


def gateway_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "otklik.notify.gateway"]


def test_the_shared_demo_has_no_carrier_and_the_demo_command_adds_the_development_gateways(personas, capsys):
    assert not Carrier.objects.exists()  # demo_load, which the tests share, adds none
    call_command("demo")
    assert "development gateway dev-sms-log" in capsys.readouterr().out
    rows = set(Carrier.objects.values_list("name", "channel", "driver", "enabled"))
    assert rows == {("dev-sms-log", "sms", "log", True), ("dev-messenger-log", "messenger", "log", True)}
    assert demo_gateways() == []  # idempotent


def test_a_channel_with_a_carrier_of_its_own_gets_no_development_gateway(db):
    Carrier.objects.create(
        name="smsc", channel="sms", driver="apprise", settings={"url": "json://gw/{phone}"}, enabled=False
    )
    assert demo_gateways() == ["dev-messenger-log"]
    assert not Carrier.objects.filter(channel="sms", driver="log").exists()


@pytest.mark.parametrize(
    ("channel", "address", "shown"),
    [
        ("sms", "+7 999 123-45-67", "SMS to +79991234567: "),
        ("messenger", "100200300", "messenger message to 100200300: "),
    ],
)
def test_ivan_confirms_his_address_with_the_code_the_log_shows(personas, caplog, channel, address, shown):
    demo_gateways()
    ivan = browser(personas.initiator)
    with caplog.at_level(logging.INFO, logger="otklik.notify.gateway"):
        r = ivan.post(f"/settings/address/{channel}", {"address": address})
        assert r.status_code == 302
        notify_deliver_due()
    lines = gateway_lines(caplog)
    assert len(lines) == 1 and lines[0].startswith(shown), lines
    assert "\n" not in lines[0]
    code = re.search(r"\b(\d{6})\b", lines[0]).group(1)
    n = Notification.objects.get(recipient=personas.initiator, channel=channel, event="address_verification")
    assert (n.state, n.deliveries.get().carrier) == ("delivered", f"dev-{channel}-log")
    assert code not in n.body  # the stored text no longer carries a delivered code

    r = ivan.post(f"/settings/address/{channel}/confirm", {"code": code})
    assert r.status_code == 302
    field = "phone" if channel == "sms" else "messenger"
    user = User.objects.get(pk=personas.initiator.pk)
    assert getattr(user, f"{field}_verified") == getattr(user, field) != ""


def test_after_confirming_the_persons_notifications_reach_the_log_too(personas, caplog):
    demo_gateways()
    ivan = personas.initiator
    ivan.messenger = ivan.messenger_verified = "100200300"
    ivan.save(update_fields=["messenger", "messenger_verified"])
    Rule.objects.create(name="erp → messenger", event="erp.posted", to_addressed=True, channels=["messenger"])
    notify_enqueue(sender=personas.admin, event="erp.posted", subject="Invoice 42 posted", users=[ivan.username])
    with caplog.at_level(logging.INFO, logger="otklik.notify.gateway"):
        notify_deliver_due()
    assert gateway_lines(caplog) == ["messenger message to 100200300: Invoice 42 posted"]


def test_the_admin_marks_the_development_gateways_and_needs_no_address_for_them(personas):
    demo_gateways()
    admin = Client()
    admin.force_login(User.objects.create_superuser("olga2", "olga2@example.org", "pw", language="en"))
    listing = admin.get("/admin/notify/carrier/").content.decode()
    assert "Development gateways are on (dev-messenger-log, dev-sms-log)" in listing
    assert "development gateway: writes to the log, sends nothing" in listing
    data = {
        "name": "another-log",
        "channel": "sms",
        "driver": "log",
        "enabled": "on",
        "priority": "1",
        "max_attempts": "3",
        "backoff_base_seconds": "30",
        "backoff_cap_seconds": "600",
        "backoff_jitter": "0.5",
        "timeout_seconds": "10",
        "rate_limit_per_minute": "0",
        "url": "",
        "secret": "",
    }
    r = admin.post("/admin/notify/carrier/add/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    assert Carrier.objects.get(name="another-log").settings == {}
    r = admin.post("/admin/notify/carrier/add/", {**data, "name": "hook-log", "channel": "webhook"})
    assert r.status_code == 200 and "Webhooks use the webhook driver" in r.content.decode()
    Carrier.objects.filter(driver="log").update(enabled=False)
    assert "Development gateways are on" not in admin.get("/admin/notify/carrier/").content.decode()


def test_the_settings_page_says_when_a_code_only_goes_to_the_servers_log(personas):
    demo_gateways()
    Carrier.objects.create(name="smsc", channel="sms", driver="apprise", settings={"url": "json://gw.example/{phone}"})
    page = browser(personas.initiator).get("/settings").content.decode()
    assert 'data-testid="development-gateway-messenger"' in page
    assert "not sent but written to the server's log" in page
    assert 'data-testid="development-gateway-sms"' not in page  # a real gateway takes SMS too
