"""The per-stage log refuses UPDATE (both databases) and DELETE (PostgreSQL) at the database level.

SQLite keeps only the UPDATE guard: Django empties SQLite tables with DELETE in test flushes,
which a DELETE trigger would break. The ORM guard (AppendOnlyQuerySet, Reaction.delete) and the
PROTECT foreign key from tickets refuse deletion there.
"""

from django.db import migrations

PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION otklik_log_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the per-stage log is append-only: % refused', TG_OP;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER tickets_reaction_append_only BEFORE UPDATE OR DELETE ON tickets_reaction
    FOR EACH ROW EXECUTE FUNCTION otklik_log_append_only()""",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_reaction_append_only ON tickets_reaction",
    "DROP FUNCTION IF EXISTS otklik_log_append_only()",
]
SQLITE_FORWARD = [
    """CREATE TRIGGER tickets_reaction_no_update BEFORE UPDATE ON tickets_reaction
    BEGIN SELECT RAISE(ABORT, 'the per-stage log is append-only: UPDATE refused'); END""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS tickets_reaction_no_update"]


def _run(schema_editor, pg, sqlite):
    for sql in pg if schema_editor.connection.vendor == "postgresql" else sqlite:
        schema_editor.execute(sql, params=None)


def forward(apps, schema_editor):
    _run(schema_editor, PG_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, PG_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
