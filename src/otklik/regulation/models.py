"""The published service regulation: admin-written text sections, the regulation's own settings
(the admin's guidance and additional information, when changes come into force), and the versions
published from the configuration (each one frozen, with the moment it comes into force)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from otklik.core import dates
from otklik.core.i18n import localized
from otklik.core.singleton import SingletonModel


class Section(models.Model):
    """A text section written by the administrator (general provisions, how to prepare a request…)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    title_ru = models.CharField(_("title (ru)"), max_length=200)
    title_en = models.CharField(_("title (en)"), max_length=200)
    body_ru = models.TextField(_("text (ru)"), blank=True, help_text=_("Markdown."))
    body_en = models.TextField(_("text (en)"), blank=True, help_text=_("Markdown."))
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("published"), default=True)

    class Meta:
        verbose_name = _("regulation section")
        verbose_name_plural = _("regulation sections")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return localized(self, "title")


class RegulationSettings(SingletonModel):
    """One row: what the administrator writes into the regulation besides the text sections, and
    when the versions published from the changes come into force."""

    preparation_ru = models.TextField(
        _("how to prepare a request (ru)"),
        blank=True,
        help_text=_("Markdown. The guidance that opens the section on preparing a request, before what the forms ask."),
    )
    preparation_en = models.TextField(_("how to prepare a request (en)"), blank=True, help_text=_("Markdown."))
    additional_ru = models.TextField(
        _("additional information (ru)"),
        blank=True,
        help_text=_("Markdown. The closing section of the regulation; left out while both languages are empty."),
    )
    additional_en = models.TextField(_("additional information (en)"), blank=True, help_text=_("Markdown."))
    changes_effective_at = models.DateTimeField(
        _("planned changes come into force at"),
        null=True,
        blank=True,
        help_text=_(
            "Set the moment, then edit the regulation's texts: they come into force at that moment, and everyone "
            "is told. Empty or past: at once. Changes of the configuration (SLA targets, routes) always act at once."
        ),
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("regulation settings")
        verbose_name_plural = _("regulation settings")

    def __str__(self) -> str:
        return str(_("Regulation settings"))

    @classmethod
    def current(cls) -> RegulationSettings:
        return cls.row()


class Version(models.Model):
    """One published edition. Its content is the regulation as generated at publication, in both
    languages; it is never edited (a change of the configuration publishes a new version).

    The version in force at a moment is the newest one whose `effective_at` has come; one published
    ahead of its `effective_at` is scheduled until then (`notice_at`: the worker tells everyone
    when it comes into force, then clears it)."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    effective_at = models.DateTimeField(_("in force from"))
    published_at = models.DateTimeField(pgettext_lazy("regulation version", "published"))
    notice_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    content = models.JSONField(_("content"))
    digest = models.CharField(_("checksum"), max_length=64)
    # Why it was published, said in the reader's language (reasons.py): a code and its parameters
    # (the models whose change published it), or the words of whoever published it by hand in
    # `reason` (rows from before the code hold both languages there: "Изменено: … · Changed: …").
    reason = models.CharField(_("what changed"), max_length=200, blank=True)
    reason_code = models.CharField(max_length=20, blank=True, editable=False)
    reason_params = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("regulation version")
        verbose_name_plural = _("regulation versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} ({dates.day(timezone.localtime(self.effective_at, dates.service_zone()).date())})"
