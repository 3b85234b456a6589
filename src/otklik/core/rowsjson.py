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
from collections.abc import Sequence
from functools import cache
from itertools import groupby
from typing import Any

from django.db import connection
from django.db.models import Field, JSONField, Model

JsonCell = str | int | float | bool | None | dict[str, Any] | list[Any]


def _cell(field: Field[Any, Any], obj: Model) -> JsonCell:
    """The field's value as the JSON that PostgreSQL reads back into the column's type."""
    raw = field.pre_save(obj, add=True)
    if isinstance(field, JSONField):
        # The structure itself: json_populate_recordset turns it into the jsonb column's value.
        return json.loads(json.dumps(raw, cls=field.encoder)) if field.encoder else raw
    value = field.get_db_prep_save(raw, connection)
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return f"{value // dt.timedelta(microseconds=1)} microseconds"
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(obj).__name__}.{field.name}: {type(value).__name__} has no JSON form here")


@cache
def _statement(model: type[Model], with_pk: bool) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """The INSERT of `model`'s rows from one JSON array, and the fields in its column order."""
    fields = tuple(f for f in model._meta.local_concrete_fields if with_pk or f is not model._meta.auto_field)
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::{table}, %s::json)"  # noqa: S608
    return sql, fields


def insert_rows(objs: Sequence[Model], *, then: Sequence[str] = ()) -> None:
    """INSERT new rows of one or more models in one round trip, in the given order (consecutive rows
    of one model in one statement). PostgreSQL runs the statements as one implicit transaction:
    all are committed (durably) or none. `then`: plain statements run after them (a NOTIFY).
    A row whose primary key is set keeps it; else the database numbers it (not read back)."""
    parts: list[str] = []
    params: list[str] = []
    for (model, with_pk), rows in groupby(objs, key=lambda o: (type(o), o.pk is not None)):
        sql, fields = _statement(model, with_pk)
        batch = list(rows)
        parts.append(sql)
        params.append(json.dumps([{f.column: _cell(f, obj) for f in fields} for obj in batch], ensure_ascii=False))
    parts.extend(then)
    with connection.cursor() as cur:
        cur.execute("; ".join(parts), params)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
