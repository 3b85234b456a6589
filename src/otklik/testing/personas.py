"""Named personas for tests: the demo organisation's people plus an outsider from another organisation.

The test suite loads the demo once per test database (`seed_test_database`, from tests/conftest.py):
every test starts from the migrations' rows plus the demo, and its rollback (or, after a
transactional test, a new seeding) brings that state back. A test that does not ask for the
personas starts without the demo (`empty_demo`); one that froze the clock first gets the demo
loaded afresh at that instant (`reload_personas`), as it was before the demo was shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model

from otklik.accounts.models import Organisation, Role, User
from otklik.runtime.demo import demo_load

NAMES = ("initiator", "initiator2", "agent", "agent2", "lead", "manager", "admin", "outsider")


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
    """Loads (or refreshes) the demo and the outsider at the current clock; returns the personas."""
    demo_load()
    other, _ = Organisation.objects.get_or_create(code="other", defaults={"name": "Other Org"})
    outsider, created = User.objects.get_or_create(
        username="outsider", defaults={"role": Role.INITIATOR, "organisation": other, "email": "outsider@example.org"}
    )
    if created:
        outsider.set_password("outsider")
        outsider.save()
    return fetch_personas()


def fetch_personas() -> Personas:
    """The personas as the database holds them: new instances, so one test's changes stay its own."""
    return Personas(**{u.username: u for u in User.objects.filter(username__in=NAMES)})


def demo_present() -> bool:
    return User.objects.filter(username="initiator").exists()


# Each table the migrations leave empty, with its row count once the demo is in (see below).
_seeded: dict[type[Model], int] = {}


def seed_test_database() -> None:
    """The state every test starts from: the migrations' rows (content types, permissions, the
    default notification rules), the demo and the outsider. Run on a new test database and again
    after a transactional test has flushed it (the flush drops the migrations' rules, too)."""
    from otklik.notify.rules import restore_default_rules

    if demo_present():  # a reused test database (--reuse-db)
        call_command("flush", interactive=False, verbosity=0)
    restore_default_rules()
    models = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True) if m._meta.managed}
    empty = [m for m in models.values() if not m._base_manager.exists()]
    load_personas()
    _seeded.clear()
    _seeded.update({m: m._base_manager.count() for m in empty})
    _restart_ids[:] = connection.ops.sequence_reset_sql(no_style(), [m for m, rows in _seeded.items() if rows])


# PostgreSQL's statements that restart the demo's tables' ids right after its rows (none on SQLite).
_restart_ids: list[str] = []


def restart_ids_after_demo() -> None:
    """A rolled-back insert uses its id up on PostgreSQL (not on SQLite): without this, a test's
    rows would follow the demo's after a gap as wide as what the tests before it wrote, and the log
    readers (quality facts, the notification stream) take such gaps for transactions in flight.
    This way they follow the demo's rows, as they did when each test loaded the demo itself."""
    if _restart_ids:
        with connection.cursor() as cursor:
            cursor.execute("\n".join(_restart_ids))


def empty_demo() -> None:
    """Takes the database back to the migrations' rows by emptying the tables the demo filled, in
    one transaction (inside a test's, whose rollback brings the demo back)."""
    from otklik.core.snapshot import reset_all
    from otklik.tickets.models import LogRecord

    assert _seeded, "the test database was not seeded (tests/conftest.py, django_db_setup)"
    tables = [m._meta.db_table for m, rows in _seeded.items() if rows]
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Its per-stage log refuses DELETE (a trigger); TRUNCATE, slow on many tables, passes.
            cursor.execute(f"TRUNCATE {quote(LogRecord._meta.db_table)} CASCADE")
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 (names from the models)
        # Checks the foreign keys now, not at the test's end: PostgreSQL refuses DDL (a migration
        # a test runs) on a table with such checks pending.
        connection.check_constraints()
    reset_all()  # the caches may hold rows that are gone


def reload_personas() -> Personas:
    """The demo loaded afresh at the current clock (OTKLIK_NOW), for a test whose story may date
    the sample requests, the regulation version or the calendar's years at its own instant."""
    written = [m._meta.db_table for m, rows in _seeded.items() if m._base_manager.count() != rows]
    if written:
        raise RuntimeError(f"rows written before the personas were asked for would be lost: {written}")
    empty_demo()
    return load_personas()
