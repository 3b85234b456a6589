"""/regulation, the printable page, and /regulation.md, its Markdown download: both languages,
older versions, and nothing an administrator types can inject HTML into the page."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client

from otklik.catalog.models import Priority
from otklik.regulation.models import Section
from otklik.regulation.services import regulation_publish

NOW = datetime.fromisoformat("2026-12-07T10:00:00+03:00")


def html(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        (
            "ru",
            ["Регламент обслуживания", "Рабочее время", "Понедельник", "Редакция 1", "Скачать в Markdown"],
            "Monday",
        ),
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
    assert ru.content.decode().startswith(
        "# Регламент обслуживания\n\nРедакция 1, действовала с "
    )  # version 2 replaced it


def test_markdown_renders_back_to_the_same_tables(personas):
    """The download is valid GFM: markdown-it with tables finds every table the page shows."""
    from markdown_it import MarkdownIt

    text = Client().get("/regulation.md", {"lang": "en"}).content.decode()
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    page = html(Client().get("/regulation", {"lang": "en"}))
    assert rendered.count("<table>") == page.count("<table>") > 3


def test_the_version_list_says_why_in_the_readers_language_only(personas):
    from otklik.regulation.models import Version
    from otklik.regulation.reasons import CHANGED

    Priority.objects.filter(code="critical").update(name_en="Emergency")
    regulation_publish(code=CHANGED, params={"models": ["catalog.priority", "sla.target"]})
    ru = html(Client().get("/regulation", {"lang": "ru"}))
    assert "Загружена демонстрационная конфигурация" in ru  # the demo's version
    assert "Изменено: приоритеты, целевые сроки" in ru
    assert "Редакция 2</a>" in ru and ">v2<" not in ru
    for english in ("Changed", "demo", "targets"):
        assert english not in ru.split('class="versions')[1], english
    en = html(Client().get("/regulation", {"lang": "en"}))
    assert "The demo configuration was loaded" in en and "Changed: priorities, targets" in en
    assert "Изменено" not in en
    # A row from before the code kept both languages in one text: each reader still gets one.
    Version.objects.filter(number=2).update(reason="Изменено: приоритеты · Changed: priorities", reason_code="")
    assert "Изменено: приоритеты<" in html(Client().get("/regulation", {"lang": "ru"}))
    assert "Changed: priorities<" in html(Client().get("/regulation", {"lang": "en"}))
    assert "· Changed" not in html(Client().get("/regulation", {"lang": "ru"}))


def test_the_admins_version_list_in_the_admins_language(client, personas):
    from otklik.regulation.reasons import CHANGED

    Priority.objects.filter(code="critical").update(name_en="Emergency")
    regulation_publish(code=CHANGED, params={"models": ["catalog.priority"]})
    client.force_login(personas.admin)  # Russian
    page = html(client.get("/admin/regulation/version/"))
    assert "Изменено: приоритеты" in page and "Загружена демонстрационная конфигурация" in page
    assert "Changed" not in page and "demo configuration" not in page
    assert 'href="/regulation?version=2"' in page


@pytest.mark.django_db
def test_the_old_automatic_reasons_become_codes():
    """The migration turns the reasons the code wrote before into codes, said in one language."""
    import importlib

    from django.apps import apps

    from otklik.regulation.models import Version
    from otklik.regulation.reasons import reason_text

    migration = importlib.import_module("otklik.regulation.migrations.0003_version_reason_code")
    old = {"demo": "demo", "Первая публикация · First publication": "first", "by hand": ""}
    for number, reason in enumerate(old, start=1):
        Version.objects.create(
            number=number, effective_at=NOW, published_at=NOW, content={}, digest=str(number), reason=reason
        )
    migration.codes(apps, None)
    rows = Version.objects.order_by("number")
    assert [(v.reason_code, v.reason) for v in rows] == [("demo", ""), ("first", ""), ("", "by hand")]
    assert [reason_text(v.reason_code, v.reason_params, v.reason, "ru") for v in rows] == [
        "Загружена демонстрационная конфигурация",
        "Первая публикация",
        "by hand",
    ]


def test_the_page_has_the_sites_header_and_stays_public(client, personas):
    anonymous = html(Client().get("/regulation", {"lang": "ru"}))
    assert 'class="top"' in anonymous  # the site's header
    assert 'href="/login?next=%2Fregulation%3Flang%3Dru">Войти</a>' in anonymous
    assert 'href="/my"' not in anonymous  # no navigation for someone not signed in
    client.force_login(personas.initiator)  # Russian
    signed_in = html(client.get("/regulation"))
    assert 'href="/my"' in signed_in and "Мои обращения" in signed_in and "Выйти" in signed_in
    assert "Войти</a>" not in signed_in
    assert "Регламент обслуживания" in signed_in and "Рабочее время" in signed_in
    client.force_login(personas.agent)
    assert 'href="/work"' in html(client.get("/regulation"))
    # The header speaks the document's language, and print leaves it out.
    english = html(client.get("/regulation", {"lang": "en"}))
    assert '<html lang="en">' in english and "Sign out" in english and "Выйти" not in english
    assert "header.top, footer.foot" in english


def test_the_types_read_as_russian_sentences(personas):
    """A type's description ends its sentence after the numbering, and a kind's choices are names
    in «ёлочки» (not «доступ, Новая учётная запись»: a capital in mid-sentence after a lowered one)."""
    ru = html(Client().get("/regulation", {"lang": "ru"}))
    assert "что-то работает не так, как должно (номера вида ERR-000123)." in ru
    assert "должно. (номера" not in ru
    assert "«Доступ», «Новая учётная запись», «Консультация», «Другое»" in ru
    en = html(Client().get("/regulation", {"lang": "en"}))
    assert "“Access”, “New account”" in en
