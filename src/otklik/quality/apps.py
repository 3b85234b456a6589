from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "otklik.quality"
    label = "quality"
    verbose_name = _("Quality")

    def ready(self) -> None:
        from . import monthly  # noqa: F401  (registers the monthly report's built-in words)
