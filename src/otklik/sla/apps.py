from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "otklik.sla"
    label = "sla"
    verbose_name = _("Service regulation: time")

    def ready(self) -> None:
        from . import notices  # noqa: F401  (registers the deadlines' built-in words)
