"""The `otklik` commands: demo (idempotent), worker --once, serve's argument checks."""

import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from otklik.accounts.models import GroupMembership, SupportGroup, User
from otklik.catalog.models import Category, FormField, Priority, RequestType
from otklik.routes.models import Route, RoutePoint, Transition
from otklik.runtime.supervisor import ServeError, ensure_free, parse_addr
from otklik.tickets.attachments import attachment_add
from otklik.tickets.models import Ticket


def _counts():
    return {
        m.__name__: m.objects.count()
        for m in (
            User,
            GroupMembership,
            Category,
            Priority,
            RequestType,
            FormField,
            Route,
            RoutePoint,
            Transition,
            Ticket,
        )
    }


@pytest.mark.django_db
def test_demo_is_idempotent_and_prints_logins():
    out = StringIO()
    call_command("demo", stdout=out)
    first = _counts()
    call_command("demo", stdout=StringIO())
    assert _counts() == first
    assert first["Ticket"] == 3 and first["RequestType"] == 3 and first["User"] == 7
    for name in ("initiator", "initiator2", "agent", "agent2", "lead", "manager", "admin"):
        assert f"{name} / {name}" in out.getvalue()
        assert User.objects.get(username=name).check_password(name)
    assert all(r.is_active and r.problems() == [] for r in Route.objects.all())


@pytest.mark.django_db
def test_demo_keeps_a_changed_password():
    call_command("demo", stdout=StringIO())
    agent = User.objects.get(username="agent")
    agent.set_password("a-better-secret")
    agent.save()
    call_command("demo", stdout=StringIO())
    assert User.objects.get(username="agent").check_password("a-better-secret")


@pytest.mark.django_db
def test_demo_keeps_how_the_administrator_set_a_group_to_take_requests():
    """`make run` loads the demo on every start: a group switched to automatic assignment, with
    another dispatcher, stays so."""
    call_command("demo", stdout=StringIO())
    group = SupportGroup.objects.get(code="first-line")
    assert not group.auto_assign and group.dispatcher is None
    group.auto_assign, group.dispatcher = True, User.objects.get(username="agent")
    group.save()
    call_command("demo", stdout=StringIO())
    group.refresh_from_db()
    assert group.auto_assign and group.dispatcher.username == "agent"


def test_worker_once_sweeps_only_old_orphan_files(personas, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)  # this test's files only, whatever other tests left behind
    ticket = Ticket.objects.filter(initiator=personas.initiator).first()
    kept = attachment_add(ticket=ticket, actor=personas.initiator, upload=SimpleUploadedFile("a.txt", b"hello"))
    kept_path = Path(kept.file.path)
    old = time.time() - 7200
    os.utime(kept_path, (old, old))
    orphan_dir = Path(settings.MEDIA_ROOT) / "attachments" / "999" / "999"
    orphan_dir.mkdir(parents=True, exist_ok=True)
    orphan, fresh = orphan_dir / "orphan-token", orphan_dir / "fresh-token"
    orphan.write_bytes(b"left by a crash")
    fresh.write_bytes(b"a transaction may still be writing its row")
    os.utime(orphan, (old, old))

    out = StringIO()
    call_command("worker", "--once", stdout=out)

    assert "attachments.sweep_orphans: 1" in out.getvalue()
    assert not orphan.exists()
    assert fresh.exists() and kept_path.exists()


@pytest.mark.parametrize("value", ["8000", "host:", ":80", "127.0.0.1:99999", "127.0.0.1:http"])
def test_serve_refuses_a_bad_address(value):
    with pytest.raises(ServeError, match="is not HOST:PORT"):
        parse_addr(value)


def test_serve_parses_addresses():
    assert parse_addr("127.0.0.1:8000") == ("127.0.0.1", 8000)
    assert parse_addr("[::1]:8080") == ("::1", 8080)


def test_serve_refuses_an_address_in_use_naming_it():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServeError, match=f"cannot listen on 127.0.0.1:{port}"):
            ensure_free("127.0.0.1", port)
    ensure_free("127.0.0.1", port)  # free again once closed


def test_the_supervisor_of_serve_loads_no_django():
    """`otklik serve` is handed to the supervisor before Django loads: the process that only starts and
    watches the others stays small (issue 15: its memory). Its arguments are checked without Django too."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = (
        "import sys; import otklik.runtime.supervisor as s; "
        f"s.children(s.parser().parse_args(['--addr', '127.0.0.1:{port}', '--no-stream'])); "
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _fresh_python(code: str, data_dir: Path) -> str:
    """What `code` prints in a new interpreter with Otklik's defaults (SQLite in `data_dir`, the
    settings module chosen by what it imports), as a process of `otklik serve` starts."""
    env = {**os.environ, "OTKLIK_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout


def test_the_stream_process_loads_no_admin_and_no_api_framework(tmp_path):
    """The live stream's process (otklik.asgi_stream, as `otklik serve` runs it) serves its path and
    the health check and loads only what it needs: no admin modules, no ninja or pydantic (issue 15:
    its memory). What it does not serve gets JSON, never the site's pages (which it cannot render)."""
    code = (
        "import asyncio, sys; import otklik.asgi_stream; from django.urls import resolve, get_resolver\n"
        "from django.test import AsyncClient\n"
        "print(resolve('/api/v1/notifications/stream').url_name, len(get_resolver().url_patterns))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'ninja', 'pydantic', 'holidays'}), "
        "'django.contrib.admin' in sys.modules)\n"
        "async def asks():\n"
        "    c = AsyncClient()\n"
        "    for r in (await c.post('/api/v1/notifications/stream'), await c.get('/x\\x00'), "
        "await c.post('/admin/', {'a': 'b'}), await c.get('/api/v1/health')):\n"
        "        print(r.status_code, r['Content-Type'], r.json().get('code', r.json().get('status')))\n"
        "asyncio.run(asks())\n"
    )
    out = _fresh_python(code, tmp_path)
    assert out.splitlines() == [
        "notifications-stream 2",
        "[] False",
        "405 application/json method_not_allowed",
        "404 application/json not_found",
        "404 application/json not_found",
        "200 application/json ok",
    ]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--addr", "8000"], "--addr '8000' is not HOST:PORT (for example 127.0.0.1:8000)"),
        (["--web-workers", "0"], "--web-workers '0' must be a whole number, 1 or more"),
        (["--addr", "127.0.0.1:8000", "--stream-addr", "127.0.0.1:8000"], "--stream-addr must differ from --addr"),
    ],
)
def test_serve_names_a_bad_argument_in_one_line(args, said):
    done = subprocess.run([sys.executable, "-m", "otklik", "serve", *args], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"otklik serve: {said}"


def test_the_web_servers_master_warms_the_application_without_a_connection_or_a_thread(tmp_path):
    """gunicorn's master loads the application and builds what the workers share before forking them
    (runtime/gunicorn_conf.py): that must open no database connection and start no thread, which
    would be copied into every worker; a pool left open stops the start."""
    code = (
        "import threading, otklik.wsgi\n"
        "from django.db import connections\n"
        "from django.db.backends.signals import connection_created\n"
        "opened = []\n"
        "connection_created.connect(lambda sender, connection, **kw: opened.append(connection.alias))\n"
        "from otklik.runtime import gunicorn_conf\n"
        "gunicorn_conf.warm()\n"
        "print(opened, [t.name for t in threading.enumerate()])\n"
        "connections['default'].ensure_connection()\n"
        "type(connections['default'])._connection_pools = {'default': object()}\n"
        "try:\n"
        "    gunicorn_conf.warm()\n"
        "except RuntimeError as e:\n"
        "    print(e)\n"
    )
    out = _fresh_python(code, tmp_path)
    assert out.splitlines() == [
        "[] ['MainThread']",
        "a database pool was opened before the web workers were forked: ['default']",
    ]
