"""Campaigns at the fake vendor: the emulator's routes and the connector's capability.

Wire shapes (errors as everywhere at the fake vendor):

- `POST /v1/campaigns {"key", "name", "objective", "status": "active"|"paused", "budget":
  {"amount": "12.50", "currency", "period"}, "audiences": [ids], "starts_at", "ends_at"}` →
  201 `{"id", ...}`; 400 `invalid_request` for an unknown audience or a bad field.
- `GET /v1/campaigns/{id}` → the campaign; `POST /v1/campaigns/{id}:pause` and `:resume`
  (`{"at": iso}` schedules) → the campaign.
- `GET /v1/campaigns/{id}/stats?start=&end=` → `{"impressions", "clicks", "spend",
  "currency", "conversions"}`: 1000 impressions, 20 clicks, 1.5 conversions and 2.50 of spend per
  day the campaign was active, so tests can predict them.
"""

from __future__ import annotations

import datetime as dt
from abc import abstractmethod
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from freehold.core.capabilities import CampaignManagement
from freehold.core.emulator import EmulatorRequest, EmulatorResponse, json_response, route
from freehold.core.errors import ConfigError
from freehold.core.models import (
    AudienceRef,
    Budget,
    Campaign,
    CampaignStats,
    CampaignStatus,
    Channel,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["FakeCampaignRoutes", "FakeCampaigns"]

_STATUSES = {"active", "paused", "scheduled"}


def _error(status: int, code: str, message: str) -> EmulatorResponse:
    return json_response({"error": {"code": code, "message": message}}, status)


class FakeCampaignRoutes:
    """The emulator's campaign routes; mixed into `FakeEmulator`."""

    audiences: dict[str, Any]
    campaigns: dict[str, dict[str, Any]]

    @staticmethod
    def _campaign_problem(body: Any, audiences: dict[str, Any]) -> str | None:  # noqa: ANN401
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            return "name is required"
        if body.get("status", "paused") not in _STATUSES:
            return "status must be active, paused or scheduled"
        unknown = [a for a in body.get("audiences", []) if a not in audiences]
        if unknown:
            return f"unknown audiences {sorted(unknown)}"
        budget = body.get("budget")
        if budget is not None:
            try:
                if Decimal(budget["amount"]) <= 0:
                    return "budget amount must be positive"
            except (InvalidOperation, KeyError, TypeError):
                return "budget amount must be a decimal string"
        return None

    @route("POST", "/v1/campaigns")
    async def create_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Create a campaign targeting existing audiences."""
        try:
            body = request.json()
        except ValueError:
            return _error(400, "invalid_request", "body must be JSON")
        problem = self._campaign_problem(body, self.audiences)
        if problem is not None:
            return _error(400, "invalid_request", problem)
        campaign = {
            "id": f"cmp_{len(self.campaigns) + 1}",
            "key": body.get("key"),
            "name": body["name"],
            "objective": body.get("objective"),
            "status": body.get("status", "paused"),
            "budget": body.get("budget"),
            "audiences": list(body.get("audiences", [])),
            "starts_at": body.get("starts_at"),
            "ends_at": body.get("ends_at"),
            "active_days": 0,
        }
        self.campaigns[campaign["id"]] = campaign
        return json_response(campaign, 201)

    @route("GET", "/v1/campaigns/{campaign_id}")
    async def get_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Return one campaign."""
        campaign = self.campaigns.get(request.path_params["campaign_id"])
        if campaign is None:
            return _error(404, "not_found", "campaign not found")
        return json_response(campaign)

    @route("POST", "/v1/campaigns/{campaign_id}:pause")
    async def pause_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Pause a campaign."""
        campaign = self.campaigns.get(request.path_params["campaign_id"])
        if campaign is None:
            return _error(404, "not_found", "campaign not found")
        campaign["status"] = "paused"
        return json_response(campaign)

    @route("POST", "/v1/campaigns/{campaign_id}:resume")
    async def resume_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Resume a campaign now, or schedule it `at` a time."""
        campaign = self.campaigns.get(request.path_params["campaign_id"])
        if campaign is None:
            return _error(404, "not_found", "campaign not found")
        at = (request.json() or {}).get("at") if request.body else None
        campaign["status"] = "scheduled" if at else "active"
        if at:
            campaign["starts_at"] = at
        return json_response(campaign)

    @route("GET", "/v1/campaigns/{campaign_id}/stats")
    async def campaign_stats(self, request: EmulatorRequest) -> EmulatorResponse:
        """Return predictable statistics over an inclusive date range."""
        campaign = self.campaigns.get(request.path_params["campaign_id"])
        if campaign is None:
            return _error(404, "not_found", "campaign not found")
        try:
            start = dt.date.fromisoformat(request.arg("start") or "")
            end = dt.date.fromisoformat(request.arg("end") or "")
        except ValueError:
            return _error(400, "invalid_request", "start and end must be ISO dates")
        if end < start:
            return _error(400, "invalid_request", "end is before start")
        days = (end - start).days + 1 if campaign["status"] == "active" else 0
        currency = (campaign["budget"] or {}).get("currency", "EUR")
        return json_response(
            {
                "impressions": 1000 * days,
                "clicks": 20 * days,
                "spend": str(Decimal("2.50") * days),
                "currency": currency,
                "conversions": 1.5 * days,
            }
        )


class FakeCampaigns(CampaignManagement):
    """The connector side: neutral campaigns onto the fake vendor's wire, and back."""

    @abstractmethod
    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,  # noqa: ANN401 - any JSON document
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request and map failures (`FakeConnector.request`)."""

    async def create_campaign(self, campaign: Campaign, audiences: Sequence[AudienceRef]) -> str:
        """Create `campaign` (paused unless it says active) on `audiences`."""
        if campaign.channel is not Channel.SOCIAL:
            msg = f"the fake vendor runs social campaigns only, not {campaign.channel.value}"
            raise ConfigError(msg)
        body: dict[str, Any] = {
            "key": campaign.key,
            "name": campaign.name,
            "objective": campaign.objective,
            "status": "active" if campaign.status is CampaignStatus.ACTIVE else "paused",
            "audiences": [ref.vendor_id for ref in audiences],
            "starts_at": campaign.starts_at.isoformat() if campaign.starts_at else None,
            "ends_at": campaign.ends_at.isoformat() if campaign.ends_at else None,
        }
        if campaign.budget is not None:
            body["budget"] = {
                "amount": str(campaign.budget.amount),
                "currency": campaign.budget.currency,
                "period": campaign.budget.period.value,
            }
        created = (await self.request("POST", "/v1/campaigns", json=body)).json()
        return str(created["id"])

    async def get_campaign(self, vendor_id: str) -> Campaign:
        """Read a campaign back in neutral form."""
        wire = (await self.request("GET", f"/v1/campaigns/{vendor_id}")).json()
        budget = wire.get("budget")
        return Campaign(
            key=wire.get("key") or wire["id"],
            name=wire["name"],
            channel=Channel.SOCIAL,
            objective=wire.get("objective"),
            status=CampaignStatus(wire["status"]),
            budget=Budget.model_validate(budget) if budget else None,
            starts_at=wire.get("starts_at"),
            ends_at=wire.get("ends_at"),
            audiences=tuple(wire.get("audiences", ())),
            vendor_id=wire["id"],
        )

    async def pause_campaign(self, vendor_id: str) -> None:
        """Pause delivery."""
        await self.request("POST", f"/v1/campaigns/{vendor_id}:pause")

    async def resume_campaign(self, vendor_id: str, *, at: dt.datetime | None = None) -> None:
        """Resume delivery now, or schedule it `at`."""
        body = {"at": at.isoformat()} if at else {}
        await self.request("POST", f"/v1/campaigns/{vendor_id}:resume", json=body)

    async def campaign_stats(self, vendor_id: str, start: dt.date, end: dt.date) -> CampaignStats:
        """Return neutral statistics for the inclusive range."""
        params = {"start": start.isoformat(), "end": end.isoformat()}
        wire = (await self.request("GET", f"/v1/campaigns/{vendor_id}/stats", params=params)).json()
        return CampaignStats(
            vendor_id=vendor_id,
            start=start,
            end=end,
            impressions=wire["impressions"],
            clicks=wire["clicks"],
            spend=Decimal(wire["spend"]),
            currency=wire["currency"],
            conversions=wire["conversions"],
        )
