"""The per-stage log's model is called what it is, LogRecord (it was Reaction: every record, most of
which are no reaction). The table keeps its name, and with it the append-only triggers."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_backfill_auto_close"),
    ]

    operations = [
        migrations.AlterModelTable(name="reaction", table="tickets_reaction"),
        migrations.RenameModel(old_name="Reaction", new_name="LogRecord"),
    ]
