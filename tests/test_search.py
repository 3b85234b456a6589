"""Searching requests by any part of their number or subject: the API's `q` and the workspace's
search box, which share one filter (tickets.selectors). The text is compared folded, so Cyrillic
matches in any case ("ё" and "е" stay different letters); "%" and "_" typed by a person are plain
characters; one or two letters work as well as a word. On both databases.

On PostgreSQL the search reads the trigram index of migration tickets 0007 (the plan is checked, so
a change of the query's shape that loses the index fails here), and a text too short for trigrams
asks a subquery that the narrow index of ids and search texts answers (tests/test_page_indexes.py
has the indexes themselves).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client

from otklik.testing.factories import file_error
from otklik.tickets.selectors import TicketFilters, filtered_tickets

pytestmark = pytest.mark.django_db
NUMBER = re.compile(r'<tr data-number="([A-Z]+-\d+)"')


@pytest.fixture
def filed(personas) -> dict[str, str]:
    """Ivan's requests, by a short name."""
    subjects = {
        "report": "Не формируется ОТЧЁТ по остаткам",
        "tree": "Ёлка в приёмной не горит",
        "discount": "Скидка 100% не применяется",
        "invoice": "Счёт_фактура не печатается",
        "mail": "Outlook не запускается",
    }
    return {key: file_error(personas.initiator, subject=text).number for key, text in subjects.items()}


def found(personas, api, filed: dict[str, str], q: str) -> set[str]:
    """The short names of Ivan's requests found by the manager's search, the same in the workspace
    and in the API (the demo's own requests are left out of the comparison)."""
    manager = Client()
    manager.force_login(personas.manager)
    page = manager.get("/work", {"queue": "all", "q": q})
    assert page.status_code == 200
    listed = set(NUMBER.findall(page.content.decode()))
    answer = api("manager").get("/tickets", q=q, limit=100)
    assert answer.status_code == 200, answer.content
    assert {t["number"] for t in answer.json()["items"]} == listed, q
    return {key for key, number in filed.items() if number in listed}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ормиру", {"report"}),  # inside a word
        ("ФОРМИРУЕТСЯ отчёт", {"report"}),  # across words, in capitals
        ("Отчёт По", {"report"}),
        ("ёлк", {"tree"}),
        ("ЁЛКА В ПРИЁМ", {"tree"}),
        ("елка", set()),  # "е" is not "ё"
        ("ёл", {"tree"}),  # two letters: too short for a trigram, found all the same
        ("ё", {"report", "tree", "invoice"}),
        ("100%", {"discount"}),
        ("%", {"discount"}),  # not a wildcard
        ("_", {"invoice"}),  # nor this
        ("счёт_ф", {"invoice"}),
        ("OUTLOOK", {"mail"}),
        ("нет такого", set()),
    ],
)
def test_any_part_of_the_subject_is_found_in_any_case(personas, api, filed, q, expected):
    assert found(personas, api, filed, q) == expected


def test_any_part_of_the_number_is_found(personas, api, filed):
    number = filed["discount"]  # ERR-00000N
    assert found(personas, api, filed, number) == {"discount"}
    assert found(personas, api, filed, number.lower()) == {"discount"}
    assert found(personas, api, filed, number[3:]) == {"discount"}  # "-00000N"
    assert found(personas, api, filed, "err-0000") == set(filed)


def explain(sql: str, params: tuple, *, off: tuple[str, ...] = ("seqscan",)) -> str:
    """PostgreSQL's plan with the given scans priced out: on a test's few rows it would read the
    table whatever the indexes, and the question is whether the query *can* use the index."""
    with connection.cursor() as cursor:
        for scan in off:
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for scan in off:
            cursor.execute(f"RESET enable_{scan}")
    return plan


@pytest.mark.postgres
@pytest.mark.parametrize("who", ["manager", "agent"])
def test_on_postgresql_the_search_reads_the_trigram_index(personas, filed, who):
    user = getattr(personas, who)
    # Unordered: on a few rows, walking the primary key for the newest would win whatever the index.
    qs = filtered_tickets(user, TicketFilters(q="формируется ОТЧЁТ")).order_by().values_list("id", "number")
    plan = explain(*qs.query.sql_with_params())
    assert "ticket_search_trgm" in plan, plan
    assert set(qs.values_list("number", flat=True)) == {filed["report"]}


@pytest.mark.postgres
@pytest.mark.parametrize("q", ["ёл", "%", "1с"])
def test_on_postgresql_a_text_too_short_for_trigrams_is_looked_up_by_id_and_text_alone(personas, filed, q):
    """The ids come from a subquery that reads nothing but the id and the search text, which the
    narrow index `ticket_id_search` holds (an index-only scan at scale; a test's fresh rows are
    not marked all-visible, so the planner's choice here would prove nothing)."""
    qs = filtered_tickets(personas.agent, TicketFilters(q=q)).values_list("number", flat=True)
    sql = str(qs.query)
    inner = (
        r'"tickets_ticket"\."id" IN \(SELECT (\w+)\."id" AS "pk" FROM "tickets_ticket" \1 '
        r'WHERE \1\."search"::text LIKE [^()]*\)'
    )
    assert re.search(inner, sql), sql
    assert set(qs) == ({filed["tree"]} if q == "ёл" else {filed["discount"]} if q == "%" else set())
