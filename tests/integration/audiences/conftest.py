"""A store on SQLite and on PostgreSQL, and a small helper that seeds it directly.

PostgreSQL comes from FREEHOLD_TEST_POSTGRES_URL (default: the local trust-auth server). One
throw-away schema is created per session (so engineers sharing the server do not collide) and
emptied after each test. When no server
answers the PostgreSQL cases skip with the reason, except under CI=true where they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from freehold.core.identity import sha256_hex
from freehold.core.store import Store
from freehold.core.store.schema import (
    attributes,
    consent_current,
    consent_history,
    contacts,
    digests,
    events,
    identifiers,
    metadata,
)

POSTGRES_URL = os.environ.get(
    "FREEHOLD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private schema for this session on the PostgreSQL server; dropped afterwards."""
    server = make_url(POSTGRES_URL)
    admin = create_engine(server, connect_args={"connect_timeout": 3})
    schema = f"freehold_audiences_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        reason = f"no PostgreSQL server answers at {server.render_as_string(hide_password=True)}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: PostgreSQL is required): {type(exc.orig).__name__}")
        pytest.skip(reason)
    try:
        url = server.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated once; each test gets a copy (migrating takes longer than a test)."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    Store.open(f"sqlite:///{path}").close()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store at the head revision, on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "store.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        opened = Store.open(f"sqlite:///{path}", create=False)
        try:
            yield opened
        finally:
            opened.close()
        return
    opened = Store.open(request.getfixturevalue("postgres_url"))
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
        digest_profiles: tuple[str, ...] = ("meta", "google", "microsoft"),
    ) -> int:
        """Insert a contact; identifiers are stored as given (already normalized), and email and
        phone get a digest row for each of `digest_profiles`."""
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
                if value is not None and field != "external_id":
                    for profile in digest_profiles:
                        conn.execute(
                            digests.insert().values(
                                contact_pk=pk,
                                profile=profile,
                                field=field,
                                digest=sha256_hex(value),
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
        self.events([(pk, name, days_ago, value)], currency=currency)

    def events(
        self,
        rows: list[tuple[int | None, str, float, str | int | float | None]],
        *,
        currency: str | None = "EUR",
    ) -> None:
        """Insert (contact pk, name, days ago, value) events in one transaction."""
        records = []
        for pk, name, days_ago, value in rows:
            self._events += 1
            records.append(
                {
                    "event_id": f"e{self._events}",
                    "name": name,
                    "occurred_at": NOW - dt.timedelta(days=days_ago),
                    "contact_pk": pk,
                    "value": Decimal(str(value)) if value is not None else None,
                    "currency": currency if value is not None else None,
                    "source": "test",
                }
            )
        with self.store.begin() as conn:
            conn.execute(events.insert(), records)


@pytest.fixture
def seed(store: Store) -> Seed:
    return Seed(store)
