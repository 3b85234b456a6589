from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "otklik.web"
    label = "web"
    verbose_name = _("Sign-in")  # its one model in the admin: the failed sign-ins
