"""The session engine (settings.SESSION_ENGINE): Django's database sessions, the row read with SQL
compiled once per process. Every signed-in page reads its session; turning that read into SQL
each time cost the ORM about as much CPU as PostgreSQL spends answering it (issue 15)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from otklik.core.prepared import Prepared

_BY_KEY: Prepared[Session] = Prepared(lambda key: Session.objects.filter(session_key=key), str)
# Sessions signed in before accounts.backends.Backend name Django's backend, which it only extends.
_FORMER_BACKEND = "django.contrib.auth.backends.ModelBackend"
_BACKEND = "otklik.accounts.backends.Backend"


class SessionStore(DbSessionStore):
    """The same table, rows and expiry as Django's database sessions: existing sessions go on."""

    def _get_session_from_db(self) -> Session | None:
        rows = _BY_KEY.models(self.session_key) if isinstance(self.session_key, str) else []
        if rows and rows[0].expire_date > timezone.now():
            return rows[0]
        self._session_key = None  # as Django's: an unknown or expired key starts a new session
        return None

    def load(self) -> dict[str, Any]:
        data = super().load()
        if data.get(BACKEND_SESSION_KEY) == _FORMER_BACKEND:
            data[BACKEND_SESSION_KEY] = _BACKEND  # the same checks, with the read compiled once
        return data
