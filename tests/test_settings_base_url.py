"""Links in notifications point where `otklik serve` listens unless OTKLIK_BASE_URL says otherwise
(a demo on another port got links to port 8000 before)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _base_url(tmp_path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_") and k != "DATABASE_URL"}
    clean.update(OTKLIK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="otklik.settings", **env)
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.BASE_URL)"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout.strip()


@pytest.mark.parametrize(
    ("addr", "expected"),
    [
        (None, "http://127.0.0.1:8000"),
        ("127.0.0.1:8055", "http://127.0.0.1:8055"),
        ("0.0.0.0:8080", "http://127.0.0.1:8080"),
        ("helpdesk.local:9000", "http://helpdesk.local:9000"),
        ("[::1]:8010", "http://[::1]:8010"),
    ],
)
def test_base_url_follows_the_listening_address(tmp_path, addr, expected):
    env = {"OTKLIK_ADDR": addr} if addr else {}
    assert _base_url(tmp_path, **env) == expected


def test_an_explicit_base_url_wins(tmp_path):
    assert _base_url(tmp_path, OTKLIK_ADDR="0.0.0.0:8080", OTKLIK_BASE_URL="https://desk.example.org/") == (
        "https://desk.example.org"
    )
