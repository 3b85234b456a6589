"""core.dbhealth: a persistent connection that served a request under a second ago goes straight
to work; one that sat idle longer is checked first, and replaced if the server dropped it. (The
web workers' set-up: persistent connections without a pool, which checks its own.)"""

import copy
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

    def request(self, *, after: float) -> int:
        """A request `after` seconds after the last one finished: Django's request_started asks for
        a check, ours may spare it; two queries; request_finished notes the connection used."""
        note_used([self.conn])
        self.conn.health_check_done = False
        real = time.monotonic
        moment = real() + after
        time.monotonic = lambda: moment  # type: ignore[assignment]
        try:
            skip_if_recent([self.conn])
        finally:
            time.monotonic = real  # type: ignore[assignment]
        with self.conn.cursor() as cur:
            cur.execute("SELECT 1")
            cur.execute("SELECT 2")
            return int(cur.fetchone()[0])


@pytest.fixture
def checked() -> Iterator[Checked]:
    c = Checked()
    yield c
    c.conn.close()


def test_a_connection_busy_a_moment_ago_is_not_checked(checked):
    assert checked.request(after=0.05) == 2
    assert checked.checks == []


def test_an_idle_connection_is_checked_once_before_its_first_query(checked):
    assert checked.request(after=RECENT + 0.5) == 2
    assert checked.checks == [True]  # once per request, not per query


@pytest.mark.postgres
def test_an_idle_connection_the_server_dropped_is_replaced(checked):
    pid = checked.conn.connection.info.backend_pid
    s = checked.conn.settings_dict
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"], autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert checked.request(after=RECENT + 0.5) == 2
    assert checked.checks == [False]
    assert checked.conn.connection.info.backend_pid != pid
