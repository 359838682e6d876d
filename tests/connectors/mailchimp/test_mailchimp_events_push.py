"""Member events through the engine's event delivery: limits, retries, one record per event."""

from __future__ import annotations

import pytest

from freehold.core.models import Event, Identifiers
from freehold.core.retry import RetryPolicy
from freehold.plugins.cli.commands.events import EventsReport, deliver_events

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=4, initial_wait=0.001, max_wait=0.01, max_total_seconds=5)


async def test_a_throttled_call_is_retried_and_every_event_is_recorded_once(mc, emulator, clock):
    for i in range(150):
        emulator.add_member(f"p{i}@example.com")
    events = [
        Event(
            event_id=f"e{i}",
            name="viewed_product",
            occurred_at=clock.now,
            identifiers=Identifiers(email=f"p{i}@example.com"),
            properties={"sku": f"S{i}"},
        )
        for i in range(150)
    ]
    emulator.inject("throttle", on={1}, path="/events$")
    report = EventsReport(destination="email", connector="mailchimp")
    outcomes = await deliver_events(mc, events, report, policy=FAST)
    assert [o.status.value for o in outcomes] == ["accepted"] * 150
    assert report.batches == 3
    assert report.retries == 1
    recorded = [len(emulator.member(f"p{i}@example.com").events) for i in range(150)]
    assert recorded == [1] * 150
