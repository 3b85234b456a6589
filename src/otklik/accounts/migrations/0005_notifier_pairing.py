import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_user_messenger'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='scope',
            field=models.CharField(blank=True, choices=[('', 'everything the person may do'), ('notifications', 'reading notifications')], default='', help_text="A notifier's token may only read its person's notifications.", max_length=16, verbose_name='scope'),
        ),
        migrations.CreateModel(
            name='NotifierPairing',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(db_index=True, editable=False, max_length=8, verbose_name='code')),
                ('secret_hash', models.CharField(editable=False, max_length=64, unique=True)),
                ('public_id', models.CharField(editable=False, max_length=32, unique=True)),
                ('device', models.CharField(blank=True, max_length=100, verbose_name='device')),
                ('address', models.GenericIPAddressField(blank=True, null=True, verbose_name='address')),
                ('created_at', models.DateTimeField(verbose_name='created')),
                ('expires_at', models.DateTimeField(verbose_name='expires')),
                ('polled_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='confirmed')),
                ('declined_at', models.DateTimeField(blank=True, null=True, verbose_name='declined')),
                ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='claimed')),
                ('token', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.apitoken', verbose_name='API token')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'notifier pairing',
                'verbose_name_plural': 'notifier pairings',
                'ordering': ['-created_at'],
            },
        ),
    ]
