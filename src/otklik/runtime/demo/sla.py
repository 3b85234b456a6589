"""The demo organisation's time regulation: the Moscow working calendar with the Russian production
calendar, SLA policies with targets per type and priority, the escalation ladder, and the
regulation's text sections. Idempotent, like the rest of the demo."""

from __future__ import annotations

from otklik.accounts.models import SupportGroup
from otklik.catalog.models import Priority, RequestType
from otklik.core.clock import now
from otklik.regulation.models import RegulationSettings, Section
from otklik.sla.models import Calendar, EscalationRule, Metric, Policy, Target, Trigger

H = 60  # minutes in a working hour
MOSCOW_WEEK = {day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}

# type → priority → (first reaction, resolution, next reaction), working minutes.
TARGETS: dict[str, dict[str, tuple[int, int, int]]] = {
    "error": {
        "critical": (30, 4 * H, 30),
        "high": (1 * H, 8 * H, 1 * H),
        "normal": (4 * H, 24 * H, 2 * H),
        "low": (8 * H, 40 * H, 4 * H),
    },
    "request": {
        "critical": (1 * H, 8 * H, 1 * H),
        "high": (2 * H, 16 * H, 2 * H),
        "normal": (4 * H, 24 * H, 4 * H),
        "low": (8 * H, 40 * H, 8 * H),
    },
    "wish": {
        "critical": (8 * H, 80 * H, 8 * H),
        "high": (8 * H, 120 * H, 8 * H),
        "normal": (16 * H, 160 * H, 16 * H),
        "low": (16 * H, 240 * H, 16 * H),
    },
}
POLICIES = [
    # code, order, type, ru, en
    ("errors", 10, "error", "Ошибки", "Errors"),
    ("requests", 20, "request", "Запросы", "Requests"),
    ("wishes", 30, "wish", "Пожелания", "Wishes"),
]

SECTIONS = [
    (
        "general",
        10,
        "Общие положения",
        "General provisions",
        "Регламент устанавливает порядок приёма, обработки и решения обращений пользователей "
        "службой поддержки: единственный формальный канал — портал и API Отклика. Сроки считаются "
        "в рабочем времени службы по её производственному календарю.",
        "This regulation sets out how the support service receives, handles and resolves users' "
        "requests: the one formal channel is Otklik's portal and API. Deadlines count in the "
        "service's working time, by its production calendar.",
    ),
]
# The regulation's settings: the guidance that opens the generated section on preparing a request
# (which lists the forms' fields itself), and the closing additional information.
PREPARATION = (
    "1. Выберите тип обращения: **Ошибка** — что-то работает не так; **Пожелание** — как сделать лучше; "
    "**Запрос** — нужен доступ, консультация или услуга.\n"
    "2. Загляните в «Мои обращения»: если такое обращение уже открыто, добавьте в него комментарий.\n"
    "3. Опишите, что произошло, по каким шагам это повторить и что вы ожидали; приложите снимки экрана.",
    "1. Choose the type: **Error**, something works wrongly; **Wish**, how to make it better; **Request**, "
    "you need access, advice or a service.\n"
    "2. Look in “My requests”: if such a request is open already, add a comment to it.\n"
    "3. Describe what happened, the steps that repeat it and what you expected; attach screenshots.",
)
ADDITIONAL = (
    "Регламент пересматривается не реже раза в год. О каждой новой редакции все пользователи получают "
    "уведомление. Изменения сроков, маршрутов, рабочего календаря и других настроек службы действуют с "
    "момента публикации редакции, которая их описывает; об изменениях, которые служба планирует заранее, "
    "уведомление приходит, когда новая редакция назначена, и ещё раз в день, когда она вступает в силу. "
    "Прежние редакции остаются доступны в списке редакций внизу страницы.",
    "The regulation is reviewed at least once a year. Everyone is notified of every new version. Changes "
    "of the targets, the routes, the working calendar and the service's other settings apply from the "
    "publication of the version that describes them; of changes the service plans ahead, a notification "
    "comes when the new version is scheduled and again on the day it comes into force. Earlier versions "
    "stay available in the list of versions at the foot of the page.",
)


def demo_sla_load() -> Calendar:
    calendar, created = Calendar.objects.get_or_create(
        code="moscow",
        defaults={
            "name_ru": "Москва, пятидневка",
            "name_en": "Moscow, five-day week",
            "time_zone": "Europe/Moscow",
            "week": MOSCOW_WEEK,
            "is_default": True,
        },
    )
    if created:
        from otklik.sla.calendar_import import calendar_fill_ru

        year = now().year
        calendar_fill_ru(calendar=calendar, years=range(year - 1, year + 3))
    SupportGroup.objects.filter(calendar__isnull=True).update(calendar=calendar)
    priorities = {p.code: p for p in Priority.objects.all()}
    types = {t.code: t for t in RequestType.objects.all()}
    for code, order, type_code, ru, en in POLICIES:
        policy, _ = Policy.objects.update_or_create(
            code=code, defaults={"order": order, "name_ru": ru, "name_en": en, "calendar": calendar}
        )
        policy.request_types.set([types[type_code]])
        for prio_code, figures in TARGETS[type_code].items():
            for metric, minutes in zip(
                (Metric.FIRST_REACTION, Metric.RESOLUTION, Metric.NEXT_REACTION), figures, strict=True
            ):
                Target.objects.update_or_create(
                    policy=policy,
                    priority=priorities[prio_code],
                    metric=metric,
                    defaults={"minutes": minutes, "warning_percent": 80},
                )
    default, _ = Policy.objects.update_or_create(
        code="default",
        defaults={
            "order": 1000,
            "is_default": True,
            "name_ru": "По умолчанию",
            "name_en": "Default",
            "calendar": calendar,
        },
    )
    for prio_code, figures in TARGETS["request"].items():
        for metric, minutes in zip((Metric.FIRST_REACTION, Metric.RESOLUTION), figures[:2], strict=True):
            Target.objects.update_or_create(
                policy=default,
                priority=priorities[prio_code],
                metric=metric,
                defaults={"minutes": minutes, "warning_percent": 80},
            )
    if not EscalationRule.objects.exists():
        EscalationRule.objects.create(trigger=Trigger.WARNING, level=1, notify_executor=True)
        EscalationRule.objects.create(trigger=Trigger.BREACH, level=1, notify_executor=True, notify_group_lead=True)
        EscalationRule.objects.create(trigger=Trigger.BREACH, level=2, delay_minutes=2 * H, notify_managers=True)
    for code, order, tru, ten, bru, ben in SECTIONS:
        Section.objects.update_or_create(
            code=code, defaults={"order": order, "title_ru": tru, "title_en": ten, "body_ru": bru, "body_en": ben}
        )
    # Its text is the settings' guidance now, under the generated section of the same name.
    Section.objects.filter(code="how-to-file").delete()
    conf = RegulationSettings.current()
    if not (conf.preparation_ru or conf.preparation_en or conf.additional_ru or conf.additional_en):
        conf.preparation_ru, conf.preparation_en = PREPARATION
        conf.additional_ru, conf.additional_en = ADDITIONAL
        conf.save()
    return calendar
