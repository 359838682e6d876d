"""The first-party store's tables: one SQLAlchemy Core `MetaData` for SQLite and PostgreSQL.

Every table is documented in `docs/store.md`. Timestamps are timezone-aware and stored in UTC
(`UtcDateTime`); money is `Money` (exact decimals, also on SQLite); JSON is `sqlalchemy.JSON`
(JSONB on PostgreSQL).
Surrogate keys are integers named `pk`; the brand's id is `contacts.contact_id`.

Personal data lives in `identifiers.raw` and `identifiers.normalized` (and the event columns
`client_ip` and `user_agent`); nothing else holds a personal value in clear.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import DateTime, TypeEngine

__all__ = [
    "Money",
    "UtcDateTime",
    "attributes",
    "audience_members",
    "audiences",
    "audit_log",
    "consent_current",
    "consent_history",
    "contacts",
    "digests",
    "events",
    "identifiers",
    "import_checkpoints",
    "ledger",
    "metadata",
    "outbox",
    "rejections",
    "run_batches",
    "run_outcomes",
    "runs",
    "store_meta",
    "tombstones",
    "utcnow",
]

_MONEY_SCALE = Decimal("0.0001")


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware in UTC (the default of the record-time columns)."""
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp stored in UTC; naive values are refused.

    SQLite has no time zone type: values are converted to UTC before they are written and come
    back with `tzinfo=UTC`, so comparisons in SQL order correctly on both engines.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Convert an aware datetime to UTC; refuse a naive one."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            msg = "naive datetime given for a timezone-aware column"
            raise ValueError(msg)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Return the stored timestamp as an aware datetime in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Money(TypeDecorator[Decimal]):
    """An exact amount, `NUMERIC(18, 4)`; read back as `Decimal` on every engine.

    SQLite stores it with numeric affinity (so `SUM` and comparisons work in SQL) and the value
    is quantized to four places when read.
    """

    impl = Numeric(18, 4)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Use a float-returning numeric on SQLite (no native decimal there), exact elsewhere."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(18, 4, asdecimal=False))
        return dialect.type_descriptor(Numeric(18, 4))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Decimal | float | None:
        """Pass a Decimal through; SQLite receives it as a number."""
        if value is None:
            return None
        value = Decimal(value)
        return float(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        """Return the stored amount as a Decimal with four places."""
        if value is None:
            return None
        return Decimal(str(value)).quantize(_MONEY_SCALE)


_Pk = BigInteger().with_variant(Integer(), "sqlite")
"""Surrogate keys: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite."""

_Json = JSON().with_variant(JSONB(), "postgresql")
"""JSON everywhere; JSONB on PostgreSQL so values can be compared and indexed in SQL."""

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


def _pk() -> Column[int]:
    return Column("pk", _Pk, primary_key=True, autoincrement=True)


def _contact_fk(*, nullable: bool = False, on_delete: str = "CASCADE") -> Column[int]:
    return Column(
        "contact_pk",
        _Pk,
        ForeignKey("contacts.pk", ondelete=on_delete),
        nullable=nullable,
    )


contacts = Table(
    "contacts",
    metadata,
    _pk(),
    Column("contact_id", Text, nullable=False, unique=True),
    Column("lifecycle", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
    Column("updated_at", UtcDateTime, nullable=False, default=utcnow),
    Column("revision", Integer, nullable=False, server_default=text("1")),
)
"""One row per person the brand knows; `contact_id` is the brand's own id.

`revision` goes up whenever a writer changes what the contact may send (identifiers,
attributes, consent, lifecycle): the ledger compares it to skip unchanged members.
"""

identifiers = Table(
    "identifiers",
    metadata,
    _contact_fk(),
    Column("field", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("normalized", Text, nullable=True),
    Column("drop_reason", Text, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False, default=utcnow),
    PrimaryKeyConstraint("contact_pk", "field"),
    Index(None, "field", "normalized"),
    sqlite_with_rowid=False,
)
"""A contact's identifiers: raw as received and the identity kit's neutral normalization."""

digests = Table(
    "digests",
    metadata,
    _contact_fk(),
    Column("profile", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("digest", Text, nullable=False),
    PrimaryKeyConstraint("contact_pk", "profile", "field"),
    sqlite_with_rowid=False,
)
"""Per hashing profile, the SHA-256 of that profile's normalized value, kept with identifiers."""

attributes = Table(
    "attributes",
    metadata,
    _contact_fk(),
    Column("name", Text, nullable=False),
    Column("value", _Json, nullable=True),
    PrimaryKeyConstraint("contact_pk", "name"),
    sqlite_with_rowid=False,
)
"""Custom attributes of a contact (typed JSON values)."""

consent_history = Table(
    "consent_history",
    metadata,
    _pk(),
    _contact_fk(),
    Column("purpose", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("source", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False, default=utcnow),
    UniqueConstraint("contact_pk", "purpose", "at", "state", "source"),
)
"""Append-only: every consent statement ever recorded, with when it was said and its source.

The same statement (contact, purpose, at, state, source) is recorded once, so re-importing a
file adds nothing.
"""

consent_current = Table(
    "consent_current",
    metadata,
    _contact_fk(),
    Column("purpose", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("source", Text, nullable=False),
    PrimaryKeyConstraint("contact_pk", "purpose"),
    Index(None, "purpose", "state"),
    sqlite_with_rowid=False,
)
"""Derived: the latest `consent_history` statement per (contact, purpose); written by the store."""

events = Table(
    "events",
    metadata,
    _pk(),
    Column("event_id", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    _contact_fk(nullable=True, on_delete="SET NULL"),
    Column("value", Money, nullable=True),
    Column("currency", Text, nullable=True),
    Column("order_id", Text, nullable=True),
    Column("items", _Json, nullable=False, default=list),
    Column("properties", _Json, nullable=False, default=dict),
    Column("click_ids", _Json, nullable=False, default=dict),
    Column("client_ip", Text, nullable=True),
    Column("user_agent", Text, nullable=True),
    Column("source_url", Text, nullable=True),
    Column("action_source", Text, nullable=False, default="web"),
    Column("source", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False, default=utcnow),
    Index(None, "contact_pk", "name", "occurred_at"),
)
"""Append-only behavioural events, deduplicated by `event_id`."""

audiences = Table(
    "audiences",
    metadata,
    _pk(),
    Column("key", Text, nullable=False, unique=True),
    Column("definition_hash", Text, nullable=False),
    Column("computed_at", UtcDateTime, nullable=True),
    Column("member_count", Integer, nullable=False, default=0),
)
"""Audience definitions known to the store and when their membership was last computed."""

audience_members = Table(
    "audience_members",
    metadata,
    Column("audience_pk", _Pk, ForeignKey("audiences.pk", ondelete="CASCADE"), nullable=False),
    _contact_fk(),
    Column("since", UtcDateTime, nullable=False),
    Column("score", Float, nullable=True),
    Column("segment", Text, nullable=True),
    PrimaryKeyConstraint("audience_pk", "contact_pk"),
    Index(None, "contact_pk"),
    sqlite_with_rowid=False,
)
"""Computed membership of each audience."""

ledger = Table(
    "ledger",
    metadata,
    Column("audience_key", Text, nullable=False),
    Column("destination", Text, nullable=False),
    Column("contact_pk", _Pk, nullable=False),
    Column("member_key", Text, nullable=False),
    Column("sent", _Json, nullable=False),
    Column("vendor_ref", Text, nullable=True),
    Column("acknowledged_at", UtcDateTime, nullable=False),
    Column("refreshed_at", UtcDateTime, nullable=False),
    Column("revision", Integer, nullable=True),
    Column("basis", Text, nullable=True),
    PrimaryKeyConstraint("audience_key", "destination", "contact_pk"),
    Index(None, "contact_pk"),
)
"""What each vendor acknowledged holding, per (audience, destination, contact).

`revision` is the contact's revision the sent data came from and `basis` the fingerprint of
the destination's settings it was planned under (None on rows from before revision 0003).
"""

rejections = Table(
    "rejections",
    metadata,
    Column("audience_key", Text, nullable=False),
    Column("destination", Text, nullable=False),
    Column("contact_pk", _Pk, nullable=False),
    Column("member_key", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("code", Text, nullable=True),
    Column("at", UtcDateTime, nullable=False, default=utcnow),
    Column("run_pk", _Pk, nullable=True),
    PrimaryKeyConstraint("audience_key", "destination", "contact_pk"),
)
"""Rows a vendor refused, not retried unless the row changed."""

outbox = Table(
    "outbox",
    metadata,
    Column("event_pk", _Pk, ForeignKey("events.pk", ondelete="CASCADE"), nullable=False),
    Column("destination", Text, nullable=False),
    Column("status", Text, nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False, default=utcnow),
    PrimaryKeyConstraint("event_pk", "destination"),
    Index(None, "destination", "status", "next_attempt_at"),
)
"""Events to deliver, per destination, with delivery state."""

runs = Table(
    "runs",
    metadata,
    _pk(),
    Column("kind", Text, nullable=False),
    Column("audience_key", Text, nullable=True),
    Column("destination", Text, nullable=True),
    Column("started_at", UtcDateTime, nullable=False, default=utcnow),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("status", Text, nullable=False, default="running"),
    Column("counts", _Json, nullable=False, default=dict),
    Column("session_state", _Json, nullable=True),
    Column("plan", _Json, nullable=True),
    Index(None, "kind", "audience_key", "destination", "started_at"),
)
"""Every job: sync, event forwarding, import, migration, erasure."""

run_outcomes = Table(
    "run_outcomes",
    metadata,
    Column("run_pk", _Pk, ForeignKey("runs.pk", ondelete="CASCADE"), nullable=False),
    Column("key", Text, nullable=False),
    Column("contact_pk", _Pk, nullable=True),
    Column("operation", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("code", Text, nullable=True),
    Column("vendor_ref", Text, nullable=True),
    Column("at", UtcDateTime, nullable=False, default=utcnow),
    PrimaryKeyConstraint("run_pk", "key", "operation"),
)
"""Per-row outcome of a run (rows answered otherwise than their batch's common answer)."""

run_batches = Table(
    "run_batches",
    metadata,
    Column("run_pk", _Pk, ForeignKey("runs.pk", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("operation", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("vendor_ref", Text, nullable=True),
    Column("at", UtcDateTime, nullable=False, default=utcnow),
    Column("rows", Integer, nullable=False),
    Column("contact_pks", LargeBinary, nullable=False),
    PrimaryKeyConstraint("run_pk", "seq"),
)
"""The rows of a batch that share its common answer: their contact pks packed as int64 (little
endian). A run's per-row outcomes are these rows plus its `run_outcomes`."""

audit_log = Table(
    "audit_log",
    metadata,
    _pk(),
    Column("at", UtcDateTime, nullable=False, default=utcnow),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("detail", _Json, nullable=False, default=dict),
    Index(None, "action", "at"),
)
"""Who did what to which subject (ids and hashes only)."""

tombstones = Table(
    "tombstones",
    metadata,
    Column("digest", Text, primary_key=True),
    Column("created_at", UtcDateTime, nullable=False, default=utcnow),
)
"""Salted hashes of erased people's identifiers, so a re-import cannot resurrect them."""

store_meta = Table(
    "store_meta",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)
"""Store-wide settings, such as the tombstone salt."""

import_checkpoints = Table(
    "import_checkpoints",
    metadata,
    Column("source_key", Text, primary_key=True),
    Column("rows_committed", BigInteger, nullable=False, default=0),
    Column("updated_at", UtcDateTime, nullable=False, default=utcnow),
)
"""How far each import source got, so an interrupted import resumes."""
