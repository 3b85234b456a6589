from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from otklik.api.main import api
from otklik.api.stream import notifications_stream
from otklik.web.views import favicon, survey
from otklik.web.views import regulation as regulation_views

admin.site.site_header = _("Otklik: help desk administration")
admin.site.site_title = _("Otklik")
admin.site.index_title = _("Configuration")

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", favicon.icon, name="favicon"),
    path("admin/", admin.site.urls),
    # Before the API: Server-Sent Events from the ASGI stream process (a 307 to it from the WSGI server).
    path("api/v1/notifications/stream", notifications_stream, name="notifications-stream"),
    path("api/v1/", api.urls),
    path("regulation", regulation_views.page, name="regulation"),
    path("regulation.md", regulation_views.markdown, name="regulation-markdown"),
    # The rating link of a satisfaction survey: works without signing in.
    path("feedback/<str:token>", survey.link, name="survey-link"),
    path("", include("otklik.web.urls")),
]

handler404 = "otklik.web.errors.not_found"
handler500 = "otklik.web.errors.server_error"
