"""The exact requests of campaign management and insights (respx)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest
import respx
from meta_support import ACCOUNT, body

from freehold.connectors.meta import MetaConfig, MetaConnector, SpecialAdCategory
from freehold.connectors.meta._campaigns import minor_units
from freehold.core.errors import ConfigError, VendorRequestError
from freehold.core.models import (
    AudienceRef,
    Budget,
    BudgetPeriod,
    Campaign,
    CampaignStatus,
    Channel,
)

pytestmark = pytest.mark.anyio


def campaign(**changes: object) -> Campaign:
    settings: dict[str, object] = {
        "key": "spring",
        "name": "Spring sale",
        "channel": Channel.SOCIAL,
        "objective": "traffic",
        **changes,
    }
    return Campaign.model_validate(settings)


async def test_a_campaign_is_created_paused_with_categories_and_budget_sharing(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(f"/{ACCOUNT}/campaigns").respond(json={"id": "120200000001"})
    vendor_id = await connector.create_campaign(campaign(), [])
    assert vendor_id == "120200000001"
    assert body(route.calls.last.request) == {
        "name": "Spring sale",
        "objective": "OUTCOME_TRAFFIC",
        "status": "PAUSED",
        "special_ad_categories": [],
        "is_adset_budget_sharing_enabled": False,
    }


async def test_a_budget_is_sent_in_the_account_currency_s_minor_units(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    account = graph.get(f"/{ACCOUNT}").respond(json={"id": ACCOUNT, "currency": "USD"})
    route = graph.post(f"/{ACCOUNT}/campaigns").respond(json={"id": "1"})
    starts = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    await connector.create_campaign(
        campaign(
            objective="OUTCOME_SALES",
            status=CampaignStatus.ACTIVE,
            budget=Budget(amount=Decimal("12.50"), currency="USD"),
            starts_at=starts,
        ),
        [],
    )
    assert account.calls.last.request.url.params["fields"] == "currency"
    assert body(route.calls.last.request) == {
        "name": "Spring sale",
        "objective": "OUTCOME_SALES",
        "status": "ACTIVE",
        "special_ad_categories": [],
        "daily_budget": "1250",
        "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
        "start_time": "2026-12-01T08:00:00+0000",
    }


def test_zero_decimal_currencies_are_not_scaled() -> None:
    assert minor_units(Decimal("5000"), "JPY") == 5000
    assert minor_units(Decimal("12.345"), "EUR") == 1235
    assert minor_units(Decimal(3), "KRW") == 3


async def test_a_budget_in_another_currency_than_the_account_is_refused(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    graph.get(f"/{ACCOUNT}").respond(json={"id": ACCOUNT, "currency": "EUR"})
    route = graph.post(f"/{ACCOUNT}/campaigns")
    budget = Budget(amount=Decimal(100), currency="USD", period=BudgetPeriod.LIFETIME)
    with pytest.raises(ConfigError, match="EUR"):
        await connector.create_campaign(campaign(budget=budget), [])
    assert not route.called


async def test_declared_special_categories_are_sent_with_their_countries(
    config: MetaConfig, graph: respx.MockRouter, transport: httpx.AsyncBaseTransport
) -> None:
    route = graph.post(f"/{ACCOUNT}/campaigns").respond(json={"id": "1"})
    settings = config.model_copy(
        update={
            "special_ad_categories": (SpecialAdCategory.HOUSING,),
            "special_ad_category_country": ("US",),
        }
    )
    async with MetaConnector(settings, transport=transport) as connector:
        await connector.create_campaign(campaign(), [AudienceRef(key="a", vendor_id="9", name="a")])
    sent = body(route.calls.last.request)
    assert sent["special_ad_categories"] == ["HOUSING"]
    assert sent["special_ad_category_country"] == ["US"]


@pytest.mark.parametrize("objective", [None, "world domination"])
async def test_a_missing_or_unknown_objective_is_a_config_error(
    connector: MetaConnector, graph: respx.MockRouter, objective: str | None
) -> None:
    with pytest.raises(ConfigError):
        await connector.create_campaign(campaign(objective=objective), [])


async def test_pause_and_resume_post_the_status(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post("/120").respond(json={"success": True})
    await connector.pause_campaign("120")
    await connector.resume_campaign("120", at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert [body(call.request) for call in route.calls] == [
        {"status": "PAUSED"},
        {"status": "ACTIVE", "start_time": "2027-01-01T00:00:00+0000"},
    ]


async def test_success_false_is_a_refusal(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    graph.post("/120").respond(json={"success": False})
    with pytest.raises(VendorRequestError):
        await connector.pause_campaign("120")


async def test_a_campaign_reads_back_in_neutral_form(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    graph.get(f"/{ACCOUNT}").respond(json={"id": ACCOUNT, "currency": "JPY"})
    node = graph.get("/120").respond(
        json={
            "id": "120",
            "name": "Spring sale",
            "objective": "OUTCOME_LEADS",
            "status": "ACTIVE",
            "daily_budget": "5000",
            "start_time": "2026-12-01T00:00:00-0800",
        }
    )
    read = await connector.get_campaign("120")
    assert node.calls.last.request.url.params["fields"].split(",")[:4] == [
        "id",
        "name",
        "objective",
        "status",
    ]
    assert (read.vendor_id, read.objective, read.status) == ("120", "leads", CampaignStatus.ACTIVE)
    assert read.budget == Budget(amount=Decimal(5000), currency="JPY")
    assert read.starts_at == dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)


async def test_stats_sum_insights_for_the_date_range(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.get("/120/insights").respond(
        json={
            "data": [
                {
                    "impressions": "1000",
                    "clicks": "40",
                    "spend": "12.34",
                    "account_currency": "EUR",
                    "actions": [
                        {"action_type": "link_click", "value": "40"},
                        {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "3"},
                        {"action_type": "offsite_conversion.fb_pixel_lead", "value": "2"},
                    ],
                }
            ]
        }
    )
    stats = await connector.campaign_stats("120", dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    params = route.calls.last.request.url.params
    assert json.loads(params["time_range"]) == {"since": "2026-11-01", "until": "2026-11-30"}
    assert params["level"] == "campaign"
    assert set(params["fields"].split(",")) >= {"impressions", "clicks", "spend", "actions"}
    assert (stats.impressions, stats.clicks, stats.spend, stats.conversions, stats.currency) == (
        1000,
        40,
        Decimal("12.34"),
        5.0,
        "EUR",
    )


async def test_no_delivery_is_zero_in_the_account_currency(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    graph.get(f"/{ACCOUNT}").respond(json={"id": ACCOUNT, "currency": "GBP"})
    graph.get("/120/insights").respond(json={"data": []})
    stats = await connector.campaign_stats("120", dt.date(2026, 11, 1), dt.date(2026, 11, 2))
    assert (stats.impressions, stats.spend, stats.currency) == (0, Decimal(0), "GBP")
