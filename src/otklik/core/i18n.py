"""Bilingual content stored in the database as `<field>_ru` / `<field>_en` pairs."""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language


def current_language() -> str:
    lang = (get_language() or "ru")[:2]
    return lang if lang in ("ru", "en") else "en"


def localized(obj: object, field: str, lang: str | None = None) -> str:
    """The `<field>_<lang>` value of obj (a row, a choice; None gives ""), falling back to the other
    language when empty."""
    lang = lang or current_language()
    other = "en" if lang == "ru" else "ru"
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_{other}", "") or ""


def decimal(value: float, digits: int) -> str:
    """A number rounded as f"{value:.2f}" rounds it, with the active language's decimal separator
    (3,50 in Russian). number_format alone truncates a float instead of rounding it."""
    return number_format(Decimal(f"{value:.{digits}f}"), digits)


def working_time(seconds: float | None) -> str:
    """Working seconds as people read them: "45 min", "3 h", "3 h 20 min"; a dash for none."""
    from django.utils.translation import gettext as _

    if seconds is None:
        return "—"
    hours, minutes = divmod(round(seconds / 60), 60)
    if not hours:
        return _("%(m)s min") % {"m": minutes}
    return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes} if minutes else _("%(h)s h") % {"h": hours}


def percent_text(value: float | None) -> str:
    """A percentage with one decimal in the active language's notation; a dash for none."""
    return "—" if value is None else f"{decimal(value, 1)} %"


def inner_quotes(text: object) -> str:
    """A text to be put inside «ёлочки», its own «ёлочки» turned into „лапки“ (Russian typography:
    «Нужен доступ к разделу „Договоры“»)."""
    return str(text).replace("«", "„").replace("»", "“")
