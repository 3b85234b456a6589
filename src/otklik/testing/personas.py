"""Named personas for tests: the demo organisation's people plus an outsider from another organisation."""

from __future__ import annotations

from dataclasses import dataclass

from otklik.accounts.models import Organisation, Role, User
from otklik.runtime.demo import demo_load


@dataclass(frozen=True)
class Personas:
    initiator: User  # Ivan, an employee of the demo organisation
    initiator2: User  # Maria, his colleague in the same organisation
    agent: User  # first line
    agent2: User  # second line
    lead: User  # first-line group lead
    manager: User  # support manager
    admin: User  # superuser
    outsider: User  # an employee of another organisation, no rights here


def load_personas() -> Personas:
    demo_load()
    other, _ = Organisation.objects.get_or_create(code="other", defaults={"name": "Other Org"})
    outsider, created = User.objects.get_or_create(
        username="outsider", defaults={"role": Role.INITIATOR, "organisation": other, "email": "outsider@example.org"}
    )
    if created:
        outsider.set_password("outsider")
        outsider.save()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["initiator", "initiator2", "agent", "agent2", "lead", "manager", "admin", "outsider"]
        )
    }
    return Personas(**users)
