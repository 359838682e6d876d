"""The `sql:` kind: run the brand's query read-only and resolve what it returns."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from freehold.core.audiences._resolve import ContactRow, Resolution, resolve_rows
from freehold.core.errors import ConfigError
from freehold.core.store.schema import UtcDateTime

__all__ = ["ID_COLUMNS", "run_sql"]

logger = logging.getLogger(__name__)

ID_COLUMNS = ("contact_id", "email")
"""The columns a `sql:` query or a `file:` may name contacts by (at least one is required)."""


def _describe(exc: SQLAlchemyError) -> str:
    # Never the driver's message: it may quote a value from the data.
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None)
        suffix = f", SQLSTATE {code}" if code else ""
        return f"{type(exc.orig).__name__}{suffix}"
    return type(exc).__name__


def _rows(conn: Connection, key: str, sql: str, *, now: dt.datetime) -> Iterator[ContactRow]:
    body = sql.strip().rstrip(";").strip()
    # Wrapping the query as a derived table refuses several statements and data-modifying
    # WITH clauses at parse time; the transaction is read-only besides.
    query = text(f"SELECT * FROM ({body}) AS freehold_audience")  # noqa: S608 (the brand's own query)
    params: dict[str, dt.datetime] = {}
    if "now" in query.compile().binds:
        query = query.bindparams(bindparam("now", type_=UtcDateTime()))
        params["now"] = now
    result = conn.execute(query, params)
    columns = list(result.keys())
    if not any(column in columns for column in ID_COLUMNS):
        result.close()
        msg = (
            f"audiences.{key}.sql: the query must return a column 'contact_id' or 'email' "
            f"(it returned {', '.join(columns) or 'no column'})"
        )
        raise ConfigError(msg)
    id_index = columns.index("contact_id") if "contact_id" in columns else None
    email_index = columns.index("email") if "email" in columns else None
    for row in result:
        contact_id = row[id_index] if id_index is not None else None
        email = row[email_index] if email_index is not None else None
        yield (
            str(contact_id) if contact_id is not None else None,
            str(email) if email is not None else None,
        )


def run_sql(engine: Engine, key: str, sql: str, *, now: dt.datetime) -> Resolution:
    """Run the `sql:` of audience `key` read-only and resolve the contacts it names.

    The query returns a column `contact_id` (the brand's id) or `email` (normalized by the
    identity kit before matching). It may use the bind parameter `:now` (a timestamp stored
    like the store's own). It runs in a read-only
    transaction (`SET TRANSACTION READ ONLY` on PostgreSQL, `PRAGMA query_only` on SQLite) that is
    always rolled back.

    Args:
        engine: the store's engine.
        key: the audience key, named in errors.
        sql: the query.
        now: the value bound to `:now`.

    Raises:
        ConfigError: the query failed or returns neither column; the message names the audience
            and the database error class, never the driver's text (which may quote data).
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        try:
            if sqlite:
                conn.exec_driver_sql("PRAGMA query_only = ON")
            else:
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            resolution = resolve_rows(conn, _rows(conn, key, sql, now=now))
        except SQLAlchemyError as exc:
            msg = f"audiences.{key}.sql: the query failed ({_describe(exc)}); --debug shows why"
            raise ConfigError(msg) from exc
        finally:
            conn.rollback()
            if sqlite:
                conn.exec_driver_sql("PRAGMA query_only = OFF")
                conn.rollback()
    logger.info(
        "audience %s: query named %d contacts, %d rows unresolved",
        key,
        len(resolution.members),
        resolution.unresolved,
    )
    return resolution
