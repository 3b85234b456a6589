"""The demo's development gateways for SMS and messengers (`otklik demo`, and so `make run`): each
message is written as one line to the server's log (notify/channels/messaging.py), so a person can
confirm their phone or messenger address with the code the log shows. Not part of `demo_load`,
which the tests share: they start without carriers, as a production server does."""

from __future__ import annotations

from otklik.notify.models import Carrier

# (name, channel): the names say what they are wherever carriers are listed.
GATEWAYS = (
    ("dev-sms-log", "sms"),
    ("dev-messenger-log", "messenger"),
)


def demo_gateways() -> list[str]:
    """Add the development gateways where the channel has no carrier at all (an administrator's own
    carrier, or a gateway they switched off, is left as it is). Returns the names added."""
    added = []
    for name, channel in GATEWAYS:
        if Carrier.objects.filter(channel=channel).exists():
            continue
        Carrier.objects.create(name=name, channel=channel, driver=Carrier.Driver.LOG, settings={}, priority=100)
        added.append(name)
    return added
