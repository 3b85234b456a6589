"""A request filed into its group's queue counts as received by whoever first became its executor
(quality.facts' docstring), not by nobody: the stored facts and daily counts were attributed the old
way, so they are cleared and the refresh's watermark is reset, as in 0003: the worker's facts job (or
`otklik quality_rebuild`) rebuilds every request from its log after the upgrade."""

from django.db import migrations


def clear_facts(apps, schema_editor):
    for name in ("Fact", "NextReaction", "DayCount"):
        apps.get_model("quality", name).objects.all().delete()
    apps.get_model("quality", "RefreshState").objects.update(high_id=0, pending=[])


class Migration(migrations.Migration):
    dependencies = [("quality", "0003_per_measure_attribution")]

    operations = [migrations.RunPython(clear_facts, migrations.RunPython.noop)]
