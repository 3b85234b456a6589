"""ORM queries of a fixed shape compiled to SQL once per process and database, run with new values.

Turning a queryset into SQL costs the ORM 0.3–1 ms of CPU per statement (filters resolved, joins
set up, columns quoted), several times what PostgreSQL needs to answer it by an index; a page that
reads a request's watchers, files, clocks and log pays it for every read, on every view. A
`Prepared` query is written as usual, as a function of its values; it is called once with stand-in
values, its SQL and the stand-ins' places among the parameters kept, and later runs only put the
real values in their places, execute, and build the rows (the ORM's converters applied, so a row
reads as the queryset's would).

Only plain shapes are accepted (a model's rows, with `only`/`defer` if wanted, or `values_list`):
no select_related, annotations or prefetches, which would need the ORM's row assembly. Values are
ints or strings, each standing in one parameter the ORM passes through unchanged (an id, a code);
anything else a shape needs (flags, constant lists) goes into its key, compiled apart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.query import FlatValuesListIterable
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=models.Model)
Value = int | str

# Stand-ins no real id or code takes (negative ids are never generated; the text has a NUL).
_INT_STAND_IN = -7_340_033_000
_STR_STAND_IN = "\x00prepared-"


def _stand_in(kind: type, index: int) -> Value:
    return _INT_STAND_IN - index if kind is int else f"{_STR_STAND_IN}{index}"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    places: tuple[tuple[int, int], ...]  # (parameter index, value index)
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]  # (column, converters, expression)
    model: type[models.Model] | None  # None: a values_list shape
    names: tuple[str, ...]  # the model's attribute names, in the columns' order
    flat: bool  # values_list(flat=True)


class Prepared(Generic[M]):
    """A query shape: `build(*values, *shape)` returns the queryset; the values, of the `kinds`
    given, change from call to call; a `shape` (hashable arguments after them) selects one of a
    few variants, each compiled once."""

    def __init__(self, build: Callable[..., models.QuerySet[M, Any]], *kinds: type[int] | type[str]) -> None:
        self.build = build
        self.kinds = kinds
        self._compiled: dict[tuple[str, tuple[Hashable, ...]], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str, shape: tuple[Hashable, ...]) -> _Compiled:
        stand_ins = [_stand_in(kind, i) for i, kind in enumerate(self.kinds)]
        qs = self.build(*stand_ins, *shape)
        query = qs.query
        if query.select_related or query.annotation_select or getattr(qs, "_prefetch_related_lookups", None):
            raise ValueError("Prepared takes plain shapes only (no select_related, annotations, prefetches)")
        compiler: SQLCompiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        places = tuple((p, stand_ins.index(v)) for p, v in enumerate(params) if v in stand_ins)
        if {i for _, i in places} != set(range(len(stand_ins))):
            raise ValueError(f"a value of {self.build!r} does not reach the SQL unchanged")
        columns = [col for col, _, _ in compiler.select]
        converters = tuple((i, tuple(c), e) for i, (c, e) in compiler.get_converters(columns).items())
        is_model = not query.values_select
        return _Compiled(
            sql=sql,
            params=tuple(params),
            places=places,
            converters=converters,
            model=qs.model if is_model else None,
            names=tuple(col.target.attname for col in columns) if is_model else (),
            flat=qs._iterable_class is FlatValuesListIterable,
        )

    def _get(self, alias: str, shape: tuple[Hashable, ...]) -> _Compiled:
        key = (alias, shape)
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key) or self._compile(alias, shape)
                self._compiled[key] = found
        return found

    def _run(
        self, values: Sequence[Value], shape: tuple[Hashable, ...], using: str
    ) -> tuple[_Compiled, list[list[Any]]]:
        if len(values) != len(self.kinds) or any(type(v) is not k for v, k in zip(values, self.kinds, strict=False)):
            raise TypeError(f"values {values!r} are not of the kinds {self.kinds!r}")
        compiled = self._get(using, shape)
        params = list(compiled.params)
        for p, i in compiled.places:
            params[p] = values[i]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = [list(row) for row in cursor.fetchall()]
        for i, convert, expression in compiled.converters:  # as the ORM's compiler applies them
            for row in rows:
                value = row[i]
                for c in convert:
                    value = c(value, expression, connection)
                row[i] = value
        return compiled, rows

    def models(self, *values: Value, shape: tuple[Hashable, ...] = (), using: str = DEFAULT_DB_ALIAS) -> list[M]:
        """The rows as model instances, as iterating the queryset gives them."""
        compiled, rows = self._run(values, shape, using)
        if compiled.model is None:
            raise TypeError("a values_list shape: read it with .values()")
        make = compiled.model.from_db
        return [make(using, compiled.names, row) for row in rows]  # type: ignore[misc]

    def values(self, *values: Value, shape: tuple[Hashable, ...] = (), using: str = DEFAULT_DB_ALIAS) -> list[Any]:
        """The rows of a values_list shape: tuples, or single values when it is flat."""
        compiled, rows = self._run(values, shape, using)
        if compiled.model is not None:
            raise TypeError("a model shape: read it with .models()")
        return [row[0] for row in rows] if compiled.flat else [tuple(row) for row in rows]
