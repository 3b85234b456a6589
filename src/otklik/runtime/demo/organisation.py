"""The demo organisation as data: its people, groups, priorities, categories, routes, request types
and sample requests (load.py writes them)."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from otklik.accounts.models import Role
from otklik.core.jsonvalue import JsonValue

ORGANISATION = {"code": "demo", "name": "ООО «Демо» / Demo Ltd"}


class UserSpec(TypedDict):
    username: str
    first_name: str
    last_name: str
    role: Role
    superuser: NotRequired[bool]


class GroupSpec(TypedDict):
    code: str
    name_ru: str
    name_en: str
    members: list[tuple[str, bool]]  # user name, leads the group
    dispatcher: NotRequired[str]
    auto_assign: NotRequired[bool]  # new requests straight to the dispatcher (or lead); default: to the queue


# Form fields: code, label ru, label en, kind, required, choices, min, max.
FieldRow = tuple[str, str, str, str, bool, str, int | None, int | None]


class TypeSpec(TypedDict):
    code: str
    prefix: str
    route: str
    group: str
    order: int
    name_ru: str
    name_en: str
    description_ru: str
    description_en: str
    fields: list[FieldRow]


USERS: list[UserSpec] = [
    {"username": "initiator", "first_name": "Иван", "last_name": "Петров", "role": Role.INITIATOR},
    {"username": "initiator2", "first_name": "Мария", "last_name": "Сидорова", "role": Role.INITIATOR},
    {"username": "agent", "first_name": "Алексей", "last_name": "Смирнов", "role": Role.AGENT},
    {"username": "agent2", "first_name": "Ольга", "last_name": "Кузнецова", "role": Role.AGENT},
    {"username": "lead", "first_name": "Сергей", "last_name": "Волков", "role": Role.LEAD},
    {"username": "manager", "first_name": "Елена", "last_name": "Морозова", "role": Role.MANAGER},
    {"username": "admin", "first_name": "Администратор", "last_name": "системы", "role": Role.ADMIN, "superuser": True},
]

GROUPS: list[GroupSpec] = [
    {
        "code": "first-line",
        "name_ru": "Первая линия поддержки",
        "name_en": "First-line support",
        "members": [("agent", False), ("lead", True)],
    },
    {
        "code": "second-line",
        "name_ru": "Вторая линия поддержки",
        "name_en": "Second-line support",
        "members": [("agent2", False)],
        "dispatcher": "agent2",
    },
]

PRIORITIES = [
    (
        "critical",
        0,
        "Критический",
        "Critical",
        "Работа остановлена для многих пользователей.",
        "Work has stopped for many users.",
    ),
    ("high", 1, "Высокий", "High", "Работа затруднена, обходного пути нет.", "Work is hampered with no workaround."),
    (
        "normal",
        2,
        "Обычный",
        "Normal",
        "Есть обходной путь или вопрос не срочный.",
        "A workaround exists or the matter is not urgent.",
    ),
    ("low", 3, "Низкий", "Low", "Консультации и пожелания без срока.", "Questions and wishes with no deadline."),
]

CATEGORIES = [
    # code, parent, name ru, name en, group, in scope, note ru, note en
    ("accounting", None, "Учётная система", "Accounting system", "first-line", True, "", ""),
    ("accounting-reports", "accounting", "Отчёты", "Reports", None, True, "", ""),
    ("accounting-payroll", "accounting", "Зарплата и кадры", "Payroll and HR", "second-line", True, "", ""),
    ("email", None, "Электронная почта", "E-mail", "first-line", True, "", ""),
    ("access", None, "Доступы и учётные записи", "Access and accounts", "first-line", True, "", ""),
    (
        "hardware",
        None,
        "Оборудование и оргтехника",
        "Hardware and office equipment",
        None,
        False,
        "Оборудованием занимается хозяйственный отдел: внутренний телефон 1234.",
        "The facilities department handles equipment: internal phone 1234.",
    ),
]

# Points: code, ru, en, kind, clock, start. Transitions: code, ru, en, from, to, actors,
# comment required, executor on arrival, reaction.
PointRow = tuple[str, str, str, str, str, bool]
TransitionRow = tuple[str, str, str, str, str, tuple[str, ...], bool, str, str]


class RouteSpec(TypedDict):
    name_ru: str
    name_en: str
    points: list[PointRow]
    transitions: list[TransitionRow]
    out_of_scope: NotRequired[str]
    on_reply: NotRequired[dict[str, str]]  # waiting point → the transition the initiator's reply takes


MANAGERS = ("group_lead", "manager")
# Every demo route lets the initiator withdraw a new request (to a point of its own, not "declined")
# and support decline it.
WITHDRAW_FROM_NEW: TransitionRow = (
    "withdraw",
    "Отозвать",
    "Withdraw",
    "new",
    "withdrawn",
    ("initiator",),
    False,
    "keep",
    "initiator_withdrew",
)
DECLINE_FROM_NEW: TransitionRow = (
    "decline",
    "Отклонить",
    "Decline",
    "new",
    "declined",
    ("executor", *MANAGERS),
    True,
    "keep",
    "executor_declined",
)


def ask(source: str) -> TransitionRow:
    """The executor asks the initiator a question: the request waits for them, its clock paused."""
    return (
        "ask",
        "Запросить информацию",
        "Ask the initiator",
        source,
        "waiting",
        ("executor",),
        True,
        "keep",
        "executor_requested_info",
    )


def provide(target: str) -> TransitionRow:
    """The initiator answers (their button, or any public reply: the route's on-reply)."""
    return (
        "provide",
        "Предоставить информацию",
        "Provide the information",
        "waiting",
        target,
        ("initiator",),
        True,
        "keep",
        "initiator_provided_info",
    )


def resume(target: str, ru: str = "Вернуть в работу", en: str = "Back to work") -> TransitionRow:
    """Support takes the request back to work without waiting (the answer came by phone, or is not needed)."""
    return (
        "resume",
        ru,
        en,
        "waiting",
        target,
        ("executor", *MANAGERS),
        False,
        "keep",
        "executor_started",
    )


ROUTES: dict[str, RouteSpec] = {
    "error": {
        "name_ru": "Маршрут ошибки",
        "name_en": "Error route",
        "points": [
            ("new", "Новая", "New", "new", "runs", True),
            ("accepted", "Принята", "Accepted", "in_work", "runs", False),
            ("in_work", "В работе", "In work", "in_work", "runs", False),
            ("waiting", "Ожидает инициатора", "Waiting for the initiator", "waiting", "paused", False),
            ("resolved", "Решена", "Resolved", "resolved", "stopped", False),
            ("closed", "Подтверждена", "Confirmed (closed)", "closed", "stopped", False),
            ("declined", "Отклонена", "Declined", "declined", "stopped", False),
            ("withdrawn", "Отозвана", "Withdrawn", "declined", "stopped", False),
            ("out_of_scope", "Отклонена: вне регламента", "Declined: out of scope", "declined", "stopped", False),
        ],
        "transitions": [
            (
                "accept",
                "Принять",
                "Accept",
                "new",
                "accepted",
                ("group_member", *MANAGERS),
                False,
                "actor",
                "executor_accepted",
            ),
            DECLINE_FROM_NEW,
            WITHDRAW_FROM_NEW,
            (
                "start",
                "Начать работу",
                "Start work",
                "accepted",
                "in_work",
                ("executor", *MANAGERS),
                False,
                "keep",
                "executor_started",
            ),
            ask("accepted"),
            ask("in_work"),
            provide("in_work"),
            resume("in_work"),
            ("resolve", "Решить", "Resolve", "in_work", "resolved", ("executor",), True, "keep", "executor_resolved"),
            (
                "confirm",
                "Подтвердить решение",
                "Confirm the resolution",
                "resolved",
                "closed",
                ("initiator",),
                False,
                "keep",
                "initiator_confirmed",
            ),
            (
                "reject",
                "Отклонить решение",
                "Reject the resolution",
                "resolved",
                "in_work",
                ("initiator",),
                True,
                "keep",
                "initiator_rejected",
            ),
        ],
        "out_of_scope": "out_of_scope",
        "on_reply": {"waiting": "provide"},
    },
    "wish": {
        "name_ru": "Маршрут пожелания",
        "name_en": "Wish route",
        "points": [
            ("new", "Новое", "New", "new", "runs", True),
            ("under_review", "На рассмотрении", "Under review", "in_work", "runs", False),
            ("approved", "Одобрено", "Approved", "in_work", "runs", False),
            ("in_development", "В разработке", "In development", "in_work", "runs", False),
            ("waiting", "Ожидает инициатора", "Waiting for the initiator", "waiting", "paused", False),
            ("delivered", "Реализовано", "Delivered", "resolved", "stopped", False),
            ("closed", "Закрыто", "Closed", "closed", "stopped", False),
            ("declined", "Отклонено", "Declined", "declined", "stopped", False),
            ("withdrawn", "Отозвано", "Withdrawn", "declined", "stopped", False),
            ("out_of_scope", "Отклонено: вне регламента", "Declined: out of scope", "declined", "stopped", False),
        ],
        "transitions": [
            (
                "review",
                "Взять на рассмотрение",
                "Take for review",
                "new",
                "under_review",
                ("group_member", *MANAGERS),
                False,
                "actor",
                "executor_accepted",
            ),
            WITHDRAW_FROM_NEW,
            # A wish is clarified while it is reviewed: the answer brings it back to the review.
            ask("under_review"),
            provide("under_review"),
            resume("under_review", "Вернуть на рассмотрение", "Back to review"),
            (
                "approve",
                "Одобрить",
                "Approve",
                "under_review",
                "approved",
                MANAGERS,
                False,
                "keep",
                "executor_approved",
            ),
            (
                "decline",
                "Отклонить",
                "Decline",
                "under_review",
                "declined",
                MANAGERS,
                True,
                "keep",
                "executor_declined",
            ),
            (
                "develop",
                "Передать в разработку",
                "Start development",
                "approved",
                "in_development",
                ("executor", *MANAGERS),
                False,
                "chosen",
                "executor_started",
            ),
            (
                "deliver",
                "Реализовать",
                "Deliver",
                "in_development",
                "delivered",
                ("executor",),
                True,
                "keep",
                "executor_delivered",
            ),
            (
                "confirm",
                "Подтвердить",
                "Confirm",
                "delivered",
                "closed",
                ("initiator", "manager"),
                False,
                "keep",
                "initiator_confirmed",
            ),
            (
                "reject",
                "Не принять",
                "Reject",
                "delivered",
                "in_development",
                ("initiator",),
                True,
                "keep",
                "initiator_rejected",
            ),
        ],
        "out_of_scope": "out_of_scope",
        "on_reply": {"waiting": "provide"},
    },
    "request": {
        "name_ru": "Маршрут запроса",
        "name_en": "Request route",
        "points": [
            ("new", "Новый", "New", "new", "runs", True),
            ("in_work", "В работе", "In work", "in_work", "runs", False),
            ("waiting", "Ожидает инициатора", "Waiting for the initiator", "waiting", "paused", False),
            ("resolved", "Выполнен", "Resolved", "resolved", "stopped", False),
            ("closed", "Закрыт", "Closed", "closed", "stopped", False),
            ("declined", "Отклонён", "Declined", "declined", "stopped", False),
            ("withdrawn", "Отозван", "Withdrawn", "declined", "stopped", False),
            ("out_of_scope", "Отклонён: вне регламента", "Declined: out of scope", "declined", "stopped", False),
        ],
        "transitions": [
            (
                "take",
                "Взять в работу",
                "Take",
                "new",
                "in_work",
                ("group_member", *MANAGERS),
                False,
                "actor",
                "executor_accepted",
            ),
            DECLINE_FROM_NEW,
            WITHDRAW_FROM_NEW,
            ask("in_work"),
            provide("in_work"),
            resume("in_work"),
            (
                "resolve",
                "Выполнить",
                "Resolve",
                "in_work",
                "resolved",
                ("executor",),
                True,
                "keep",
                "executor_resolved",
            ),
            (
                "confirm",
                "Подтвердить",
                "Confirm",
                "resolved",
                "closed",
                ("initiator",),
                False,
                "keep",
                "initiator_confirmed",
            ),
            (
                "reject",
                "Отклонить решение",
                "Reject the resolution",
                "resolved",
                "in_work",
                ("initiator",),
                True,
                "keep",
                "initiator_rejected",
            ),
        ],
        "out_of_scope": "out_of_scope",
        "on_reply": {"waiting": "provide"},
    },
}

TYPES: list[TypeSpec] = [
    {
        "code": "error",
        "prefix": "ERR",
        "route": "error",
        "group": "first-line",
        "order": 1,
        "name_ru": "Ошибка",
        "name_en": "Error",
        "description_ru": "Что-то работает не так, как должно.",
        "description_en": "Something does not work as it should.",
        "fields": [
            ("steps", "Как воспроизвести", "Steps to reproduce", "text", True, "", None, None),
            ("affected_users", "Сколько пользователей затронуто", "Users affected", "number", False, "", 1, 100000),
            ("blocking", "Работа остановлена", "Work is blocked", "bool", False, "", None, None),
        ],
    },
    {
        "code": "wish",
        "prefix": "WSH",
        "route": "wish",
        "group": "second-line",
        "order": 2,
        "name_ru": "Пожелание",
        "name_en": "Wish",
        "description_ru": "Предложение изменить или доработать систему.",
        "description_en": "A proposal to change or extend the system.",
        "fields": [
            ("benefit", "Какую пользу это принесёт", "What it brings", "text", True, "", None, None),
            ("desired_date", "Желаемый срок", "Desired date", "date", False, "", None, None),
        ],
    },
    {
        "code": "request",
        "prefix": "REQ",
        "route": "request",
        "group": "first-line",
        "order": 3,
        "name_ru": "Запрос",
        "name_en": "Request",
        "description_ru": "Просьба о доступе, консультации или услуге.",
        "description_en": "A request for access, advice or a service.",
        "fields": [
            (
                "kind",
                "Что нужно",
                "What is needed",
                "choice",
                True,
                "access|Доступ|Access\nnew_account|Новая учётная запись|New account\n"
                "consultation|Консультация|Consultation\nother|Другое|Other",
                None,
                None,
            ),
        ],
    },
]

# Initiator, type, subject, category, priority, the form's fields (their values as JSON holds them).
SAMPLE_TICKETS: list[tuple[str, str, str, str, str, dict[str, JsonValue]]] = [
    (
        "initiator",
        "error",
        "Отчёт по остаткам не формируется",
        "accounting-reports",
        "high",
        {"steps": "Отчёты → Остатки → Сформировать: ошибка «деление на ноль».", "affected_users": 12},
    ),
    ("initiator2", "request", "Нужен доступ к разделу «Договоры»", "access", "normal", {"kind": "access"}),
    (
        "initiator",
        "wish",
        "Выгрузка реестра платежей в Excel",
        "accounting",
        "low",
        {"benefit": "Экономия двух часов в неделю на сверке."},
    ),
]
