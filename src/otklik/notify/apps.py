from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "otklik.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .summary import on_login

        user_logged_in.connect(on_login, dispatch_uid="otklik-notify-login-summary")
