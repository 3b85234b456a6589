"""The one check of a text a person writes (a subject, a description, a comment, an answer): trimmed,
given when required, no longer than its limit. The limits are the settings' (MAX_SUBJECT_LENGTH,
MAX_TEXT_LENGTH), or a column's width; the caller passes the one that applies. Pure: no Django import."""

from __future__ import annotations

from . import errors


def clean_text(
    value: str | None,
    *,
    field: str,
    limit: int,
    required: bool = False,
    name: str | None = None,
    detail: str | None = None,
    message: str | None = None,
) -> str:
    """`value` trimmed, or Invalid with a `required` or `too_long` (params {"limit"}) field error.

    `name` is the field as the English detail names it ("the comment"; the field itself by
    default); `detail` and `message` keep an older English wording of the API where it had one."""
    text = (value or "").strip()
    noun = name or field
    if required and not text:
        error = errors.required(field) if message is None else errors.required(field, message=message)
        raise errors.Invalid(detail or f"{noun} is required", errors=[error])
    if len(text) > limit:
        error = errors.too_long(field, limit, message=message)
        raise errors.Invalid(detail or f"{noun} is longer than {limit} characters", errors=[error])
    return text


def run_on(text: str) -> str:
    """A text that goes on a sentence after a dash or a «·» («Критический — работа остановлена»):
    its first letter in lower case, unless its first word is an abbreviation or a name in capitals
    (SLA, API: a second capital letter) or a single letter."""
    if len(text) < 2 or not text[0].isupper() or not text[1].islower():
        return text
    return text[0].lower() + text[1:]
