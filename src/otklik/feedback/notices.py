"""The built-in words of the satisfaction survey's notifications: the question with the rating link
(and, by e-mail, a page with the five scores as links), its reminder, and the low score's alert to
the group lead. The rows themselves are built in feedback/surveys.py."""

from __future__ import annotations

from django.conf import settings
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from otklik.core.i18n import inner_quotes
from otklik.core.jsonvalue import JsonValue
from otklik.notify import texts


def score_labels() -> dict[int, str]:
    """What each score means, in the active language (the rating page, the e-mail, the portal)."""
    return {
        1: _("very dissatisfied"),
        2: _("dissatisfied"),
        3: _("neither satisfied nor dissatisfied"),
        4: _("satisfied"),
        5: _("very satisfied"),
    }


def _survey_requested(c: dict[str, JsonValue]) -> tuple[str, str]:
    return (
        _("please rate how your request was handled"),
        _(
            "Your request «%(subject)s» has been resolved. How satisfied are you with how it was handled? "
            "Rate it from 1 (very dissatisfied) to 5 (very satisfied), with a comment if you like, by the "
            "rating link or on the request's page. The link works once, until %(until)s."
        )
        % {"subject": inner_quotes(c["ticket"]["subject"]), "until": c["valid_until"]},
    )


def _survey_reminded(c: dict[str, JsonValue]) -> tuple[str, str]:
    return (
        _("a reminder: please rate how your request was handled"),
        _(
            "You have not rated how your request «%(subject)s» was handled yet. It takes a moment: choose "
            "from 1 (very dissatisfied) to 5 (very satisfied) by the rating link or on the request's page. The "
            "link works once, until %(until)s."
        )
        % {"subject": inner_quotes(c["ticket"]["subject"]), "until": c["valid_until"]},
    )


def _survey_low_score(c: dict[str, JsonValue]) -> tuple[str, str]:
    body = _("%(who)s rated how the request «%(subject)s» was handled %(score)s of 5.") % {
        "who": c["actor"],
        "subject": inner_quotes(c["ticket"]["subject"]),
        "score": c["score"],
    }
    if c.get("rated_executor"):
        body += "\n" + _("Executor: %(name)s.") % {"name": c["rated_executor"]}
    if c.get("comment"):
        body += "\n\n" + _("Their comment:") + "\n" + c["comment"]
    return _("low rating: %(score)s of 5") % {"score": c["score"]}, body


def _survey_html(c: dict[str, JsonValue], text: str) -> str:
    """The question as an e-mail: the text, then the five scores as links (each opens the rating
    page with that score chosen; only the page's button records it). Without the links (the rows of
    anyone but the initiator) the channel makes the page from the text."""
    if not c.get("score_links"):
        return ""
    labels = score_labels()
    with_comment = _("Rate with a comment")  # outside the f-string, where makemessages finds it
    links = "\n".join(
        f'<li><a href="{escape(item["link"])}">{item["score"]} — {escape(labels[item["score"]])}</a></li>'
        for item in c["score_links"]
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(get_language() or settings.LANGUAGE_CODE)}"><head>'
        f'<meta charset="utf-8"></head>\n<body>\n<p>{escape(text)}</p>\n'
        f"<ul>\n{links}\n</ul>\n"
        f'<p><a href="{escape(c["rating_link"])}">{escape(with_comment)}</a></p>\n</body></html>\n'
    )


texts.register("survey_requested", _survey_requested, page=_survey_html)
texts.register("survey_reminded", _survey_reminded, page=_survey_html)
texts.register("survey_low_score", _survey_low_score)
