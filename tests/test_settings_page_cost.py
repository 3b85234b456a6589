"""OTKLIK_DB_RANDOM_PAGE_COST: the planner's price of a random page read for Otklik's PostgreSQL
sessions, 1.1 unless set (empty: the server's own); a bad value stops the start, named."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection


def _options(tmp_path, value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")}
    env.update(
        OTKLIK_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="otklik.settings",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/otklik_unused",  # parsed, never connected
    )
    if value is not None:
        env["OTKLIK_DB_RANDOM_PAGE_COST"] = value
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'].get('options'))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "-c random_page_cost=1.1"), ("2", "-c random_page_cost=2"), ("", "None")],
)
def test_the_setting_reaches_the_connection_options(tmp_path, value, expected):
    assert _options(tmp_path, value).stdout.strip() == expected


@pytest.mark.parametrize("value", ["fast", "0", "-1"])
def test_a_bad_value_stops_the_start_and_is_named(tmp_path, value):
    done = _options(tmp_path, value)
    assert done.returncode != 0
    assert f"OTKLIK_DB_RANDOM_PAGE_COST={value!r}" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_our_sessions_plan_with_it():
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
