"""Small portable SQL helpers: bounded IN lists, dialect-aware upserts, bulk inserts.

`bulk_insert` is the import path's fast lane: SQLAlchemy's per-row parameter processing costs
more than the database's own work for narrow rows, so plain tuples go straight to the driver
(`executemany` on SQLite, `COPY` on PostgreSQL) after a per-column conversion that matches
what the column types would have done.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from freehold.core.store.schema import Money, UtcDateTime

__all__ = [
    "IN_CHUNK",
    "bulk_insert",
    "chunked",
    "insert_ignore",
    "insert_rows_sqlite",
    "select_in",
    "upsert",
]

IN_CHUNK = 5_000
"""Most values bound in one `IN (...)` list (SQLite allows 32,766 parameters per statement)."""

_T = TypeVar("_T")


def chunked(values: Iterable[_T], size: int = IN_CHUNK) -> Iterator[list[_T]]:
    """Yield lists of at most `size` items from `values`."""
    batch: list[_T] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def select_in(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    *,
    key: str,
    values: Iterable[object],
    equal: Mapping[str, object] | None = None,
) -> Iterator[Sequence[Any]]:
    """Yield `columns` of the rows whose `key` is one of `values` (and `equal` columns match).

    One driver-level query per `IN_CHUNK` values: for thousands of keys, SQLAlchemy's expansion
    and processing of the `IN` list costs more than the lookup itself. Values must be plain
    (text or integers): they are bound as they are.
    """
    postgres = connection.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    quote = connection.dialect.identifier_preparer.quote
    name = connection.dialect.identifier_preparer.format_table(table)
    selected = ", ".join(quote(column) for column in columns)
    tests = [f"{quote(column)} = {mark}" for column in equal or {}]
    fixed = tuple((equal or {}).values())
    for batch in chunked(values):
        if postgres:
            test, params = f"{quote(key)} = ANY(%s)", (*fixed, batch)
        else:
            test, params = f"{quote(key)} IN ({', '.join('?' * len(batch))})", (*fixed, *batch)
        yield from connection.exec_driver_sql(
            f"SELECT {selected} FROM {name} WHERE {' AND '.join([*tests, test])}",  # noqa: S608
            params,
        )


def _insert(connection: Connection, table: Table) -> Any:  # noqa: ANN401 - dialect-specific
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, object]],
    *,
    keys: Sequence[str],
) -> None:
    """Insert `rows`, silently skipping those whose `keys` already exist."""
    if not rows:
        return
    statement = _insert(connection, table).on_conflict_do_nothing(index_elements=list(keys))
    connection.execute(statement, list(rows))


def upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, object]],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert `rows`; where `keys` already exist, overwrite the `update` columns."""
    if not rows:
        return
    statement = _insert(connection, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in update},
    )
    connection.execute(statement, list(rows))


_SQLITE_PARAMS = 999
"""Values bound per multi-row SQLite insert: the historical `SQLITE_MAX_VARIABLE_NUMBER`."""

_SQLITE_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"
"""SQLAlchemy's storage format for SQLite DATETIME (read back by its result processor)."""


def _timestamp_converter(dialect: str) -> Callable[[object], object]:
    memo: dict[dt.datetime, object] = {}

    def convert(value: object) -> object:
        if not isinstance(value, dt.datetime):
            return value
        found = memo.get(value)
        if found is None:
            if value.tzinfo is None:
                msg = "naive datetime given for a timezone-aware column"
                raise ValueError(msg)
            utc = value.astimezone(dt.UTC)
            found = utc.strftime(_SQLITE_TIMESTAMP) if dialect == "sqlite" else utc
            memo[value] = found
        return found

    return convert


def _json(value: object) -> object:
    return None if value is None else json.dumps(value)


def _money(value: object) -> object:
    return None if value is None else str(Decimal(str(value)))


def _money_float(value: object) -> object:
    return None if value is None else float(str(value))


def _converters(
    table: Table, columns: Sequence[str], dialect: str
) -> list[Callable[[object], object] | None]:
    out: list[Callable[[object], object] | None] = []
    for name in columns:
        kind = table.c[name].type
        if isinstance(kind, UtcDateTime):
            out.append(_timestamp_converter(dialect))
        elif isinstance(kind, JSON) or isinstance(getattr(kind, "impl", None), JSON):
            out.append(_json)
        elif isinstance(kind, Money):
            out.append(_money_float if dialect == "sqlite" else _money)
        else:
            out.append(None)
    return out


def bulk_insert(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
) -> None:
    """Insert plain tuples (values in `columns` order) through the driver's fastest path.

    Values are converted as the column types would: aware datetimes to UTC, JSON to text.
    Rows must not conflict with existing keys (use `upsert` or `insert_ignore` for that).
    """
    if not rows:
        return
    dialect = connection.dialect.name
    converters = _converters(table, columns, dialect)
    if any(convert is not None for convert in converters):
        rows = _convert(table, columns, converters, rows)
    quote = connection.dialect.identifier_preparer.quote
    name = connection.dialect.identifier_preparer.format_table(table)
    names = ", ".join(quote(column) for column in columns)
    if dialect == "postgresql":
        raw = connection.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    insert_rows_sqlite(connection, f"{name} ({names})", len(columns), rows)


def insert_rows_sqlite(
    connection: Connection,
    into: str,
    width: int,
    rows: Sequence[Sequence[object]],
    *,
    suffix: str = "",
) -> None:
    """Run `INSERT INTO {into} VALUES ...{suffix}` on SQLite, many rows per statement, in order.

    SQLite runs an executemany as one statement per row (and Python's driver releases and
    retakes the GIL around each): for narrow rows that per-statement cost is a good part of the
    insert (digests: -30 %). Up to `_SQLITE_PARAMS` values are bound per statement; the rows
    left over go one by one. `suffix` (an `ON CONFLICT` clause) applies to every statement.
    """
    marks = "(" + ", ".join("?" * width) + ")"
    per = max(1, _SQLITE_PARAMS // width)
    whole = len(rows) - len(rows) % per
    if whole:
        connection.exec_driver_sql(
            f"INSERT INTO {into} VALUES {', '.join([marks] * per)}{suffix}",  # noqa: S608
            [tuple(chain.from_iterable(rows[at : at + per])) for at in range(0, whole, per)],
        )
    if whole < len(rows):
        connection.exec_driver_sql(
            f"INSERT INTO {into} VALUES {marks}{suffix}",  # noqa: S608 - our names; values bound
            rows[whole:],
        )


def _convert(
    table: Table,
    columns: Sequence[str],
    converters: Sequence[Callable[[object], object] | None],
    rows: Sequence[Sequence[object]],
) -> list[tuple[object, ...]]:
    """Apply the converters column by column (a timestamp column holding one instant: once)."""
    by_column: list[Sequence[object]] = list(zip(*rows, strict=True))
    for i, convert in enumerate(converters):
        if convert is None:
            continue
        column = by_column[i]
        first = column[0]
        if (
            isinstance(table.c[columns[i]].type, UtcDateTime)
            and isinstance(first, dt.datetime)
            and column.count(first) == len(column)  # equal instants convert alike
        ):
            by_column[i] = (convert(first),) * len(column)
        else:
            by_column[i] = list(map(convert, column))
    return list(zip(*by_column, strict=True))
