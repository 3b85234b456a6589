"""The worker's job list: which background jobs `otklik worker` runs, and how often.

SLA timers and notification delivery run every second (delivery at once when a commit wakes the
worker, on PostgreSQL); the complaints' timers every five seconds; resolved requests whose
confirmation period ran out are closed, the satisfaction reminders sent and the quality facts
brought up to date with the per-stage log every thirty seconds; the monthly quality report goes
out on the first working day of a month; a scheduled regulation version that came into force is
announced within thirty seconds, and the regulation is checked against the configuration hourly
(its special dates move on with the months); one-time codes no longer needed are masked in the
notification history every minute; orphaned upload files are swept every ten minutes.
"""

from __future__ import annotations

from otklik.complaints.timers import complaint_timers_pass
from otklik.core.worker import Job
from otklik.feedback.surveys import survey_remind_due
from otklik.notify.delivery import notify_deliver_due
from otklik.notify.digests import notify_digests_due
from otklik.notify.verification import verification_codes_forget_due
from otklik.quality.monthly import quality_monthly_due
from otklik.quality.refresh import facts_refresh
from otklik.regulation.timers import regulation_in_force_due, regulation_refresh
from otklik.sla.timers import sla_timers_pass
from otklik.tickets.attachments import attachment_sweep_orphans
from otklik.workflow.transitions import ticket_auto_confirm_due


def default_jobs() -> list[Job]:
    return [
        Job("sla.timers", sla_timers_pass, every_seconds=1, drain=True),
        # Before delivery: the notifications they queue go out in the same pass.
        Job("complaints.timers", complaint_timers_pass, every_seconds=5, drain=True),
        Job("tickets.auto_confirm", ticket_auto_confirm_due, every_seconds=30, drain=True),
        Job("feedback.survey_reminders", survey_remind_due, every_seconds=30, drain=True),
        # The quality facts follow the per-stage log (reports refresh them too, before reading).
        Job("quality.facts", facts_refresh, every_seconds=30, drain=True),
        Job("quality.monthly", quality_monthly_due, every_seconds=300),
        # A scheduled regulation version's moment: everyone is told (before delivery, like the timers).
        Job("regulation.in_force", regulation_in_force_due, every_seconds=30, drain=True),
        # The special dates the regulation lists move on with the months.
        Job("regulation.refresh", regulation_refresh, every_seconds=3600),
        # Digests first: the digest rows they write are then delivered in the same pass.
        Job("notify.digests", notify_digests_due, every_seconds=30, drain=True),
        Job("notify.deliver", notify_deliver_due, every_seconds=1, drain=True, on_wake=True),
        # One-time codes given up on or past their validity leave the history (delivered ones at once).
        Job("notify.forget_codes", verification_codes_forget_due, every_seconds=60, drain=True),
        Job("attachments.sweep_orphans", attachment_sweep_orphans, every_seconds=600),
    ]
