"""core.pgtimes: PostgreSQL's timestamps are parsed by psycopg's C loader, and read exactly as
Django's own loader read them: aware, in UTC (`datetime.timezone.utc`), to the microsecond."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from otklik.core.pgtimes import FastTimestamptzLoader

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SQL = (
    "SELECT %s::timestamptz, %s::timestamptz, %s::timestamptz, NULL::timestamptz, "
    "'2026-03-29 02:30:00.123456+03'::timestamptz, '0001-01-01 00:00:00+00'::timestamptz"
)
VALUES = [
    dt.datetime(2026, 12, 7, 21, 15, 3, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 10, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=3))),
    dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
]


def test_the_connection_reads_timestamps_with_the_c_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, Format.TEXT)  # timestamptz
    assert loader is FastTimestamptzLoader
    with connection.cursor() as cur:  # Django's cursor factory keeps it: the zones agree
        assert cur.cursor.adapters.get_loader(1184, Format.TEXT) is FastTimestamptzLoader


def test_values_read_as_djangos_own_loader_reads_them():
    with connection.cursor() as cur:
        cur.execute(SQL, VALUES)
        fast = cur.fetchone()
    with connection.connection.cursor() as raw:
        register_tzloader(dt.UTC, raw)  # Django's Python loader, on this cursor only
        raw.execute(SQL, VALUES)
        django = raw.fetchone()
    assert fast == django
    assert [v.tzinfo for v in fast if v is not None] == [dt.UTC] * 5
    assert fast[:3] == tuple(VALUES)
    assert fast[4] == dt.datetime(2026, 3, 28, 23, 30, 0, 123456, tzinfo=dt.UTC)


def test_a_session_in_another_zone_still_reads_the_right_instant():
    with connection.cursor() as cur:
        cur.execute("SET LOCAL TIME ZONE 'Asia/Vladivostok'")
        cur.execute("SELECT '2026-12-07 10:00:00+00'::timestamptz")
        (value,) = cur.fetchone()
    assert value == dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC) and value.tzinfo is dt.UTC


@pytest.mark.parametrize("impl", ["python", "binary"])
def test_each_implementation_of_psycopg_reads_them(impl, tmp_path):
    """Whichever implementation psycopg runs (PSYCOPG_IMPL), the loader fits it: pure Python keeps
    Django's own loader (a C class would refuse its connections), the C one gets ours."""
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute(\"SELECT '2026-12-07 10:00:00+03'::timestamptz\")\n"
        "    value = c.fetchone()[0]\n"
        "print(connection.connection.adapters.get_loader(1184, 0).__name__, value.isoformat(), value.tzinfo)\n"
    )
    env = {
        **os.environ,
        "PSYCOPG_IMPL": impl,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "otklik.settings",
        "OTKLIK_DATA_DIR": str(tmp_path),
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    loader = "SpecificTzLoader" if impl == "python" else "FastTimestamptzLoader"
    assert out.split() == [loader, "2026-12-07T07:00:00+00:00", "UTC"]
