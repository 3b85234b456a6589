"""The published service regulation: admin-written text sections, and the versions published from
the configuration in force (each one frozen, with the moment it took effect)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.core.i18n import localized


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


class Version(models.Model):
    """One published edition. Its content is the regulation as generated at publication, in both
    languages; it is never edited (a change of the configuration publishes a new version)."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    effective_at = models.DateTimeField(_("in force from"))
    content = models.JSONField(_("content"))
    digest = models.CharField(max_length=64)
    reason = models.CharField(_("what changed"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("regulation version")
        verbose_name_plural = _("regulation versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} ({self.effective_at:%Y-%m-%d})"
