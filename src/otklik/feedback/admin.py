"""The admin of feedback: the settings, surveys (admin_surveys) and complaints (admin_complaints)."""

from . import admin_complaints, admin_surveys  # noqa: F401  (registration)
