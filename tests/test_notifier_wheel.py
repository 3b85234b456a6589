"""The server offers the desktop notifier itself: a wheel of the `otklik_notifier` package that
ships with it, built in memory, the same bytes every time, at a stable address that
/settings/notifier gives as `pipx install <address>`: an employee needs no source tree. The wheel
says what notifier/pyproject.toml says (name, version, dependencies, command), installs with pip
into a fresh virtual environment, and its `otklik-notifier` runs."""

from __future__ import annotations

import io
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from django.test import Client

from otklik.testing.client import browser
from otklik.web import notifier_wheel
from otklik.web.notifier_wheel import filename

ROOT = Path(__file__).resolve().parents[1]
NOTIFIER = ROOT / "notifier"


def _wheel_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_wheel_is_served_to_anyone_the_same_bytes_each_time(db):
    url = f"/notifier/{filename()}"
    assert filename() == "otklik_notifier-0.1.0-py3-none-any.whl"
    r = Client().get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/octet-stream"
    assert r["Content-Disposition"] == f'attachment; filename="{filename()}"'
    first = r.content
    notifier_wheel.notifier_wheel.cache_clear()  # built afresh: byte for byte the same
    assert Client().get(url).content == first
    assert Client().get(url, headers={"If-None-Match": r["ETag"]}).status_code == 304
    assert Client().get("/notifier/otklik_notifier-0.0.1-py3-none-any.whl").status_code == 404
    assert Client().post(url).status_code == 405


def test_the_wheel_holds_the_package_and_says_what_its_pyproject_says(db):
    files = _wheel_files(notifier_wheel.notifier_wheel().content)
    sources = sorted(
        f"otklik_notifier/{p.relative_to(NOTIFIER / 'src' / 'otklik_notifier').as_posix()}"
        for p in (NOTIFIER / "src" / "otklik_notifier").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert sorted(n for n in files if n.startswith("otklik_notifier/")) == sources
    for name in sources:
        assert files[name] == (ROOT / "notifier" / "src" / name).read_bytes()
    project = tomllib.loads((NOTIFIER / "pyproject.toml").read_text())["project"]
    dist_info = "otklik_notifier-0.1.0.dist-info"
    metadata = files[f"{dist_info}/METADATA"].decode()
    assert f"Name: {project['name']}\n" in metadata
    assert f"Requires-Python: {project['requires-python']}\n" in metadata
    wanted = [
        line
        for line in (NOTIFIER / "src" / "otklik_notifier" / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert [
        line.removeprefix("Requires-Dist: ") for line in metadata.splitlines() if line.startswith("Requires-Dist")
    ] == wanted
    assert any(r.startswith("desktop-notifier") for r in wanted)
    scripts = "".join(f"{k} = {v}\n" for k, v in project["scripts"].items())
    assert files[f"{dist_info}/entry_points.txt"].decode() == f"[console_scripts]\n{scripts}"
    record = files[f"{dist_info}/RECORD"].decode().splitlines()
    assert len(record) == len(files) and f"{dist_info}/RECORD,," in record


@pytest.mark.django_db(transaction=True)
def test_the_wheel_installs_from_the_servers_address_and_its_command_runs(live_server, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    url = f"{live_server.url}/notifier/{filename()}"
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", url],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    shown = subprocess.run(
        [str(venv / "bin" / "otklik-notifier"), "--help"], capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    assert "Your Otklik notifications on the desktop." in shown.stdout and "pair" in shown.stdout


def test_the_page_gives_the_install_command_for_this_server(personas, settings):
    settings.BASE_URL = "https://helpdesk.example.org"
    page = browser(personas.initiator).get("/settings/notifier").content.decode()
    command = f"pipx install https://helpdesk.example.org/notifier/{filename()}"
    assert f'<code data-testid="install-command">{command}</code>' in page
    assert "./notifier" not in page


def test_the_server_side_never_imports_the_desktop_libraries():
    code = (
        "import django, sys; django.setup();"
        "import otklik.notify.management.commands.notifier, otklik.web.notifier_wheel as w; w.notifier_wheel();"
        "assert 'desktop_notifier' not in sys.modules, 'desktop_notifier imported'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "otklik.settings"},
    )
    assert done.returncode == 0, done.stderr
