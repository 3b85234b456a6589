"""The complaints moved to an app of their own (complaints 0001): only Django's state changes here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0001_initial'),
        ('complaints', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='complaintevent',
                    name='complaint',
                ),
                migrations.RemoveField(
                    model_name='complaintevent',
                    name='actor',
                ),
                migrations.DeleteModel(
                    name='Complaint',
                ),
                migrations.DeleteModel(
                    name='ComplaintEvent',
                ),
            ],
        ),
    ]
