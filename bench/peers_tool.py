"""The peer's side of bench/peers.py, run with the peer's own interpreter (django-helpdesk installed).

    python peers_tool.py '{"command": "setup", ...}'   # migrate, people, seed or trim
    python peers_tool.py '{"command": "fixtures", ...}'  # agents, queues, ticket ids to read

bench/peers.py copies this file into the peer's generated project and runs it there, with
DJANGO_SETTINGS_MODULE pointing at that project's settings; it prints one line
`BENCH-JSON {...}` with its result. Not importable from Otklik's environment (no helpdesk there).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerproj.settings")
import django

django.setup()  # before the imports below: models load only once Django is set up
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from helpdesk.models import Queue, Ticket  # noqa: E402

COMMENTS = [
    "Проверили на тестовой базе: ошибка воспроизводится, если в документе больше ста строк.",
    "Нужен журнал регистрации за вчерашний день, пришлите, пожалуйста, выгрузку.",
    "Обновили конфигурацию, перезапустили службу. Проверьте, пожалуйста, ещё раз.",
    "Всё заработало, спасибо! Отчёт формируется, почта приходит.",
    "Передали во вторую линию: нужен доступ к серверу приложений.",
]

# Tickets like bench/seed.py's requests: created over the year before the last 3 days; 25% open,
# 5% reopened, 10% resolved, 60% closed; priorities 1-5 at 4/18/58/15/5%; 85% assigned to an agent;
# 200 submitters. Pseudo-random values from hashtext(), so the data are the same every time.
TICKETS_SQL = """
INSERT INTO helpdesk_ticket (title, queue_id, created, modified, submitter_email, assigned_to_id, status, on_hold,
    description, resolution, priority, due_date, last_escalation, secret_key, kbitem_id, merged_to_id)
SELECT (%(subjects)s::text[])[1 + h1 %% cardinality(%(subjects)s::text[])] || ' #' || g,
       (%(queues)s::bigint[])[1 + h2 %% cardinality(%(queues)s::bigint[])],
       created, created + (h3 %% 240 + 1) * interval '1 hour',
       'bench-user-' || lpad((1 + h4 %% 200)::text, 4, '0') || '@example.com',
       CASE WHEN h5 %% 100 < 85 THEN (%(agents)s::bigint[])[1 + h5 %% cardinality(%(agents)s::bigint[])] END,
       status, false, %(description)s,
       CASE WHEN status IN (3, 4) THEN 'Исправлено в обновлении конфигурации.' END,
       CASE WHEN h6 %% 100 < 4 THEN 1 WHEN h6 %% 100 < 22 THEN 2 WHEN h6 %% 100 < 80 THEN 3
            WHEN h6 %% 100 < 95 THEN 4 ELSE 5 END,
       NULL, NULL, md5(g::text || 'secret'), NULL, NULL
FROM (
    SELECT g, abs(hashtext('a' || g)) h1, abs(hashtext('b' || g)) h2, abs(hashtext('c' || g)) h3,
           abs(hashtext('d' || g)) h4, abs(hashtext('e' || g)) h5, abs(hashtext('f' || g)) h6,
           now() - interval '3 days' - (abs(hashtext('t' || g)) %% (362 * 86400)) * interval '1 second' AS created,
           CASE WHEN abs(hashtext('s' || g)) %% 100 < 25 THEN 1
                WHEN abs(hashtext('s' || g)) %% 100 < 30 THEN 2
                WHEN abs(hashtext('s' || g)) %% 100 < 40 THEN 3 ELSE 4 END AS status
    FROM generate_series(1, %(tickets)s) g
) s
ORDER BY created
"""

# Three follow-ups a ticket: "Ticket Opened" with the description (as the peer writes one at
# creation), then two comments by the assignee (80% public), the last one setting the status of a
# resolved or closed ticket.
FOLLOWUPS_SQL = """
INSERT INTO helpdesk_followup (ticket_id, date, title, comment, public, user_id, new_status, message_id,
    time_spent, email_recipients)
SELECT t.id, t.created + (k - 1) * (t.modified - t.created) / 2,
       CASE WHEN k = 1 THEN 'Ticket Opened'
            WHEN k = 3 AND t.status = 3 THEN 'Resolved'
            WHEN k = 3 AND t.status = 4 THEN 'Closed'
            ELSE 'Comment' END,
       CASE WHEN k = 1 THEN t.description
            ELSE (%(comments)s::text[])[1 + abs(hashtext(t.id || '-' || k)) %% cardinality(%(comments)s::text[])] END,
       k = 1 OR abs(hashtext('p' || t.id || '-' || k)) %% 10 < 8,
       CASE WHEN k > 1 THEN t.assigned_to_id END,
       CASE WHEN k = 3 AND t.status IN (3, 4) THEN t.status END,
       NULL, NULL, NULL
FROM helpdesk_ticket t CROSS JOIN generate_series(1, 3) k
ORDER BY t.id, k
"""


def ensure_people(p: dict[str, Any]) -> None:
    """The agents (staff: the peer's staff see every queue) and the queues; kept between seeds."""
    user_model = get_user_model()
    password = make_password(p["password"])  # hashed once: 20 hashes would cost seconds
    for i in range(1, p["agents"] + 1):
        user_model.objects.get_or_create(
            username=f"agent{i:02d}",
            defaults={
                "is_staff": True,
                "email": f"agent{i:02d}@example.com",
                "password": password,
                "first_name": "Agent",
                "last_name": f"{i:02d}",
            },
        )
    for i in range(1, p["queues"] + 1):
        Queue.objects.get_or_create(
            slug=f"bench-{i:02d}",
            defaults={"title": f"Bench queue {i:02d}", "email_address": f"queue{i:02d}@example.com"},
        )


def seed(p: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    with connection.cursor() as c:
        c.execute("TRUNCATE helpdesk_ticket RESTART IDENTITY CASCADE")
        c.execute("SELECT array_agg(id ORDER BY id) FROM helpdesk_queue WHERE slug LIKE %s", ["bench-%"])
        queues = c.fetchone()[0]
        c.execute("SELECT array_agg(id ORDER BY id) FROM auth_user WHERE username LIKE %s AND is_staff", ["agent%"])
        agents = c.fetchone()[0]
        c.execute(
            TICKETS_SQL,
            {
                "subjects": p["subjects"],
                "queues": queues,
                "agents": agents,
                "description": p["description"],
                "tickets": p["tickets"],
            },
        )
        c.execute(FOLLOWUPS_SQL, {"comments": COMMENTS})
        c.execute("SELECT coalesce(max(id), 0) FROM helpdesk_ticket")
        max_ticket = c.fetchone()[0]
        c.execute("SELECT count(*) FROM helpdesk_followup")
        followups = c.fetchone()[0]
        c.execute("VACUUM ANALYZE helpdesk_ticket")
        c.execute("VACUUM ANALYZE helpdesk_followup")
        seconds = time.perf_counter() - t0
        c.execute("DELETE FROM bench_seed")
        c.execute(
            "INSERT INTO bench_seed VALUES (%s, %s, %s, %s, now())", [p["tickets"], followups, max_ticket, seconds]
        )
    return {"seeded": True, "seconds": round(seconds, 1)}


def setup(p: dict[str, Any]) -> dict[str, Any]:
    call_command("migrate", verbosity=0, interactive=False)
    ensure_people(p)
    with connection.cursor() as c:
        c.execute("DELETE FROM django_session")  # earlier runs' sign-ins (this database is the bench's own)
        c.execute(
            "CREATE TABLE IF NOT EXISTS bench_seed (tickets bigint, followups bigint, max_ticket_id bigint,"
            " seconds double precision, seeded_at timestamptz)"
        )
        c.execute("SELECT tickets, max_ticket_id, seconds, seeded_at FROM bench_seed")
        row = c.fetchone()
    if p["reseed"] or row is None or row[0] != p["tickets"]:
        return seed(p)
    # Tickets filed through the API by earlier runs go (with their follow-ups), so every run reads the same data.
    with transaction.atomic():
        trimmed, _ = Ticket.objects.filter(id__gt=row[1]).delete()
    return {"seeded": False, "seconds": row[2], "seeded_at": row[3].isoformat(), "trimmed_rows": trimmed}


def fixtures(p: dict[str, Any]) -> dict[str, Any]:
    agents = list(
        get_user_model()
        .objects.filter(username__startswith="agent", is_staff=True)
        .order_by("username")
        .values_list("username", flat=True)
    )
    queues = list(Queue.objects.filter(slug__startswith="bench-").order_by("id").values_list("id", flat=True))
    with connection.cursor() as c:
        c.execute("SELECT max_ticket_id FROM bench_seed")
        max_id = c.fetchone()[0]
        c.execute("SELECT id FROM helpdesk_ticket WHERE id <= %s ORDER BY random() LIMIT %s", [max_id, p["sample"]])
        ids = [r[0] for r in c.fetchall()]
        c.execute("SELECT (SELECT count(*) FROM helpdesk_ticket), (SELECT count(*) FROM helpdesk_followup)")
        tickets, followups = c.fetchone()
    random.Random(1).shuffle(ids)
    return {"agents": agents, "queues": queues, "ticket_ids": ids, "tickets": tickets, "followups": followups}


if __name__ == "__main__":
    params: dict[str, Any] = json.loads(sys.argv[1])
    result = setup(params) if params["command"] == "setup" else fixtures(params)
    connection.close()
    print("BENCH-JSON " + json.dumps(result))
