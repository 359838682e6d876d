"""Storing events: deduplicated by `event_id`, their people resolved like contacts, outbox rows."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from freehold.core.store._contacts import upsert_contacts
from freehold.core.store._records import ContactRecord, EventsResult
from freehold.core.store._sql import chunked, insert_ignore
from freehold.core.store.schema import events, outbox, utcnow

if TYPE_CHECKING:
    from freehold.core.store._records import EventRecord

__all__ = ["insert_events"]

logger = logging.getLogger(__name__)


def _existing_ids(connection: Connection, event_ids: set[str]) -> set[str]:
    found: set[str] = set()
    for batch in chunked(sorted(event_ids)):
        found.update(
            connection.scalars(select(events.c.event_id).where(events.c.event_id.in_(batch)))
        )
    return found


def _people(
    connection: Connection, records: Sequence[EventRecord], *, source: str, salt: str
) -> tuple[list[int | None], set[int], int]:
    """Resolve (or create) each event's person; return pks, erased indexes, contacts created."""
    with_person = [
        index for index, record in enumerate(records) if record.contact_id or record.identifiers
    ]
    people = [
        ContactRecord(
            contact_id=records[index].contact_id,
            identifiers=records[index].identifiers,
            row=records[index].row,
        )
        for index in with_person
    ]
    resolved = upsert_contacts(connection, people, source=source, salt=salt)
    pks: list[int | None] = [None] * len(records)
    for index, pk in zip(with_person, resolved.contact_pks, strict=True):
        pks[index] = pk
    erased = {with_person[position] for position in resolved.erased}
    return pks, erased, resolved.new


def insert_events(
    connection: Connection,
    records: Sequence[EventRecord],
    *,
    source: str,
    salt: str,
    destinations: Mapping[str, Sequence[str]] | None = None,
) -> EventsResult:
    """Store one chunk of events in `connection`'s transaction (see `Store.insert_events`)."""
    result = EventsResult()
    known = _existing_ids(connection, {record.event_id for record in records})
    seen: set[str] = set()
    fresh: list[EventRecord] = []
    for record in records:
        if record.event_id in known or record.event_id in seen:
            result.duplicates += 1
            continue
        seen.add(record.event_id)
        fresh.append(record)
    if not fresh:
        return result
    pks, erased, created = _people(connection, fresh, source=source, salt=salt)
    result.contacts_created = created
    result.skipped_erased = len(erased)
    now = utcnow()
    rows = [
        {
            "event_id": record.event_id,
            "name": record.name,
            "occurred_at": record.occurred_at,
            "contact_pk": pks[index],
            "value": record.value,
            "currency": record.currency,
            "order_id": record.order_id,
            "items": list(record.items),
            "properties": dict(record.properties),
            "click_ids": dict(record.click_ids),
            "client_ip": record.client_ip,
            "user_agent": record.user_agent,
            "source_url": record.source_url,
            "action_source": record.action_source.value,
            "source": source,
            "received_at": now,
        }
        for index, record in enumerate(fresh)
        if index not in erased
    ]
    if not rows:
        return result
    inserted = connection.execute(
        events.insert().returning(events.c.pk, events.c.name, sort_by_parameter_order=True), rows
    ).all()
    result.inserted = len(inserted)
    result.event_pks = [pk for pk, _name in inserted]
    if destinations:
        queued = [
            {
                "event_pk": pk,
                "destination": destination,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "updated_at": now,
            }
            for pk, name in inserted
            for destination in dict.fromkeys(
                [*destinations.get(name, ()), *destinations.get("*", ())]
            )
        ]
        insert_ignore(connection, outbox, queued, keys=("event_pk", "destination"))
    logger.debug(
        "events chunk: %d inserted, %d duplicates, %d erased",
        result.inserted,
        result.duplicates,
        result.skipped_erased,
    )
    return result
