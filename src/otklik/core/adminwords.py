"""The admin's words about a model, declined as Russian needs them.

Django's admin builds its titles and messages from a model's `verbose_name` in the nominative
(«Выберите политика SLA для изменения», «Добавить еще один Точка маршрута»). Every ModelAdmin
registered on the site (`adminsite.OtklikAdminSite`) gets `DeclinedNamesMixin`: the titles, the
add button, the delete question and an inline's "add another" take the name in the accusative,
looked up in the catalogue as msgctxt "accusative" of the English verbose name (the table below,
where makemessages finds it; tests/test_russian.py checks every registered model has its entry).
The success messages, whose past participle would have to agree in gender, are worded without it
(the catalogue translates Django's own msgids, listed below for makemessages): «Добавлено:
политика SLA «Стандарт».» So are Django's other words the admin shows whose Russian has "straight"
or “English” quotes or a doubled word (the history, the related-object buttons, the two-list
selector's help in the djangojs domain: locale/ru/LC_MESSAGES/djangojs.po).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IS_POPUP_VAR, InlineModelAdmin
from django.db.models import Model
from django.forms.formsets import BaseFormSet
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext, pgettext_lazy

# The accusative of each model's verbose name (the English name as msgid, the context says which case;
# lazy: listed for makemessages, looked up by `accusative`).
ACCUSATIVE = (
    pgettext_lazy("accusative", "organisation"),
    pgettext_lazy("accusative", "user"),
    pgettext_lazy("accusative", "support group"),
    pgettext_lazy("accusative", "group membership"),
    pgettext_lazy("accusative", "API token"),
    pgettext_lazy("accusative", "request type"),
    pgettext_lazy("accusative", "category"),
    pgettext_lazy("accusative", "priority"),
    pgettext_lazy("accusative", "form field"),
    pgettext_lazy("accusative", "complaint"),
    pgettext_lazy("accusative", "complaint record"),
    pgettext_lazy("accusative", "feedback settings"),
    pgettext_lazy("accusative", "regulation settings"),
    pgettext_lazy("accusative", "satisfaction survey"),
    pgettext_lazy("accusative", "carrier"),
    pgettext_lazy("accusative", "notification"),
    pgettext_lazy("accusative", "delivery attempt"),
    pgettext_lazy("accusative", "notification preference"),
    pgettext_lazy("accusative", "notification rule"),
    pgettext_lazy("accusative", "notification template"),
    pgettext_lazy("accusative", "notification schedule"),
    pgettext_lazy("accusative", "quality facts of a request"),
    pgettext_lazy("accusative", "next-reaction outcome"),
    pgettext_lazy("accusative", "daily quality counts"),
    pgettext_lazy("accusative", "facts refresh state"),
    pgettext_lazy("accusative", "quality score weights"),
    pgettext_lazy("accusative", "monthly quality report"),
    pgettext_lazy("accusative", "regulation section"),
    pgettext_lazy("accusative", "regulation version"),
    pgettext_lazy("accusative", "route"),
    pgettext_lazy("accusative", "route point"),
    pgettext_lazy("accusative", "transition"),
    pgettext_lazy("accusative", "working calendar"),
    pgettext_lazy("accusative", "calendar date"),
    pgettext_lazy("accusative", "SLA policy"),
    pgettext_lazy("accusative", "target"),
    pgettext_lazy("accusative", "escalation rule"),
    pgettext_lazy("accusative", "SLA clock"),
    pgettext_lazy("accusative", "request"),
    pgettext_lazy("accusative", "watcher"),
    pgettext_lazy("accusative", "log record"),
    pgettext_lazy("accusative", "attachment"),
    pgettext_lazy("accusative", "failed sign-in"),
)

# Django's own messages that put a verbose name where Russian would have to agree with it: our
# catalogue (LOCALE_PATHS, consulted before Django's) words them so that nothing needs to agree.
DJANGO_OVERRIDES = (
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Successfully deleted %(count)d %(items)s."),
    gettext_noop("Add another %(verbose_name)s"),
    # The rest say it in Django's own Russian with "straight" or “English” quotes, with a verb that
    # would have to agree, or with a doubled word: our catalogue words them with «ёлочки» and
    # without agreement (tests/test_russian.py renders them).
    gettext_noop("Add another %(model)s"),
    gettext_noop("Change selected %(model)s"),
    gettext_noop("Delete selected %(model)s"),
    gettext_noop("View selected %(model)s"),
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? All of the following related '
        "items will be deleted:"
    ),
    gettext_noop("Hold down “Control”, or “Command” on a Mac, to select more than one."),
    # The history of an object (LogEntry.get_change_message) and the recent actions.
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Added “%(object)s”."),
    gettext_noop("Changed {fields}."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Changed “%(object)s” — %(changes)s"),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("Deleted “%(object)s.”"),
    # The forms' and models' checks an admin's form may meet.
    gettext_noop("Constraint “%(name)s” is violated."),
    gettext_noop("File extension “%(extension)s” is not allowed. Allowed extensions are: %(allowed_extensions)s."),
    gettext_noop("Please correct the duplicate data for %(field)s."),
    gettext_noop("Please either submit a file or check the clear checkbox, not both."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
    # Django's Russian that reads as a translation: the index's recent actions box («Мои действия —
    # Недоступно» for an administrator who has done nothing yet) and the button «Сохранить и добавить
    # другой объект».
    gettext_noop("My actions"),
    gettext_noop("None available"),
    gettext_noop("Save and add another"),
)

# Django's own words in the admin's scripts (the djangojs domain): locale/ru/LC_MESSAGES/djangojs.po
# translates them (makemessages does not read this module for that domain: the file is kept by hand,
# compiled by `make messages`, and tests/test_russian.py checks it holds each of these).
DJANGO_JS_OVERRIDES = (
    'Choose %s by selecting them and then select the "Choose" arrow button.',
    'Remove %s by selecting them and then select the "Remove" arrow button.',
    "You have selected an action, and you haven’t made any changes on individual fields. You’re probably looking "
    "for the Go button rather than the Save button.",
    # The date and time fields' note on a browser's clock away from the server's (Django's Russian
    # says «Ваше локальное время»): the singular msgids of the plural entries.
    "Note: You are %s hour ahead of server time.",
    "Note: You are %s hour behind server time.",
)


def accusative(name: object) -> str:
    """The accusative of a verbose name (a lazy gettext string) in the active language; the name as
    it is where the catalogue has no accusative for it."""
    nominative = str(name)
    with translation.override("en"):
        english = str(name)
    declined = pgettext("accusative", english)
    return nominative if declined == english else declined


class _DeclinedInlineFormSet(helpers.InlineAdminFormSet):
    """An inline whose "add another" button names the row in the accusative: «Добавить точку маршрута»."""

    def inline_formset_data(self) -> str:
        data = json.loads(super().inline_formset_data())
        data["options"]["addText"] = pgettext("admin inline", "Add another %(name)s") % {
            "name": accusative(self.opts.verbose_name)
        }
        return json.dumps(data, ensure_ascii=False)


class DeclinedNamesMixin(admin.ModelAdmin):
    """Titles, the add button, the delete question and the inlines' add button with the model's
    name in the accusative. Put before each registered ModelAdmin by the site (adminsite.py)."""

    def _declined(self, extra_context: dict[str, object] | None, **words: object) -> dict[str, object]:
        return {**words, "accusative_name": accusative(self.opts.verbose_name), **(extra_context or {})}

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        name = accusative(self.opts.verbose_name)
        if IS_POPUP_VAR in request.GET:
            title = gettext("Select %s") % name
        elif self.has_change_permission(request):
            title = gettext("Select %s to change") % name
        else:
            title = gettext("Select %s to view") % name
        return super().changelist_view(request, self._declined(extra_context, title=title))

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, object] | None = None,
    ) -> HttpResponse:
        words: dict[str, object] = {}
        if object_id is None:
            words["title"] = gettext("Add %s") % accusative(self.opts.verbose_name)
        # A change form's title is set where Django already holds the row (render_change_form).
        return super().changeform_view(request, object_id, form_url, self._declined(extra_context, **words))

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Model | None = None,
    ) -> HttpResponse:
        if not add and obj is not None:
            may_change = self.has_change_permission(request, obj)
            context["title"] = (gettext("Change %s") if may_change else gettext("View %s")) % accusative(
                self.opts.verbose_name
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, object] | None = None
    ) -> HttpResponse:
        context = self._declined(extra_context, object_name=accusative(self.opts.verbose_name))
        return super().delete_view(request, object_id, context)

    def get_inline_formsets(
        self,
        request: HttpRequest,
        formsets: list[BaseFormSet],
        inline_instances: list[InlineModelAdmin],
        obj: Model | None = None,
    ) -> list[helpers.InlineAdminFormSet]:
        made = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in made:
            if type(inline_formset) is helpers.InlineAdminFormSet:
                inline_formset.__class__ = _DeclinedInlineFormSet
        return made
