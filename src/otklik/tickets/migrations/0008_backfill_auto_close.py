"""Requests already waiting at a resolved point for their initiator's confirmation when the
confirmation period arrived get it too, counted from the upgrade: they close as confirmed
automatically at the end of the type's Nth working day after the day of the upgrade (in the group's
calendar), unless the initiator confirms or rejects first. Without this they would wait forever.

Only the pure calendar engine (its interface is the public contract) and the clock are imported;
the rows are read through the historical models, as a migration must."""

from django.db import migrations

from otklik.core.clock import now
from otklik.sla.calendar import WorkCalendar


def _engine(cal):
    days = list(cal.days.all())
    return WorkCalendar.from_dict(
        {
            "tz": cal.time_zone,
            "week": cal.week,
            "holidays": [d.date.isoformat() for d in days if d.kind == "holiday"],
            "overrides": {d.date.isoformat(): d.intervals or [] for d in days if d.kind != "holiday"},
        }
    )


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Transition = apps.get_model("routes", "Transition")
    Calendar = apps.get_model("sla", "Calendar")
    SupportGroup = apps.get_model("accounts", "SupportGroup")
    confirmable = set(
        Transition.objects.filter(source__kind="resolved", reaction="initiator_confirmed").values_list(
            "source_id", flat=True
        )
    )
    waiting = Ticket.objects.filter(
        is_open=True,
        auto_close_at__isnull=True,
        point_id__in=confirmable,
        request_type__auto_confirm_days__isnull=False,
    ).select_related("request_type")
    if not confirmable or not waiting.exists():
        return
    default = Calendar.objects.filter(is_default=True).first()
    group_calendar = dict(SupportGroup.objects.values_list("id", "calendar_id"))
    engines = {}
    moment = now()
    for ticket in waiting.iterator(chunk_size=500):
        cal_id = group_calendar.get(ticket.group_id) or (default.pk if default else None)
        if cal_id is None:
            continue  # no calendar at all: nothing to count working days in
        if cal_id not in engines:
            engines[cal_id] = _engine(Calendar.objects.get(pk=cal_id))
        close_at = engines[cal_id].end_of_working_day(moment, ticket.request_type.auto_confirm_days)
        Ticket.objects.filter(pk=ticket.pk, auto_close_at__isnull=True).update(auto_close_at=close_at)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0007_page_indexes"),
        ("sla", "0001_initial"),
        ("accounts", "0004_user_messenger"),
        ("routes", "0002_system_reactions"),
        ("catalog", "0002_requesttype_auto_confirm_days"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
