"""The indexes migration tickets 0007 adds for the pages, on both databases: the dashboard's covering
index of open requests and the unassigned queue's (both), the trigram index for search and the
narrow index of ids and search texts (PostgreSQL only); the migration goes on without the trigram
index when the pg_trgm extension cannot be created, and undoes and redoes cleanly."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from otklik.tickets.models import Ticket

pytestmark = pytest.mark.django_db
migration = importlib.import_module("otklik.tickets.migrations.0007_page_indexes")
POSTGRES_ONLY = {"ticket_search_trgm", "ticket_id_search"}


def indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, Ticket._meta.db_table))


def test_the_indexes_are_there():
    found = indexes()
    assert {"ticket_open_cover", "ticket_unassigned"} <= found
    assert found & POSTGRES_ONLY == (POSTGRES_ONLY if connection.vendor == "postgresql" else set())


@pytest.mark.postgres
def test_the_migration_goes_on_when_the_extension_cannot_be_made(personas):
    problem = migration.ensure_extension(connection, "otklik_no_such_extension")
    assert problem is not None and "otklik_no_such_extension" in problem
    # The refusal was contained in a savepoint: the transaction goes on.
    assert Ticket.objects.count() >= 3
    assert migration.ensure_extension(connection, "pg_trgm") is None  # there already


@pytest.mark.postgres
def test_the_migration_drops_and_makes_the_indexes_again():
    def present() -> set[str]:
        return indexes() & POSTGRES_ONLY

    with connection.schema_editor() as editor:
        migration.drop_search_indexes(None, editor)
        assert present() == set()
        migration.create_search_indexes(None, editor)
        assert present() == POSTGRES_ONLY
        migration.create_search_indexes(None, editor)  # again: no error
    assert present() == POSTGRES_ONLY


@pytest.mark.postgres
def test_without_the_extension_the_migration_says_what_to_run_and_goes_on(monkeypatch, caplog):
    monkeypatch.setattr(migration, "EXTENSION", "otklik_no_such_extension")  # as if pg_trgm were missing
    with connection.schema_editor() as editor:
        migration.drop_search_indexes(None, editor)
        migration.create_search_indexes(None, editor)
    assert indexes() & POSTGRES_ONLY == {"ticket_id_search"}  # the one that needs no extension
    (record,) = [r for r in caplog.records if r.name == "otklik.tickets"]
    assert record.levelname == "WARNING"
    message = record.getMessage()
    assert "search index was not created" in message and connection.settings_dict["NAME"] in message
    assert "CREATE EXTENSION IF NOT EXISTS otklik_no_such_extension;" in message
    assert "USING gin (search gin_trgm_ops)" in message
