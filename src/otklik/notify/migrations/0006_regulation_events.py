# The regulation's notices (issue 14): a new version announced ahead of its moment, and in force.

from django.db import migrations, models

# Frozen here: migrations never import code that may change. Written when missing by name, even
# where an administrator has rules already: these events are new, and without a rule nobody would
# hear of them.
EVERYONE = ["initiator", "agent", "lead", "manager", "admin"]
NEW_RULES = [
    ("Новая редакция регламента назначена → все пользователи", "regulation_scheduled", [], ["inapp", "email"],
     {"roles": EVERYONE}),
    ("Новая редакция регламента вступила в силу → все пользователи", "regulation_in_force", [], ["inapp"],
     {"roles": EVERYONE}),
]  # fmt: skip


def seed(apps, schema_editor):
    Rule = apps.get_model("notify", "Rule")
    if not Rule.objects.exists():
        return  # an empty table means the built-in defaults, which include these
    existing = set(Rule.objects.values_list("name", flat=True))
    for name, event, flags, channels, extra in NEW_RULES:
        if name not in existing:
            Rule.objects.create(name=name, event=event, channels=channels, **{f: True for f in flags}, **extra)


class Migration(migrations.Migration):

    dependencies = [
        ("notify", "0005_feedback_events"),
    ]

    operations = [
        migrations.AlterField(
            model_name="preference",
            name="event",
            field=models.CharField(choices=[('ticket_created', 'a new request for me'), ('ticket_moved', 'my request moved along its route'), ('ticket_assigned', 'I became the executor'), ('ticket_comment', 'a new comment'), ('ticket_note', 'a new internal note'), ('sla_warned', 'a deadline is near'), ('sla_escalated', 'a deadline was missed (escalation)'), ('ticket_changed', "a request's priority, category or group changed"), ('login_summary', 'on login: what awaits my reaction'), ('task', 'calendar task for a request I execute'), ('survey_requested', 'please rate how my request was handled'), ('survey_reminded', 'a reminder to rate a request'), ('survey_low_score', 'a low satisfaction score in my group'), ('complaint_filed', 'a new complaint'), ('complaint_review', 'my complaint was taken under review'), ('complaint_answered', 'my complaint was answered'), ('complaint_overdue', 'a complaint was not handled in time'), ('quality_monthly', 'the monthly quality report'), ('regulation_scheduled', 'a new edition of the service regulation is announced'), ('regulation_in_force', 'a new edition of the service regulation is in force')], max_length=40, verbose_name="event"),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
