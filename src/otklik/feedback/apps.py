from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "otklik.feedback"
    label = "feedback"
    verbose_name = _("Feedback: satisfaction and complaints")

    def ready(self) -> None:
        from . import complaint_notices, notices  # noqa: F401  (they register their built-in words)
