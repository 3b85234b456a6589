"""Who watches a request (`ticket_watch`): a write on the request alone, with its log record. The
writes that move a request and tell the other parts of the desk about it are the workflow's
(otklik.workflow)."""

from __future__ import annotations

from django.db import transaction

from otklik.accounts.models import User
from otklik.core.clock import now
from otklik.core.errors import Forbidden, Invalid, not_member, unknown
from otklik.core.refs import as_id

from .access import actor_role
from .models import Event, Ticket, Watcher
from .writes import log_record


def ticket_watch(*, ticket: Ticket, actor: User, user_ref: str | int | None = None, add: bool = True) -> bool:
    """Add or remove a watcher (the actor when no one is named). True when something changed."""
    if user_ref in (None, "") or str(user_ref).strip() in (actor.username, str(actor.pk)):
        user = actor
        # Watching lets one reply and add files: a user who may only read (an organisation's
        # requests) must not promote themselves. Anyone may stop watching.
        if add and not actor.is_support_staff and ticket.initiator_id != actor.pk:
            raise Forbidden("only support staff may add watchers; ask them to add you")
    else:
        if not actor.is_support_staff:
            raise Forbidden("only support staff may add or remove other watchers")
        text = str(user_ref)
        qs = User.objects.filter(is_active=True)
        user_id = as_id(text)
        found = qs.filter(pk=user_id).first() if user_id is not None else qs.filter(username=text).first()
        if found is None:
            raise Invalid(f"unknown user {user_ref!r}", errors=[unknown("user", value=text)])
        user = found
    # A watcher sees the whole request: never hand one organisation's request to another's people.
    foreign = user.organisation_id is None or user.organisation_id != ticket.organisation_id
    if add and foreign and not user.is_support_staff and user.pk != ticket.initiator_id:
        raise Invalid(
            f"{user.username} is not of the request's organisation",
            errors=[not_member("user", message="not of the request's organisation")],
        )
    with transaction.atomic():
        if add:
            _, changed = Watcher.objects.get_or_create(ticket=ticket, user=user)
        else:
            changed = Watcher.objects.filter(ticket=ticket, user=user).delete()[0] > 0
        if changed:
            log_record(
                ticket,
                actor=actor,
                role=actor_role(actor, ticket),
                point_id=ticket.point_id,
                event=Event.WATCHER,
                when=now(),
                field="watchers",
                old_value=None if add else user.username,
                new_value=user.username if add else None,
            )
    return changed
