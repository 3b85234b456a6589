from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "otklik.tickets"
    label = "tickets"
    verbose_name = _("Requests")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import notices  # noqa: F401  (registers the request events' built-in words)
        from .login_summary import on_login

        user_logged_in.connect(on_login, dispatch_uid="otklik-notify-login-summary")
