"""Indexes for the pages at 100,000 requests.

- `ticket_open_cover` (both databases): the dashboard's counts of open requests read it alone.
- `ticket_unassigned` (both databases): the workspace's queue of open requests nobody has taken.
- `ticket_search_trgm` (PostgreSQL only): a trigram GIN index on the folded search text, so that
  the substring search of the API and the workspace (`search LIKE '%…%'`, tickets.selectors)
  looks up the few matching requests instead of reading every one. It needs the pg_trgm
  extension, which a database owner may create since PostgreSQL 13 (a trusted extension). When it
  cannot be created (an older server, contrib not installed, no CREATE right on the database), the
  migration says so and goes on: search works the same, only by reading the table. The fix is
  then the two statements it logs, run by a superuser; nothing else depends on the index.
- `ticket_id_search` (PostgreSQL only): the ids with their search text, in id order, for the
  searches a trigram index cannot serve (one or two letters): the newest matches are found by
  reading this narrow index instead of every request's whole row.

SQLite gets the first two only: it has no INCLUDE, no trigrams, and needs neither at its scale.
"""

import logging

from django.db import DatabaseError, migrations, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

logger = logging.getLogger("otklik.tickets")

EXTENSION = "pg_trgm"
CREATE_TRGM = "CREATE INDEX IF NOT EXISTS ticket_search_trgm ON tickets_ticket USING gin (search gin_trgm_ops)"
CREATE_NARROW = "CREATE INDEX IF NOT EXISTS ticket_id_search ON tickets_ticket (id) INCLUDE (search)"
DROP = ["DROP INDEX IF EXISTS ticket_search_trgm", "DROP INDEX IF EXISTS ticket_id_search"]


def ensure_extension(connection: BaseDatabaseWrapper, name: str) -> str | None:
    """Create the extension unless it exists; None when it is there, else why it could not be made.
    In a savepoint, so that a refusal leaves the migration's transaction usable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [name])
        if cursor.fetchone() is not None:
            return None
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute(f'CREATE EXTENSION IF NOT EXISTS "{name}"')
        except DatabaseError as exc:
            return str(exc).strip() or exc.__class__.__name__
    return None


def create_search_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_NARROW)
    problem = ensure_extension(connection, EXTENSION)
    if problem is not None:
        logger.warning(  # on the console of `otklik migrate` and in the log of `otklik serve`
            "the search index was not created: the PostgreSQL extension %s is not available (%s). Search "
            "still works, by reading every request. To add the index, run as a superuser in database %r:\n"
            "    CREATE EXTENSION IF NOT EXISTS %s;\n    %s;",
            EXTENSION,
            problem,
            connection.settings_dict["NAME"],
            EXTENSION,
            CREATE_TRGM,
        )
        return
    schema_editor.execute(CREATE_TRGM)


def drop_search_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # The extension stays: other objects may use it, and creating it again is cheap.
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_feedback_log_auto_close")]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("is_open", True)),
                fields=["point", "group", "executor"],
                include=("sla_breached", "sla_due_at", "sla_warn_at", "initiator", "id"),
                name="ticket_open_cover",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("executor__isnull", True), ("is_open", True)),
                fields=["-id"],
                name="ticket_unassigned",
            ),
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
