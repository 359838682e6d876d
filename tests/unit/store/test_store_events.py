"""Storing events through the store API: dedup by event_id, people resolved, erased skipped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from freehold.core.models import ClickIds, Event, EventItem, Identifiers
from freehold.core.store import ContactRecord, EventRecord, Store
from freehold.core.store.schema import events, outbox

AT = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)


def _event(event_id: str, **fields: object) -> Event:
    return Event.model_validate(
        {"event_id": event_id, "name": "purchase", "occurred_at": AT, **fields}
    )


def test_a_neutral_event_is_stored_with_everything_it_carries(store: Store) -> None:
    event = _event(
        "o-1",
        identifiers=Identifiers(email="Ada@Example.com"),
        click_ids=ClickIds(gclid="g-1"),
        client_ip="192.0.2.7",
        value=Decimal("12.50"),
        currency="EUR",
        order_id="o-1",
        items=(EventItem(item_id="sku", quantity=2, price=Decimal("6.25")),),
        properties={"coupon": "SPRING"},
    )
    result = store.insert_events([EventRecord.from_event(event)], source="shop")
    assert (result.inserted, result.contacts_created) == (1, 1)
    with store.begin() as connection:
        row = connection.execute(sa.select(events)).one()._mapping
    assert row["value"] == Decimal("12.5000")
    assert row["click_ids"] == {"gclid": "g-1"}
    assert row["items"] == [{"item_id": "sku", "quantity": 2, "price": "6.25"}]
    assert row["client_ip"] == "192.0.2.7"
    assert row["occurred_at"] == AT
    assert row["source"] == "shop"
    assert row["contact_pk"] is not None
    assert "Ada" not in repr(EventRecord.from_event(event))


def test_events_are_deduplicated_and_queued_once_per_destination(store: Store) -> None:
    records = [EventRecord.from_event(_event(f"e{i % 3}")) for i in range(6)]
    routes = {"purchase": ["ads", "ads"], "*": ["warehouse"]}
    first = store.insert_events(records, source="s", destinations=routes)
    second = store.insert_events(records, source="s", destinations=routes)
    assert (first.inserted, first.duplicates, len(first.event_pks)) == (3, 3, 3)
    assert (second.inserted, second.duplicates) == (0, 6)
    with store.begin() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(outbox)) == 6


def test_an_erased_persons_events_are_not_stored(store: Store) -> None:
    store.upsert_contacts(
        [ContactRecord(contact_id="k", identifiers={"email": "k@example.com"})], source="s"
    )
    with store.begin() as connection:
        store.add_tombstones(connection, [("email", "gone@example.com")])
    result = store.insert_events(
        [
            EventRecord(
                event_id="a", name="lead", occurred_at=AT, identifiers={"email": "GONE@example.com"}
            ),
            EventRecord(event_id="b", name="lead", occurred_at=AT, contact_id="k"),
            EventRecord(event_id="c", name="lead", occurred_at=AT, identifiers={"email": "broken"}),
        ],
        source="s",
    )
    assert (result.inserted, result.skipped_erased, result.contacts_created) == (2, 1, 0)
    with store.begin() as connection:
        owners = dict(connection.execute(sa.select(events.c.event_id, events.c.contact_pk)).all())
    assert owners == {"b": store.contact_pks(["k"])["k"], "c": None}
