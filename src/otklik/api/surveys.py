"""`POST /api/v1/tickets/{id}/feedback`: the initiator's satisfaction rating (or a change of it
while the survey is open). 404 when the request is not visible, 403 for anyone but its initiator,
409 when it has not been resolved yet or the time to rate it is over, 422 for a bad score."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from ninja import Field, Router

from otklik.accounts.http import AuthedRequest
from otklik.api.respond import respond
from otklik.api.schemas import Strict, SurveyOut
from otklik.feedback.models import AnswerChannel
from otklik.feedback.surveys import survey_answer, survey_dict
from otklik.tickets.access import access_ticket

router = Router(tags=["feedback"])


class FeedbackIn(Strict):
    score: int = Field(..., ge=1, le=5, strict=True, description="1 (very dissatisfied) … 5 (very satisfied)")
    comment: str | None = Field(None, max_length=settings.MAX_TEXT_LENGTH)


@router.post("/{ref}/feedback", response={201: SurveyOut})
def feedback(request: AuthedRequest, ref: str, payload: FeedbackIn) -> HttpResponse:
    ticket = access_ticket(request.user, ref)
    survey = survey_answer(
        ticket=ticket, actor=request.user, score=payload.score, comment=payload.comment, via=AnswerChannel.API
    )
    return respond(survey_dict(survey), 201)
