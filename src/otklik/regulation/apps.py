from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegulationConfig(AppConfig):
    name = "otklik.regulation"
    label = "regulation"
    verbose_name = _("Published regulation")
