"""Streams the planner reads from the store, each ordered by contact pk.

Every stream is one SQL query read in bulk (`yield_per`), never all rows as Python objects at
once: the audience's members with their consent, the prepared identifiers (digests for the
fields the profile hashes, normalized values for the others), the mapped fields, and the
ledger. The planner merges them by contact pk in a single pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Select, false, literal, select
from sqlalchemy.sql.elements import ColumnElement

from freehold.core.store.schema import (
    attributes,
    audience_members,
    consent_current,
    contacts,
    digests,
    identifiers,
    ledger,
    rejections,
)

__all__ = [
    "IDENTIFIER_FIELDS",
    "Grouped",
    "fetch_sent",
    "field_streams",
    "ledger_rows",
    "member_rows",
    "rejected_keys",
]

IDENTIFIER_FIELDS = frozenset(
    {
        "email",
        "phone",
        "first_name",
        "last_name",
        "city",
        "region",
        "postal_code",
        "country",
        "date_of_birth",
        "gender",
        "external_id",
        "mobile_ad_id",
    }
)
"""Neutral identifier field names (a `fields` mapping may name them: the raw value leaves)."""

_YIELD = 20_000
_IN_CHUNK = 500


def _stream(conn: Connection, query: Select[Any]) -> Iterator[Sequence[Any]]:
    # A statement option: `Connection.execution_options` would set it on the connection for
    # every later statement too.
    result = conn.execute(query.execution_options(yield_per=_YIELD))
    for partition in result.partitions():
        yield from partition


def _plain_stream(conn: Connection, query: Select[Any]) -> Iterator[Sequence[Any]]:
    """Stream rows whose columns need no type conversion, as the driver's own tuples.

    On SQLite (whose cursors are lazy) this skips building a `Row` per row, which the planner
    would otherwise do for every member and ledger row; other databases stream through
    `yield_per`.
    """
    if conn.dialect.name != "sqlite":
        yield from _stream(conn, query)
        return
    result = conn.execute(query)
    try:
        cursor = result.cursor
        while rows := cursor.fetchmany(_YIELD):
            yield from rows
    finally:
        result.close()


def member_rows(
    conn: Connection,
    audience_pk: int,
    purpose: str,
    *,
    profile: str | None = None,
    hashed: Sequence[str] = (),
    clear: Sequence[str] = (),
) -> Iterator[Sequence[Any]]:
    """Yield `(contact_pk, consent state or None, score, *values)` for the audience's members.

    `values` are the prepared identifiers, one column per field of `hashed` (the `profile`'s
    cached digests) then of `clear` (the neutral normalized values), None where absent or
    unusable: one row per member, joined in SQL.
    """
    columns: list[ColumnElement[Any]] = [
        audience_members.c.contact_pk,
        consent_current.c.state,
        audience_members.c.score,
    ]
    joined: Any = audience_members.outerjoin(
        consent_current,
        (consent_current.c.contact_pk == audience_members.c.contact_pk)
        & (consent_current.c.purpose == purpose),
    )
    for index, name in enumerate(hashed):
        alias = digests.alias(f"h{index}")
        joined = joined.outerjoin(
            alias,
            (alias.c.contact_pk == audience_members.c.contact_pk)
            & (alias.c.profile == profile)
            & (alias.c.field == name),
        )
        columns.append(alias.c.digest)
    for index, name in enumerate(clear):
        alias = identifiers.alias(f"c{index}")
        joined = joined.outerjoin(
            alias,
            (alias.c.contact_pk == audience_members.c.contact_pk) & (alias.c.field == name),
        )
        columns.append(alias.c.normalized)
    query = (
        select(*columns)
        .select_from(joined)
        .where(audience_members.c.audience_pk == audience_pk)
        .order_by(audience_members.c.contact_pk)
    )
    return _plain_stream(conn, query)


def _in_audience(audience_pk: int, pk_column: ColumnElement[int]) -> ColumnElement[bool]:
    return (audience_members.c.audience_pk == audience_pk) & (
        audience_members.c.contact_pk == pk_column
    )


def field_streams(
    conn: Connection, audience_pk: int, sources: Iterable[str]
) -> list[Iterator[Sequence[Any]]]:
    """Return streams of `(contact_pk, source name, value)` for the mapped fields.

    A source is an identifier field (its raw value, trimmed, leaves: a vendor shows names as
    given), `lifecycle`, or a custom attribute.
    """
    wanted = sorted(set(sources))
    ident = [name for name in wanted if name in IDENTIFIER_FIELDS]
    attrs = [name for name in wanted if name not in IDENTIFIER_FIELDS and name != "lifecycle"]
    streams: list[Iterator[Sequence[Any]]] = []
    if ident:
        streams.append(
            _stream(
                conn,
                select(identifiers.c.contact_pk, identifiers.c.field, identifiers.c.raw)
                .join(audience_members, _in_audience(audience_pk, identifiers.c.contact_pk))
                .where(identifiers.c.field.in_(ident))
                .order_by(identifiers.c.contact_pk),
            )
        )
    if attrs:
        streams.append(
            _stream(
                conn,
                select(attributes.c.contact_pk, attributes.c.name, attributes.c.value)
                .join(audience_members, _in_audience(audience_pk, attributes.c.contact_pk))
                .where(attributes.c.name.in_(attrs))
                .order_by(attributes.c.contact_pk),
            )
        )
    if "lifecycle" in wanted:
        streams.append(
            _stream(
                conn,
                select(contacts.c.pk, literal("lifecycle"), contacts.c.lifecycle)
                .join(audience_members, _in_audience(audience_pk, contacts.c.pk))
                .where(contacts.c.lifecycle.is_not(None))
                .order_by(contacts.c.pk),
            )
        )
    return streams


def ledger_rows(
    conn: Connection,
    audience_key: str,
    destination: str,
    *,
    purpose: str,
    stale_before: dt.datetime | None,
) -> Iterator[Sequence[Any]]:
    """Yield `(contact_pk, member_key, stale, consent_state)` for what the vendor holds."""
    stale = ledger.c.refreshed_at < stale_before if stale_before is not None else false()
    query = (
        select(
            ledger.c.contact_pk, ledger.c.member_key, stale.label("stale"), consent_current.c.state
        )
        .select_from(
            ledger.outerjoin(
                consent_current,
                (consent_current.c.contact_pk == ledger.c.contact_pk)
                & (consent_current.c.purpose == purpose),
            )
        )
        .where(ledger.c.audience_key == audience_key, ledger.c.destination == destination)
        .order_by(ledger.c.contact_pk)
    )
    return _plain_stream(conn, query)


def rejected_keys(conn: Connection, audience_key: str, destination: str) -> dict[int, str]:
    """Return contact pk → member key of the rows the vendor rejected and not accepted since."""
    query = select(rejections.c.contact_pk, rejections.c.member_key).where(
        rejections.c.audience_key == audience_key, rejections.c.destination == destination
    )
    return {pk: key for pk, key in conn.execute(query)}


def fetch_sent(
    conn: Connection, audience_key: str, destination: str, pks: Sequence[int]
) -> Iterator[tuple[int, str, dict[str, str]]]:
    """Yield `(contact_pk, member_key, sent identifiers)` from the ledger for `pks`, in order."""
    for start in range(0, len(pks), _IN_CHUNK):
        chunk = list(pks[start : start + _IN_CHUNK])
        query = (
            select(ledger.c.contact_pk, ledger.c.member_key, ledger.c.sent)
            .where(
                ledger.c.audience_key == audience_key,
                ledger.c.destination == destination,
                ledger.c.contact_pk.in_(chunk),
            )
            .order_by(ledger.c.contact_pk)
        )
        for pk, key, sent in conn.execute(query):
            yield pk, key, dict(sent or {})


class Grouped:
    """Groups a `(contact_pk, name, value)` stream by contact pk, for a merge by pk.

    `convert(name, value)` rewrites each value on the way (None drops it).
    """

    __slots__ = ("_convert", "_next", "_rows", "pk")

    def __init__(
        self,
        rows: Iterator[Sequence[Any]],
        *,
        convert: Callable[[str, Any], Any] | None = None,
    ) -> None:
        self._rows = rows
        self._convert = convert
        self._next: Sequence[Any] | None = next(rows, None)
        self.pk: int | None = self._next[0] if self._next is not None else None

    def take(self, pk: int, into: dict[str, Any]) -> None:
        """Move the values of `pk` into `into`, skipping any smaller pk left behind."""
        row = self._next
        rows = self._rows
        convert = self._convert
        while row is not None and row[0] < pk:
            row = next(rows, None)
        while row is not None and row[0] == pk:
            if convert is None:
                into[row[1]] = row[2]
            else:
                value = convert(row[1], row[2])
                if value is not None:
                    into[row[1]] = value
            row = next(rows, None)
        self._next = row
        self.pk = row[0] if row is not None else None
