"""`bulk_insert`, the import's driver-level lane, stores what SQLAlchemy Core would store."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from freehold.core.store import ContactRecord, Store
from freehold.core.store._sql import bulk_insert
from freehold.core.store.schema import attributes, consent_history

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
PARIS = dt.timezone(dt.timedelta(hours=2))


def _two_contacts(store: Store) -> tuple[int, int]:
    result = store.upsert_contacts(
        [ContactRecord(identifiers={"email": f"bulk{i}@example.com"}) for i in range(2)],
        source="test",
    )
    first, second = result.contact_pks
    assert first is not None
    assert second is not None
    return first, second


@pytest.mark.parametrize("count", [1, 166, 400])  # 166 rows fill one multi-row SQLite insert
def test_history_rows_keep_their_order_and_timestamps(store: Store, count: int) -> None:
    bulk_pk, core_pk = _two_contacts(store)
    now = dt.datetime.now(PARIS)  # one instant for every row, given in another zone
    statements = [
        (f"p{i % 3}", ("granted", "denied")[i % 2], T0 + dt.timedelta(minutes=i), f"s{i}", now)
        for i in range(count)
    ]
    columns = ("contact_pk", "purpose", "state", "at", "source", "recorded_at")
    with store.begin() as connection:
        bulk_insert(connection, consent_history, columns, [(bulk_pk, *row) for row in statements])
        connection.execute(
            consent_history.insert(),
            [dict(zip(columns, (core_pk, *row), strict=True)) for row in statements],
        )
        stored = {
            pk: list(
                connection.execute(
                    sa.select(consent_history.c[columns[1:]])
                    .where(consent_history.c.contact_pk == pk)
                    .order_by(consent_history.c.pk)
                )
            )
            for pk in (bulk_pk, core_pk)
        }
    assert stored[bulk_pk] == stored[core_pk]
    assert [row.source for row in stored[bulk_pk]] == [f"s{i}" for i in range(count)]
    assert stored[bulk_pk][-1].recorded_at == now


def test_json_values_are_stored_as_core_stores_them(store: Store) -> None:
    bulk_pk, core_pk = _two_contacts(store)
    values = [1, 1.0, True, "1", "x", [1, "a"], {"k": 2.5}, 0, False, ""]
    rows = [(f"a{i}", values[i % len(values)]) for i in range(700)]
    with store.begin() as connection:
        bulk_insert(
            connection, attributes, ("contact_pk", "name", "value"), [(bulk_pk, *r) for r in rows]
        )
        connection.execute(
            attributes.insert(), [{"contact_pk": core_pk, "name": n, "value": v} for n, v in rows]
        )
        stored = {
            pk: dict(
                connection.execute(
                    sa.select(attributes.c.name, attributes.c.value).where(
                        attributes.c.contact_pk == pk
                    )
                ).all()
            )
            for pk in (bulk_pk, core_pk)
        }
    assert stored[bulk_pk] == dict(rows)
    typed = {pk: {(n, type(v).__name__, repr(v)) for n, v in stored[pk].items()} for pk in stored}
    assert typed[bulk_pk] == typed[core_pk]
