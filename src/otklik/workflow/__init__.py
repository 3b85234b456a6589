"""The workflow: the actions that change a request and tell the rest of the desk about it, each one
transaction over the apps below (the request and its log, the SLA clocks, the calendar task, the
survey, the notifications). Pages, endpoints, the timers and the demo call these.

- `ticket_create` (create.py): a new request;
- `ticket_transition`, `ticket_auto_confirm[_due]` (transitions.py): moves along the route, a
  person's and the system's;
- `ticket_comment` (comment.py): a public comment or an internal note;
- `ticket_assign`, `ticket_update` (change.py): another holder, corrected attributes.
"""

from .change import ticket_assign, ticket_update
from .comment import ticket_comment
from .create import ticket_create
from .transitions import ticket_auto_confirm, ticket_auto_confirm_due, ticket_transition

__all__ = [
    "ticket_assign",
    "ticket_auto_confirm",
    "ticket_auto_confirm_due",
    "ticket_comment",
    "ticket_create",
    "ticket_transition",
    "ticket_update",
]
