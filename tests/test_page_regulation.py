"""/regulation, the printable page, and /regulation.md, its Markdown download: both languages,
older versions, and nothing an administrator types can inject HTML into the page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from otklik.catalog.models import Priority
from otklik.regulation.models import Section
from otklik.regulation.services import regulation_publish


def html(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        ("ru", ["Регламент обслуживания", "Рабочее время", "Понедельник", "Редакция 1", "Скачать в Markdown"], "Monday"),
        ("en", ["Service regulation", "Working hours", "Monday", "Version 1", "Download as Markdown"], "Понедельник"),
    ],
)
def test_page_in_both_languages_without_login(personas, lang, present, absent):
    page = html(Client().get("/regulation", {"lang": lang}))
    assert f'<html lang="{lang}">' in page
    for text in present:
        assert text in page, text
    assert absent not in page
    # The target table: Error × Critical, first reaction 30 min, resolution 4 h.
    critical = "Критический" if lang == "ru" else "Critical"
    assert re.search(rf"<td>{critical}</td><td>30 (мин|min)</td><td>4 (ч|h)</td>", page)


def test_page_language_defaults_to_the_signed_in_users(client, personas):
    personas.initiator.language = "en"
    personas.initiator.save(update_fields=["language"])
    client.force_login(personas.initiator)
    assert '<html lang="en">' in html(client.get("/regulation", HTTP_ACCEPT_LANGUAGE="ru"))


def test_language_switch_and_print_stylesheet(personas):
    page = html(Client().get("/regulation", {"lang": "ru"}))
    assert 'href="?lang=en"' in page
    assert "@media print" in page
    assert "size: A4" in page
    assert 'href="/regulation.md?lang=ru&amp;version=1"' in page


def test_admin_text_is_markdown_and_cannot_inject_html(personas):
    Section.objects.create(
        code="evil",
        order=5,
        title_ru="<b>Заголовок</b>",
        title_en="<b>Title</b>",
        body_ru="**Важно** <script>alert(1)</script> [ссылка](javascript:alert(2)) <img src=x onerror=alert(3)>",
        body_en="**Important** <script>alert(1)</script>\n\n| a | b |\n| --- | --- |\n| 1 | 2 |",
    )
    regulation_publish(reason="evil section")  # the test transaction never commits: publish by hand
    ru = html(Client().get("/regulation", {"lang": "ru"}))
    assert "<strong>Важно</strong>" in ru
    assert "<script>" not in ru
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ru
    assert "<img" not in ru
    assert 'href="javascript:' not in ru
    assert "&lt;b&gt;Заголовок&lt;/b&gt;" in ru
    en = html(Client().get("/regulation", {"lang": "en"}))
    assert "<script>" not in en
    assert "<td>1</td>" in en  # tables in the admin's Markdown are rendered


def test_older_versions_are_listed_and_shown(personas):
    regulation_publish(reason="first")
    Priority.objects.filter(code="critical").update(name_en="Emergency")
    regulation_publish(reason="renamed")
    current = html(Client().get("/regulation", {"lang": "en"}))
    assert "Version 2" in current and "Emergency" in current
    assert 'href="?lang=en&amp;version=1"' in current
    assert "renamed" in current and "(in force)" in current
    old = html(Client().get("/regulation", {"lang": "en", "version": "1"}))
    assert "Version 1" in old
    assert "Emergency" not in old and "Critical" in old
    # Switching the language keeps the version being read.
    assert 'href="?lang=ru&amp;version=1"' in old


@pytest.mark.parametrize(("query", "status"), [({"version": "9"}, 404), ({"version": "x"}, 404), ({"lang": "de"}, 422)])
def test_page_refuses_unknown_versions_and_languages(personas, query, status):
    regulation_publish()
    assert Client().get("/regulation", query).status_code == status
    assert Client().get("/regulation.md", query).status_code == status


def test_the_page_reads_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    regulation_publish(reason="first")
    regulation_publish(reason="second")
    signed_in = Client()
    signed_in.force_login(personas.initiator)
    for client, most in ((Client(), 2), (signed_in, 5)):
        html(client.get("/regulation"))
        # The version in force and the list of versions; signed in also the session, the user and
        # the bell's count.
        with django_assert_max_num_queries(most):
            html(client.get("/regulation", {"lang": "en"}))
        with django_assert_max_num_queries(most):
            html(client.get("/regulation", {"lang": "en", "version": "1"}))


def test_markdown_download(personas):
    Priority.objects.filter(code="low").update(name_en="Low | later", description_en="Use *stars* and <tags>")
    assert regulation_publish(reason="names").number == 2  # after the demo's own version 1
    r = Client().get("/regulation.md", {"lang": "en"})
    assert r.status_code == 200
    assert r["Content-Type"] == "text/markdown; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="regulation-v2-en.md"'
    text = r.content.decode()
    lines = text.splitlines()
    assert lines[0] == "# Service regulation"
    assert lines[2].startswith("Version 2, in force from ")
    assert "## 3. Working hours" in lines  # after the demo's two text sections
    assert "| Day | Working hours |" in lines
    assert "| Monday | 09:00–13:00, 14:00–18:00 |" in lines
    # Configuration text is escaped: a | does not split the cell, * and < stay literal.
    (row,) = [ln for ln in lines if ln.startswith("| Low")]
    assert row.startswith(r"| Low \| later | Use \*stars\* and \<tags\> |")
    assert len(re.findall(r"(?<!\\)\|", row)) == 4  # three columns
    # Every table row has as many cells as its header.
    tables = [ln for ln in lines if ln.startswith("|")]
    assert all(ln.endswith("|") for ln in tables)
    ru = Client().get("/regulation.md", {"lang": "ru", "version": "1"})
    assert ru["Content-Disposition"] == 'attachment; filename="regulation-v1-ru.md"'
    assert ru.content.decode().startswith("# Регламент обслуживания\n\nРедакция 1, действует с ")


def test_markdown_renders_back_to_the_same_tables(personas):
    """The download is valid GFM: markdown-it with tables finds every table the page shows."""
    from markdown_it import MarkdownIt

    text = Client().get("/regulation.md", {"lang": "en"}).content.decode()
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    page = html(Client().get("/regulation", {"lang": "en"}))
    assert rendered.count("<table>") == page.count("<table>") > 3
