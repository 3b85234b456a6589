"""The upgrade that brought verified addresses (accounts 0006) keeps the phones and messenger
addresses administrators had entered in use: they count as verified, so SMS and messenger delivery
does not stop silently."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from otklik.accounts.models import User

pytestmark = pytest.mark.django_db

migration = importlib.import_module("otklik.accounts.migrations.0006_user_verified_addresses")


def test_existing_addresses_are_verified_at_the_upgrade(personas):
    p = personas
    User.objects.filter(pk=p.agent.pk).update(
        phone="+79990001122", messenger="", phone_verified="", messenger_verified=""
    )
    User.objects.filter(pk=p.initiator.pk).update(
        phone="", messenger="123456789", phone_verified="", messenger_verified=""
    )
    User.objects.filter(pk=p.initiator2.pk).update(phone="", messenger="", phone_verified="", messenger_verified="")
    assert User.objects.get(pk=p.agent.pk).verified_phone == ""  # as after the schema change alone

    migration.verify_existing(apps, None)

    agent, ivan, olga = (User.objects.get(pk=u.pk) for u in (p.agent, p.initiator, p.initiator2))
    assert (agent.phone_verified, agent.messenger_verified) == ("+79990001122", "")
    assert (ivan.phone_verified, ivan.messenger_verified) == ("", "123456789")
    assert (olga.phone_verified, olga.messenger_verified) == ("", "")
    assert agent.verified_phone == "+79990001122" and ivan.verified_messenger == "123456789"


def test_the_step_goes_back_without_touching_anything():
    step = next(op for op in migration.Migration.operations if op.__class__.__name__ == "RunPython")
    assert step.reversible and step.reverse_code is not None
