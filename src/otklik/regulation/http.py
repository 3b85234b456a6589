"""What the page and the API read from a request: the language and the version asked for."""

from __future__ import annotations

from django.http import HttpRequest

from otklik.core.errors import Invalid, NotFound, not_a_choice
from otklik.core.i18n import current_language

from .blocks import LANGS


def language_for(request: HttpRequest, requested: str | None) -> str:
    """`requested` when given (ru or en, else 422); otherwise the signed-in user's language, else
    the one the request negotiated (Accept-Language, the language cookie)."""
    if requested is not None and requested != "":
        if requested not in LANGS:
            detail = f"lang must be one of {', '.join(LANGS)}, not {requested[:20]!r}"
            raise Invalid(detail, errors=[not_a_choice("lang", LANGS, message="ru or en")])
        return requested
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "language", "") in LANGS:
        return user.language
    return current_language()


def version_number(text: str | None) -> int | None:
    """?version=N as a number (None: the version in force). Anything but digits is no version: 404."""
    if text is None or text == "":
        return None
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        raise NotFound(f"no regulation version {value[:20]!r}")
    return int(value)
