# The regulation's settings (the admin's guidance and additional information, when changes come
# into force) and scheduled versions (published ahead of the moment they come into force).

from django.db import migrations, models


def published_when_effective(apps, schema_editor):
    # Every version so far came into force the moment it was published.
    Version = apps.get_model("regulation", "Version")
    Version.objects.update(published_at=models.F("effective_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("regulation", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegulationSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("preparation_ru", models.TextField(blank=True, help_text="Markdown. The guidance that opens the section on preparing a request, before what the forms ask.", verbose_name="how to prepare a request (ru)")),
                ("preparation_en", models.TextField(blank=True, help_text="Markdown.", verbose_name="how to prepare a request (en)")),
                ("additional_ru", models.TextField(blank=True, help_text="Markdown. The closing section of the regulation; left out while both languages are empty.", verbose_name="additional information (ru)")),
                ("additional_en", models.TextField(blank=True, help_text="Markdown.", verbose_name="additional information (en)")),
                ("changes_effective_at", models.DateTimeField(blank=True, help_text="A moment in the future schedules the changes: the version published from them comes into force then, the current one stays in force until then, and everyone is told now and at that moment. Empty or past: changes come into force at once.", null=True, verbose_name="changes come into force at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed")),
            ],
            options={
                "verbose_name": "regulation settings",
                "verbose_name_plural": "regulation settings",
            },
        ),
        migrations.AddField(
            model_name="version",
            name="published_at",
            field=models.DateTimeField(null=True, verbose_name="published"),
        ),
        migrations.RunPython(published_when_effective, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="version",
            name="published_at",
            field=models.DateTimeField(verbose_name="published"),
        ),
        migrations.AddField(
            model_name="version",
            name="notice_at",
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True),
        ),
    ]
