"""The pages: the initiator's portal, the agent's workspace, the supervisor's dashboard, the
complaints, the notification centre and the person's settings."""

from __future__ import annotations

from django.urls import path

from .views import (
    auth,
    complaint_filing,
    complaints,
    dashboard,
    home,
    inbox,
    notifier,
    portal,
    queue,
    reports,
    settings,
    ticket,
)

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("login", auth.login, name="login"),
    path("logout", auth.logout, name="logout"),
    path("language", auth.language, name="language"),
    path("settings", settings.page, name="settings"),
    path("settings/notifier", notifier.page, name="notifier"),
    path("settings/notifier/<int:token_id>/disconnect", notifier.disconnect, name="notifier-disconnect"),
    # The desktop notifier to install (pipx install <this address>), for anyone
    path("notifier/<str:name>", notifier.wheel, name="notifier-wheel"),
    # The person's own phone and messenger address, confirmed by a code (channel: sms | messenger)
    path("settings/address/<str:channel>", settings.address_save, name="settings-address"),
    path("settings/address/<str:channel>/send", settings.address_send, name="settings-address-send"),
    path("settings/address/<str:channel>/confirm", settings.address_confirm, name="settings-address-confirm"),
    # The portal (everyone files and follows their own requests)
    path("my", portal.my_requests, name="portal"),
    path("new", portal.new_request, name="new"),
    path("new/<str:type_code>", portal.new_request_form, name="new-form"),
    path("new/<str:type_code>/category", portal.category_hint, name="category-hint"),
    path("my/complaints", complaint_filing.my_complaints, name="my-complaints"),
    # One request's page, for everyone who may see it (actions by role and route)
    path("requests/<str:number>", ticket.page, name="ticket"),
    path("requests/<str:number>/comment", ticket.comment, name="ticket-comment"),
    path("requests/<str:number>/transition", ticket.transition, name="ticket-transition"),
    path("requests/<str:number>/assign", ticket.assign, name="ticket-assign"),
    path("requests/<str:number>/feedback", ticket.rate, name="ticket-rate"),
    path("requests/<str:number>/watchers", ticket.watchers, name="ticket-watchers"),
    path("requests/<str:number>/attachments", ticket.attach, name="ticket-attach"),
    path("requests/<str:number>/attachments/<int:attachment_id>", ticket.download, name="ticket-download"),
    path("requests/<str:number>/complaint", ticket.complain, name="ticket-complain"),
    # Complaints: the list for managers and leads, one complaint (its author sees it too), filing one
    # about a violation of the regulation
    path("complaints", complaints.page, name="complaints"),
    path("complaints/rows", complaints.rows, name="complaint-rows"),
    path("complaints/new", complaint_filing.new_complaint, name="complaint-new"),
    path("complaints/<int:pk>", complaints.detail, name="complaint"),
    path("complaints/<int:pk>/take", complaints.take, name="complaint-take"),
    path("complaints/<int:pk>/answer", complaints.answer, name="complaint-answer"),
    path("complaints/<int:pk>/note", complaints.note, name="complaint-note"),
    # The agent's workspace and the supervisor's dashboard
    path("work", queue.page, name="queue"),
    path("work/rows", queue.rows, name="queue-rows"),
    path("dashboard", dashboard.page, name="dashboard"),
    path("dashboard/figures", dashboard.figures, name="dashboard-figures"),
    # Quality reports (support staff: each sees what the report's gate allows)
    path("reports/quality", reports.page, name="quality"),
    path("reports/quality/requests", reports.requests, name="quality-requests"),
    path("reports/quality.csv", reports.export_csv, name="quality-csv"),
    path("reports/quality.xlsx", reports.export_xlsx, name="quality-xlsx"),
    # The notification centre
    path("inbox", inbox.page, name="inbox"),
    path("inbox/<int:notification_id>/read", inbox.read, name="inbox-read"),
    path("inbox/read-all", inbox.read_all, name="inbox-read-all"),
]
