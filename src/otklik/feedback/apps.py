from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "otklik.feedback"
    label = "feedback"
    verbose_name = _("Feedback: satisfaction")

    def ready(self) -> None:
        from . import notices  # noqa: F401  (registers the surveys' built-in words)
