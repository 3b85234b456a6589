"""The live stream's process, as `otklik serve` runs it under uvicorn: Django with only what the
stream needs (settings.STREAM_PROCESS: no admin, no API framework, one URL), some 20 MB less
than the whole site's ASGI application (otklik.asgi) would hold (issue 15)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
os.environ["OTKLIK_PROCESS"] = "stream"

from django.core.asgi import get_asgi_application  # after the process is named

application = get_asgi_application()
