"""Events → notification rows, built inside the services' transactions (the transactional outbox):
a change that rolls back leaves no notification, one that commits always has its rows.

Who hears of what follows the source until admin-managed rules arrive (issue 4, part 2): the
support side hears of new requests and of the initiator's replies, the initiator of every move
and public answer, a new executor of the assignment, watchers of public activity; the SLA's
warnings go to the executor and its escalations to the people the rule names. Nobody is notified
of their own action. Each person gets a row per channel they receive the event on
(notify/preferences.py: in the app, by e-mail).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from otklik.accounts.models import User
from otklik.accounts.people import Person, people
from otklik.core.clock import now
from otklik.core.i18n import localized
from otklik.core.wakeup import wake_workers
from otklik.sla.models import Metric

from .models import Importance, Notification
from .preferences import channels_for

BODY_LIMIT = 1000


def _users(ids: Iterable[int | None], *, skip: int | None) -> list[Person]:
    """The active people among `ids`, but not `skip` (nobody hears of their own action). From the
    people cache: addressing a notification costs no query on the request's path."""
    wanted = {i for i in ids if i is not None and i != skip}
    found = people(wanted)
    return [found[i] for i in sorted(found) if found[i].is_active]


def _link(ticket: Any) -> str:
    # The request as the API shows it; the web pages (issue 5) will take its place.
    return f"{settings.BASE_URL}/api/v1/tickets/{ticket.number}"


def _rows(
    ticket: Any,
    recipients: list[Person],
    *,
    event: str,
    texts: Any,
    importance: str = Importance.NORMAL,
    context: dict[str, Any] | None = None,
) -> list[Notification]:
    """One row per recipient and channel they receive the event on, in the recipient's language."""
    moment = now()
    rows = []
    channels = channels_for(recipients, event)
    for user in recipients:
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, body = texts()
        for channel in channels.get(user.pk, []):
            rows.append(
                Notification(
                    event=event,
                    recipient_id=user.pk,
                    channel=channel,
                    ticket_id=ticket.pk,
                    importance=importance,
                    subject=f"{ticket.number}: {subject}"[:300],
                    body=body[:BODY_LIMIT],
                    link=_link(ticket),
                    context=context or {},
                    due_at=moment,
                    created_at=moment,
                )
            )
    return rows


def _name(user: User | None) -> str:
    return user.display_name if user is not None else _("the system")


def _importance(ticket: Any) -> str:
    code = getattr(ticket.priority, "code", "")
    return Importance.CRITICAL if code == "critical" else Importance.HIGH if code == "high" else Importance.NORMAL


def on_created(ticket: Any, *, actor: User) -> list[Notification]:
    """Unsaved (ticket_create writes them with the request)."""
    if not ticket.is_open:
        return []
    return _rows(
        ticket,
        _users([ticket.executor_id], skip=actor.pk),
        event="ticket_created",
        importance=_importance(ticket),
        texts=lambda: (
            _("new request: %(subject)s") % {"subject": ticket.subject},
            _("%(who)s filed a request (%(type)s). It awaits your reaction.")
            % {"who": _name(actor), "type": localized(ticket.request_type, "name")},
        ),
    )


def on_transition(ticket: Any, *, actor: User, stage: Any, comment: str, executor_changed: bool) -> None:
    recipients = _users([ticket.initiator_id, None if executor_changed else ticket.executor_id], skip=actor.pk)
    rows = _rows(
        ticket,
        recipients,
        event="ticket_moved",
        importance=_importance(ticket),
        texts=lambda: (
            _("now «%(stage)s»") % {"stage": localized(stage, "name")},
            (_("%(who)s moved the request to «%(stage)s».") % {"who": _name(actor), "stage": localized(stage, "name")})
            + (f"\n\n{comment}" if comment else ""),
        ),
    )
    if executor_changed:
        rows += _assignment_rows(ticket, actor=actor)
    queue_rows(rows)


def _assignment_rows(ticket: Any, *, actor: User) -> list[Notification]:
    return _rows(
        ticket,
        _users([ticket.executor_id], skip=actor.pk),
        event="ticket_assigned",
        importance=_importance(ticket),
        texts=lambda: (
            _("you are the executor"),
            _("%(who)s made you the executor of the request «%(subject)s».")
            % {"who": _name(actor), "subject": ticket.subject},
        ),
    )


def on_assigned(ticket: Any, *, actor: User) -> None:
    queue_rows(_assignment_rows(ticket, actor=actor))


def queue_rows(rows: list[Notification]) -> None:
    """Write the rows in the caller's transaction; the workers wake when it commits."""
    if rows:
        Notification.objects.bulk_create(rows)
        wake_workers()


def on_comment(ticket: Any, *, actor: User, body: str, internal: bool, watcher_ids: list[int]) -> None:
    """A public comment reaches the other side and the watchers; an internal note only the support
    staff among them (never the initiator)."""
    ids = [ticket.executor_id, *watcher_ids] if internal else [ticket.initiator_id, ticket.executor_id, *watcher_ids]
    recipients = _users(ids, skip=actor.pk)
    if internal:
        recipients = [u for u in recipients if u.is_support_staff]
    queue_rows(
        _rows(
            ticket,
            recipients,
            event="ticket_note" if internal else "ticket_comment",
            texts=lambda: (
                _("internal note") if internal else _("new comment"),
                _("%(who)s wrote:") % {"who": _name(actor)} + f"\n\n{body}",
            ),
        )
    )


def on_sla(ticket: Any, *, event: str, metric: str, user_ids: list[int], due: str | None) -> list[Notification]:
    """A warning (to the executor) or an escalation (to the people its rule names). Unsaved."""
    recipients = _users([ticket.executor_id] if event == "warned" else user_ids, skip=None)
    return _rows(
        ticket,
        recipients,
        event=f"sla_{event}",
        importance=Importance.HIGH if event == "warned" else Importance.CRITICAL,
        context={"target": metric, "due_at": due},
        texts=lambda: (
            (_("the deadline is near: %(target)s") if event == "warned" else _("deadline missed: %(target)s"))
            % {"target": str(Metric(metric).label)},
            _("The %(target)s deadline is %(due)s.") % {"target": str(Metric(metric).label), "due": due or "—"},
        ),
    )
