from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notify', '0006_regulation_events'),
    ]

    operations = [
        migrations.AddField(
            model_name='schedule',
            name='task_form',
            field=models.CharField(blank=True, choices=[('todo', 'a task (to-do)'), ('event', 'an event at the deadline')], default='todo', max_length=8, verbose_name='calendar task as'),
        ),
    ]
