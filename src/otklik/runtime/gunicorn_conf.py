"""gunicorn's settings for `otklik serve`'s web server, read in gunicorn's master process
(`--config python:otklik.runtime.gunicorn_conf`).

The application is loaded once in the master before the workers are forked (preload), and what
every worker would otherwise build for itself on its first requests is built there too: the URL
table with the API's schemas, the translation catalogues, the site's compiled templates. Then
those objects are moved out of the garbage collector's reach (gc.freeze), so a worker's
collections never write to — and so copy — the pages it shares with the master: each worker
holds only what it makes itself (issue 15: the server's memory). Safe to preload: loading opens
no database connection (any is closed here before a worker exists; a connection pool, whose
sockets and threads cannot cross a fork, stops the start) and starts no thread.
"""

from __future__ import annotations

import gc
from pathlib import Path

preload_app = True


def warm() -> None:
    """Build in this process what the first requests would: URL table, catalogues, templates."""
    from django.conf import settings
    from django.db import connections
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018  (imports every view and builds the API's schemas)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Otklik")
    site = Path(__file__).resolve().parent.parent / "web" / "templates"
    for path in sorted(site.rglob("*.html")):
        get_template(str(path.relative_to(site)))
    connections.close_all()
    # A pool (OTKLIK_DB_POOL=1) would keep its sockets and threads across the fork: none may exist.
    opened = [c.alias for c in connections.all() if c.alias in getattr(type(c), "_connection_pools", {})]
    if opened:
        raise RuntimeError(f"a database pool was opened before the web workers were forked: {opened}")


def when_ready(server: object) -> None:
    """In the master, once the application is loaded and before any worker is forked."""
    warm()
    gc.freeze()
