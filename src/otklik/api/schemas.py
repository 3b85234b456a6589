"""API shapes for requests. Inputs refuse unknown fields; outputs are built by `serialize`."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from ninja import Field, Schema
from pydantic import ConfigDict

from otklik.core.jsonvalue import JsonValue

TEXT_MAX = settings.MAX_TEXT_LENGTH


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class TicketIn(Strict):
    type: str = Field(..., max_length=50, description="request type code: error, wish, request, …")
    subject: str = Field(..., max_length=settings.MAX_SUBJECT_LENGTH)
    description: str = Field("", max_length=TEXT_MAX)
    priority: str | None = Field(None, max_length=50)
    category: str | None = Field(None, max_length=50)
    fields: dict[str, JsonValue] | None = Field(None, description="the type's form fields, by code")


class TicketPatch(Strict):
    version: int
    subject: str | None = Field(None, max_length=settings.MAX_SUBJECT_LENGTH)
    priority: str | None = Field(None, max_length=50)
    category: str | None = Field(None, max_length=50)
    fields: dict[str, JsonValue] | None = None


class TransitionIn(Strict):
    transition: str = Field(..., max_length=50)
    version: int
    comment: str | None = Field(None, max_length=TEXT_MAX)
    executor: str | int | None = Field(None, description="username or id, where the transition lets you choose")


class CommentIn(Strict):
    body: str = Field(..., max_length=TEXT_MAX)
    internal: bool = False


class AssignIn(Strict):
    version: int
    executor: str | int | None = None
    group: str | None = Field(None, max_length=50)


class WatcherIn(Strict):
    user: str | int | None = None


class Ref(Schema):
    code: str
    name: str


class UserRef(Schema):
    id: int
    username: str
    name: str


class StageRef(Schema):
    code: str
    name: str
    kind: str


class TransitionOut(Schema):
    code: str
    label: str
    to: str
    comment_required: bool
    choose_executor: bool


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    internal: bool
    url: str
    created_at: datetime


class TicketListItem(Schema):
    id: int
    number: str
    type: Ref
    state: str
    state_name: str
    state_kind: str
    is_open: bool
    subject: str
    initiator: UserRef
    executor: UserRef | None
    group: Ref
    priority: Ref
    category: Ref | None
    version: int
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime | None
    breached: bool


class SlaTargetOut(Schema):
    metric: str
    name: str
    state: str
    due_at: datetime | None
    warn_at: datetime | None
    at_risk: bool
    target_seconds: int
    used_seconds: int
    left_seconds: int
    breached_at: datetime | None
    stopped_at: datetime | None
    cycle: int
    policy: str | None
    calendar: str | None


class SurveyOut(Schema):
    """The satisfaction survey of a request: asked when it was resolved, open until `expires_at`;
    `score` (1–5) and `comment` once the initiator answered."""

    asked_at: datetime
    expires_at: datetime
    score: int | None
    comment: str
    answered_at: datetime | None
    answered_via: str | None


class TicketOut(TicketListItem):
    description: str
    fields: dict[str, JsonValue]
    organisation: str | None
    closed_at: datetime | None
    watchers: list[UserRef]
    attachments: list[AttachmentOut]
    sla: list[SlaTargetOut]
    regulation_version: int | None
    # A resolved request waiting for its initiator closes by itself then (null: it does not).
    auto_close_at: datetime | None
    feedback: SurveyOut | None
    transitions: list[TransitionOut]


class TicketPage(Schema):
    items: list[TicketListItem]
    next_cursor: str | None


class ActivityOut(Schema):
    id: int
    at: datetime
    event: str
    reaction: str
    actor: UserRef | None
    role: str
    stage: StageRef
    to_stage: StageRef | None
    transition: str | None
    body: str
    internal: bool
    field: str
    old_value: JsonValue
    new_value: JsonValue
    sla_event: str
