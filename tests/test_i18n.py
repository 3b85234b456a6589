"""The Russian translation is complete, compiled, and what the admin shows a Russian-speaking user."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

import otklik

LOCALE = Path(otklik.__file__).resolve().parent / "locale" / "ru" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    parts: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def msgid(self) -> str:
        return self.parts.get("msgid", "")

    @property
    def msgstrs(self) -> list[str]:
        return [v for k, v in sorted(self.parts.items()) if k.startswith("msgstr")]


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for msgctxt/msgid/msgid_plural/msgstr[n] with flags."""
    entries: list[Entry] = []
    cur: Entry | None = None
    key = ""
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            cur = None
            continue
        if cur is None:
            cur = Entry(line=n)
            entries.append(cur)
        if line.startswith("#~"):
            cur.obsolete = True
        elif line.startswith("#,"):
            cur.flags.update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            cur.parts[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            cur.parts[key] = ast.literal_eval(value)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    entries = parse_po(PO)
    header = entries[0]
    assert header.msgid == "", "the .po must start with its header"
    assert "Language: ru" in header.msgstrs[0]
    assert "nplurals=3;" in header.msgstrs[0]
    return entries[1:]


def test_po_is_complete_and_not_fuzzy(po_entries):
    assert len(po_entries) > 100
    assert not [e.msgid for e in po_entries if e.obsolete], "obsolete entries: run makemessages --no-obsolete"
    assert not [e.msgid for e in po_entries if "fuzzy" in e.flags], "fuzzy entries left"
    untranslated = [e.msgid for e in po_entries if not all(e.msgstrs)]
    assert not untranslated, f"untranslated: {untranslated}"
    for e in po_entries:
        if "msgid_plural" in e.parts:
            assert len(e.msgstrs) == 3, f"Russian needs 3 plural forms: {e.msgid!r}"
        if "python-format" in e.flags:
            expected = set(PLACEHOLDER.findall(e.msgid))
            for s in e.msgstrs:
                assert set(PLACEHOLDER.findall(s)) == expected, f"placeholders differ: {e.msgid!r} → {s!r}"


def test_mo_is_compiled_from_the_current_po(po_entries):
    """Every translation in the .po is what gettext returns: the committed .mo is not stale."""
    assert MO.exists()
    with translation.override("ru"):
        for e in po_entries:
            if "msgid_plural" in e.parts or "msgctxt" in e.parts:
                continue
            assert translation.gettext(e.msgid) == e.msgstrs[0], f"stale .mo for {e.msgid!r}: run compilemessages"


def test_known_strings_in_russian():
    from otklik.routes.models import PointKind, RoutePoint
    from otklik.tickets.models import Ticket

    with translation.override("ru"):
        assert str(Ticket._meta.verbose_name) == "обращение"
        assert str(Ticket._meta.verbose_name_plural) == "обращения"
        assert str(RoutePoint._meta.verbose_name) == "точка маршрута"
        assert str(Ticket._meta.get_field("executor").verbose_name) == "текущий исполнитель"
        assert str(PointKind.IN_WORK.label) == "в работе"
        assert str(PointKind.DECLINED.label) == "отклонено"
    with translation.override("en"):
        assert str(Ticket._meta.verbose_name) == "request"
        assert str(PointKind.IN_WORK.label) == "in work"


@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        ("ru", ["Обращения", "Маршруты", "Типы обращений", "Группы поддержки", "API-токены"], ["Requests"]),
        ("en", ["Requests", "Routes", "Request types", "Support groups", "API tokens"], ["Обращения"]),
    ],
)
def test_admin_index_speaks_the_users_language(client, personas, language, present, absent):
    admin = personas.admin
    assert admin.is_superuser
    admin.language = language
    admin.save(update_fields=["language"])
    client.force_login(admin)
    # The browser asks for Russian either way: the user's stored language wins.
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    html = response.content.decode()
    for text in present:
        assert text in html, f"{text!r} missing from the {language} admin index"
    for text in absent:
        assert text not in html


def test_msgfmt_accepts_the_po(tmp_path):
    """What `make messages` runs: a format directive gettext sees in a msgid (even "% o" in
    "% of") must come back in the msgstr, or compilemessages fails."""
    import shutil
    import subprocess

    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext's msgfmt is not installed")
    done = subprocess.run(
        [msgfmt, "--check-format", "-o", str(tmp_path / "django.mo"), str(PO)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
