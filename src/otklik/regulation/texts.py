"""The regulation's fixed wording, in both languages: headings, the names of weekdays, targets and
triggers, and the explanatory paragraphs. Fixed strings rather than gettext, because every version
holds both languages whatever language is active when it is published."""

from __future__ import annotations

from otklik.core.i18n import localized
from otklik.sla.models import Metric, Trigger

Text = dict[str, str]  # {"ru": …, "en": …}
LANGS = ("ru", "en")


def text(ru: str, en: str) -> Text:
    return {"ru": ru, "en": en}


def same(value: str) -> Text:
    """A text that reads the same in both languages (a person's or an organisation's name)."""
    return {"ru": value, "en": value}


def pair(obj: object, field: str) -> Text:
    """A bilingual model field, each language falling back to the other when empty."""
    return {lang: localized(obj, field, lang) for lang in LANGS}


def fmt(template: Text, **values: Text | str) -> Text:
    """Fill a bilingual template with bilingual (or plain) values, language by language."""
    return {
        lang: template[lang].format(**{k: v[lang] if isinstance(v, dict) else v for k, v in values.items()})
        for lang in LANGS
    }


HEADINGS: dict[str, Text] = {
    "document": text("Регламент обслуживания", "Service regulation"),
    "preparation": text("Как подготовить обращение", "How to prepare a request"),
    "hours": text("Рабочее время", "Working hours"),
    "types": text("Типы и виды обращений", "Request types and kinds"),
    "scope": text("Область обслуживания", "Scope of the service"),
    "priorities": text("Приоритеты", "Priorities"),
    "targets": text("Сроки", "Time targets"),
    "stages": text("Порядок обработки обращений", "How requests are handled"),
    "pauses": text("Когда отсчёт сроков приостанавливается", "When the clocks pause"),
    "escalation": text("Нарушение сроков: эскалация", "Missed targets: escalation"),
    "handling": text("Подтверждение решения и оценка обслуживания", "Confirming the resolution and rating the service"),
    "complaints": text("Рекламации", "Complaints"),
    "quality": text("Оценка качества", "How quality is judged"),
    "additional": text("Дополнительная информация", "Additional information"),
}
SLOTS = {
    "preparation": 50,  # the source's order: general provisions, preparing a request, then the levels of service
    "hours": 100,
    "types": 200,
    "scope": 300,
    "priorities": 400,
    "targets": 500,
    "stages": 550,
    "pauses": 600,
    "escalation": 700,
    "handling": 750,
    "complaints": 800,
    "quality": 900,
    "additional": 990,  # the closing chapter
}
WEEKDAYS: dict[str, Text] = {
    "mon": text("Понедельник", "Monday"),
    "tue": text("Вторник", "Tuesday"),
    "wed": text("Среда", "Wednesday"),
    "thu": text("Четверг", "Thursday"),
    "fri": text("Пятница", "Friday"),
    "sat": text("Суббота", "Saturday"),
    "sun": text("Воскресенье", "Sunday"),
}
DAY_KINDS: dict[str, Text] = {
    "holiday": text("выходной (праздник)", "holiday (closed)"),
    "shortened": text("сокращённый день", "shortened day"),
    "working": text("перенесённый рабочий день", "transferred working day"),
    "custom": text("особые часы", "own hours"),
}
METRICS: dict[str, Text] = {
    Metric.FIRST_REACTION: text("Первая реакция", "First reaction"),
    Metric.RESOLUTION: text("Решение", "Resolution"),
    Metric.NEXT_REACTION: text("Следующая реакция", "Next reaction"),
}
METRIC_MEANINGS: dict[str, Text] = {
    Metric.FIRST_REACTION: text(
        "от регистрации обращения до первой реакции исполнителя (принятие, вопрос, ответ)",
        "from filing to the executor's first reaction (accepting it, a question, an answer)",
    ),
    Metric.RESOLUTION: text(
        "от регистрации обращения до его решения",
        "from filing to the resolution",
    ),
    Metric.NEXT_REACTION: text(
        "от каждого ответа инициатора до ответа исполнителя",
        "from each reply of the initiator to the executor's answer",
    ),
}
METRIC_ORDER = (Metric.FIRST_REACTION, Metric.RESOLUTION, Metric.NEXT_REACTION)
TRIGGERS: dict[str, Text] = {
    Trigger.WARNING: text("Предупреждение (срок почти исчерпан)", "Warning (the target is nearly used up)"),
    Trigger.BREACH: text("Нарушение (срок истёк)", "Breach (the target is missed)"),
}
TRIGGER_ORDER: dict[str, int] = {Trigger.WARNING: 0, Trigger.BREACH: 1}  # the ladder reads from warning to breach
NOTIFY: dict[str, Text] = {
    "executor": text("исполнитель", "the executor"),
    "group_lead": text("руководитель группы", "the group lead"),
    "dispatcher": text("диспетчер группы", "the group's dispatcher"),
    "managers": text("руководители службы поддержки", "the support managers"),
    "watchers": text("наблюдатели", "the watchers"),
}

# Who may take a transition (routes.models.Actor), in the words the regulation uses, with what each means.
ACTORS: dict[str, dict[str, Text]] = {
    "initiator": {
        "name": text("инициатор", "initiator"),
        "meaning": text("автор обращения", "whoever filed the request"),
    },
    "executor": {
        "name": text("исполнитель", "executor"),
        "meaning": text(
            "сотрудник, которому обращение назначено сейчас", "the staff member the request is assigned to now"
        ),
    },
    "group_member": {
        "name": text("участник группы", "group member"),
        "meaning": text(
            "любой сотрудник группы поддержки, которая ведёт обращение",
            "anyone in the support group handling the request",
        ),
    },
    "group_lead": {
        "name": text("руководитель группы", "group lead"),
        "meaning": text("руководитель этой группы", "the lead of that group"),
    },
    "manager": {
        "name": text("менеджер", "manager"),
        "meaning": text("руководитель службы поддержки", "a manager of the support service"),
    },
}
ACTOR_ORDER = ("initiator", "executor", "group_member", "group_lead", "manager")
# Who becomes the executor when a transition is taken (routes.models.ExecutorOnArrival); "keep" says nothing.
ARRIVAL: dict[str, Text] = {
    "actor": text("исполнителем становится тот, кто выполнил переход", "whoever takes it becomes the executor"),
    "dispatcher": text(
        "исполнителем становится диспетчер группы (или её руководитель)",
        "the group's dispatcher (or its lead) becomes the executor",
    ),
    "chosen": text("исполнителя выбирает тот, кто выполняет переход", "whoever takes it chooses the executor"),
    "initiator": text("исполнителем становится инициатор", "the initiator becomes the executor"),
}
# What the clocks do while a request stands at a stage (a final stage stops them whatever it says).
STAGE_CLOCK: dict[str, Text] = {
    "runs": text("сроки идут", "the clocks run"),
    "paused": text("срок решения приостановлен", "the resolution clock pauses"),
    "stopped": text("отсчёт сроков остановлен", "the clocks stop"),
    "final": text("обработка завершена", "handling is over"),
}
# The fields of every request form (web portal, API), in the form's order.
COMMON_FIELDS: dict[str, dict[str, Text]] = {
    "subject": {
        "name": text("Тема", "Subject"),
        "text": text(
            "обязательно: коротко, о чём обращение (до {limit} символов)",
            "required: in short, what it is about (up to {limit} characters)",
        ),
    },
    "description": {
        "name": text("Описание", "Description"),
        "text": text(
            "что произошло, по каким шагам это повторить, что ожидалось и что получилось",
            "what happened, the steps that repeat it, what you expected and what you got",
        ),
    },
    "category": {
        "name": text("Категория", "Category"),
        "text": text(
            "из каталога услуг (раздел «Область обслуживания»): по ней обращение попадает в нужную группу поддержки",
            "from the service catalogue (section “Scope of the service”): it takes the request to the right "
            "support group",
        ),
    },
    "priority": {
        "name": text("Приоритет", "Priority"),
        "text": text(
            "насколько это срочно (раздел «Приоритеты»)",
            "how urgent it is (section “Priorities”)",
        ),
    },
    "attachments": {
        "name": text("Вложения", "Attachments"),
        "text": text(
            "снимки экрана, файлы журналов, документы; каждый файл до {mb} МБ",
            "screenshots, log files, documents; each file up to {mb} MB",
        ),
    },
}
FIELD_KINDS: dict[str, Text] = {
    "text": text("текст", "text"),
    "number": text("число", "number"),
    "choice": text("выбор из списка", "a choice"),
    "date": text("дата", "date"),
    "bool": text("да или нет", "yes or no"),
}

COMPLAINT_STATES: dict[str, dict[str, Text]] = {
    "filed": {
        "name": text("Подана", "Filed"),
        "meaning": text(
            "рекламация зарегистрирована, руководители службы поддержки уведомлены",
            "registered; the support managers are told",
        ),
    },
    "review": {
        "name": text("На рассмотрении", "Under review"),
        "meaning": text("руководитель службы поддержки принял её к рассмотрению", "a support manager has taken it up"),
    },
    "upheld": {
        "name": text("Удовлетворена", "Upheld"),
        "meaning": text(
            "признана обоснованной, автор получает ответ", "found justified; its author receives the answer"
        ),
    },
    "rejected": {
        "name": text("Отклонена", "Rejected"),
        "meaning": text(
            "признана необоснованной, автор получает ответ с объяснением причин",
            "found unjustified; its author receives the answer with the reasons",
        ),
    },
}
COMPLAINT_TARGETS: dict[str, Text] = {
    "reaction": text("Принятие к рассмотрению", "Taken under review"),
    "answer": text("Ответ автору", "Answered"),
}

TEXTS: dict[str, Text] = {
    "hours": text(
        "Все сроки считаются в рабочем времени службы поддержки: нерабочие часы, выходные и праздники "
        "в сроки не входят.",
        "Every target counts in the support service's working time: hours outside it, weekends and "
        "holidays do not count.",
    ),
    "no_calendar": text(
        "Рабочий календарь не задан: сроки считаются круглосуточно.",
        "No working calendar is set: targets count round the clock.",
    ),
    "types": text(
        "Обращение подаётся одного из следующих типов; у каждого типа свой маршрут обработки и своя нумерация.",
        "A request is filed as one of the following types; each type has its own route and numbering.",
    ),
    "scope": text(
        "Служба поддержки принимает обращения по следующим категориям каталога услуг.",
        "The support service accepts requests in the following categories of the service catalogue.",
    ),
    "out_of_scope": text(
        "Обращения по категориям вне области обслуживания не обрабатываются службой поддержки: "
        "инициатор сразу получает пояснение категории — куда обратиться.",
        "Requests in categories outside the scope are not handled by the support service: the "
        "initiator at once receives the category's note saying where to go instead.",
    ),
    "out_of_scope_closed": text(
        "{type}: обращение сразу закрывается (переходит в «{point}») с этим пояснением; сроки для него не считаются.",
        "{type}: the request is closed at once (it moves to “{point}”) with that note; no targets run for it.",
    ),
    "out_of_scope_refused": text(
        "{type}: такое обращение не регистрируется; при подаче показывается это пояснение.",
        "{type}: such a request is not registered; the note is shown when filing it.",
    ),
    "priorities": text(
        "Приоритет выбирает инициатор (по умолчанию — «{default}»); служба поддержки может его изменить.",
        "The initiator chooses the priority (by default “{default}”); the support service may change it.",
    ),
    "response": text(
        "Характер реагирования зависит от приоритета: для каждого указаны сроки первой реакции, решения и "
        "следующей реакции в рабочем времени (наименьший и наибольший по типам обращений) и что делает "
        "служба поддержки, когда срок почти исчерпан или нарушен.",
        "How the support service responds depends on the priority: for each, the targets for the first "
        "reaction, the resolution and the next reaction in working time (the shortest and the longest over "
        "the request types), and what the support service does when a target is nearly used up or missed.",
    ),
    "preparation": text(
        "В любом обращении заполняются следующие поля; обязательные отмечены.",
        "Every request has the following fields; the required ones say so.",
    ),
    "preparation_types": text(
        "Кроме того, форма каждого типа обращения запрашивает своё:",
        "Besides, each request type's form asks for its own:",
    ),
    "preparation_scope": text(
        "Если вопрос относится к категории вне области обслуживания, обратитесь туда, куда указывает её "
        "пояснение (раздел «Область обслуживания»): служба поддержки такие обращения не обрабатывает.",
        "If the question is in a category outside the scope, go where its note says (section “Scope of the "
        "service”): the support service does not handle such requests.",
    ),
    "stages": text(
        "Каждый тип обращения проходит свой маршрут. Ниже для каждого этапа указано, что происходит со сроками, "
        "какие действия возможны, кто может их выполнить и кто становится исполнителем.",
        "Each request type follows its own route. For each stage below: what happens to the clocks, which "
        "actions there are, who may take them and who becomes the executor.",
    ),
    "actors": text("Кто действует:", "Who acts:"),
    "priorities_no_default": text(
        "Приоритет выбирает инициатор; служба поддержки может его изменить.",
        "The initiator chooses the priority; the support service may change it.",
    ),
    "targets": text(
        "Сроки для каждого типа и приоритета, в рабочих часах и минутах.",
        "Targets per type and priority, in working hours and minutes.",
    ),
    "no_targets": text(
        "Сроки для этой пары типа и приоритета не установлены.",
        "No targets are set for this type and priority.",
    ),
    "special": text(
        "Для некоторых категорий и организаций действуют особые сроки: они заменяют таблицу выше для "
        "подходящих обращений.",
        "Some categories and organisations have their own targets: they replace the table above for "
        "the requests they select.",
    ),
    "pauses": text(
        "Срок решения не расходуется, пока обращение находится на этапе, где отсчёт приостановлен "
        "(например, ожидание ответа инициатора): после возвращения в работу отсчёт продолжается с того "
        "же места. На этапах, где отсчёт остановлен (обращение решено или закрыто), срок решения "
        "завершается. Срок первой реакции завершается первой реакцией исполнителя; срок следующей "
        "реакции начинается с каждого ответа инициатора и завершается ответом исполнителя.",
        "The resolution target is not used while the request stands at a stage where the clock pauses "
        "(waiting for the initiator, for example): back in work, it continues where it stopped. At a "
        "stage where the clock stops (the request is resolved or closed) the resolution target ends. "
        "The first-reaction target ends with the executor's first reaction; the next-reaction target "
        "starts with each reply of the initiator and ends with the executor's answer.",
    ),
    "escalation": text(
        "Когда срок почти исчерпан или нарушен, служба поддержки действует по следующим ступеням; "
        "задержка отсчитывается в рабочем времени от предупреждения или нарушения.",
        "When a target is nearly used up or missed, the support service acts by the following steps; "
        "the delay counts in working time from the warning or the breach.",
    ),
    "no_escalation": text(
        "Правила эскалации не заданы.",
        "No escalation rules are set.",
    ),
    "handling": text(
        "Когда исполнитель сообщает о решении, инициатор подтверждает его или отклоняет, указав причину: "
        "отклонённое обращение возвращается в работу, и срок решения продолжается с того же места. Если "
        "инициатор не ответил в течение срока подтверждения, обращение закрывается как подтверждённое "
        "автоматически. Срок подтверждения считается в рабочих днях по календарю группы поддержки, начиная "
        "со дня, следующего за днём решения, и истекает в конце последнего рабочего дня.",
        "When the executor reports the resolution, the initiator confirms it or rejects it, giving the "
        "reason: a rejected request goes back to work, and its resolution target continues where it "
        "stopped. If the initiator does not react within the confirmation period, the request closes as "
        "confirmed automatically. The period counts working days in the support group's calendar, from the "
        "day after the resolution, and ends at the close of its last working day.",
    ),
    "confirm_days": text("{type}: {days}", "{type}: {days}"),
    "confirm_never": text(
        "{type}: обращение ждёт ответа инициатора без ограничения срока",
        "{type}: the request waits for the initiator with no time limit",
    ),
    "confirm_none": text(
        "{type}: решение не требует подтверждения инициатора",
        "{type}: the resolution needs no confirmation by the initiator",
    ),
    "survey": text(
        "Когда обращение решено, инициатора просят оценить его обработку по шкале от 1 (совсем не "
        "удовлетворён) до 5 (полностью удовлетворён) и при желании оставить комментарий. В уведомлении "
        "есть ссылка для оценки: она работает без входа в систему, один раз и в течение {valid}. "
        "Оценить обращение (и изменить оценку в течение того же срока) можно и на его странице.",
        "When a request is resolved, its initiator is asked to rate how it was handled from 1 (very "
        "dissatisfied) to 5 (very satisfied), with a comment if they like. The notification carries a "
        "rating link: it works without signing in, once, for {valid}. The request's page takes the "
        "rating too (and a change of it within the same period).",
    ),
    "survey_reminder": text(
        "Если оценки нет, через {days} приходит одно напоминание.",
        "Without a rating, one reminder follows after {days}.",
    ),
    "survey_low": text(
        "Оценка {score} и ниже сразу передаётся руководителю группы поддержки.",
        "A rating of {score} or lower goes to the support group's lead at once.",
    ),
    "no_survey": text(
        "Оценка удовлетворённости сейчас не запрашивается.",
        "Satisfaction ratings are not asked for at present.",
    ),
    "complaints": text(
        "Инициатор, недовольный тем, как обработано его обращение, подаёт рекламацию на странице "
        "обращения («Подать рекламацию»). О нарушении регламента — сроков, рабочего времени, обращения "
        "с пользователем — любой пользователь может подать рекламацию в портале («Мои рекламации» → "
        "«Подать рекламацию о нарушении регламента»), указав номер обращения, если она касается обращения. "
        "Рекламации рассматривают руководители службы поддержки; о новой рекламации сразу узнают они и "
        "руководитель группы, которая вела обращение. Сотрудники службы поддержки рекламаций не подают.",
        "An initiator unhappy with how a request was handled files a complaint on the request's page "
        "(“File a complaint”). A violation of the regulation — a deadline, the working hours, how a user "
        "was treated — may be reported by any user in the portal (“My complaints” → “Complain about a "
        "violation of the regulation”), naming the request if it concerns one. The support managers "
        "review complaints; they and the lead of the group that handled the request learn of a new "
        "complaint at once. Support staff do not file complaints.",
    ),
    "complaints_route": text(
        "Рекламация проходит следующие этапы; о принятии к рассмотрению и об ответе автор получает уведомление.",
        "A complaint goes through the following steps; its author is told when it is taken under review "
        "and when it is answered.",
    ),
    "complaints_targets": text(
        "Сроки в рабочем времени, считая от подачи рекламации:",
        "Targets in working time, counted from the moment the complaint is filed:",
    ),
    "complaints_calendar": text(
        "Рабочее время — по календарю «{name}» (часовой пояс {tz}).",
        "Working time by the calendar “{name}” (time zone {tz}).",
    ),
    "complaints_overdue": text(
        "Нарушение срока фиксируется в истории рекламации, и руководители службы поддержки сразу получают "
        "уведомление. Сроки рекламации устанавливаются при её подаче: последующее изменение сроков их не меняет.",
        "A missed target is recorded in the complaint's history and the support managers are told at once. "
        "A complaint's targets are set when it is filed: a later change of the targets does not move them.",
    ),
    "quality": text(
        "Инициатор может оценить решённое обращение по шкале от 1 до 5 и оставить комментарий. Качество "
        "работы службы оценивается по соблюдению сроков, оценкам и рекламациям; итоги подводит руководитель "
        "службы поддержки.",
        "An initiator may rate a resolved request from 1 to 5 and leave a comment. The support service's "
        "quality is judged by the targets met, the ratings and the complaints; the support manager "
        "reviews the results.",
    ),
}


def days_text(n: int, *, working: bool = False) -> Text:
    """ "5 working days" / "5 рабочих дней", with the plural each language needs."""
    last, last2 = n % 10, n % 100
    if last == 1 and last2 != 11:
        ru = "рабочий день" if working else "день"
    elif 2 <= last <= 4 and not 12 <= last2 <= 14:
        ru = "рабочих дня" if working else "дня"
    else:
        ru = "рабочих дней" if working else "дней"
    en = ("working day" if working else "day") if n == 1 else ("working days" if working else "days")
    return {"ru": f"{n} {ru}", "en": f"{n} {en}"}
