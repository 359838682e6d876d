"""The `store` fixture: every store test runs on SQLite and on a real PostgreSQL server.

The server comes from FREEHOLD_TEST_POSTGRES_URL (default: the `postgres` user, trust auth, on
127.0.0.1:5432/test). Each test gets a schema of its own, dropped afterwards, so parallel runs
never collide. Without a server the PostgreSQL half skips with the reason, except under
CI=true, where it fails.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from freehold.core.store import Store
from freehold.core.store.schema import metadata

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FALLBACK_USERS = ("postgres", "root")


@functools.cache
def postgres_base() -> tuple[str | None, str]:
    """Return (a URL that answers, or None; the reason when none does)."""
    configured = os.environ.get("FREEHOLD_TEST_POSTGRES_URL")
    candidates = [configured] if configured else []
    if not configured:
        base = make_url(DEFAULT_PG)
        candidates = [base.set(username=user).render_as_string(False) for user in FALLBACK_USERS]
    problems = []
    for url in candidates:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except sa.exc.SQLAlchemyError as exc:
            masked = make_url(url).render_as_string(hide_password=True)
            problems.append(f"{masked}: {type(exc.orig or exc).__name__}")
            continue
        finally:
            engine.dispose()
        return url, ""
    return None, "no PostgreSQL server answers (" + "; ".join(problems) + ")"


def require_postgres() -> str:
    """Return the server URL, or skip (fail under CI=true) with the reason."""
    url, reason = postgres_base()
    if url is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    return url


@functools.cache
def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextlib.contextmanager
def _private_schema(base: str) -> Iterator[str]:
    """Create a schema of our own; yield a URL whose connections use it; drop it afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = _admin_engine(base)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections see a fresh, empty schema of their own (dropped afterwards)."""
    with _private_schema(require_postgres()) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_store_url() -> Iterator[str]:
    """A schema at the head revision for this test session (emptied before each test).

    Creating tables costs PostgreSQL about half a second; emptying them a few milliseconds.
    """
    with _private_schema(require_postgres()) as url:
        Store.upgrade(url)
        yield url


def _empty(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                if table.name != "store_meta":
                    connection.execute(table.delete())
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An open, empty store at the head revision, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = str(request.getfixturevalue("postgres_store_url"))
        _empty(url)
    with Store.open(url) as opened:
        yield opened
