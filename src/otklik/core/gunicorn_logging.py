"""gunicorn's access log with rating-link tokens masked (`otklik serve --access-log` uses it)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from .logmask import mask_value


class MaskingLogger(Logger):
    """Every access-log atom (request line, path, referer, headers) with tokens masked."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        return {key: mask_value(value) for key, value in super().atoms(resp, req, environ, request_time).items()}
