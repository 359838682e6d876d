"""Column types that behave the same on SQLite and PostgreSQL: UTC timestamps, exact money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from freehold.core.store import Store
from freehold.core.store.schema import events

PARIS = dt.timezone(dt.timedelta(hours=2))


def _event(event_id: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "event_id": event_id,
        "name": "purchase",
        "occurred_at": dt.datetime(2024, 6, 1, 12, tzinfo=PARIS),
        "source": "test",
    }
    row.update(values)
    return row


def test_timestamps_come_back_aware_in_utc_and_compare_in_sql(store: Store) -> None:
    with store.begin() as connection:
        connection.execute(
            events.insert(),
            [_event("a"), _event("b", occurred_at=dt.datetime(2024, 6, 1, 11, tzinfo=dt.UTC))],
        )
        rows = connection.execute(
            sa.select(events.c.event_id, events.c.occurred_at).order_by(events.c.occurred_at)
        ).all()
        after = connection.scalars(
            sa.select(events.c.event_id).where(
                events.c.occurred_at > dt.datetime(2024, 6, 1, 10, 30, tzinfo=dt.UTC)
            )
        ).all()
    assert rows[0] == ("a", dt.datetime(2024, 6, 1, 10, tzinfo=dt.UTC))
    assert rows[0][1].tzinfo is dt.UTC
    assert after == ["b"]


def test_naive_timestamps_are_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), store.begin() as connection:
        connection.execute(events.insert(), [_event("a", occurred_at=dt.datetime(2024, 1, 1))])  # noqa: DTZ001


def test_money_is_exact_and_sums_in_sql(store: Store) -> None:
    with store.begin() as connection:
        connection.execute(
            events.insert(),
            [_event(str(i), value=Decimal("0.1"), currency="EUR") for i in range(3)],
        )
        total = connection.scalar(sa.select(sa.func.sum(events.c.value)))
        big = connection.scalars(
            sa.select(events.c.value).where(events.c.value > Decimal("0.05"))
        ).all()
    assert total == Decimal("0.3000")
    assert big == [Decimal("0.1000")] * 3


def test_json_columns_round_trip(store: Store) -> None:
    with store.begin() as connection:
        connection.execute(
            events.insert(), [_event("a", properties={"k": [1, "x"]}, items=[{"item_id": "sku"}])]
        )
        row = connection.execute(sa.select(events.c.properties, events.c["items"])).one()
    assert row == ({"k": [1, "x"]}, [{"item_id": "sku"}])
