"""core.dbhealth: a persistent connection that served a request under a second ago goes straight
to work, unless the server has said something on it since; one that sat idle longer is checked
first; either is replaced if the server dropped it. (The web workers' set-up: persistent
connections without a pool, which checks its own.)"""

import copy
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

from otklik.core.dbhealth import RECENT, note_used, skip_if_recent

pytestmark = pytest.mark.django_db


class Checked:
    """A connection of its own to the test database, persistent, health-checked, no pool, with
    every health check it runs recorded."""

    def __init__(self) -> None:
        settings = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
        settings["OPTIONS"].pop("pool", None)
        settings.update(CONN_HEALTH_CHECKS=True, CONN_MAX_AGE=300)
        self.conn: BaseDatabaseWrapper = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, "health")
        self.checks: list[bool] = []
        real = self.conn.is_usable

        def counted() -> bool:
            self.checks.append(real())
            return self.checks[-1]

        self.conn.is_usable = counted  # type: ignore[method-assign]
        self.conn.ensure_connection()

    def request(self, *, after: float, monkeypatch: pytest.MonkeyPatch) -> int:
        """A request `after` seconds after the last one finished: Django's request_started asks for
        a check, ours may spare it; two queries; request_finished notes the connection used."""
        note_used([self.conn])
        self.conn.health_check_done = False
        moment = time.monotonic() + after
        with monkeypatch.context() as m:
            m.setattr(time, "monotonic", lambda: moment)
            skip_if_recent([self.conn])
        with self.conn.cursor() as cur:
            cur.execute("SELECT 1")
            cur.execute("SELECT 2")
            return int(cur.fetchone()[0])

    def terminate(self) -> int:
        """The server ends this connection (as a restart does); its backend's pid."""
        pid = self.conn.connection.info.backend_pid
        s = self.conn.settings_dict
        with psycopg.connect(
            host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"], autocommit=True
        ) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)  # the farewell on its way
        return int(pid)


@pytest.fixture
def checked() -> Iterator[Checked]:
    c = Checked()
    yield c
    c.conn.close()


def test_a_connection_busy_a_moment_ago_is_not_checked(checked, monkeypatch):
    assert checked.request(after=0.05, monkeypatch=monkeypatch) == 2
    assert checked.checks == []


def test_an_idle_connection_is_checked_once_before_its_first_query(checked, monkeypatch):
    assert checked.request(after=RECENT + 0.5, monkeypatch=monkeypatch) == 2
    assert checked.checks == [True]  # once per request, not per query


@pytest.mark.postgres
@pytest.mark.parametrize("after", [RECENT + 0.5, 0.05], ids=["idle", "busy a moment ago"])
def test_a_connection_the_server_ended_is_replaced(checked, monkeypatch, after):
    """The server's farewell makes even a connection busy a moment ago be checked."""
    pid = checked.terminate()
    assert checked.request(after=after, monkeypatch=monkeypatch) == 2
    assert checked.checks == [False]
    assert checked.conn.connection.info.backend_pid != pid


def test_the_handlers_run_after_djangos_own(tmp_path):
    """Django's close_old_connections asks for a check on request_started; ours must come after it
    to spare it (and after its closing of broken connections on request_finished). In a fresh
    process, as a web worker starts: the test client moves Django's handler around in this one."""
    code = (
        "import django; django.setup()\n"
        "from django.core.signals import request_finished, request_started\n"
        "for signal in (request_started, request_finished):\n"
        "    print(' '.join(r().__name__ for _key, r, *_ in signal.receivers))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "otklik.settings", "OTKLIK_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    started, finished = (line.split() for line in out.splitlines())
    assert started.index("close_old_connections") < started.index("skip_recent_health_checks"), started
    assert finished.index("close_old_connections") < finished.index("note_connections_used"), finished
