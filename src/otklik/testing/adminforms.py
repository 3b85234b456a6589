"""Admin change forms as the tests post them back."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


def admin_form_data(response: TestResponse) -> dict[str, object]:
    """The change form's current values (inlines and their management forms included), as the
    browser would post them back."""
    data: dict[str, object] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        fs = inline.formset
        forms.extend(fs.forms)
        for field in fs.management_form:
            data[field.html_name] = field.value()
    for form in forms:
        for field in form:
            value = field.value()
            post_data = getattr(field.field.widget, "post_data", None)
            if post_data is not None:  # a widget of several inputs (the calendar's week grid)
                data.update(post_data(field.html_name, value))
                continue
            if value is None:
                continue
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
                continue
            data[field.html_name] = value
    return data
