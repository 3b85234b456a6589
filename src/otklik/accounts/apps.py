from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "otklik.accounts"
    label = "accounts"
    verbose_name = _("People, groups and working time")
