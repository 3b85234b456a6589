"""Errors as data: a refusal's field errors carry a code and its params (core/errors.py), the API
lists them as {field, code, params, message}, and the pages say them in the reader's language by
code (web/refusals.py). A new request's problems are refused all at once."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from otklik.accounts.services import token_create
from otklik.catalog.formfields import FieldErrors, FieldSpec, validate_fields
from otklik.core.errors import FieldError, Invalid, Refusals, required, too_long, unknown
from otklik.core.text import clean_text
from otklik.testing.client import ApiClient
from otklik.tickets.models import Ticket
from otklik.web.refusals import field_message, field_messages, number_range
from otklik.workflow import ticket_create

# --- the data --------------------------------------------------------------------------------


def test_clean_text_is_the_one_check_of_a_text():
    assert clean_text("  hello  ", field="body", limit=5) == "hello"
    assert clean_text(None, field="body", limit=5) == ""
    with pytest.raises(Invalid) as exc:
        clean_text(" ", field="subject", limit=5, required=True)
    assert (exc.value.detail, exc.value.errors) == ("subject is required", (required("subject"),))
    with pytest.raises(Invalid) as exc:
        clean_text("abcdef", field="comment", limit=5, name="the comment")
    assert exc.value.detail == "the comment is longer than 5 characters"
    assert exc.value.errors == (FieldError("comment", "too_long", {"limit": 5}, "at most 5 characters"),)


def test_refusals_are_raised_together_with_the_first_ones_detail_and_code():
    refused = Refusals()
    with refused:
        clean_text("", field="subject", limit=5, required=True)
    with refused:
        raise Invalid("outside", code="out_of_scope", errors=[unknown("category", value="x")])
    with refused:
        clean_text("fine", field="description", limit=5)
    with pytest.raises(Invalid) as exc:
        refused.raise_any()
    assert (exc.value.detail, exc.value.code) == ("subject is required", "invalid")
    assert [(e.field, e.code) for e in exc.value.errors] == [("subject", "required"), ("category", "unknown")]
    Refusals().raise_any()  # nothing refused: nothing raised


def test_form_fields_refuse_with_codes_and_params():
    specs = [
        FieldSpec("steps", "text", required=True),
        FieldSpec("note", "text", max_length=3),
        FieldSpec("n", "number", min_value=Decimal("1.5"), max_value=Decimal(10)),
        FieldSpec("kind", "choice", required=True, choices=("a", "b")),
        FieldSpec("due", "date"),
        FieldSpec("ok", "bool"),
    ]
    with pytest.raises(FieldErrors) as exc:
        validate_fields(specs, {"note": "long", "n": "0", "due": "soon", "ok": "maybe", "extra": 1})
    by_field = {e.field: (e.code, dict(e.params)) for e in exc.value.errors}
    assert by_field == {
        "extra": ("not_a_field", {}),
        "steps": ("required", {}),
        "note": ("too_long", {"limit": 3}),
        "n": ("too_small", {"min": "1.5", "max": "10"}),
        "kind": ("required", {"choices": ["a", "b"]}),  # a choice to make: "choose one"
        "due": ("not_a_date", {}),
        "ok": ("not_a_boolean", {}),
    }
    with pytest.raises(FieldErrors) as exc:
        validate_fields(specs, {"steps": "s", "kind": "c", "n": "x"})
    assert {e.field: e.code for e in exc.value.errors} == {"kind": "not_a_choice", "n": "not_a_number"}


# --- the API ---------------------------------------------------------------------------------


def test_the_api_lists_field_errors_with_code_and_params(api):
    r = api("initiator").post("/tickets", {"type": "error", "subject": "я" * 201, "fields": {"steps": "s"}})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {
            "field": "subject",
            "code": "too_long",
            "params": {"limit": 200},
            "message": "String should have at most 200 characters",
        }
    ]
    r = api("initiator").post("/tickets", {"type": "error", "fields": {"steps": "s"}})
    assert r.json()["errors"] == [{"field": "subject", "code": "required", "params": {}, "message": "Field required"}]
    r = api("initiator").get("/tickets", limit=0)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] in ("out_of_range", "too_small")


def test_a_new_requests_problems_are_all_listed_at_once(api):
    body = {"type": "error", "subject": "   ", "priority": "whenever", "category": "nowhere", "fields": {"colour": 1}}
    r = api("initiator").post("/tickets", body)
    assert r.status_code == 422
    out = r.json()
    assert (out["detail"], out["code"]) == ("subject is required", "invalid")  # the first one's, as alone
    assert [(e["field"], e["code"], e["params"]) for e in out["errors"]] == [
        ("subject", "required", {}),
        ("priority", "unknown", {"value": "whenever"}),
        ("category", "unknown", {"value": "nowhere"}),
        ("fields.colour", "not_a_field", {}),
        ("fields.steps", "required", {}),
    ]
    assert [e["message"] for e in out["errors"]] == [
        "is required",
        "unknown priority 'whenever'",
        "unknown category 'nowhere'",
        "is not a field of this request type",
        "is required",
    ]
    assert not Ticket.objects.filter(subject="").exists()


def test_a_single_problem_is_answered_as_before(api):
    r = api("initiator").post(
        "/tickets", {"type": "error", "subject": "x", "priority": "whenever", "fields": {"steps": "s"}}
    )
    assert r.json() == {
        "detail": "unknown priority 'whenever'",
        "code": "invalid",
        "errors": [
            {
                "field": "priority",
                "code": "unknown",
                "params": {"value": "whenever"},
                "message": "unknown priority 'whenever'",
            }
        ],
    }


def test_other_endpoints_name_their_codes(api, personas):
    _, raw = token_create(user=personas.admin, name="ERP", integration=True)
    body = {"event": "erp.posted", "subject": " ", "recipients": {"users": ["initiator"]}}
    r = ApiClient(raw).post("/notifications/enqueue", body)
    assert r.status_code == 422
    assert r.json()["detail"] == "subject is required, at most 250 characters"
    assert r.json()["errors"] == [{"field": "subject", "code": "required", "params": {}, "message": "1–250 characters"}]
    r = api("initiator").get("/tickets", limit=0)
    assert r.json()["errors"] == [
        {"field": "limit", "code": "out_of_range", "params": {"min": 1, "max": 100}, "message": "out of range"}
    ]
    r = api("manager").get("/complaints", state="lost")
    assert r.status_code == 422
    assert (r.json()["errors"][0]["code"], r.json()["errors"][0]["message"]) == (
        "not_a_choice",
        "one of open, filed, review, upheld, rejected",
    )
    assert r.json()["errors"][0]["params"] == {"choices": ["open", "filed", "review", "upheld", "rejected"]}


# --- the service -----------------------------------------------------------------------------


def test_ticket_create_refuses_every_problem_together_and_writes_nothing(personas):
    before = Ticket.objects.count()
    empty = SimpleUploadedFile("empty.txt", b"")
    with pytest.raises(Invalid) as exc:
        ticket_create(
            initiator=personas.initiator,
            type_code="error",
            subject="",
            description="x" * 30_000,
            category_code="nowhere",
            fields={"affected_users": "many"},
            files=[empty],
        )
    assert exc.value.detail == "subject is required"
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("subject", "required"),
        ("description", "too_long"),
        ("category", "unknown"),
        ("fields.steps", "required"),
        ("fields.affected_users", "not_a_number"),
        ("files", "empty"),
    ]
    assert Ticket.objects.count() == before


# --- the pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            {
                "body": "Write the text first.",
                "comment": "The text is too long (at most 20000 characters).",
                "user": "There is no such user.",
            },
        ),
        (
            "ru",
            {
                "body": "Сначала напишите текст.",
                "comment": "Текст слишком длинный (не больше 20000 символов).",
                "user": "Такого пользователя нет.",
            },
        ),
    ],
)
def test_pages_say_each_code_in_the_readers_language(language, expected):
    refusal = Invalid("x", errors=[required("body"), too_long("comment", 20000), unknown("user", value="ghost")])
    with translation.override(language):
        assert field_messages(refusal, form="ticket", fallback="body") == expected


def test_a_form_has_its_own_words_before_the_general_ones():
    with translation.override("en"):
        assert field_message(required("subject"), form="new_request") == "Write what the request is about."
        assert field_message(required("fields.kind", choices=["a"]), form="new_request") == "Choose one of the options."
        assert field_message(required("fields.steps"), form="new_request") == "Fill this in."
        assert field_message(too_long("subject", 200), form="new_request") == "At most 200 characters."
        assert field_message(required("body"), form="complaint_filing") == "Write what happened."
        assert field_message(FieldError("x", "no_such_code"), form="ticket") == "This value is not accepted."
    with translation.override("ru"):
        number = FieldError("fields.n", "too_small", {"min": "1", "max": "10"}, "must be at least 1")
        assert field_message(number, form="new_request") == "Введите число. От 1 до 10."
        big = FieldError("fields.n", "too_large", {"min": "1", "max": "100000"}, "must be at most 100000")
        assert field_message(big, form="new_request") == "Введите число. От 1 до 100\xa0000."  # grouped as Russians do
        assert number_range("0.5", None) == "Не меньше 0,5."
    with translation.override("en"):
        assert number_range("1", "100000") == "From 1 to 100,000."


def control_error(html: str, control_id: str) -> str | None:
    found = re.search(rf'<p class="error" id="error_{control_id}">([^<]*)</p>', html)
    return found.group(1) if found else None


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            [
                "Write what the request is about.",
                "Choose one of the priorities.",
                "Choose one of the categories.",
                "Fill this in.",
                "The file empty.txt is empty.",
            ],
        ),
        (
            "ru",
            [
                "Напишите, о чём обращение.",
                "Выберите один из приоритетов.",
                "Выберите одну из категорий.",
                "Заполните это поле.",
                "Файл empty.txt пуст.",
            ],
        ),
    ],
)
def test_the_new_request_form_shows_every_problem_the_service_found(personas, settings, tmp_path, language, texts):
    settings.MEDIA_ROOT = str(tmp_path)
    user = personas.initiator
    user.language = language
    user.save(update_fields=["language"])
    browser = Client()
    browser.force_login(user)
    empty = SimpleUploadedFile("empty.txt", b"", content_type="text/plain")
    data = {"subject": " ", "priority": "whenever", "category": "nowhere", "f_steps": "", "files": [empty]}
    before = Ticket.objects.count()
    r = browser.post("/new/error", data)
    assert r.status_code == 422
    html = r.content.decode()
    shown = [control_error(html, c) for c in ("subject", "priority", "category", "f_steps", "files")]
    assert shown == texts
    assert "Choose the files to attach again" in html or "Выберите прикрепляемые файлы заново" in html
    assert Ticket.objects.count() == before
