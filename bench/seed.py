"""Benchmark data generator: N requests with their history (issue 2).

    python bench/seed.py --requests 100000 [--database-url URL] [--batch 2000] [--recreate]

Migrates the database, loads the demo organisation, adds bench initiators spread over a few
organisations, then writes N requests with a consistent per-stage log (created + transitions,
assignments, comments, notes) using bulk inserts, one transaction per batch. Request numbers
continue after the existing ones and RequestType.last_number is kept in step, so later API
creates never collide. The log table refuses UPDATE/DELETE (triggers): this only INSERTs.

The database: --database-url, else $DATABASE_URL, else the bench PostgreSQL database
postgres://postgres@127.0.0.1:5432/otklik_bench. Works against SQLite and PostgreSQL. With
--recreate the database is dropped and created afresh (PostgreSQL: DROP/CREATE DATABASE
through the server's "postgres" database; SQLite: the file is removed). A missing PostgreSQL
database is created in any case.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/otklik_bench"

# --- the shape of the workload ---------------------------------------------------------
TYPE_WEIGHTS = {"error": 50, "request": 35, "wish": 15}
PRIORITY_WEIGHTS = {"critical": 4, "high": 18, "normal": 58, "low": 20}
# Category per type (None = no category). "hardware" is out of scope: ~2% of requests go
# straight to the route's out-of-scope point.
CATEGORY_WEIGHTS = {
    "error": {"accounting": 20, "accounting-reports": 25, "accounting-payroll": 15, "email": 15, "access": 8, None: 15},
    "request": {"access": 45, "email": 15, "accounting": 10, "accounting-payroll": 10, None: 20},
    "wish": {"accounting": 30, "accounting-reports": 30, "accounting-payroll": 20, "email": 5, None: 15},
}
OUT_OF_SCOPE_SHARE = 0.02
# Paths along each route (transition codes from the start point) with their weights; about
# 30% of requests stay open (new, accepted, in work, waiting, resolved-but-unconfirmed).
PATHS: dict[str, list[tuple[tuple[str, ...], int]]] = {
    "error": [
        ((), 8),
        (("accept",), 5),
        (("accept", "start"), 10),
        (("accept", "start", "resolve"), 6),
        (("accept", "start", "resolve", "reject"), 1),
        (("accept", "start", "resolve", "confirm"), 55),
        (("accept", "start", "resolve", "reject", "resolve", "confirm"), 5),
        (("decline",), 5),
        (("withdraw",), 5),
    ],
    "wish": [
        ((), 8),
        (("review",), 8),
        (("review", "approve"), 5),
        (("review", "approve", "develop"), 6),
        (("review", "approve", "develop", "deliver"), 3),
        (("review", "approve", "develop", "deliver", "confirm"), 40),
        (("review", "approve", "develop", "deliver", "reject", "deliver", "confirm"), 5),
        (("review", "decline"), 20),
        (("withdraw",), 5),
    ],
    "request": [
        ((), 8),
        (("take",), 10),
        (("take", "ask"), 6),
        (("take", "resolve"), 4),
        (("take", "ask", "provide"), 2),
        (("take", "resolve", "confirm"), 45),
        (("take", "ask", "provide", "resolve", "confirm"), 12),
        (("take", "resolve", "reject", "resolve", "confirm"), 3),
        (("decline",), 5),
        (("withdraw",), 5),
    ],
}
# Records after "created": at least 2, at most 6 (comments pad short histories).
MIN_EXTRA, MAX_EXTRA = 2, 6
EXTRA_COMMENT_CHANCE = 0.15
SPAN_DAYS = 365  # requests are spread over the last year ...
QUIET_DAYS = 3  # ... ending this many days ago, so every history lies in the past
MAX_GAP_HOURS = 8

SUBJECTS = {
    "error": [
        "Отчёт по остаткам не формируется",
        "Ошибка при проведении документа",
        "Не приходит почта от контрагентов",
        "Зависает форма ввода заказа",
        "Неверно считается НДС в счёте",
        "Не открывается раздел «Договоры»",
        "Ошибка печати платёжного поручения",
        "После обновления не запускается клиент",
    ],
    "request": [
        "Нужен доступ к разделу «Договоры»",
        "Создать учётную запись новому сотруднику",
        "Консультация по закрытию месяца",
        "Добавить почтовый ящик отдела",
        "Сбросить пароль",
        "Выдать права на отчёты склада",
    ],
    "wish": [
        "Выгрузка реестра платежей в Excel",
        "Фильтр по ответственному в списке заказов",
        "Автоматическая рассылка актов сверки",
        "Новый отчёт по просроченной дебиторке",
        "Горячие клавиши в форме документа",
    ],
}
STEPS = [
    "Отчёты → Остатки → Сформировать: ошибка «деление на ноль».",
    "Открыть документ, нажать «Провести»: появляется окно с ошибкой.",
    "Войти в систему, открыть список: форма не отвечает минуту.",
    "Сформировать счёт на 3 позиции: итог НДС на копейку больше.",
]
BENEFITS = ["Экономия двух часов в неделю на сверке.", "Меньше ручных ошибок.", "Быстрее закрытие месяца."]
REQUEST_KINDS = ["access", "new_account", "consultation", "other"]
COMMENTS_INITIATOR = ["Проблема повторилась сегодня.", "Спасибо, жду.", "Прикладываю подробности.", "Когда ждать?"]
COMMENTS_STAFF = ["Проверяем, ответим сегодня.", "Уточните, пожалуйста, версию.", "Передали разработчикам."]
NOTES = ["Похоже на известную ошибку 1С.", "Нужна консультация второй линии.", "Проверить права в AD."]
RESOLUTIONS = ["Исправлено, проверьте, пожалуйста.", "Права выданы.", "Настройки исправлены, всё работает."]
DECLINES = ["Это не ошибка: так задумано.", "Дубликат другой заявки.", "Не относится к нашей поддержке."]
FIRST_NAMES = ["Иван", "Мария", "Пётр", "Анна", "Дмитрий", "Елена", "Олег", "Наталья", "Юрий", "Татьяна"]
LAST_NAMES = ["Иванов", "Петрова", "Сидоров", "Кузнецова", "Попов", "Смирнова", "Волков", "Зайцева", "Орлов"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000, help="requests to create (default 100000)")
    parser.add_argument(
        "--database-url", default=None, help=f"the database (default: $DATABASE_URL, else {DEFAULT_DB})"
    )
    parser.add_argument("--batch", type=int, default=2000, help="requests per transaction (default 2000)")
    parser.add_argument("--initiators", type=int, default=200, help="extra initiators (default 200)")
    parser.add_argument("--organisations", type=int, default=5, help="organisations they belong to (default 5)")
    parser.add_argument("--seed", type=int, default=20260101, help="random seed (default fixed: reproducible)")
    parser.add_argument("--recreate", action="store_true", help="drop and create the database first")
    args = parser.parse_args(argv)
    if args.requests < 0 or args.batch < 1 or args.initiators < 1 or args.organisations < 1:
        parser.error("--requests must be >= 0; --batch, --initiators and --organisations >= 1")
    return args


# --- database creation (before Django is set up) -----------------------------------------
def check_bench_database(url: str) -> None:
    """The benchmarks load the demo (users whose password is their name), write test data and may
    drop the database: never let a $DATABASE_URL exported for real use point them at real data."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/")) if not parts.scheme.startswith("sqlite") else Path(parts.path).name
    if "bench" not in name:
        raise SystemExit(
            f"refusing the database {name!r}: benchmarks write demo users and test data, so its name must "
            "contain 'bench' (e.g. otklik_bench); pass --database-url"
        )


def prepare_database(url: str, *, recreate: bool) -> None:
    """Create the PostgreSQL database if missing (or drop and create it); remove the SQLite file on recreate."""
    check_bench_database(url)
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        import dj_database_url

        path = str(dj_database_url.parse(url)["NAME"] or "")
        if recreate and path and path != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
            print(f"removed SQLite database {path}")
        return
    import psycopg
    from psycopg import sql

    name = unquote(parts.path.lstrip("/"))
    admin = psycopg.conninfo.make_conninfo(
        host=parts.hostname or "",
        port=parts.port or "",
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        dbname="postgres",
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            print(f"dropped database {name}")
            exists = False
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "otklik.settings"
    import django

    django.setup()


# --- the route model, in memory -----------------------------------------------------------
@dataclass(frozen=True)
class Step:
    id: int
    code: str
    source_id: int
    target_id: int
    actors: frozenset[str]
    comment_required: bool
    arrival: str
    reaction: str


@dataclass
class RouteModel:
    start_id: int
    out_of_scope_id: int | None
    final: set[int]
    point_code: dict[int, str]
    steps: dict[tuple[int, str], Step]

    def step(self, point_id: int, code: str) -> Step:
        return self.steps[(point_id, code)]


@dataclass
class Staff:
    manager_id: int
    members: dict[int, list[int]]  # group -> staff members
    leads: dict[int, list[int]]  # group -> leads
    dispatcher: dict[int, int | None]  # group -> who receives new requests


@dataclass
class TypeInfo:
    id: int
    code: str
    prefix: str
    default_group_id: int
    route: RouteModel
    fields: list[str] = field(default_factory=list)


@dataclass
class CategoryInfo:
    id: int
    code: str
    group_id: int | None
    in_scope: bool
    note: str


def load_routes() -> dict[int, RouteModel]:
    from otklik.routes.models import Route

    models: dict[int, RouteModel] = {}
    for route in Route.objects.prefetch_related("points", "transitions"):
        points = list(route.points.all())
        start = next(p for p in points if p.is_start)
        steps = {
            (t.source_id, t.code): Step(
                id=t.pk,
                code=t.code,
                source_id=t.source_id,
                target_id=t.target_id,
                actors=frozenset(t.actors()),
                comment_required=t.comment_required,
                arrival=t.executor_on_arrival,
                reaction=t.reaction,
            )
            for t in route.transitions.all()
        }
        models[route.pk] = RouteModel(
            start_id=start.pk,
            out_of_scope_id=route.out_of_scope_point_id,
            final={p.pk for p in points if p.is_final},
            point_code={p.pk: p.code for p in points},
            steps=steps,
        )
    return models


def load_staff() -> Staff:
    from otklik.accounts.directory import directory
    from otklik.accounts.models import GroupMembership, Role, SupportGroup, User

    manager = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("id").first()
    if manager is None:
        raise SystemExit("no support manager found: the demo organisation did not load")
    members: dict[int, list[int]] = {}
    leads: dict[int, list[int]] = {}
    for gm in GroupMembership.objects.filter(group__is_active=True, user__is_active=True).order_by("id"):
        members.setdefault(gm.group_id, []).append(gm.user_id)
        if gm.is_lead:
            leads.setdefault(gm.group_id, []).append(gm.user_id)
    dispatcher = {g.pk: directory().dispatchers.get(g.pk) for g in SupportGroup.objects.filter(is_active=True)}
    return Staff(manager_id=manager.pk, members=members, leads=leads, dispatcher=dispatcher)


def ensure_initiators(count: int, organisations: int) -> list[tuple[int, int | None]]:
    """The bench initiators (created once, reused on later runs) plus the demo ones: (user id, organisation id)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from otklik.accounts.models import Organisation, Role, User

    with transaction.atomic():
        orgs = []
        for n in range(1, organisations + 1):
            org, _ = Organisation.objects.get_or_create(
                code=f"bench-org-{n}", defaults={"name": f"ООО «Бенч {n}» / Bench {n} Ltd"}
            )
            orgs.append(org)
        names = [f"bench-user-{n:04d}" for n in range(1, count + 1)]
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        rnd = random.Random(7)
        new = []
        for n, name in enumerate(names):
            if name in existing:
                continue
            new.append(
                User(
                    username=name,
                    first_name=rnd.choice(FIRST_NAMES),
                    last_name=rnd.choice(LAST_NAMES),
                    email=f"{name}@example.com",
                    role=Role.INITIATOR,
                    organisation=orgs[n % len(orgs)],
                    # One in forty sees the whole organisation's requests.
                    sees_organisation_requests=n % 40 == 0,
                    password=make_password(None),
                )
            )
        User.objects.bulk_create(new, batch_size=500)
    rows = User.objects.filter(role=Role.INITIATOR, is_active=True).order_by("id")
    return list(rows.values_list("id", "organisation_id"))


# --- one request's history ----------------------------------------------------------------
@dataclass
class Record:
    actor_id: int | None
    role: str
    point_id: int
    event: str
    when: datetime
    reaction: str = ""
    transition_id: int | None = None
    to_point_id: int | None = None
    body: str = ""
    internal: bool = False
    field: str = ""
    old_value: Any = None
    new_value: Any = None


class Generator:
    def __init__(
        self,
        rnd: random.Random,
        staff: Staff,
        types: dict[str, TypeInfo],
        cats: dict[str, CategoryInfo],
        priorities: dict[str, int],
    ) -> None:
        self.rnd = rnd
        self.priorities = priorities
        self.staff = staff
        self.types = types
        self.cats = cats
        self.type_codes = list(TYPE_WEIGHTS)
        self.type_weights = list(TYPE_WEIGHTS.values())
        self.priority_codes = list(PRIORITY_WEIGHTS)
        self.priority_weights = list(PRIORITY_WEIGHTS.values())
        self.staff_ids = {self.staff.manager_id} | {u for m in staff.members.values() for u in m}

    def role(self, actor_id: int | None, initiator_id: int, executor_id: int | None) -> str:
        """As otklik.tickets.access.actor_role, on the request's state before the action."""
        if actor_id is None:
            return "system"
        if actor_id == initiator_id:
            return "initiator"
        if actor_id == executor_id:
            return "executor"
        return "staff" if actor_id in self.staff_ids else "other"

    def pick_actor(self, step: Step, initiator_id: int, executor_id: int | None, group_id: int) -> int:
        """Someone who counts as one of the transition's actors (as actor_capacities would say)."""
        weights: dict[int, float] = {}

        def add(uid: int | None, w: float) -> None:
            if uid is not None:
                weights[uid] = weights.get(uid, 0) + w

        if "initiator" in step.actors:
            add(initiator_id, 10)
        if "executor" in step.actors:
            add(executor_id, 10)
        if "group_member" in step.actors:
            for uid in self.staff.members.get(group_id, []):
                add(uid, 4)
        if "group_lead" in step.actors:
            for uid in self.staff.leads.get(group_id, []):
                add(uid, 3)
        if {"manager", "group_lead", "group_member"} & step.actors:
            add(self.staff.manager_id, 1)  # a manager counts as lead and member of every group
        if not weights:
            raise RuntimeError(f"nobody may take {step.code} here")
        ids = list(weights)
        return self.rnd.choices(ids, weights=[weights[i] for i in ids])[0]

    def gap(self) -> timedelta:
        minutes = min(self.rnd.expovariate(1 / 180), MAX_GAP_HOURS * 60)
        return timedelta(minutes=max(1.0, minutes), seconds=self.rnd.randrange(60))

    def comment(
        self, initiator_id: int, executor_id: int | None, group_id: int, point_id: int, when: datetime
    ) -> Record:
        r = self.rnd.random()
        if r < 0.45:
            return Record(
                initiator_id,
                "initiator",
                point_id,
                "comment",
                when,
                "initiator_replied",
                body=self.rnd.choice(COMMENTS_INITIATOR),
            )
        staff = (
            executor_id
            if executor_id is not None and r < 0.85
            else self.rnd.choice(self.staff.members.get(group_id) or [self.staff.manager_id])
        )
        role = self.role(staff, initiator_id, executor_id)
        if r < 0.85:
            return Record(
                staff, role, point_id, "comment", when, "executor_replied", body=self.rnd.choice(COMMENTS_STAFF)
            )
        return Record(staff, role, point_id, "note", when, body=self.rnd.choice(NOTES), internal=True)

    def fields_for(self, type_code: str) -> dict[str, Any]:
        rnd = self.rnd
        if type_code == "error":
            out: dict[str, Any] = {"steps": rnd.choice(STEPS)}
            if rnd.random() < 0.5:
                out["affected_users"] = rnd.randint(1, 50)
            if rnd.random() < 0.3:
                out["blocking"] = rnd.random() < 0.3
            return out
        if type_code == "wish":
            return {"benefit": rnd.choice(BENEFITS)}
        return {"kind": rnd.choice(REQUEST_KINDS)}

    def request(
        self, created: datetime, initiator: tuple[int, int | None]
    ) -> tuple[dict[str, Any], list[Record], TypeInfo]:
        """A request's columns (without number) and its log, consistent with its route."""
        rnd = self.rnd
        initiator_id, org_id = initiator
        rtype = self.types[rnd.choices(self.type_codes, weights=self.type_weights)[0]]
        route = rtype.route
        if rnd.random() < OUT_OF_SCOPE_SHARE and route.out_of_scope_id is not None and "hardware" in self.cats:
            cat: CategoryInfo | None = self.cats["hardware"]
        else:
            weights = CATEGORY_WEIGHTS[rtype.code]
            code = rnd.choices(list(weights), weights=list(weights.values()))[0]
            cat = self.cats.get(code) if code else None
        group_id = (cat.group_id if cat else None) or rtype.default_group_id
        point_id = route.start_id
        records = [Record(initiator_id, "initiator", point_id, "created", created)]
        when = created
        closed_at = None
        transitions = 0
        if cat is not None and not cat.in_scope:
            executor_id = None
            oos = route.out_of_scope_id
            assert oos is not None
            records.append(
                Record(
                    None,
                    "system",
                    point_id,
                    "transition",
                    when,
                    "declined_out_of_scope",
                    to_point_id=oos,
                    body=cat.note,
                )
            )
            point_id, closed_at = oos, when
        else:
            executor_id = self.staff.dispatcher.get(group_id)
            codes, _ = rnd.choices(PATHS[rtype.code], weights=[w for _, w in PATHS[rtype.code]])[0]
            # First the moves along the route (a transition, and an assignment when the executor
            # changes), with the state after each; then comments slotted in between them.
            moves: list[list[Record]] = []
            states: list[tuple[int, int | None, datetime]] = [(point_id, executor_id, when)]
            for code in codes:
                when = when + self.gap()
                step = route.step(point_id, code)
                actor = self.pick_actor(step, initiator_id, executor_id, group_id)
                role = self.role(actor, initiator_id, executor_id)
                new_executor = executor_id
                if step.arrival == "actor":
                    new_executor = actor
                elif step.arrival == "dispatcher":
                    new_executor = self.staff.dispatcher.get(group_id)
                elif step.arrival == "initiator":
                    new_executor = initiator_id
                elif step.arrival == "chosen":
                    new_executor = rnd.choice(self.staff.members.get(group_id) or [self.staff.manager_id])
                body = ""
                if step.comment_required:
                    body = rnd.choice(
                        RESOLUTIONS if step.reaction in ("executor_resolved", "executor_delivered") else DECLINES
                    )
                move = [
                    Record(
                        actor,
                        role,
                        point_id,
                        "transition",
                        when,
                        step.reaction,
                        transition_id=step.id,
                        to_point_id=step.target_id,
                        body=body,
                    )
                ]
                if new_executor != executor_id:
                    move.append(
                        Record(
                            actor,
                            role,
                            step.target_id,
                            "assignment",
                            when,
                            field="executor",
                            old_value=executor_id,
                            new_value=new_executor,
                        )
                    )
                point_id, executor_id = step.target_id, new_executor
                transitions += 1
                closed_at = when if point_id in route.final else None
                moves.append(move)
                states.append((point_id, executor_id, when))
            extra = sum(len(m) for m in moves)
            comments = max(0, MIN_EXTRA - extra) + (1 if rnd.random() < EXTRA_COMMENT_CHANCE else 0)
            comments = min(comments, max(0, MAX_EXTRA - extra))
            slots = sorted(rnd.randint(0, len(moves)) for _ in range(comments))
            for k, (at_point, at_executor, at_time) in enumerate(states):
                in_slot = slots.count(k)
                if k < len(moves):  # between this state and the next move
                    span = moves[k][0].when - at_time
                    times = sorted(at_time + span * rnd.uniform(0.05, 0.95) for _ in range(in_slot))
                else:  # after the last move
                    times = []
                    for _ in range(in_slot):
                        when = when + self.gap()
                        times.append(when)
                for t in times:
                    records.append(self.comment(initiator_id, at_executor, group_id, at_point, t))
                if k < len(moves):
                    records.extend(moves[k])
        subject = rnd.choice(SUBJECTS[rtype.code])
        columns = {
            "request_type_id": rtype.id,
            "subject": subject,
            "description": f"{subject}. Подробности во вложении к письму." if rnd.random() < 0.7 else "",
            "fields": self.fields_for(rtype.code),
            "initiator_id": initiator_id,
            "organisation_id": org_id,
            "category_id": cat.id if cat else None,
            "priority_id": self.priorities[rnd.choices(self.priority_codes, weights=self.priority_weights)[0]],
            "group_id": group_id,
            "executor_id": executor_id,
            "point_id": point_id,
            "is_open": point_id not in route.final,
            "version": 1 + transitions,
            "created_at": created,
            "updated_at": when,
            "closed_at": closed_at,
        }
        return columns, records, rtype


def seed(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from tqdm import tqdm

    from otklik.catalog.models import Category, Priority, RequestType
    from otklik.catalog.reference import reference
    from otklik.runtime.demo import demo_load
    from otklik.sla.models import Clock
    from otklik.sla.services import sla_apply_new
    from otklik.tickets.models import LogRecord, Ticket, search_text

    t_start = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    demo_load()
    initiators = ensure_initiators(args.initiators, args.organisations)
    demo_ids = [i for i in initiators if i[0] in _demo_initiator_ids()]
    routes = load_routes()
    staff = load_staff()
    types = {
        rt.code: TypeInfo(
            id=rt.pk, code=rt.code, prefix=rt.prefix, default_group_id=rt.default_group_id, route=routes[rt.route_id]
        )
        for rt in RequestType.objects.filter(is_active=True, code__in=list(TYPE_WEIGHTS))
    }
    missing = set(TYPE_WEIGHTS) - set(types)
    if missing:
        raise SystemExit(f"request types missing after the demo load: {', '.join(sorted(missing))}")
    cats = {
        c.code: CategoryInfo(c.pk, c.code, c.effective_group_id(), c.in_scope, c.out_of_scope_note)
        for c in Category.objects.select_related("parent").filter(is_active=True)
    }
    rnd = random.Random(args.seed)
    priorities = dict(Priority.objects.filter(is_active=True).values_list("code", "id"))
    gen = Generator(rnd, staff, types, cats, priorities)
    print(
        f"setup: migrate + demo + {len(initiators)} initiators in {time.perf_counter() - t_start:.1f} s; "
        f"database {connection.vendor} {connection.settings_dict['NAME']}"
    )

    end = timezone.now() - timedelta(days=QUIET_DAYS)
    start = end - timedelta(days=SPAN_DAYS)
    step = (end - start) / max(1, args.requests)
    n_tickets = n_records = 0
    t0 = time.perf_counter()
    with tqdm(total=args.requests, unit="req", unit_scale=True, dynamic_ncols=True) as bar:
        done = 0
        while done < args.requests:
            size = min(args.batch, args.requests - done)
            batch = []
            for i in range(size):
                created = start + step * (done + i) + timedelta(seconds=rnd.uniform(0, step.total_seconds()))
                # 2% of requests come from the demo initiators, so that persona has a real list.
                who = rnd.choice(demo_ids) if demo_ids and rnd.random() < 0.02 else rnd.choice(initiators)
                batch.append(gen.request(created, who))
            with transaction.atomic():
                # Lock the types (PostgreSQL; SQLite's IMMEDIATE transaction locks the file) and
                # continue their numbering, then record the new last numbers in the same transaction.
                last = dict(
                    RequestType.objects.select_for_update()
                    .filter(pk__in=[t.id for t in types.values()])
                    .values_list("id", "last_number")
                )
                tickets = []
                for columns, _, rtype in batch:
                    last[rtype.id] += 1
                    seq = last[rtype.id]
                    number = f"{rtype.prefix}-{seq:06d}"
                    tickets.append(
                        Ticket(number=number, search=search_text(number, columns["subject"]), seq=seq, **columns)
                    )
                # Open requests carry their SLA clocks as filed, computed by the real service with
                # the demo's calendar and policies (most are long overdue: the span is months).
                clocks: list[tuple[Ticket, list[Clock], list[LogRecord]]] = []
                ref = reference()
                moment = timezone.now()
                for t in tickets:
                    if t.is_open:
                        ref.attach(t)
                        clocks.append((t, *sla_apply_new(t, when=t.created_at)))
                        if t.sla_due_at is not None and t.sla_due_at <= moment:
                            # Flagged as written (see below): an UPDATE of a quarter of the rows
                            # afterwards would leave every index of the table twice its size.
                            t.sla_breached, t.sla_due_at, t.sla_warn_at = True, None, None
                Ticket.objects.bulk_create(tickets, batch_size=1000)
                if any(t.pk is None for t in tickets):  # a backend without RETURNING
                    ids = dict(
                        Ticket.objects.filter(number__in=[t.number for t in tickets]).values_list("number", "id")
                    )
                    for t in tickets:
                        t.pk = ids[t.number]
                reactions = [
                    LogRecord(
                        ticket_id=t.pk,
                        created_at=r.when,
                        actor_id=r.actor_id,
                        actor_role=r.role,
                        point_id=r.point_id,
                        event=r.event,
                        reaction=r.reaction,
                        transition_id=r.transition_id,
                        to_point_id=r.to_point_id,
                        body=r.body,
                        internal=r.internal,
                        field=r.field,
                        old_value=r.old_value,
                        new_value=r.new_value,
                    )
                    for t, (_, records, _) in zip(tickets, batch, strict=True)
                    for r in records
                ]
                for t, rows, ledger in clocks:
                    for row in (*rows, *ledger):
                        row.ticket_id = t.pk
                    reactions.extend(ledger)
                Clock.objects.bulk_create([row for _, rows, _ in clocks for row in rows], batch_size=2000)
                LogRecord.objects.bulk_create(reactions, batch_size=2000)
                for type_id, number in last.items():
                    RequestType.objects.filter(pk=type_id, last_number__lt=number).update(last_number=number)
            done += size
            n_tickets += len(tickets)
            n_records += len(reactions)
            bar.update(size)
            bar.set_postfix(log=n_records)
    elapsed = time.perf_counter() - t0

    # A service whose timer worker has been running has its overdue requests flagged breached, and
    # a request whose clocks all breached has no running deadline left. Approximated here on the
    # request's columns (what the list filters read); the clocks themselves are left as filed and
    # `sla_next_at` stays set, so a worker run against this database completes their ledgers.
    # Done as each batch is written; this catches the few that fell due during the seeding.
    Ticket.objects.filter(is_open=True, sla_due_at__lte=timezone.now()).update(
        sla_breached=True, sla_due_at=None, sla_warn_at=None
    )

    t_an = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for table in (Ticket._meta.db_table, LogRecord._meta.db_table):
                cur.execute(f"VACUUM ANALYZE {table}")
        else:
            cur.execute("ANALYZE")
    analyse = time.perf_counter() - t_an

    rows = n_tickets + n_records
    open_share = Ticket.objects.filter(is_open=True).count() / max(1, Ticket.objects.count())
    print(
        f"\n{n_tickets} requests + {n_records} log records = {rows} rows in {elapsed:.1f} s: "
        f"{rows / max(elapsed, 1e-9):,.0f} rows/s ({n_tickets / max(elapsed, 1e-9):,.0f} requests/s); "
        f"{n_records / max(1, n_tickets):.2f} log records per request"
    )
    print(f"analyse: {analyse:.1f} s; total {time.perf_counter() - t_start:.1f} s")
    print(
        f"database now holds {Ticket.objects.count()} requests ({open_share:.0%} open), "
        f"{LogRecord.objects.count()} log records; last numbers: "
        + ", ".join(f"{c}={n}" for c, n in RequestType.objects.order_by("order").values_list("prefix", "last_number"))
    )


def _demo_initiator_ids() -> set[int]:
    from otklik.accounts.models import User
    from otklik.runtime.demo import USERS

    names = [u["username"] for u in USERS if u["role"] == "initiator"]
    return set(User.objects.filter(username__in=names).values_list("id", flat=True))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    url = args.database_url or os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DB
    print(f"database: {url}")
    prepare_database(url, recreate=args.recreate)
    setup_django(url)
    seed(args)


if __name__ == "__main__":
    main()
