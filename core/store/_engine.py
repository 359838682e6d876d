"""Engines for the store: SQLite in WAL mode with foreign keys, PostgreSQL through psycopg."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from freehold.core.errors import ConfigError

if TYPE_CHECKING:
    from sqlite3 import Connection as SQLiteConnection

    from sqlalchemy.pool import ConnectionPoolEntry

__all__ = ["create_store_engine", "parse_store_url", "sqlite_path"]

logger = logging.getLogger(__name__)

_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-32000",
    "PRAGMA temp_store=MEMORY",
)


def parse_store_url(url: str | URL) -> URL:
    """Parse a store URL; plain `postgresql://` means the psycopg 3 driver.

    Raises:
        ConfigError: the URL is not a SQLAlchemy URL (the message never echoes it: it may
            hold a password).
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        msg = (
            "store URL is not a valid SQLAlchemy URL (expected sqlite:///PATH or postgresql://...)"
        )
        raise ConfigError(msg) from exc
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """Return the database file of a SQLite URL, or None for an in-memory or non-SQLite store."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _create_private_file(path: Path) -> None:
    """Create an empty database file readable and writable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    logger.debug("created store file with owner-only permissions")


def _on_sqlite_connect(dbapi_connection: SQLiteConnection, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy drive transactions (the driver's implicit BEGIN is switched off and the
    # `begin` listener below emits it), so every transaction really is one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def create_store_engine(url: str | URL, *, create: bool = True) -> Engine:
    """Create the engine for a store URL.

    A SQLite file that does not exist yet is created with mode 0600 (its WAL and shared-memory
    files inherit it); SQLite connections run in WAL mode with foreign keys on.

    Args:
        url: a SQLAlchemy URL (`sqlite:///freehold.db`, `postgresql://user@host/db`).
        create: create a missing SQLite file; when false a missing file is an error.

    Raises:
        ConfigError: bad URL, or a missing SQLite file with `create=False`.
    """
    parsed = parse_store_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    path = sqlite_path(parsed)
    if path is not None and not path.exists():
        if not create:
            msg = f"no store at {path}: run `freehold store upgrade` to create it"
            raise ConfigError(msg)
        _create_private_file(path)
    pool = {"poolclass": StaticPool} if path is None else {}
    engine = create_engine(parsed, **pool)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine
