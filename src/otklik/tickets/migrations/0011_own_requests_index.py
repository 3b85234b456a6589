# The portal's list by filing time (issue 15); the initiator's own one-column index goes: the two
# composite indexes lead with the initiator, so a request is filed with no more indexes to write.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0010_sla_and_attachment_field_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="ticket",
            name="initiator",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="initiated_tickets",
                to=settings.AUTH_USER_MODEL,
                verbose_name="initiator",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["initiator", "-created_at", "-id"], include=["point"], name="ticket_initiator_filed"
            ),
        ),
    ]
