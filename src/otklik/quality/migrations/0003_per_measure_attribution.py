"""Each measure counts for whom it belongs to (quality.facts' docstring): the facts gain the group
and executor of each measure (a first-reaction or resolution breach its own pair: the holder at the
deadline), and the percentile indexes follow the attribution columns.

The stored facts, next-reaction outcomes and daily counts were attributed the old way (everything
to the resolver), so they are cleared and the refresh's watermark is reset: the worker's facts job
(or `otklik quality_rebuild`) rebuilds every request from its log after the upgrade; meanwhile a
report says how fresh its facts are ("facts as of …")."""

from django.db import migrations, models


def clear_facts(apps, schema_editor):
    for name in ("Fact", "NextReaction", "DayCount"):
        apps.get_model("quality", name).objects.all().delete()
    apps.get_model("quality", "RefreshState").objects.update(high_id=0, pending=[])


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0002_survey_indexes"),
        ("tickets", "0008_backfill_auto_close"),
    ]

    operations = [
        migrations.RunPython(clear_facts, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="fact",
            name="qfact_fr_all",
        ),
        migrations.RemoveIndex(
            model_name="fact",
            name="qfact_fr_group",
        ),
        migrations.RemoveIndex(
            model_name="fact",
            name="qfact_fr_executor",
        ),
        migrations.RemoveIndex(
            model_name="fact",
            name="qfact_res_all",
        ),
        migrations.RemoveIndex(
            model_name="fact",
            name="qfact_res_group",
        ),
        migrations.RemoveIndex(
            model_name="fact",
            name="qfact_res_executor",
        ),
        migrations.AddField(
            model_name="fact",
            name="first_resolution_executor_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="fact",
            name="first_resolution_group_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="fact",
            name="reaction_breach_executor_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="fact",
            name="reaction_breach_group_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="fact",
            name="resolution_breach_executor_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="fact",
            name="resolution_breach_group_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="fact",
            name="reaction_executor_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="fact",
            name="reaction_group_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="fact",
            name="received_executor_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="fact",
            name="received_group_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="fact",
            name="resolution_executor_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="fact",
            name="resolution_group_id",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="fact",
            index=models.Index(
                condition=models.Q(("first_reaction_seconds__isnull", False)),
                fields=["first_reaction_seconds"],
                include=("first_reaction_at", "reaction_group_id", "reaction_executor_id"),
                name="qfact_fr_all",
            ),
        ),
        migrations.AddIndex(
            model_name="fact",
            index=models.Index(
                condition=models.Q(("first_reaction_seconds__isnull", False)),
                fields=["reaction_group_id", "first_reaction_seconds"],
                include=("first_reaction_at", "reaction_executor_id"),
                name="qfact_fr_group",
            ),
        ),
        migrations.AddIndex(
            model_name="fact",
            index=models.Index(
                condition=models.Q(("first_reaction_seconds__isnull", False)),
                fields=["reaction_executor_id", "first_reaction_seconds"],
                include=("first_reaction_at", "reaction_group_id"),
                name="qfact_fr_executor",
            ),
        ),
        migrations.AddIndex(
            model_name="fact",
            index=models.Index(
                condition=models.Q(("resolution_seconds__isnull", False)),
                fields=["resolution_seconds"],
                include=("resolved_at", "resolution_group_id", "resolution_executor_id"),
                name="qfact_res_all",
            ),
        ),
        migrations.AddIndex(
            model_name="fact",
            index=models.Index(
                condition=models.Q(("resolution_seconds__isnull", False)),
                fields=["resolution_group_id", "resolution_seconds"],
                include=("resolved_at", "resolution_executor_id"),
                name="qfact_res_group",
            ),
        ),
        migrations.AddIndex(
            model_name="fact",
            index=models.Index(
                condition=models.Q(("resolution_seconds__isnull", False)),
                fields=["resolution_executor_id", "resolution_seconds"],
                include=("resolved_at", "resolution_group_id"),
                name="qfact_res_executor",
            ),
        ),
    ]
