# The transition a waiting point takes on the initiator's public reply (issue 14).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('routes', '0002_system_reactions'),
    ]

    operations = [
        migrations.AddField(
            model_name='routepoint',
            name='on_reply',
            field=models.ForeignKey(blank=True, help_text="At a point of kind “waiting for the initiator”: the initiator's public reply is their reaction, and the request takes this transition (one that starts at this point). When empty, a reply is a comment and the request waits on.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='routes.transition', verbose_name="on the initiator's reply, take"),
        ),
    ]
