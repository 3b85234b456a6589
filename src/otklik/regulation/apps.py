from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegulationConfig(AppConfig):
    name = "otklik.regulation"
    label = "regulation"
    verbose_name = _("Published regulation")

    def ready(self) -> None:
        # A change to anything the regulation shows publishes a new version on commit.
        from . import notices  # noqa: F401  (registers the regulation's built-in words)
        from .signals import connect

        connect()
