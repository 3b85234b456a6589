"""Failed sign-ins, counted to slow down password guessing (in the database, so every web process
sees the same count)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from otklik.core import dates


class LoginFailure(models.Model):
    username = models.CharField(_("user name"), max_length=150, db_index=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    at = models.DateTimeField(_("when"), db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [models.Index(fields=["address", "at"], name="login_failure_addr")]

    def __str__(self) -> str:
        return f"{self.username} {dates.moment(self.at)}"
