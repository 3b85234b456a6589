"""core.forms' widgets written in Python give the markup Django's own widget templates give."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from otklik.core.forms import QuickSelect, QuickTextInput

ODD = 'Ivan "the <b>bold</b>" & Co'


@pytest.mark.parametrize("value", [None, "", "printer", ODD, 42])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"id": "id_q", "required": True},
        {"id": "id_q", "aria-invalid": "true", "aria-describedby": "id_q-error", "disabled": False},
        {"data-odd": ODD, "maxlength": 200},
    ],
)
@pytest.mark.parametrize("own", [{}, {"type": "search", "data-shortcut": "/"}, {"placeholder": ODD}])
def test_the_text_input_is_djangos(value: object, attrs: dict[str, Any] | None, own: dict[str, Any]) -> None:
    django_html = forms.TextInput(attrs=dict(own)).render("q", value, attrs)
    assert QuickTextInput(attrs=dict(own)).render("q", value, attrs) == django_html


CHOICES: list[Any] = [
    ("", "—"),
    ("a", "Alpha"),
    (7, ODD),
    ("Group & co", [("g1", "One"), ("g2", "Two <2>")]),
    ("z", "Zeta"),
]


@pytest.mark.parametrize("value", [None, "", "a", "7", "g2", "missing"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_type", "aria-describedby": "id_type_helptext"}])
def test_the_select_is_djangos(value: object, attrs: dict[str, Any] | None) -> None:
    assert QuickSelect(choices=CHOICES).render("type", value, attrs) == forms.Select(choices=CHOICES).render(
        "type", value, attrs
    )
