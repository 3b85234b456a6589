"""Rating links in logs: `/feedback/<token>` rates a request without signing in, so whoever reads
the logs must not be able to use one. Every place that logs a path or a referer (Django's request
and development-server loggers, the root handler, gunicorn's access log) keeps the token's first
six characters only: enough to match a complaint to a log line, useless as a link."""

from __future__ import annotations

import logging
import re

KEEP = 6
_LINK = re.compile(r"(/feedback/)([^/?#\s\"'<>]{1," + str(KEEP) + r"})[^/?#\s\"'<>]*")


def mask_tokens(text: str) -> str:
    """`text` with each rating link's token cut to its first characters and an ellipsis."""
    if "/feedback/" not in text:
        return text
    return _LINK.sub(lambda m: f"{m.group(1)}{m.group(2)}…", text)


def mask_value(value: object) -> object:
    return mask_tokens(value) if isinstance(value, str) else value


class MaskTokens(logging.Filter):
    """A logging filter: the record's message (with its arguments) masked before any handler
    formats it; it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler's own error path
            return True
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
