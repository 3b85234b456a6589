"""A request type's formal form: the pure validator (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otklik.catalog.formfields import (
    DEFAULT_TEXT_LIMIT,
    Choice,
    FieldErrors,
    FieldSpec,
    FieldSpecError,
    parse_choices,
    validate_fields,
)


def errors_of(specs: list[FieldSpec], values: dict) -> dict[str, str]:
    """The API's English words for each bad field (each error's code: test_field_error_codes.py)."""
    with pytest.raises(FieldErrors) as exc:
        validate_fields(specs, values)
    return {e.field: e.message for e in exc.value.errors}


# --- text ----------------------------------------------------------------------------------


def test_text_is_stripped():
    assert validate_fields([FieldSpec("steps", "text")], {"steps": "  open the report \n"}) == {
        "steps": "open the report"
    }


def test_text_respects_its_max_length():
    spec = FieldSpec("note", "text", max_length=5)
    assert validate_fields([spec], {"note": "12345"}) == {"note": "12345"}
    assert errors_of([spec], {"note": "123456"}) == {"note": "is longer than 5 characters"}


def test_text_without_max_length_uses_the_default_limit():
    spec = FieldSpec("note", "text")
    assert validate_fields([spec], {"note": "x" * DEFAULT_TEXT_LIMIT}) == {"note": "x" * DEFAULT_TEXT_LIMIT}
    assert errors_of([spec], {"note": "x" * (DEFAULT_TEXT_LIMIT + 1)}) == {
        "note": f"is longer than {DEFAULT_TEXT_LIMIT} characters"
    }


@pytest.mark.parametrize("value", [5, 1.5, ["a"], {"a": 1}, True])
def test_text_refuses_non_strings(value):
    assert errors_of([FieldSpec("steps", "text")], {"steps": value}) == {"steps": "must be text"}


# --- number --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [(12, 12), ("12", 12), (" 7 ", 7), ("1,5", 1.5), ("2.50", 2.5), (3.0, 3), ("1e3", 1000), (-4, -4), (0, 0)],
)
def test_number_is_parsed_to_int_or_float(raw, clean):
    out = validate_fields([FieldSpec("n", "number")], {"n": raw})
    assert out == {"n": clean}
    assert type(out["n"]) is type(clean)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "'abc' is not a number"),
        ("1.2.3", "'1.2.3' is not a number"),
        ("12 users", "'12 users' is not a number"),
        ([1], "must be a number"),
        ({"n": 1}, "must be a number"),
    ],
)
def test_number_refuses_what_is_not_a_number(raw, message):
    assert errors_of([FieldSpec("n", "number")], {"n": raw}) == {"n": message}


def test_number_refuses_booleans():
    assert errors_of([FieldSpec("n", "number")], {"n": True}) == {"n": "must be a number"}


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-inf", float("inf"), float("nan")])
def test_number_refuses_non_finite_values(raw):
    assert errors_of([FieldSpec("n", "number")], {"n": raw}) == {"n": "must be a finite number"}


@pytest.mark.parametrize("raw", ["1e15", "-1e15", "1e10000000", "-9e999999999"])
def test_number_refuses_absurd_magnitudes_quickly(raw):
    # "1e10000000" once became a ten-million-digit int (minutes of CPU, then JSON refused it).
    assert errors_of([FieldSpec("n", "number")], {"n": raw}) == {
        "n": "is too large (at most 15 digits before the decimal point)"
    }


def test_number_bounds_are_inclusive():
    spec = FieldSpec("users", "number", min_value=Decimal(1), max_value=Decimal(100000))
    assert validate_fields([spec], {"users": 1}) == {"users": 1}
    assert validate_fields([spec], {"users": "100000"}) == {"users": 100000}
    assert errors_of([spec], {"users": 0}) == {"users": "must be at least 1"}
    assert errors_of([spec], {"users": "100000.5"}) == {"users": "must be at most 100000"}


@given(st.decimals(min_value=Decimal(-1000), max_value=Decimal(1000), allow_nan=False, allow_infinity=False, places=2))
def test_any_number_within_bounds_round_trips(value):
    spec = FieldSpec("n", "number", min_value=Decimal(-1000), max_value=Decimal(1000))
    clean = validate_fields([spec], {"n": str(value)})["n"]
    assert isinstance(clean, int | float) and not isinstance(clean, bool)
    assert Decimal(str(clean)) == value
    # What the validator returns is accepted again, unchanged.
    assert validate_fields([spec], {"n": clean}) == {"n": clean}


@given(st.integers(min_value=1001, max_value=10**12))
def test_any_number_above_the_maximum_is_refused(value):
    spec = FieldSpec("n", "number", min_value=Decimal(-1000), max_value=Decimal(1000))
    assert errors_of([spec], {"n": value}) == {"n": "must be at most 1000"}


# --- choice --------------------------------------------------------------------------------


def test_choice_accepts_only_its_values():
    spec = FieldSpec("kind", "choice", choices=("access", "other"))
    assert validate_fields([spec], {"kind": "access"}) == {"kind": "access"}
    assert errors_of([spec], {"kind": "Access"}) == {"kind": "'Access' is not one of: access, other"}
    assert errors_of([spec], {"kind": 1}) == {"kind": "1 is not one of: access, other"}


# --- date ----------------------------------------------------------------------------------


def test_date_is_normalised_to_iso():
    spec = FieldSpec("due", "date")
    assert validate_fields([spec], {"due": " 2026-03-09 "}) == {"due": "2026-03-09"}


@pytest.mark.parametrize("raw", ["2026-02-30", "09.03.2026", "tomorrow"])
def test_date_refuses_what_is_not_a_date(raw):
    assert errors_of([FieldSpec("due", "date")], {"due": raw}) == {"due": f"{raw!r} is not a date as YYYY-MM-DD"}


def test_date_refuses_non_strings():
    assert errors_of([FieldSpec("due", "date")], {"due": 20260309}) == {"due": "must be a date as YYYY-MM-DD"}


# --- bool ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [(True, True), (False, False), ("yes", True), ("NO", False), ("1", True), ("0", False), ("on", True)],
)
def test_bool_accepts_yes_and_no(raw, clean):
    assert validate_fields([FieldSpec("blocking", "bool")], {"blocking": raw}) == {"blocking": clean}


@pytest.mark.parametrize("raw", ["maybe", 1, 0, 2.0])
def test_bool_refuses_anything_else(raw):
    assert errors_of([FieldSpec("blocking", "bool")], {"blocking": raw}) == {
        "blocking": "must be yes or no (true/false)"
    }


def test_required_bool_accepts_false_as_an_answer():
    assert validate_fields([FieldSpec("blocking", "bool", required=True)], {"blocking": False}) == {"blocking": False}


# --- required, missing, unknown ------------------------------------------------------------


@pytest.mark.parametrize("missing", [{}, {"steps": None}, {"steps": ""}, {"steps": "   "}])
def test_required_field_missing_or_blank_is_named(missing):
    assert errors_of([FieldSpec("steps", "text", required=True)], missing) == {"steps": "is required"}


def test_optional_field_left_empty_is_omitted():
    specs = [FieldSpec("steps", "text"), FieldSpec("n", "number"), FieldSpec("due", "date")]
    assert validate_fields(specs, {"steps": "", "n": None}) == {}
    assert validate_fields(specs, None) == {}


def test_unknown_fields_are_refused_by_name():
    assert errors_of([FieldSpec("steps", "text")], {"steps": "x", "colour": "red"}) == {
        "colour": "is not a field of this request type"
    }


def test_every_bad_field_is_reported_at_once():
    specs = [
        FieldSpec("steps", "text", required=True),
        FieldSpec("n", "number", max_value=Decimal(10)),
        FieldSpec("due", "date"),
    ]
    errors = errors_of(specs, {"n": 11, "due": "soon", "extra": 1})
    assert errors == {
        "extra": "is not a field of this request type",
        "steps": "is required",
        "n": "must be at most 10",
        "due": "'soon' is not a date as YYYY-MM-DD",
    }


def test_field_errors_message_names_each_field():
    with pytest.raises(FieldErrors) as exc:
        validate_fields([FieldSpec("steps", "text", required=True)], {"x": 1})
    assert str(exc.value) == "x: is not a field of this request type; steps: is required"


# --- the definition itself (FieldSpec.check) ----------------------------------------------


def test_sound_specs_pass_the_check():
    for spec in [
        FieldSpec("a", "text", max_length=10),
        FieldSpec("b", "number", min_value=Decimal(1), max_value=Decimal(1)),
        FieldSpec("c", "choice", choices=("x", "y")),
        FieldSpec("d", "date"),
        FieldSpec("e", "bool"),
    ]:
        assert spec.check() is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (FieldSpec("a", "colour"), "unknown field kind 'colour'; one of text, number, choice, date, bool"),
        (FieldSpec("kind", "choice"), "choice field 'kind' has no choices"),
        (FieldSpec("kind", "choice", choices=("x", "y", "x")), "choice field 'kind' repeats a value"),
        (FieldSpec("n", "number", min_value=Decimal(5), max_value=Decimal(4)), "field 'n': minimum is above maximum"),
    ],
)
def test_bad_specs_fail_the_check_with_a_named_reason(spec, message):
    with pytest.raises(FieldSpecError) as exc:
        spec.check()
    assert str(exc.value) == message


# --- parse_choices -------------------------------------------------------------------------


def test_parse_choices_reads_value_and_both_labels():
    text = "access|Доступ|Access\n\n  other | Другое |  \nplain\nru_only|Только ру\n"
    assert parse_choices(text) == [
        Choice("access", "Доступ", "Access"),
        Choice("other", "Другое", "Другое"),
        Choice("plain", "plain", "plain"),
        Choice("ru_only", "Только ру", "Только ру"),
    ]


@pytest.mark.parametrize("text", ["", "\n  \n", None])
def test_parse_choices_of_nothing_is_empty(text):
    assert parse_choices(text) == []
