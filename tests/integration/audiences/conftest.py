"""A store on SQLite and on PostgreSQL, and a small helper that seeds it directly.

PostgreSQL comes from FREEHOLD_TEST_POSTGRES_URL (default: the local trust-auth server). One
throw-away database is created per session and emptied after each test. When no server
answers the PostgreSQL cases skip with the reason, except under CI=true where they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from freehold.core.store import Store
from freehold.core.store.schema import (
    attributes,
    consent_current,
    consent_history,
    contacts,
    events,
    identifiers,
    metadata,
)

POSTGRES_URL = os.environ.get(
    "FREEHOLD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Create a private database for this session on the PostgreSQL server; drop it after."""
    server = make_url(POSTGRES_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"freehold_audiences_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        reason = f"no PostgreSQL server answers at {server.render_as_string(hide_password=True)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL is required): {type(exc.orig).__name__}")
        pytest.skip(reason)
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    """An empty store at the head revision, on each engine."""
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
        try:
            yield opened
        finally:
            opened.close()
        return
    opened = Store.open(request.getfixturevalue("postgres_database"))
    try:
        yield opened
    finally:
        with opened.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                if table.name != "store_meta":
                    conn.execute(table.delete())
        opened.close()


class Seed:
    """Insert contacts and events straight into the schema tables (no import pipeline)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._events = 0

    def contact(
        self,
        contact_id: str,
        *,
        lifecycle: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        attrs: dict[str, object] | None = None,
        consents: dict[str, str] | None = None,
        external_id: str | None = None,
    ) -> int:
        with self.store.begin() as conn:
            pk = conn.execute(
                contacts.insert().values(contact_id=contact_id, lifecycle=lifecycle)
            ).inserted_primary_key[0]
            for field, value in (("email", email), ("phone", phone), ("external_id", external_id)):
                if value is not None:
                    conn.execute(
                        identifiers.insert().values(
                            contact_pk=pk, field=field, raw=value, normalized=value
                        )
                    )
            for name, value in (attrs or {}).items():
                conn.execute(attributes.insert().values(contact_pk=pk, name=name, value=value))
            for purpose, state in (consents or {}).items():
                row = {
                    "contact_pk": pk,
                    "purpose": purpose,
                    "state": state,
                    "at": NOW,
                    "source": "test",
                }
                conn.execute(consent_history.insert().values(**row))
                conn.execute(consent_current.insert().values(**row))
        return int(pk)

    def event(
        self,
        pk: int | None,
        name: str,
        *,
        days_ago: float,
        value: str | int | float | None = None,
        currency: str | None = "EUR",
    ) -> None:
        self._events += 1
        with self.store.begin() as conn:
            conn.execute(
                events.insert().values(
                    event_id=f"e{self._events}",
                    name=name,
                    occurred_at=NOW - dt.timedelta(days=days_ago),
                    contact_pk=pk,
                    value=Decimal(str(value)) if value is not None else None,
                    currency=currency if value is not None else None,
                    source="test",
                )
            )


@pytest.fixture
def seed(store: Store) -> Seed:
    return Seed(store)
