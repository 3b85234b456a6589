"""The live stream process's URLs (otklik.asgi_stream): the stream, to which the web server
redirects its path, and the same `/api/v1/health` as the web server's (so a probe or a proxy
checks either process alike). Nothing else is served, so nothing else is loaded (no admin, no
API framework); what is not here answers the API's JSON 404, not the site's page."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from otklik.api.stream import notifications_stream


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def not_found(request: HttpRequest, exception: Exception) -> JsonResponse:
    return JsonResponse({"detail": "not found", "code": "not_found"}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "server error", "code": "server_error"}, status=500)


urlpatterns = [
    path("api/v1/health", health, name="health"),
    path("api/v1/notifications/stream", notifications_stream, name="notifications-stream"),
]

handler404 = "otklik.runtime.stream_urls.not_found"
handler500 = "otklik.runtime.stream_urls.server_error"
