"""The exact Conversions API requests: hashing, clear fields, checks and outcomes (respx)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from ipaddress import IPv4Address

import httpx
import pytest
import respx
from meta_support import PIXEL, body, graph_error

from freehold.connectors.meta import MetaConfig, MetaConnector
from freehold.core.errors import BatchRejectedError, BatchTooLargeError, ConfigError
from freehold.core.models import ActionSource, ClickIds, Event, EventItem, Identifiers

pytestmark = pytest.mark.anyio

EVENTS = f"/{PIXEL}/events"
UA = "Mozilla/5.0 (X11; Linux x86_64)"


def purchase(event_id: str = "ord-1001", **changes: object) -> Event:
    settings: dict[str, object] = {
        "event_id": event_id,
        "name": "purchase",
        "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5),
        "identifiers": Identifiers(
            email="  Mary@Example.com ",
            phone="+1 (650) 555-1212",
            first_name="Valéry",
            date_of_birth=dt.date(1997, 2, 16),
            country="US",
            external_id="crm-42",
        ),
        "click_ids": ClickIds(fbc="fb.1.1554763741205.AbCdEf", fbp="fb.1.1596403881668.1116446470"),
        "client_ip": IPv4Address("203.0.113.7"),
        "user_agent": UA,
        "source_url": "https://shop.example/checkout/thanks",
        "value": Decimal("129.50"),
        "currency": "USD",
        "order_id": "ord-1001",
        **changes,
    }
    return Event.model_validate(settings)


def received(count: int) -> httpx.Response:
    return httpx.Response(200, json={"events_received": count, "messages": [], "fbtrace_id": "Atr"})


async def test_an_event_is_sent_hashed_where_meta_hashes_and_clear_where_it_forbids(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    event = purchase()
    route = graph.post(EVENTS).mock(return_value=received(1))
    outcomes = await connector.send_events([event])
    sent = body(route.calls.last.request)
    assert set(sent) == {"data"}
    (wire,) = sent["data"]
    assert wire == {
        "event_name": "Purchase",
        "event_time": int(event.occurred_at.timestamp()),
        "event_id": "ord-1001",
        "action_source": "website",
        "event_source_url": "https://shop.example/checkout/thanks",
        "user_data": {
            # digests from ads.md §5.1 (Meta's own examples where marked there)
            "em": ["f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"],
            "ph": ["e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"],
            "fn": ["08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"],
            "db": ["01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c"],
            "country": ["79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"],
            "external_id": ["crm-42"],
            "client_ip_address": "203.0.113.7",
            "client_user_agent": UA,
            "fbc": "fb.1.1554763741205.AbCdEf",
            "fbp": "fb.1.1596403881668.1116446470",
        },
        "custom_data": {"value": 129.5, "currency": "usd", "order_id": "ord-1001"},
        "data_processing_options": [],
    }
    assert [(o.key, o.status.value, o.vendor_ref) for o in outcomes] == [
        ("ord-1001", "accepted", "Atr")
    ]


async def test_neutral_names_map_to_standard_events_and_others_pass_as_custom(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(EVENTS).mock(return_value=received(3))
    events = [
        purchase("1", name="sign_up"),
        purchase("2", name="begin_checkout"),
        purchase("3", name="loyalty_tier_up"),
    ]
    await connector.send_events(events)
    names = [e["event_name"] for e in body(route.calls.last.request)["data"]]
    assert names == ["CompleteRegistration", "InitiateCheckout", "loyalty_tier_up"]


async def test_items_and_allowed_properties_fill_custom_data_and_nothing_else_leaves(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(EVENTS).mock(return_value=received(1))
    event = purchase(
        items=(EventItem(item_id="sku-1", quantity=2, price=Decimal("10.5")),),
        properties={"content_name": "Shoes", "internal_note": "VIP from Paris"},
    )
    await connector.send_events([event])
    custom = body(route.calls.last.request)["data"][0]["custom_data"]
    assert custom["contents"] == [{"id": "sku-1", "quantity": 2, "item_price": 10.5}]
    assert (custom["content_ids"], custom["num_items"], custom["content_type"]) == (
        ["sku-1"],
        2,
        "product",
    )
    assert custom["content_name"] == "Shoes"
    assert "internal_note" not in custom


async def test_test_event_code_and_limited_data_use_come_from_config(
    config: MetaConfig, graph: respx.MockRouter, transport: httpx.AsyncBaseTransport
) -> None:
    route = graph.post(EVENTS).mock(return_value=received(1))
    settings = config.model_copy(
        update={
            "test_event_code": "TEST12345",
            "limited_data_use": True,
            "ldu_country": 1,
            "ldu_state": 1000,
        }
    )
    async with MetaConnector(settings, transport=transport) as connector:
        await connector.send_events([purchase()])
    sent = body(route.calls.last.request)
    assert sent["test_event_code"] == "TEST12345"
    wire = sent["data"][0]
    assert (
        wire["data_processing_options"],
        wire["data_processing_options_country"],
        wire["data_processing_options_state"],
    ) == (["LDU"], 1, 1000)


async def test_a_person_s_opt_out_flags_just_that_event_for_limited_data_use(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(EVENTS).mock(return_value=received(2))
    await connector.send_events(
        [purchase("1", properties={"limited_data_use": True}), purchase("2")]
    )
    options = [e["data_processing_options"] for e in body(route.calls.last.request)["data"]]
    assert options == [["LDU"], []]


async def test_the_contact_id_stands_in_for_a_missing_external_id(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(EVENTS).mock(return_value=received(1))
    event = purchase(
        identifiers=Identifiers(
            email="a@example.com", mobile_ad_id="AECE52E7-03EE-455A-B3C4-E57283966239"
        ),
        contact_id="c_77",
        action_source=ActionSource.APP,
    )
    await connector.send_events([event])
    user = body(route.calls.last.request)["data"][0]["user_data"]
    assert user["external_id"] == ["c_77"]
    assert user["madid"] == "aece52e7-03ee-455a-b3c4-e57283966239"
    assert body(route.calls.last.request)["data"][0]["action_source"] == "app"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=8)}, "older than 7 days"),
        ({"occurred_at": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)}, "future"),
        ({"user_agent": None}, "user agent"),
        ({"source_url": None}, "source URL"),
        ({"click_ids": ClickIds(fbc="fbclid=abc")}, "fbc is not"),
        ({"click_ids": ClickIds(fbp="fb.1.12")}, "fbp is not"),
        (
            {"identifiers": None, "click_ids": ClickIds(), "client_ip": None, "contact_id": None},
            "no customer information",
        ),
    ],
)
async def test_events_meta_would_refuse_are_rejected_before_sending(
    connector: MetaConnector, graph: respx.MockRouter, changes: dict[str, object], reason: str
) -> None:
    route = graph.post(EVENTS).mock(return_value=received(1))
    outcomes = await connector.send_events([purchase("good"), purchase("bad", **changes)])
    assert [(o.key, o.status.value) for o in outcomes] == [
        ("good", "accepted"),
        ("bad", "rejected"),
    ]
    assert reason in (outcomes[1].reason or "")
    assert outcomes[1].code == "not_sent"
    assert [e["event_id"] for e in body(route.calls.last.request)["data"]] == ["good"]


async def test_a_request_rejected_whole_is_raised_for_bisection(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    graph.post(EVENTS).respond(400, json=graph_error(100, 2804016, message="Invalid parameter"))
    with pytest.raises(BatchRejectedError) as caught:
        await connector.send_events([purchase("1"), purchase("2")])
    assert caught.value.vendor_code == "100:2804016"


async def test_a_single_event_rejected_whole_is_a_rejected_outcome(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    graph.post(EVENTS).respond(400, json=graph_error(100, 2804019))
    outcomes = await connector.send_events([purchase("1")])
    assert [(o.status.value, o.code) for o in outcomes] == [("rejected", "100:2804019")]


async def test_an_answer_without_every_event_received_is_retriable(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    graph.post(EVENTS).respond(json={"messages": []})
    outcomes = await connector.send_events([purchase("1")])
    assert [o.status.value for o in outcomes] == ["retriable"]


async def test_limits_and_configuration_are_checked_first(
    config: MetaConfig,
    connector: MetaConnector,
    graph: respx.MockRouter,
    transport: httpx.AsyncBaseTransport,
) -> None:
    route = graph.post(EVENTS)
    with pytest.raises(BatchTooLargeError):
        await connector.send_events([purchase(str(i)) for i in range(1001)])
    async with MetaConnector(
        config.model_copy(update={"pixel_id": None}), transport=transport
    ) as no_pixel:
        with pytest.raises(ConfigError):
            await no_pixel.send_events([purchase()])
    assert not route.called
