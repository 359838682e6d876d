"""The `Store`: opening (created at head, checked otherwise), transactions and query helpers."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Self

from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import URL

from freehold.core.errors import ConfigError
from freehold.core.store import _consent, _contacts, _events, _load
from freehold.core.store._engine import create_store_engine
from freehold.core.store._meta import ensure_salt, tombstone_digest
from freehold.core.store._migrate import Revision, check_revision, upgrade_engine
from freehold.core.store._sql import chunked
from freehold.core.store.schema import contacts, tombstones

if TYPE_CHECKING:
    from types import TracebackType

    from freehold.core.models import Consent, Contact
    from freehold.core.store._records import (
        ContactRecord,
        EventRecord,
        EventsResult,
        UpsertResult,
    )

__all__ = ["Store"]

logger = logging.getLogger(__name__)


def _prepare(engine: Engine, *, create: bool) -> str:
    """Check (or create) the schema behind `engine`; return the tombstone salt."""
    with engine.connect() as connection:
        revision = check_revision(connection)
    if revision is None:
        if not create:
            msg = "the database holds no store yet: run `freehold store upgrade`"
            raise ConfigError(msg)
        upgrade_engine(engine)
    with engine.begin() as connection:
        return ensure_salt(connection)


class Store:
    """The brand's first-party store on SQLite or PostgreSQL.

    Open it with `Store.open(url)`; use it as a context manager or call `close()`. The repr
    shows the URL with its password masked.
    """

    def __init__(self, engine: Engine, *, salt: str) -> None:
        """Wrap an engine already at the head revision (use `Store.open`)."""
        self._engine = engine
        self._salt = salt

    @classmethod
    def open(cls, url: str | URL, *, create: bool = True) -> Self:
        """Open the store at `url`.

        A missing SQLite file or an empty database is created at the head revision (when
        `create`); any other store must already be at head.

        Raises:
            ConfigError: bad URL; an older store (run `freehold store upgrade`); an empty
                database with `create=False`; a database that is not a freehold store.
        """
        engine = create_store_engine(url, create=create)
        try:
            salt = _prepare(engine, create=create)
        except BaseException:
            engine.dispose()
            raise
        logger.debug("store opened (%s)", engine.dialect.name)
        return cls(engine, salt=salt)

    @staticmethod
    def upgrade(url: str | URL) -> Revision:
        """Create or upgrade the store at `url` to the head revision.

        Raises:
            ConfigError: bad URL, or a database that is not a freehold store.
        """
        engine = create_store_engine(url, create=True)
        try:
            revision = upgrade_engine(engine)
            with engine.begin() as connection:
                ensure_salt(connection)
        finally:
            engine.dispose()
        return revision

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine."""
        return self._engine

    @property
    def url(self) -> str:
        """The store URL with any password masked."""
        return self._engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """The database kind: `sqlite` or `postgresql`."""
        return self._engine.dialect.name

    def close(self) -> None:
        """Release every connection."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """Yield a connection inside a transaction, committed on success, rolled back on error."""
        with self._engine.begin() as connection:
            yield connection

    # Tombstones ------------------------------------------------------------------------------

    def tombstone_digest(self, field: str, normalized: str) -> str:
        """Return the salted digest that marks `normalized` (a neutral `field` value) erased."""
        return tombstone_digest(self._salt, field, normalized)

    def is_tombstoned(
        self, field: str, normalized: str, *, connection: Connection | None = None
    ) -> bool:
        """Return True when this normalized identifier belongs to an erased person."""
        digest = self.tombstone_digest(field, normalized)
        query = select(tombstones.c.digest).where(tombstones.c.digest == digest)
        if connection is not None:
            return connection.scalar(query) is not None
        with self._engine.connect() as own:
            return own.scalar(query) is not None

    def add_tombstones(self, connection: Connection, values: Iterable[tuple[str, str]]) -> int:
        """Record (field, normalized) pairs as erased; return how many were new."""
        digests = sorted({self.tombstone_digest(field, value) for field, value in values})
        known: set[str] = set()
        for batch in chunked(digests):
            known.update(
                connection.scalars(
                    select(tombstones.c.digest).where(tombstones.c.digest.in_(batch))
                )
            )
        fresh = [{"digest": digest} for digest in digests if digest not in known]
        if fresh:
            connection.execute(tombstones.insert(), fresh)
        return len(fresh)

    # Contacts --------------------------------------------------------------------------------

    def contact_pks(self, contact_ids: Iterable[str]) -> dict[str, int]:
        """Map the brand's contact ids to store pks (unknown ids are left out)."""
        found: dict[str, int] = {}
        with self._engine.connect() as connection:
            for batch in chunked(set(contact_ids)):
                rows = connection.execute(
                    select(contacts.c.contact_id, contacts.c.pk).where(
                        contacts.c.contact_id.in_(batch)
                    )
                )
                found.update({contact_id: pk for contact_id, pk in rows})
        return found

    def load_contacts(
        self, pks: Sequence[int], *, connection: Connection | None = None
    ) -> list[Contact]:
        """Return the neutral contacts for `pks` (in that order; unknown pks are left out)."""
        if connection is not None:
            return _load.load_contacts(connection, pks)
        with self._engine.connect() as own:
            return _load.load_contacts(own, pks)

    def record_consent(self, connection: Connection, contact_pk: int, consent: Consent) -> bool:
        """Append a consent statement to the history; update the current state if it is newer.

        Returns:
            True when the current state for that purpose changed.
        """
        return _consent.record_consent(connection, contact_pk, consent)

    def upsert_contacts(
        self,
        records: Sequence[ContactRecord],
        *,
        source: str,
        connection: Connection | None = None,
    ) -> UpsertResult:
        """Resolve and merge `records` into the store (one transaction unless `connection`).

        Each record matches an existing contact by contact id, then external id, then
        normalized email, then normalized phone; a match merges (the record's non-empty values
        win, consent keeps its own timestamps), no match creates a contact. Records matching
        an erasure tombstone are skipped; records with no usable key are rejected.
        """
        if connection is not None:
            return _contacts.upsert_contacts(connection, records, source=source, salt=self._salt)
        with self.begin() as own:
            return _contacts.upsert_contacts(own, records, source=source, salt=self._salt)

    def insert_events(
        self,
        records: Sequence[EventRecord],
        *,
        source: str,
        destinations: Mapping[str, Sequence[str]] | None = None,
        connection: Connection | None = None,
    ) -> EventsResult:
        """Store new events (deduplicated by `event_id`), resolving or creating their people.

        Args:
            records: the events.
            source: where they came from (kept on each event).
            destinations: event name (or `*`) → destinations to queue each new event for in
                the outbox, in the same transaction; None queues nothing (a history import).
            connection: an open transaction to run in; by default one of its own.
        """
        if connection is not None:
            return _events.insert_events(
                connection, records, source=source, salt=self._salt, destinations=destinations
            )
        with self.begin() as own:
            return _events.insert_events(
                own, records, source=source, salt=self._salt, destinations=destinations
            )
