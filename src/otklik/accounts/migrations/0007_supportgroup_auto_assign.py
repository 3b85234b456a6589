import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_user_verified_addresses'),
    ]

    operations = [
        migrations.AlterField(
            model_name='supportgroup',
            name='dispatcher',
            field=models.ForeignKey(blank=True, help_text='Is told of the group\'s new requests and receives them when they are assigned automatically; when empty, the first lead is.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='dispatcher'),
        ),
        migrations.AddField(
            model_name='supportgroup',
            name='auto_assign',
            field=models.BooleanField(default=True, help_text="On: a request that comes to the group goes straight to its dispatcher (when empty, to the first lead). Off: it waits unassigned in the group's queue until a member takes it.", verbose_name='assign new requests automatically'),
        ),
    ]
