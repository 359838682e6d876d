"""EventDelivery and ContactErasure on Klaviyo: exact requests (respx) and the emulator."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import respx

from freehold.connectors.klaviyo import KlaviyoConnector, KlaviyoEmulator
from freehold.core.capabilities import ErasureRequest
from freehold.core.errors import BatchRejectedError
from freehold.core.models import Event, EventItem

AT = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def event(key: str, name: str = "purchase", **overrides: object) -> Event:
    settings: dict[str, object] = {
        "event_id": key,
        "name": name,
        "occurred_at": AT,
        "identifiers": {"email": "ada@example.com"},
        **overrides,
    }
    return Event.model_validate(settings)


@pytest.mark.anyio
async def test_events_go_as_one_bulk_job_grouped_by_profile(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    route = api.post("/api/event-bulk-create-jobs").respond(202)
    events = [
        event(
            "e1",
            value=Decimal("59.90"),
            currency="EUR",
            order_id="A-1",
            items=[EventItem(item_id="X1", quantity=2)],
        ),
        event("e2", "wishlist_add", identifiers={"phone": "+15555550100"}),
        event("e3", "view_item", properties={"sku": "X1"}),
    ]
    outcomes = await mocked.send_events(events)
    assert [(o.key, o.status.value) for o in outcomes] == [
        ("e1", "accepted"),
        ("e2", "accepted"),
        ("e3", "accepted"),
    ]
    sent = route.calls.last.request
    assert sent.headers["content-type"] == "application/vnd.api+json"
    entries = json.loads(sent.content)["data"]["attributes"]["events-bulk-create"]["data"]
    assert [e["attributes"]["profile"]["data"]["attributes"] for e in entries] == [
        {"email": "ada@example.com"},
        {"phone_number": "+15555550100"},
    ]
    first, third = entries[0]["attributes"]["events"]["data"]
    assert first["attributes"] == {
        "properties": {"order_id": "A-1", "items": [{"item_id": "X1", "quantity": 2}]},
        "time": "2026-03-01T10:00:00Z",
        "unique_id": "e1",
        "metric": {"data": {"type": "metric", "attributes": {"name": "Placed Order"}}},
        "value": 59.9,
        "value_currency": "EUR",
    }
    assert third["attributes"]["metric"]["data"]["attributes"]["name"] == "Viewed Product"
    custom = entries[1]["attributes"]["events"]["data"][0]["attributes"]
    assert custom["metric"]["data"]["attributes"]["name"] == "wishlist_add"


@pytest.mark.anyio
async def test_unsendable_events_are_rejected_without_a_call(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    del api
    outcomes = await mocked.send_events(
        [
            event("e1", identifiers=None, contact_id="c1"),
            event("e2", "x" * 130),
            event("e3", occurred_at=dt.datetime(1980, 1, 1, tzinfo=dt.UTC)),
        ]
    )
    assert [(o.key, o.code) for o in outcomes] == [
        ("e1", "missing_identifier"),
        ("e2", "invalid_metric"),
        ("e3", "invalid_time"),
    ]


@pytest.mark.anyio
async def test_a_refused_job_is_bisected_down_to_the_event(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    api.post("/api/event-bulk-create-jobs").respond(
        400, json={"errors": [{"id": "x", "code": "invalid", "title": "Bad.", "detail": "d"}]}
    )
    with pytest.raises(BatchRejectedError):
        await mocked.send_events([event("e1"), event("e2")])
    [alone] = await mocked.send_events([event("e1")])
    assert (alone.status.value, alone.code) == ("rejected", "invalid")


@pytest.mark.anyio
async def test_emulator_records_events_once_per_unique_id(
    emulator: KlaviyoEmulator, kl: KlaviyoConnector
) -> None:
    await kl.send_events([event("e1", value=Decimal(5), currency="EUR"), event("e2")])
    await kl.send_events([event("e1", value=Decimal(5), currency="EUR")])
    recorded = emulator.recorded_events("ada@example.com")
    assert sorted((e["metric"], e["unique_id"], e["value"]) for e in recorded) == [
        ("Placed Order", "e1", 5.0),
        ("Placed Order", "e2", None),
    ]


@pytest.mark.anyio
async def test_erasure_queues_a_deletion_job_by_email(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    route = api.post("/api/data-privacy-deletion-jobs").respond(202)
    receipt = await mocked.erase_contact(
        ErasureRequest(key="r1", identifiers={"email": "ada@example.com", "phone": "+15555550100"})
    )
    assert json.loads(route.calls.last.request.content) == {
        "data": {
            "type": "data-privacy-deletion-job",
            "attributes": {
                "profile": {"data": {"type": "profile", "attributes": {"email": "ada@example.com"}}}
            },
        }
    }
    assert (receipt.key, receipt.done) == ("r1", True)
    assert receipt.warnings
    assert "ada@" not in repr(receipt)


@pytest.mark.anyio
async def test_erasure_without_identifier_sends_nothing(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    del api
    receipt = await mocked.erase_contact(ErasureRequest(key="r2", identifiers={"maid": "x"}))
    assert not receipt.done
    assert receipt.warnings


@pytest.mark.anyio
async def test_emulator_erasure_deletes_profile_events_and_memberships(
    emulator: KlaviyoEmulator, kl: KlaviyoConnector
) -> None:
    emulator.lists["L1"] = {"name": "VIP", "created": "2026-01-01T00:00:00Z"}
    emulator.add_profile("ada@example.com", list_id="L1")
    emulator.add_profile("bob@example.com", list_id="L1")
    await kl.send_events([event("e1")])
    receipt = await kl.erase_contact(
        ErasureRequest(key="r3", identifiers={"email": "ada@example.com"})
    )
    assert receipt.done
    assert emulator.list_members("L1") == {"bob@example.com"}
    assert emulator.recorded_events("ada@example.com") == []
    assert emulator.deleted == 1
