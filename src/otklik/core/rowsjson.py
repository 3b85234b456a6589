"""New rows of several tables written in one round trip on PostgreSQL, each table's rows passed as
one JSON parameter (`INSERT … SELECT … FROM json_populate_recordset`).

Why not Django's INSERT: compiling an InsertQuery per row and letting psycopg split a statement
of some 150 parameters (too many for its cache of converted queries) took about a third of the
CPU of filing a request (issue 15's profile). Here the statement's text depends only on the
tables and their columns, so it is built once and psycopg converts it once; each row costs one
`get_db_prep_save` per field, as Django's own INSERT does, and a `json.dumps`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Callable, Sequence
from functools import cache
from itertools import groupby
from operator import attrgetter
from typing import Any

from django.db import connection, models
from django.db.models import Field, JSONField, Model
from django.utils.functional import Promise

JsonCell = str | int | float | bool | None | dict[str, Any] | list[Any]
Cell = Callable[[Model], JsonCell]

# Fields whose attribute is the column's value as it is (a str, an int — ids too —, a bool, a key or None).
_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


def _json(value: object) -> JsonCell:
    """A value Django would send to PostgreSQL, as the JSON that PostgreSQL reads back into it."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Promise):  # a lazy translation, as CharField.to_python would make it
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        # As Django's own INSERT stores it (days apart from the time of day).
        return f"{value.days} days {value.seconds} seconds {value.microseconds} microseconds"
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form here")


def _cell(field: Field[Any, Any]) -> Cell:
    """How to read `field` of a new row as JSON: Django's own preparation (pre_save, then
    get_db_prep_save) where it does any work, else the attribute itself (most columns)."""
    name = field.attname
    if isinstance(field, JSONField):
        encoder = field.encoder
        if encoder is None:
            return lambda obj: getattr(obj, name)  # the structure itself: PostgreSQL makes it jsonb
        return lambda obj: json.loads(json.dumps(getattr(obj, name), cls=encoder))
    if isinstance(field, _AS_IS):
        return lambda obj: _json(getattr(obj, name))
    if isinstance(field, models.DateTimeField) and not (field.auto_now or field.auto_now_add):

        def when(obj: Model) -> JsonCell:
            value = getattr(obj, name)
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                return value.isoformat()
            return prepared(obj)  # naive or not a datetime: as Django would make it

        prepared = _prepared(field)
        return when
    return _prepared(field)


def _prepared(field: Field[Any, Any]) -> Cell:
    def cell(obj: Model) -> JsonCell:
        return _json(field.get_db_prep_save(field.pre_save(obj, add=True), connection))

    return cell


_PLAIN = frozenset({str, int, bool, float, type(None)})  # a JSON value as it is (no subclass)


def _row_maker(fields: Sequence[Field[Any, Any]], names: Sequence[str]) -> Callable[[Model], dict[str, JsonCell]]:
    """A function making one row's JSON object: every attribute read at once (`attrgetter`), a
    column of the kinds in `_AS_IS` taken as it is when its value is plain JSON (most cells),
    every other cell made by its `_cell`. The same values as the cells one by one, in a third of
    the time (filing a request writes some 150 cells)."""
    read = attrgetter(*(f.attname for f in fields))
    cells = [None if isinstance(f, _AS_IS) else _cell(f) for f in fields]
    plain = _PLAIN

    def make(obj: Model) -> dict[str, JsonCell]:
        values = read(obj) if len(fields) > 1 else (read(obj),)
        return {
            name: (value if type(value) in plain else _json(value)) if cell is None else cell(obj)
            for name, value, cell in zip(names, values, cells, strict=True)
        }

    return make


@cache
def _statement(model: type[Model], with_pk: bool) -> tuple[str, Callable[[Model], dict[str, JsonCell]]]:
    """The INSERT of `model`'s rows from one JSON array, and the maker of a row's JSON object."""
    fields = [f for f in model._meta.local_concrete_fields if with_pk or f is not model._meta.auto_field]
    names = [f.column for f in fields if f.column]
    assert len(names) == len(fields), f"{model.__name__}: a field without a column"
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    # In the array's order (ordinality), so the rows the database numbers are numbered in it.
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
        f"FROM json_populate_recordset(NULL::{table}, %s::json) WITH ORDINALITY AS r ORDER BY r.ordinality"
    )
    return sql, _row_maker(fields, names)


def insert_rows(objs: Sequence[Model], *, then: Sequence[str] = ()) -> None:
    """INSERT new rows of one or more models in one round trip, in the given order (consecutive rows
    of one model in one statement). PostgreSQL runs the statements as one implicit transaction:
    all are committed (durably) or none. `then`: plain statements run after them (a NOTIFY).
    A row whose primary key is set keeps it; else the database numbers it (not read back)."""
    parts: list[str] = []
    params: list[str] = []
    for (model, with_pk), rows in groupby(objs, key=lambda o: (type(o), o.pk is not None)):
        sql, make = _statement(model, with_pk)
        parts.append(sql)
        rows_json = [make(obj) for obj in rows]
        # NaN or infinity would make JSON that PostgreSQL refuses: refuse them here, by name.
        params.append(json.dumps(rows_json, ensure_ascii=False, allow_nan=False))
    parts.extend(then)
    with connection.cursor() as cur:
        cur.execute("; ".join(parts), params)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
