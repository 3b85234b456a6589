"""Indexes on the surveys for the quality report: a year's surveys of everyone, of one group or of one
person are counted from index entries alone (on PostgreSQL the indexes cover the score and the
answer; SQLite has no covering indexes, so there they are plain). The surveys' table is the
feedback app's; the indexes are the report's, so they are made (and removed) here."""

from django.db import migrations

INDEXES = [
    # name, columns, covered columns (PostgreSQL)
    ("quality_survey_asked", "asked_at", "group_id, executor_id, score, answered_at"),
    ("quality_survey_group", "group_id, asked_at", "executor_id, score, answered_at"),
    ("quality_survey_executor", "executor_id, asked_at", "group_id, score, answered_at"),
]


def create(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, columns, covered in INDEXES:
        include = f" INCLUDE ({covered})" if postgresql else ""
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON feedback_survey ({columns}){include}")


def drop(apps, schema_editor):
    for name, _columns, _covered in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0001_initial"),
        ("feedback", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
