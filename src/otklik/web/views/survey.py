"""The satisfaction question in pages: the rating link's page (no sign-in needed) and the answer
given on a request's page. A GET never records anything (mail scanners fetch links); every refusal
is a page of its own with its status: a forged or malformed link 404, someone else's 403, a used
one 409, an expired one 410."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from otklik.accounts.models import User
from otklik.core.errors import DomainError, Invalid
from otklik.feedback.models import Survey
from otklik.feedback.notices import score_labels
from otklik.feedback.surveys import (
    survey_answer_by_link,
    survey_by_token,
    survey_check_link,
    survey_for,
    survey_open,
)
from otklik.tickets.access import may_see_rating
from otklik.tickets.models import Ticket
from otklik.web.refusals import field_messages


def survey_page_context(user: User, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    """What a request's page shows of its survey (one query): the question to the initiator while
    it is open, the answer to the initiator and the support staff in charge (`may_see_rating`)."""
    if not may_see_rating(user, ticket):
        return {"survey": None}
    survey = survey_for(ticket)
    if survey is None:
        return {"survey": None}
    labels = score_labels()
    values = extra.get("feedback_values") or {}
    return {
        "survey": survey,
        "may_rate": user.pk == ticket.initiator_id and survey_open(survey),
        "scores": list(labels.items()),
        "score_label": labels.get(survey.score, "") if survey.score is not None else "",
        "feedback_chosen": values.get("score", survey.score),
        "feedback_comment": values.get("comment", survey.comment),
        "feedback_errors": extra.get("feedback_errors") or {},
        "max_text": settings.MAX_TEXT_LENGTH,
    }


# --- the rating link -------------------------------------------------------------------------------


def _speak_their_language(request: HttpRequest, survey: Survey | None) -> None:
    """An anonymous visitor who has not chosen a language reads the page in the initiator's."""
    if survey is None or request.user.is_authenticated or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    language = User.objects.filter(pk=survey.initiator_id).values_list("language", flat=True).first()
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language


def _refused(request: HttpRequest, exc: DomainError, survey: Survey | None) -> HttpResponse:
    code = exc.code
    change_until = None
    # The request is named only on the "used" and "expired" pages (not to a forged or foreign link).
    ticket = (
        Ticket.objects.filter(pk=survey.ticket_id).first() if survey and code not in ("bad_link", "foreign") else None
    )
    if code == "bad_link":
        title, message = (
            _("Not a valid link"),
            _(
                "This rating link is not valid: check that it was copied whole. You can also rate the request "
                "on its page in the portal."
            ),
        )
    elif code == "foreign":
        title, message = (
            _("Not your link"),
            _(
                "This rating link was sent to someone else: only they can use it. If it was sent to you, "
                "sign out first or open it in another browser."
            ),
        )
    elif code == "used":
        title, message = _("Already rated"), _("This request has been rated already. Thank you!")
        change_until = survey.expires_at if survey and survey_open(survey) else None
    else:
        title, message = _("The link has expired"), _("The time to rate this request is over.")
    context = {"title": title, "message": message, "ticket": ticket, "change_until": change_until, "thanks": False}
    return render(request, "web/survey/link_done.html", context, status=exc.status)


@require_http_methods(["GET", "HEAD", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """GET (and HEAD, as link checkers send): the question (a `score` in the query preselects it),
    recording nothing. POST: record the rating."""
    survey = None
    try:
        survey = survey_by_token(token)
        _speak_their_language(request, survey)
        survey_check_link(survey, request.user)
    except DomainError as exc:
        return _refused(request, exc, survey)
    ticket = Ticket.objects.get(pk=survey.ticket_id)
    context: dict[str, Any] = {
        "survey": survey,
        "ticket": ticket,
        "scores": list(score_labels().items()),
        "chosen": survey_score(request.GET.get("score")),
        "comment": "",
        "errors": {},
        "max_text": settings.MAX_TEXT_LENGTH,
    }
    if request.method != "POST":
        return render(request, "web/survey/link.html", context)
    score, comment = request.POST.get("score", ""), request.POST.get("comment", "")
    try:
        survey = survey_answer_by_link(survey=survey, user=request.user, score=score, comment=comment)
    except Invalid as exc:
        errors = field_messages(exc, form="survey", fallback="score", fields=("score", "comment"))
        context.update(chosen=survey_score(score), comment=comment, errors=errors)
        return render(request, "web/survey/link.html", context, status=400)
    except DomainError as exc:
        return _refused(request, exc, survey)
    done = {
        "title": _("Thank you!"),
        "message": _("Your rating has been recorded: %(score)s of 5.") % {"score": survey.score},
        "ticket": ticket,
        "change_until": survey.expires_at,
        "thanks": True,
    }
    return render(request, "web/survey/link_done.html", done)


def survey_score(value: str | None) -> int | None:
    """A score from a form or a query, if it is one."""
    text = (value or "").strip()
    return int(text) if text in ("1", "2", "3", "4", "5") else None
