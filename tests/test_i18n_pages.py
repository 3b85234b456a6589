"""Every page of the product, opened in Russian and in English as each persona (the pages of
bench/pages.py, the admin's lists and forms), holds no untranslated string: a Russian page shows
no English text the catalogue translates (and no run of English words at all outside an allowed
list, and no "straight" or “English” quotes), an English page no Russian translation from the
catalogue; no page has a double colon, and no page shows a person a date as machines write it (2026-12-07)."""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

import otklik

MO = Path(otklik.__file__).resolve().parent / "locale" / "ru" / "LC_MESSAGES" / "django.mo"
STAFF = ("agent", "lead", "manager")
QUEUES = ("mine", "unassigned", "waiting", "at_risk", "breached", "all")
# Latin words a Russian page may show: abbreviations, names, request numbers' prefixes, the code
# names and English-only settings an administrator sees (time zones, IANA names), file formats.
ALLOWED_LATIN = set(
    [
        "SLA",
        "API",
        "URL",
        "CSV",
        "XLSX",
        "JSON",
        "SMS",
        "HTML",
        "IANA",
        "ID",
        "IP",
        "UTC",
        "OK",
        "Otklik",
        "Apprise",
        "Telegram",
        "Markdown",
        "Django",
        "Excel",
        "English",
        "ERR",
        "REQ",
        "WSH",
        "Europe",
        "Moscow",
        "Asia",
        "Almaty",
        "Yekaterinburg",
        "Demo",
        "Ltd",
        "Other",
        "Org",
    ]
)
# A date as machines write it (2026-12-07), shown to a person; <time datetime="…"> and inputs'
# values are attributes, which a reader does not see.
ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")
# The quality report's switch between CSV forms names the English one's dates by a sample, ISO by design.
CSV_SAMPLE = "2026-12-31"
# A time zone as the IANA database names it: what an administrator types (the admin, the settings'
# list of zones), not what a page says to a reader.
IANA_ZONE = re.compile(r"\b(?:Europe|Asia|America|Africa|Australia|Pacific|Atlantic|Indian)/[A-Z]\w+")
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]{2,}(?:[ ,]+[a-z]{2,}){2,}\b")


class _Text(HTMLParser):
    """The text a reader sees: text nodes and the title, aria-label, placeholder and alt attributes;
    not scripts, styles, code, or the admin's hidden templates of empty rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre", "textarea", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre", "textarea", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def _phrases() -> tuple[set[str], set[str]]:
    """(English msgids, Russian translations) of the catalogue that are phrases of two words or more
    with no placeholder: what an untranslated page would show verbatim."""
    with MO.open("rb") as f:
        raw: dict[object, str] = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
    english, russian = set(), set()
    for key, text in raw.items():
        msgid = (key[0] if isinstance(key, tuple) else key).split("\x04")[-1]
        if not msgid or msgid == text or re.search(r"%|\{", msgid + text):
            continue
        if len(msgid.split()) >= 2 and len(msgid) >= 10:
            english.add(msgid)
        if len(text.split()) >= 2 and len(text) >= 10:
            russian.add(text)
    return english, russian


def pages(personas) -> dict[str, list[str]]:
    """Persona → the addresses of every page it can open (bench/pages.py's cases, and more)."""
    from otklik.complaints.models import Complaint
    from otklik.tickets.access import visible_tickets

    out: dict[str, list[str]] = {"anonymous": ["/login", "/regulation"]}
    for name in ("initiator", *STAFF):
        user = getattr(personas, name)
        mine = list(visible_tickets(user).order_by("pk").values_list("number", flat=True)[:3])
        out[name] = [
            "/my",
            "/my?show=open",
            "/my?show=closed",
            "/new",
            "/new/error",
            "/new/request",
            "/new/wish",
            "/inbox",
            "/settings",
            "/regulation",
            *(f"/requests/{n}" for n in mine),
        ]
    out["initiator"] += ["/my/complaints", "/complaints/new"]
    for name in STAFF:
        out[name] += [f"/work?queue={q}" for q in QUEUES] + ["/reports/quality"]
    complaint = Complaint.objects.order_by("pk").first()
    for name in ("lead", "manager"):
        out[name] += ["/dashboard", "/complaints"] + ([f"/complaints/{complaint.pk}"] if complaint else [])
    out["admin"] = ["/admin/"]
    for model in admin.site._registry:
        meta = model._meta
        out["admin"].append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        first = model.objects.order_by("pk").first()
        if first is not None:
            out["admin"].append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
    return out


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_page_speaks_one_language(personas, language):
    english, russian = _phrases()
    problems: list[str] = []
    opened = 0
    for name, addresses in pages(personas).items():
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if name != "anonymous":
            user = getattr(personas, name)
            user.language = language
            user.save(update_fields=["language"])
            client.force_login(user)
        for address in addresses:
            response = client.get(address, follow=True)  # a singleton's list opens its one row
            assert response.status_code == 200, f"{name} {address}: {response.status_code}"
            opened += 1
            for text in visible_text(response.content.decode()):
                where = f"{language} {name} {address}"
                if re.search(r":\s*:", text):
                    problems.append(f"{where}: a double colon in {text!r}")
                if IANA_ZONE.search(text) and name != "admin" and not address.startswith("/settings"):
                    problems.append(f"{where}: a time zone's IANA name in {text!r}")  # МСК, UTC+5
                if ISO_DATE.search(text) and CSV_SAMPLE not in text:
                    problems.append(f"{where}: an ISO date in {text!r}")
                if language == "en":
                    # A whole text in Russian that the catalogue gives for an English one (what people
                    # wrote, such as a Russian subject or rule name, may well be Russian).
                    if text in russian:
                        problems.append(f"{where}: Russian {text!r} on an English page")
                    continue
                problems += [f"{where}: untranslated {m!r}" for m in english if m in text]
                if name == "admin":
                    continue  # the admin shows both languages' fields (name_ru, name_en) side by side
                if re.search(r"[\"“”]", text):
                    problems.append(f"{where}: not «ёлочки» in {text!r}")
                for run in ENGLISH_RUN.findall(text):
                    if set(re.findall(r"[A-Za-z]+", run)) - ALLOWED_LATIN:
                        problems.append(f"{where}: English words {run!r} in {text!r}")
    assert opened > 100
    assert not problems, "\n".join(sorted(set(problems))[:80])


def test_an_admin_lists_count_needs_no_declension(personas):
    """«3 маршруты», «0 шлюзы доставки»: the count put before a plural that Russian declines by the
    number. The list says «Маршруты: 3» instead, right for any number."""
    from otklik.routes.models import Route

    personas.admin.language = "ru"
    personas.admin.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(personas.admin)
    page = client.get("/admin/routes/route/").content.decode()
    paginator = re.search(r'<p class="paginator">(.*?)</p>', page, re.S)
    assert paginator is not None
    assert f"Маршруты: {Route.objects.count()}" in paginator.group(1)
    assert not re.search(r"\d+ маршрут", paginator.group(1))


def test_the_status_filters_name_the_requests_in_the_plural(personas):
    """«Открытые», «Закрытые» beside «Все» and «Открытые, кроме решённых», not a state's «Открыто»."""
    for name, address in (("initiator", "/my"), ("agent", "/work")):
        user = getattr(personas, name)
        user.language = "ru"
        user.save(update_fields=["language"])
        client = Client(HTTP_ACCEPT_LANGUAGE="ru")
        client.force_login(user)
        page = client.get(address).content.decode()
        assert "Открытые" in page and "Закрытые" in page, address
        # The filter's own choices (a route point may well be named «Закрыто»).
        assert not re.search(r'(value="open"|value="closed"|show=open|show=closed)[^>]*>\s*(Открыто|Закрыто)', page)


def test_labels_and_headings_begin_with_a_capital(personas):
    """A form's labels, a list filter's title and a table's headers in sentence case: «Событие:»,
    «Действует», «В приложении», never «событие:», «действует», «в приложении»."""
    admin_user = personas.admin
    admin_user.language = "ru"
    admin_user.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(admin_user)
    rule = client.get("/admin/notify/rule/add/").content.decode()
    labels = re.findall(r"<label[^>]*>([^<]+)</label>", rule)
    for word in ("Событие:", "Событие другой системы:", "Изменённые поля:", "Все с ролями:", "Каналы:"):
        assert word in labels, (word, labels)
    assert not [t for t in labels if t.strip()[:1].islower() and t.strip().endswith(":")]
    calendar = client.get("/admin/sla/calendar/add/").content.decode()
    assert re.search(r"<label[^>]*>Рабочие часы по дням недели:</label>", calendar)
    routes = client.get("/admin/sla/policy/").content.decode()
    summaries = [s.strip() for s in re.findall(r"<summary>(.*?)</summary>", routes, re.S)]
    assert "Действует" in summaries and "По умолчанию" in summaries and not [s for s in summaries if s[:1].islower()]
    initiator = personas.initiator
    initiator.language = "ru"
    initiator.save(update_fields=["language"])
    client.force_login(initiator)
    settings_page = client.get("/settings").content.decode()
    headers = re.findall(r'<th scope="col">([^<]+)</th>', settings_page)
    assert "В приложении" in headers and "Эл. почта" in headers
    assert not [h for h in headers if h[:1].islower()]


def test_the_russian_admins_labels_hold_no_english(personas):
    """Every field the Russian admin names (a form's labels, an inline's column headers) is named in
    Russian: a model field without a verbose name shows «Sla warn at», «Uploaded by», «Used»."""
    admin_user = personas.admin
    admin_user.language = "ru"
    admin_user.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(admin_user)
    problems = []
    for address in pages(personas)["admin"]:
        if not address.endswith("/change/"):
            continue
        page = client.get(address).content.decode()
        names = re.findall(r"<label[^>]*>(.*?)</label>", page, re.S)
        names += re.findall(r'<th class="column-[^"]*"[^>]*>(.*?)</th>', page, re.S)
        for name in names:
            text = re.sub(r"<[^>]+>", "", name).strip()
            if set(re.findall(r"[A-Za-z]{3,}", text)) - ALLOWED_LATIN:
                problems.append(f"{address}: {text!r}")
    assert not problems, "\n".join(sorted(set(problems)))
