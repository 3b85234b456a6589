"""The per-stage log's model is called what it is, LogRecord (it was Reaction: every record, most of
which are no reaction). The table keeps its name, and with it the append-only triggers; the content
type follows the rename (Django does that), and so do its permissions: what a group or a person was
granted on the log is granted on it still."""

from django.db import migrations

ACTIONS = ("add", "change", "delete", "view")


def _rename_permissions(apps, schema_editor, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    # Either way the content type is the renamed one's while this runs: forwards after the rename,
    # backwards before it is undone.
    ct = content_type.objects.filter(app_label="tickets", model="logrecord").first()
    if ct is None:  # a fresh database: the permissions are made after the migrations, with the new names
        return
    for action in ACTIONS:
        stale = permission.objects.filter(content_type=ct, codename=f"{action}_{old}").first()
        if stale is None:
            continue
        current = permission.objects.filter(content_type=ct, codename=f"{action}_{new}").first()
        if current is None:
            stale.codename = f"{action}_{new}"
            stale.name = f"Can {action} log record" if new == "logrecord" else f"Can {action} reaction"
            stale.save(update_fields=["codename", "name"])
            continue
        # Both exist (the new ones were made by a migrate before this one): keep the grants.
        for group in stale.group_set.all():
            group.permissions.add(current)
        for user in stale.user_set.all():
            user.user_permissions.add(current)
        stale.delete()


def forwards(apps, schema_editor):
    _rename_permissions(apps, schema_editor, "reaction", "logrecord")


def backwards(apps, schema_editor):
    _rename_permissions(apps, schema_editor, "logrecord", "reaction")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_backfill_auto_close"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelTable(name="reaction", table="tickets_reaction"),
        migrations.RenameModel(old_name="Reaction", new_name="LogRecord"),
        migrations.RunPython(forwards, backwards),
    ]
