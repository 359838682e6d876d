"""Streams the planner reads from the store, each ordered by contact pk.

Every stream is one SQL query read in bulk (`yield_per`), never all rows as Python objects at
once: the audience's members with their consent, the prepared identifiers (digests for the
fields the profile hashes, normalized values for the others), the mapped fields, and the
ledger. The planner merges them by contact pk in a single pass.

Given a `Settled` rule, every stream leaves out the settled members (held, unchanged since
their ledger row was written, planned under the same basis, not due for a refresh): the
database skips them, so a re-sync reads only what changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, exists, false, func, literal, select
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
    runs,
)

__all__ = [
    "IDENTIFIER_FIELDS",
    "Grouped",
    "Holder",
    "Settled",
    "fetch_sent",
    "field_streams",
    "held_count",
    "holding_run",
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
_RUNS_LOOKED_AT = 500
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


@dataclass(frozen=True, slots=True)
class Settled:
    """When a held member needs no look: its ledger row is current and fresh.

    Current: the row's `revision` is the contact's and its `basis` is this plan's (same
    destination settings, same rules). Fresh: refreshed at or after `stale_before`.
    """

    audience_pk: int
    audience_key: str
    destination: str
    basis: str
    stale_before: dt.datetime | None

    def _current(self, held: Any, revision: ColumnElement[Any]) -> ColumnElement[bool]:  # noqa: ANN401
        """Return: the ledger row `held` carries `revision` and this basis, and is fresh.

        Null-safe (`IS`), so a missing row or one from before revisions is never current.
        """
        clause: ColumnElement[bool] = held.c.revision.is_not_distinct_from(
            revision
        ) & held.c.basis.is_not_distinct_from(self.basis)
        if self.stale_before is not None:
            clause &= held.c.refreshed_at >= self.stale_before
        return clause

    def member(
        self, pk_column: ColumnElement[int], revision_column: ColumnElement[int]
    ) -> ColumnElement[bool]:
        """Return: the member at `pk_column`, of revision `revision_column`, is settled."""
        held = ledger.alias("settled_ledger")
        return exists().where(
            held.c.audience_key == self.audience_key,
            held.c.destination == self.destination,
            held.c.contact_pk == pk_column,
            self._current(held, revision_column),
        )

    def unsettled_members(self, joined: Any) -> tuple[Any, ColumnElement[bool]]:  # noqa: ANN401
        """Outer-join each member's ledger row to `joined` (members x contacts).

        Returns the join and the condition keeping the members that are not settled; a join
        rather than a subquery, so the database looks each row up once.
        """
        held = ledger.alias("settled_ledger")
        joined = joined.outerjoin(
            held,
            (held.c.audience_key == self.audience_key)
            & (held.c.destination == self.destination)
            & (held.c.contact_pk == audience_members.c.contact_pk),
        )
        return joined, ~self._current(held, contacts.c.revision)

    def unsettled_held(self, joined: Any) -> tuple[Any, ColumnElement[bool]]:  # noqa: ANN401
        """Outer-join each ledger row's audience membership and contact to `joined` (ledger).

        Returns the join and the condition keeping the rows whose member is not settled
        (including every row of a contact who left the audience).
        """
        member = audience_members.alias("settled_member")
        contact = contacts.alias("settled_contact")
        joined = joined.outerjoin(
            member,
            (member.c.audience_pk == self.audience_pk)
            & (member.c.contact_pk == ledger.c.contact_pk),
        ).outerjoin(contact, contact.c.pk == member.c.contact_pk)
        settled = member.c.contact_pk.is_not(None) & self._current(ledger, contact.c.revision)
        return joined, ~settled


def _with_consent(joined: Any, pk_column: ColumnElement[int], purpose: str) -> Any:  # noqa: ANN401
    """Outer-join the current consent for `purpose` of the contact at `pk_column`."""
    return joined.outerjoin(
        consent_current,
        (consent_current.c.contact_pk == pk_column) & (consent_current.c.purpose == purpose),
    )


def member_rows(
    conn: Connection,
    audience_pk: int,
    purpose: str,
    *,
    profile: str | None = None,
    hashed: Sequence[str] = (),
    clear: Sequence[str] = (),
    settled: Settled | None = None,
) -> Iterator[Sequence[Any]]:
    """Yield `(contact_pk, consent state or None, score, revision, *values)` for the members.

    `values` are the prepared identifiers, one column per field of `hashed` (the `profile`'s
    cached digests) then of `clear` (the neutral normalized values), None where absent or
    unusable: one row per member, joined in SQL. Settled members are left out.
    """
    columns: list[ColumnElement[Any]] = [
        audience_members.c.contact_pk,
        consent_current.c.state,
        audience_members.c.score,
        contacts.c.revision,
    ]
    joined: Any = audience_members.join(contacts, contacts.c.pk == audience_members.c.contact_pk)
    unsettled: ColumnElement[bool] | None = None
    if settled is not None:
        joined, unsettled = settled.unsettled_members(joined)
    joined = _with_consent(joined, audience_members.c.contact_pk, purpose)
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
        select(*columns).select_from(joined).where(audience_members.c.audience_pk == audience_pk)
    )
    if unsettled is not None:
        query = query.where(unsettled)
    return _plain_stream(conn, query.order_by(audience_members.c.contact_pk))


def _in_audience(audience_pk: int, pk_column: ColumnElement[int]) -> ColumnElement[bool]:
    return (audience_members.c.audience_pk == audience_pk) & (
        audience_members.c.contact_pk == pk_column
    )


def field_streams(
    conn: Connection,
    audience_pk: int,
    sources: Iterable[str],
    *,
    settled: Settled | None = None,
) -> list[Iterator[Sequence[Any]]]:
    """Return streams of `(contact_pk, source name, value)` for the mapped fields.

    A source is an identifier field (its raw value, trimmed, leaves: a vendor shows names as
    given), `lifecycle`, or a custom attribute. Settled members are left out.
    """
    wanted = sorted(set(sources))
    ident = [name for name in wanted if name in IDENTIFIER_FIELDS]
    attrs = [name for name in wanted if name not in IDENTIFIER_FIELDS and name != "lifecycle"]

    def unsettled(query: Select[Any], pk_column: ColumnElement[int]) -> Select[Any]:
        query = query.join(audience_members, _in_audience(audience_pk, pk_column))
        if settled is None:
            return query.order_by(pk_column)
        if pk_column is not contacts.c.pk:
            query = query.join(contacts, contacts.c.pk == pk_column)
        return query.where(~settled.member(pk_column, contacts.c.revision)).order_by(pk_column)

    streams: list[Iterator[Sequence[Any]]] = []
    if ident:
        query = select(identifiers.c.contact_pk, identifiers.c.field, identifiers.c.raw).where(
            identifiers.c.field.in_(ident)
        )
        streams.append(_stream(conn, unsettled(query, identifiers.c.contact_pk)))
    if attrs:
        query = select(attributes.c.contact_pk, attributes.c.name, attributes.c.value).where(
            attributes.c.name.in_(attrs)
        )
        streams.append(_stream(conn, unsettled(query, attributes.c.contact_pk)))
    if "lifecycle" in wanted:
        query = select(contacts.c.pk, literal("lifecycle"), contacts.c.lifecycle).where(
            contacts.c.lifecycle.is_not(None)
        )
        streams.append(_stream(conn, unsettled(query, contacts.c.pk)))
    return streams


def ledger_rows(
    conn: Connection,
    audience_key: str,
    destination: str,
    *,
    purpose: str,
    stale_before: dt.datetime | None,
    settled: Settled | None = None,
) -> Iterator[Sequence[Any]]:
    """Yield `(contact_pk, member_key, stale, consent_state, revision, basis)` of held rows.

    Rows of settled members are left out.
    """
    stale = ledger.c.refreshed_at < stale_before if stale_before is not None else false()
    joined: Any = ledger
    unsettled: ColumnElement[bool] | None = None
    if settled is not None:
        joined, unsettled = settled.unsettled_held(joined)
    joined = _with_consent(joined, ledger.c.contact_pk, purpose)
    query = (
        select(
            ledger.c.contact_pk,
            ledger.c.member_key,
            stale.label("stale"),
            consent_current.c.state,
            ledger.c.revision,
            ledger.c.basis,
        )
        .select_from(joined)
        .where(ledger.c.audience_key == audience_key, ledger.c.destination == destination)
    )
    if unsettled is not None:
        query = query.where(unsettled)
    return _plain_stream(conn, query.order_by(ledger.c.contact_pk))


def held_count(conn: Connection, audience_key: str, destination: str) -> int:
    """Return how many ledger rows the audience x destination has."""
    query = select(func.count()).where(
        ledger.c.audience_key == audience_key, ledger.c.destination == destination
    )
    return int(conn.execute(query).scalar_one())


@dataclass(frozen=True, slots=True)
class Holder:
    """Which vendor the ledger's rows were acknowledged by: its connector and audience id."""

    connector: str | None
    vendor_audience: str | None
    """The vendor's id of the audience, where the run knew it (None for older runs)."""


def holding_run(conn: Connection, audience_key: str, destination: str) -> Holder | None:
    """Return the connector and vendor audience of the latest sync run that got rows accepted.

    The ledger says what the vendor behind the destination holds; this says which vendor (and
    which of its audiences) that was, so a plan can tell when the destination now names
    another one. Only the latest runs are looked at (a long line of runs that sent nothing
    answers None).
    """
    query = (
        select(runs.c.plan, runs.c.counts)
        .where(
            runs.c.kind == "sync",
            runs.c.audience_key == audience_key,
            runs.c.destination == destination,
        )
        .order_by(runs.c.pk.desc())
        .limit(_RUNS_LOOKED_AT)
    )
    for plan, counts in conn.execute(query).all():
        accepted = counts.get("accepted") if isinstance(counts, dict) else None
        if isinstance(accepted, int) and accepted > 0 and isinstance(plan, dict):
            connector, vendor_audience = plan.get("connector"), plan.get("vendor_audience")
            return Holder(
                connector if isinstance(connector, str) else None,
                vendor_audience if isinstance(vendor_audience, str) else None,
            )
    return None


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
