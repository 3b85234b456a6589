"""The complaints become an app of their own (they were the feedback app's): the models move in
Django's state, their tables stay as they are (db_table), and their content types go along, so
permissions granted on complaints and the admin's history of them keep pointing at them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def carry_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("complaint", "complaintevent"):
        if not content_type.objects.filter(app_label="complaints", model=model).exists():
            content_type.objects.filter(app_label="feedback", model=model).update(app_label="complaints")


def carry_content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in ("complaint", "complaintevent"):
        if not content_type.objects.filter(app_label="feedback", model=model).exists():
            content_type.objects.filter(app_label="complaints", model=model).update(app_label="feedback")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('feedback', '0001_initial'),
        ('accounts', '0004_user_messenger'),
        ('tickets', '0008_backfill_auto_close'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables are the ones the feedback app made (feedback 0001): only the state moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Complaint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('request', 'how a request was handled'), ('regulation', 'a violation of the service regulation')], default='request', max_length=12, verbose_name='about')),
                        ('body', models.TextField(verbose_name='complaint')),
                        ('state', models.CharField(choices=[('filed', 'filed'), ('review', 'under review'), ('upheld', 'upheld'), ('rejected', 'rejected')], default='filed', max_length=10, verbose_name='state')),
                        ('answer', models.TextField(blank=True, verbose_name='answer')),
                        ('filed_at', models.DateTimeField(verbose_name='filed')),
                        ('review_at', models.DateTimeField(blank=True, null=True, verbose_name='taken under review')),
                        ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered')),
                        ('reaction_due_at', models.DateTimeField(blank=True, null=True, verbose_name='to be taken up by')),
                        ('answer_due_at', models.DateTimeField(blank=True, null=True, verbose_name='to be answered by')),
                        ('reaction_breached_at', models.DateTimeField(blank=True, null=True, verbose_name='taken up late')),
                        ('answer_breached_at', models.DateTimeField(blank=True, null=True, verbose_name='answered late')),
                        ('next_check_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('version', models.PositiveIntegerField(default=1, verbose_name='version')),
                        ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to=settings.AUTH_USER_MODEL, verbose_name='filed by')),
                        ('executor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='executor')),
                        ('group', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.supportgroup', verbose_name='support group')),
                        ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='organisation')),
                        ('reviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewer')),
                        ('ticket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='tickets.ticket', verbose_name='request')),
                    ],
                    options={
                        'verbose_name': 'complaint',
                        'verbose_name_plural': 'complaints',
                        'db_table': 'feedback_complaint',
                        'ordering': ['-id'],
                    },
                ),
                migrations.CreateModel(
                    name='ComplaintEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(verbose_name='when')),
                        ('event', models.CharField(choices=[('filed', 'filed'), ('review', 'taken under review'), ('upheld', 'upheld'), ('rejected', 'rejected'), ('note', 'note'), ('reaction_breached', 'not taken up in time'), ('answer_breached', 'not answered in time')], max_length=20, verbose_name='what happened')),
                        ('body', models.TextField(blank=True, verbose_name='text')),
                        ('internal', models.BooleanField(default=False, verbose_name='internal')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who')),
                        ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='complaints.complaint')),
                    ],
                    options={
                        'verbose_name': 'complaint record',
                        'verbose_name_plural': 'complaint history',
                        'db_table': 'feedback_complaintevent',
                        'ordering': ['id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['state', '-id'], name='complaint_state_id'),
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['filed_at'], name='complaint_filed'),
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['group', '-id'], name='complaint_group_id'),
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['executor', '-id'], name='complaint_executor_id'),
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['author', '-id'], name='complaint_author_id'),
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(condition=models.Q(('next_check_at__isnull', False)), fields=['next_check_at'], name='complaint_next_check'),
                ),
                migrations.AddIndex(
                    model_name='complaintevent',
                    index=models.Index(fields=['complaint', 'id'], name='complaint_event_id'),
                ),
            ],
        ),
        migrations.RunPython(carry_content_types, carry_content_types_back),
    ]
