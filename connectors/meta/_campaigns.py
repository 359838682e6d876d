"""Campaigns on the Marketing API: create (paused), read, pause, resume, and insights.

Budgets are integers in the account currency's minor units, scaled by Meta's per-currency
offset (100 for most, 1 for zero-decimal currencies). `special_ad_categories` is sent on every
create (`[]` when none applies) and, without a campaign budget, so is
`is_adset_budget_sharing_enabled` — Meta refuses the create otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from freehold.connectors.meta._config import MetaConfig
from freehold.connectors.meta._graph import Graph
from freehold.core.errors import ConfigError, VendorRequestError
from freehold.core.models import (
    AudienceRef,
    Budget,
    BudgetPeriod,
    Campaign,
    CampaignStats,
    CampaignStatus,
    Channel,
)

__all__ = [
    "OBJECTIVES",
    "ZERO_DECIMAL_CURRENCIES",
    "account_currency",
    "campaign_body",
    "campaign_from_node",
    "minor_units",
    "read_insights",
    "stats_from_insights",
]

logger = logging.getLogger(__name__)

OBJECTIVES: Mapping[str, str] = {
    "awareness": "OUTCOME_AWARENESS",
    "reach": "OUTCOME_AWARENESS",
    "traffic": "OUTCOME_TRAFFIC",
    "engagement": "OUTCOME_ENGAGEMENT",
    "leads": "OUTCOME_LEADS",
    "lead": "OUTCOME_LEADS",
    "app_promotion": "OUTCOME_APP_PROMOTION",
    "app_installs": "OUTCOME_APP_PROMOTION",
    "sales": "OUTCOME_SALES",
    "conversions": "OUTCOME_SALES",
    "purchase": "OUTCOME_SALES",
}
"""Neutral objective words → Meta's outcome-driven (ODAX) objectives."""

_ODAX = frozenset(OBJECTIVES.values())
_NEUTRAL_OBJECTIVE = {
    "OUTCOME_AWARENESS": "awareness",
    "OUTCOME_TRAFFIC": "traffic",
    "OUTCOME_ENGAGEMENT": "engagement",
    "OUTCOME_LEADS": "leads",
    "OUTCOME_APP_PROMOTION": "app_promotion",
    "OUTCOME_SALES": "sales",
}

ZERO_DECIMAL_CURRENCIES = frozenset(
    {"CLP", "COP", "CRC", "HUF", "ISK", "IDR", "JPY", "KRW", "PYG", "TWD", "VND"}
)
"""Currencies whose Meta offset is 1 (Marketing API currency table); all others use 100."""

_STATUS_TO_META = {CampaignStatus.ACTIVE: "ACTIVE", CampaignStatus.ARCHIVED: "ARCHIVED"}
_STATUS_FROM_META = {
    "ACTIVE": CampaignStatus.ACTIVE,
    "PAUSED": CampaignStatus.PAUSED,
    "ARCHIVED": CampaignStatus.ARCHIVED,
    "DELETED": CampaignStatus.ARCHIVED,
}
CAMPAIGN_FIELDS = "id,name,objective,status,daily_budget,lifetime_budget,start_time,stop_time"
INSIGHT_FIELDS = "impressions,clicks,spend,actions,account_currency"


def _offset(currency: str) -> int:
    return 1 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 100


def minor_units(amount: Decimal, currency: str) -> int:
    """Return `amount` (major units) in Meta's minor units for `currency`, rounded half up."""
    scaled = (amount * _offset(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled)


def _objective(campaign: Campaign) -> str:
    if campaign.objective is None:
        msg = (
            f"campaign {campaign.key!r}: a Meta campaign needs an objective ({sorted(OBJECTIVES)})"
        )
        raise ConfigError(msg)
    word = campaign.objective.strip()
    if word.upper() in _ODAX:
        return word.upper()
    if word.lower() in OBJECTIVES:
        return OBJECTIVES[word.lower()]
    msg = f"campaign {campaign.key!r}: unknown objective {word!r} (use one of {sorted(OBJECTIVES)})"
    raise ConfigError(msg)


def _meta_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def campaign_body(
    campaign: Campaign,
    config: MetaConfig,
    *,
    account_currency: str | None,
    audiences: Sequence[AudienceRef] = (),
) -> dict[str, Any]:
    """Return the create body for `campaign`: paused unless it asks to be active."""
    body: dict[str, Any] = {
        "name": campaign.name,
        "objective": _objective(campaign),
        "status": _STATUS_TO_META.get(campaign.status, "PAUSED"),
        "special_ad_categories": [c.value for c in config.special_ad_categories],
    }
    if config.special_ad_categories and config.special_ad_category_country:
        body["special_ad_category_country"] = list(config.special_ad_category_country)
    budget = campaign.budget
    if budget is None:
        body["is_adset_budget_sharing_enabled"] = False
    else:
        if account_currency and budget.currency != account_currency.upper():
            msg = (
                f"campaign {campaign.key!r}: budget in {budget.currency} but the ad account "
                f"{config.ad_account_id} is in {account_currency.upper()}"
            )
            raise ConfigError(msg)
        field = "daily_budget" if budget.period is BudgetPeriod.DAILY else "lifetime_budget"
        body[field] = str(minor_units(budget.amount, budget.currency))
        body["bid_strategy"] = "LOWEST_COST_WITHOUT_CAP"
    if campaign.starts_at is not None:
        body["start_time"] = _meta_time(campaign.starts_at)
    if campaign.ends_at is not None:
        body["stop_time"] = _meta_time(campaign.ends_at)
    if audiences:
        logger.warning(
            "campaign %s: %d audiences are targeted by ad sets, which freehold does not create "
            "on Meta; attach them in Ads Manager",
            campaign.key,
            len(audiences),
        )
    return body


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def campaign_from_node(node: Mapping[str, Any], *, account_currency: str | None) -> Campaign:
    """Return a Graph campaign node as a neutral `Campaign` (keyed by the vendor id)."""
    vendor_id = str(node["id"])
    budget: Budget | None = None
    for field, period in (
        ("daily_budget", BudgetPeriod.DAILY),
        ("lifetime_budget", BudgetPeriod.LIFETIME),
    ):
        raw = node.get(field)
        if raw not in (None, "", "0", 0) and account_currency:
            amount = Decimal(str(raw)) / _offset(account_currency)
            budget = Budget(amount=amount, currency=account_currency, period=period)
    objective = node.get("objective")
    return Campaign(
        key=vendor_id,
        name=str(node.get("name") or vendor_id),
        channel=Channel.SOCIAL,
        objective=_NEUTRAL_OBJECTIVE.get(str(objective), objective) if objective else None,
        status=_STATUS_FROM_META.get(str(node.get("status")), CampaignStatus.PAUSED),
        budget=budget,
        starts_at=_parse_time(node.get("start_time")),
        ends_at=_parse_time(node.get("stop_time")),
        vendor_id=vendor_id,
    )


def _count(value: object) -> int:
    return int(Decimal(str(value))) if value not in (None, "") else 0


def stats_from_insights(
    rows: Sequence[Mapping[str, Any]],
    *,
    vendor_id: str,
    start: dt.date,
    end: dt.date,
    conversion_types: Sequence[str],
    account_currency: str | None,
) -> CampaignStats:
    """Sum insights rows (metrics arrive as strings) into neutral statistics."""
    impressions = clicks = 0
    spend = Decimal(0)
    conversions = 0.0
    currency = account_currency
    wanted = set(conversion_types)
    for row in rows:
        impressions += _count(row.get("impressions"))
        clicks += _count(row.get("clicks"))
        spend += Decimal(str(row.get("spend") or "0"))
        currency = str(row.get("account_currency") or currency or "") or None
        for action in row.get("actions") or []:
            if isinstance(action, dict) and action.get("action_type") in wanted:
                conversions += float(str(action.get("value") or "0"))
    return CampaignStats(
        vendor_id=vendor_id,
        start=start,
        end=end,
        impressions=impressions,
        clicks=clicks,
        spend=spend,
        currency=currency,
        conversions=conversions,
    )


async def account_currency(graph: Graph, config: MetaConfig) -> str:
    """Read the ad account's currency (ISO 4217)."""
    node = await graph.get(graph.path(config.ad_account_id), {"fields": "currency"})
    currency = node.get("currency")
    if not isinstance(currency, str) or not currency:
        msg = f"GET /{config.ad_account_id}: no currency in the answer"
        raise VendorRequestError(msg)
    return currency.upper()


async def read_insights(
    graph: Graph, vendor_id: str, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """Return every insights row of one campaign for the inclusive date range."""
    params = {
        "fields": INSIGHT_FIELDS,
        "level": "campaign",
        "time_range": json.dumps({"since": start.isoformat(), "until": end.isoformat()}),
    }
    rows: list[dict[str, Any]] = []
    while True:
        page = await graph.get(graph.path(vendor_id, "insights"), params)
        rows.extend(row for row in page.get("data", []) if isinstance(row, dict))
        paging = page.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            return rows
        params = {**params, "after": str(after)}
