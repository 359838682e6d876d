"""Small portable SQL helpers: bounded IN lists and dialect-aware upserts for executemany."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["IN_CHUNK", "chunked", "insert_ignore", "upsert"]

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
