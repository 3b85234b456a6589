"""One line per refused request in the log (the `django.request` logger's filter, settings.LOGGING).

Django logs a 4xx answer as a WARNING "Not Found: /path", and a 403 raised as PermissionDenied with
its whole traceback. An operator needs neither: an ordinary refusal is said as one line, `GET
/requests/ERR-000001 403 user=ivan`, without a traceback. What the person typed being refused (400,
409, 422: a form's validation, a concurrent edit) and a missing page (404, 405, 410) are INFO; the
refusals worth a look (401, 403, 413, 429 …) stay WARNINGs. 5xx records pass untouched, traceback
and all.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest

# The person's own input was refused, or a page is not there: ordinary traffic, not a warning.
ORDINARY = frozenset({400, 404, 405, 409, 410, 422})


def _user(request: HttpRequest | None) -> str:
    user = getattr(request, "user", None)
    if user is None:
        return "-"
    try:
        return str(user.username) if user.is_authenticated else "-"
    except Exception:  # the session or the database is unreadable: the line is still written
        return "?"


def request_line(request: HttpRequest | None, status: int) -> str:
    """`METHOD /path STATUS user=NAME` (the path without its query: it may hold what was searched)."""
    method = getattr(request, "method", None) or "-"
    path = getattr(request, "path", None) or "-"
    return f"{method} {path} {status} user={_user(request)}"


class RequestLine(logging.Filter):
    """Rewrites a 4xx record of `django.request` to one line, without a traceback (dropped only
    when its new level is below the logger's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        record.msg, record.args = request_line(getattr(record, "request", None), status), ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        if status in ORDINARY:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            # Made as a WARNING: the logger's own level is asked again for the INFO it now is.
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True
