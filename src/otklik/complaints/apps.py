from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "otklik.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from . import notices  # noqa: F401  (registers the complaints' built-in words)
