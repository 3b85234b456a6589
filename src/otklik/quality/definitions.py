"""The published definitions of the quality KPIs and of the composite score, in both languages.

One text for the regulation's "quality criteria" section (every version holds both languages,
whatever language publishes it, hence fixed pairs rather than gettext) and for the report page's
"how these figures are computed". Pure: no Django.
"""

from __future__ import annotations

Text = dict[str, str]


def _t(ru: str, en: str) -> Text:
    return {"ru": ru, "en": en}


INTRO = _t(
    "Качество работы службы поддержки, каждой группы и каждого специалиста оценивается автоматически по следующим "
    "показателям за период (дни «с» и «по» включительно, по часовому поясу службы). Показатель, для которого за "
    "период нет данных, не рассчитывается. Время везде рабочее — так, как его считают сроки обращения (по "
    "календарю, без приостановок). Каждый показатель засчитывается тем, к чьей работе он относится: поступившие — "
    "группе, в которую обращение зарегистрировано, и специалисту, который первым стал его исполнителем (был "
    "назначен или взял обращение в работу); первая реакция — специалисту, отреагировавшему "
    "первым, и его группе в тот момент; решение, время решения, соблюдённый срок решения, автоматическое "
    "подтверждение — специалисту и группе, отвечавшим за обращение при последнем решении (после возврата в работу "
    "— текущим); нарушение срока первой реакции или решения — специалисту и группе, отвечавшим за обращение в "
    "момент истечения срока; возвраты в работу — тем, чьё первое решение было возвращено; переназначения — группе; "
    "повторная реакция — отвечавшим за обращение в момент ответа или истечения срока; оценки и рекламации — "
    "специалисту и группе, указанным в опросе и рекламации; незакрытые обращения — текущим.",
    "The quality of the support service, of each group and of each agent is assessed automatically by the "
    "following indicators over a period (the days “from” and “to” inclusive, in the service's time zone). An "
    "indicator with nothing to measure in the period is not computed. Times are working time as the request's "
    "targets count it (its calendar, pauses excluded). Each figure counts for whose work it is: received — the "
    "group a request was filed with and the agent who first became its executor (assigned or taking it); first "
    "reaction — the agent who reacted first and their group then; "
    "resolved, resolution time, resolution target met, automatic confirmation — the agent and group in charge at "
    "the last resolution (once back in work, the current ones); a first-reaction or resolution target breached — "
    "the agent and group in charge when its deadline passed; reopens — those whose first resolution was reopened; "
    "reassignments — the group; next reaction — those in charge when it was answered or its deadline passed; "
    "ratings and complaints — the agent and group the survey and the complaint name; not closed — the current ones.",
)

# (code, name, definition)
KPIS: list[tuple[str, Text, Text]] = [
    (
        "received",
        _t("Поступило", "Received"),
        _t(
            "обращения, зарегистрированные в периоде. Специалисту обращение засчитывается, когда он первым "
            "становится его исполнителем; пока обращение ждёт в очереди группы, оно засчитывается только группе.",
            "requests filed in the period. An agent is credited with a request once they are the first to "
            "become its executor; while it waits in the group's queue, it counts for the group alone.",
        ),
    ),
    (
        "resolved",
        _t("Решено", "Resolved"),
        _t(
            "обращения, которые решены или закрыты и последнее решение которых пришлось на период.",
            "requests that stand resolved or closed and were last resolved in the period.",
        ),
    ),
    (
        "first_reaction",
        _t("Время первой реакции", "First-reaction time"),
        _t(
            "рабочее время от регистрации до первой реакции исполнителя; медиана и 90-й процентиль "
            "(линейная интерполяция) по обращениям с первой реакцией в периоде.",
            "working time from filing to the executor's first reaction; median and 90th percentile "
            "(linear interpolation) over the requests first reacted to in the period.",
        ),
    ),
    (
        "resolution",
        _t("Время решения", "Resolution time"),
        _t(
            "рабочее время до решения без приостановок (после отклонения решения отсчёт продолжается); "
            "медиана и 90-й процентиль по обращениям, решённым в периоде.",
            "working time to the resolution, pauses excluded (a rejected resolution continues the same "
            "count); median and 90th percentile over the requests resolved in the period.",
        ),
    ),
    (
        "sla",
        _t("Соблюдение сроков", "SLA compliance"),
        _t(
            "для каждого срока (первая реакция, решение, следующая реакция): доля соблюдённых среди "
            "соблюдённых и нарушенных в периоде, в процентах. Соблюдённый срок засчитывается в момент "
            "реакции или решения, нарушенный — в момент истечения. Общий показатель — по всем трём срокам.",
            "for each target (first reaction, resolution, next reaction): the share met among those met "
            "or breached in the period, in per cent. A met target counts at the reaction or resolution, "
            "a breach at the deadline that passed. The overall figure takes all three targets together.",
        ),
    ),
    (
        "breaches",
        _t("Нарушения сроков", "Breaches"),
        _t("число сроков всех трёх видов, истёкших в периоде.", "targets of all three kinds missed in the period."),
    ),
    (
        "satisfaction",
        _t("Удовлетворённость", "Satisfaction"),
        _t(
            "по опросам, направленным в периоде: средняя оценка (1–5), распределение оценок и доля "
            "ответов (ответили / опрошены). Оценка засчитывается исполнителю и группе на момент решения.",
            "over the surveys sent in the period: the average score (1–5), the distribution of scores and "
            "the response rate (answered / asked). A score counts for the executor and group at resolution.",
        ),
    ),
    (
        "reopens",
        _t("Повторные открытия", "Reopen rate"),
        _t(
            "из обращений, впервые решённых в периоде, доля возвращённых в работу (в том числе отклонением "
            "решения инициатором).",
            "of the requests first resolved in the period, the share brought back into work (an "
            "initiator's rejection of the resolution included).",
        ),
    ),
    (
        "complaints",
        _t("Рекламации", "Complaints"),
        _t(
            "рекламации, поданные в периоде, и сколько из них удовлетворено.",
            "complaints filed in the period, and how many of them were upheld.",
        ),
    ),
    (
        "reassignments",
        _t("Переназначения", "Reassignments"),
        _t(
            "смены исполнителя после первого назначения у обращений, решённых в периоде.",
            "changes of executor after the first assignment, over the requests resolved in the period.",
        ),
    ),
    (
        "backlog",
        _t("Незакрытые обращения по возрасту", "Backlog by age"),
        _t(
            "обращения, зарегистрированные до конца периода и не закрытые к нему (для текущего периода — "
            "на текущий момент), по возрасту: до суток, 1–3, 3–7, 7–30 и более 30 суток.",
            "requests filed before the end of the period and not closed by then (for a period still "
            "running: now), by age: under a day, 1–3, 3–7, 7–30 and 30 days or more.",
        ),
    ),
]

# (component, name, how it is normalised to 0..1)
COMPONENTS: list[tuple[str, Text, Text]] = [
    (
        "sla",
        _t("Соблюдение сроков", "SLA compliance"),
        _t("соблюдённые сроки / все соблюдённые и нарушенные", "targets met / targets met or breached"),
    ),
    (
        "satisfaction",
        _t("Удовлетворённость", "Satisfaction"),
        _t("(средняя оценка − 1) / 4", "(average score − 1) / 4"),
    ),
    (
        "reopens",
        _t("Без повторных открытий", "Not reopened"),
        _t("1 − доля повторных открытий", "1 − reopen rate"),
    ),
    (
        "complaints",
        _t("Без удовлетворённых рекламаций", "No upheld complaints"),
        _t(
            "1 − удовлетворённые рекламации / решённые обращения (не меньше 0)",
            "1 − upheld complaints / resolved requests (not below 0)",
        ),
    ),
]

SCORE = _t(
    "Интегральная оценка качества (0–100) — взвешенное среднее составляющих, каждая приведена к шкале "
    "от 0 до 1 (1 — лучшее значение): оценка = 100 × Σ(весᵢ × составляющаяᵢ) / Σ(весᵢ). Составляющие "
    "без данных за период не учитываются, и веса остальных пересчитываются.",
    "The composite quality score (0–100) is the weighted mean of the components, each brought to a scale "
    "from 0 to 1 (1 is best): score = 100 × Σ(weightᵢ × componentᵢ) / Σ(weightᵢ). Components with no data "
    "in the period are left out and the other weights renormalised.",
)

MONTHLY = _t(
    "В первый рабочий день месяца руководители групп получают отчёт о качестве своих групп за прошедший "
    "месяц, руководители службы поддержки — по всей службе.",
    "On the first working day of each month, group leads receive the quality report of their groups for "
    "the month before, the support managers that of the whole service.",
)
