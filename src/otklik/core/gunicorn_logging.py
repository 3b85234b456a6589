"""gunicorn's access log with rating-link tokens masked (`otklik serve --access-log` uses it)."""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger
from gunicorn.http import Request
from gunicorn.http.wsgi import Response

from .logmask import mask_value


class MaskingLogger(Logger):
    """Every access-log atom (request line, path, referer, headers) with tokens masked."""

    # The stubs type the atoms as a fixed TypedDict; gunicorn adds the headers' and environ's
    # ("{name}i", "{name}o", "{name}e") too, so the masked copy is a plain dict.
    def atoms(  # type: ignore[override]
        self, resp: Response, req: Request, environ: MutableMapping[str, Any], request_time: timedelta
    ) -> dict[str, Any]:
        return {key: mask_value(value) for key, value in super().atoms(resp, req, environ, request_time).items()}
