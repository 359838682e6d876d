"""Emulated routes for email campaigns, their messages and templates, send jobs and reports.

A campaign is created Draft with one email message. A CODE template assigned to the message is
copied into it (the copy is what the message keeps). A send job (id = the campaign id) is
`queued` and carried out when the campaign or the job is next read: an `immediate` strategy
sends at once (Sent, job `complete`); a `static` one is Scheduled (job `processing`) and sends
once the clock passes its time. `revert` returns a scheduled campaign to Draft, `cancel` ends
it. Only subscribed, unsuppressed profiles on the included lists (less the excluded ones)
receive it. The campaign values report needs a known conversion metric and an
`equals(campaign_id,"…")` filter, and reports sent campaigns from `record_activity` figures.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from freehold.connectors.klaviyo._emulator_base import iso
from freehold.connectors.klaviyo._emulator_data import DataRoutes
from freehold.core.emulator import EmulatorRequest, EmulatorResponse, route

__all__ = ["EMULATOR_CONVERSION_METRIC_ID", "CampaignRoutes"]

EMULATOR_CONVERSION_METRIC_ID = "PLCDRD"
"""The id of the emulator's Placed Order metric, the conversion metric its config names."""

_HOST = "https://a.klaviyo.com"
_STRATEGIES = ("immediate", "static")
_CAMPAIGN_FILTER = re.compile(r"""^equals\(campaign_id,(?:"(?P<dq>[^"]+)"|'(?P<sq>[^']+)')\)$""")
_REPORT_KEYS = {
    "today": (0, 1),
    "yesterday": (1, 0),
    "last_7_days": (7, 0),
    "last_30_days": (30, 0),
    "last_90_days": (90, 0),
    "last_365_days": (365, 0),
}
"""Timeframe keys the emulator knows: (days back from today, days after today's start)."""
_RATES = {
    "open_rate": ("opens_unique", "delivered"),
    "click_rate": ("clicks_unique", "delivered"),
    "click_to_open_rate": ("clicks_unique", "opens_unique"),
    "bounce_rate": ("bounced", "recipients"),
    "delivery_rate": ("delivered", "recipients"),
    "unsubscribe_rate": ("unsubscribe_uniques", "delivered"),
    "spam_complaint_rate": ("spam_complaints", "delivered"),
    "conversion_rate": ("conversion_uniques", "delivered"),
}


@dataclass(slots=True)
class CampaignRecord:
    """One emulated campaign with its single email message."""

    id: str
    name: str
    included: list[str]
    excluded: list[str]
    strategy: dict[str, Any]
    message_id: str
    definition: dict[str, Any]
    created: dt.datetime
    status: str = "Draft"
    template_id: str | None = None
    job: str | None = None
    scheduled_at: dt.datetime | None = None
    send_time: dt.datetime | None = None
    sent_to: set[str] = field(default_factory=set)
    activity: dict[str, float] = field(default_factory=dict)


def _send_at(strategy: dict[str, Any]) -> dt.datetime | None:
    text = strategy.get("datetime")
    return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None


class CampaignRoutes(DataRoutes):
    """Campaigns, campaign messages, templates, send jobs and the campaign values report."""

    def __init__(
        self,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        limits: bool = True,
        seed: int = 0,
    ) -> None:
        super().__init__(clock=clock, limits=limits, seed=seed)
        self.campaigns: dict[str, CampaignRecord] = {}
        self.templates: dict[str, dict[str, Any]] = {}
        self.metrics: dict[str, str] = {EMULATOR_CONVERSION_METRIC_ID: "Placed Order"}

    # -- test helpers ---------------------------------------------------------------------------

    def record_activity(self, campaign_id: str, **figures: float) -> None:
        """Add report figures to a campaign (`opens=3`, `clicks=1`, `conversions=2`, …)."""
        activity = self.campaigns[campaign_id].activity
        for name, value in figures.items():
            activity[name] = activity.get(name, 0) + value

    def state(self) -> dict[str, Any]:
        """Return lists, consent and each campaign's status, for assertions."""
        return {**super().state(), "campaigns": {c.id: c.status for c in self.campaigns.values()}}

    def campaign_html(self, campaign_id: str) -> str | None:
        """Return the HTML the campaign's message holds, if a template was assigned."""
        template_id = self.campaigns[campaign_id].template_id
        return None if template_id is None else str(self.templates[template_id]["html"])

    # -- helpers --------------------------------------------------------------------------------

    def _data(self, request: EmulatorRequest) -> dict[str, Any] | EmulatorResponse:
        try:
            data = request.json()["data"]
        except (ValueError, KeyError, TypeError):
            return self._error(400, "invalid", "The body must be a JSON:API document.")
        if not isinstance(data, dict):
            return self._error(400, "invalid", "The body must be a JSON:API document.")
        return data

    def _strategy_problem(self, strategy: Any) -> EmulatorResponse | None:  # noqa: ANN401
        pointer = "/data/attributes/send_strategy"
        if not isinstance(strategy, dict) or strategy.get("method") not in _STRATEGIES:
            return self._error(
                400,
                "invalid",
                "The emulator sends immediate or static strategies.",
                pointer=pointer,
            )
        if strategy["method"] == "static":
            try:
                when = _send_at(strategy)
            except ValueError:
                when = None
            if when is None or when.tzinfo is None:
                return self._error(
                    400, "invalid", "A static send needs a datetime.", pointer=pointer
                )
        return None

    def _advance(self, campaign: CampaignRecord) -> None:
        if campaign.job not in ("queued", "processing"):
            return
        when = _send_at(campaign.strategy)
        if campaign.strategy["method"] == "static" and when is not None and when > self.clock():
            campaign.status = "Scheduled"
            campaign.send_time = when
            campaign.job = "processing"
            return
        recipients: set[str] = set()
        for list_id in campaign.included:
            recipients |= self.members.get(list_id, set())
        for list_id in campaign.excluded:
            recipients -= self.members.get(list_id, set())
        campaign.sent_to = {
            p
            for p in recipients
            if p in self.profiles
            and self.profiles[p].consent == "SUBSCRIBED"
            and not self.profiles[p].suppressed
        }
        campaign.status = "Sent"
        campaign.send_time = when or self.clock()
        campaign.job = "complete"

    def _campaign(self, request: EmulatorRequest) -> CampaignRecord | None:
        campaign = self.campaigns.get(request.path_params["campaign_id"])
        if campaign is not None:
            self._advance(campaign)
        return campaign

    def _campaign_resource(self, campaign: CampaignRecord) -> dict[str, Any]:
        url = f"{_HOST}/api/campaigns/{campaign.id}"
        return {
            "type": "campaign",
            "id": campaign.id,
            "attributes": {
                "name": campaign.name,
                "status": campaign.status,
                "archived": False,
                "audiences": {"included": campaign.included, "excluded": campaign.excluded},
                "send_options": {"use_smart_sending": True},
                "send_strategy": campaign.strategy,
                "created_at": iso(campaign.created),
                "scheduled_at": iso(campaign.scheduled_at) if campaign.scheduled_at else None,
                "updated_at": iso(self.clock()),
                "send_time": iso(campaign.send_time) if campaign.send_time else None,
            },
            "relationships": {
                "campaign-messages": {
                    "data": [{"type": "campaign-message", "id": campaign.message_id}],
                    "links": {
                        "self": f"{url}/relationships/campaign-messages",
                        "related": f"{url}/campaign-messages",
                    },
                }
            },
            "links": {"self": url},
        }

    def _message_resource(self, campaign: CampaignRecord) -> dict[str, Any]:
        url = f"{_HOST}/api/campaign-messages/{campaign.message_id}"
        relationships: dict[str, Any] = {
            "campaign": {
                "data": {"type": "campaign", "id": campaign.id},
                "links": {"self": f"{url}/relationships/campaign", "related": f"{url}/campaign"},
            }
        }
        if campaign.template_id is not None:
            relationships["template"] = {
                "data": {"type": "template", "id": campaign.template_id},
                "links": {"self": f"{url}/relationships/template", "related": f"{url}/template"},
            }
        return {
            "type": "campaign-message",
            "id": campaign.message_id,
            "attributes": {
                "definition": campaign.definition,
                "send_times": [],
                "created_at": iso(campaign.created),
                "updated_at": iso(self.clock()),
            },
            "relationships": relationships,
            "links": {"self": url},
        }

    def _template_resource(self, template_id: str) -> dict[str, Any]:
        template = self.templates[template_id]
        return {
            "type": "template",
            "id": template_id,
            "attributes": {
                "name": template["name"],
                "editor_type": template["editor_type"],
                "html": template["html"],
                "text": None,
                "amp": None,
                "created": template["created"],
                "updated": template["created"],
            },
            "links": {"self": f"{_HOST}/api/templates/{template_id}"},
        }

    @staticmethod
    def _send_job_resource(campaign: CampaignRecord) -> dict[str, Any]:
        return {
            "type": "campaign-send-job",
            "id": campaign.id,
            "attributes": {"status": campaign.job or "cancelled"},
            "links": {"self": f"{_HOST}/api/campaign-send-jobs/{campaign.id}"},
        }

    # -- campaigns ------------------------------------------------------------------------------

    @route("POST", "/api/campaigns")
    async def create_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Create a Draft email campaign with one message, for existing lists."""
        data = self._data(request)
        if isinstance(data, EmulatorResponse):
            return data
        attributes = data.get("attributes") or {}
        name = attributes.get("name")
        if not isinstance(name, str) or not name:
            return self._error(400, "invalid", "A name is required.", pointer="/data/attributes")
        audiences = attributes.get("audiences") or {}
        included = [str(x) for x in audiences.get("included") or []]
        excluded = [str(x) for x in audiences.get("excluded") or []]
        if not included or any(x not in self.lists for x in (*included, *excluded)):
            return self._error(
                400,
                "invalid",
                "Unknown or missing audiences.",
                pointer="/data/attributes/audiences",
            )
        messages = (attributes.get("campaign-messages") or {}).get("data") or []
        definitions = [(m.get("attributes") or {}).get("definition") or {} for m in messages]
        if len(definitions) != 1 or definitions[0].get("channel") != "email":
            return self._error(
                400,
                "invalid",
                "The emulator creates campaigns with one email message.",
                pointer="/data/attributes/campaign-messages",
            )
        strategy = attributes.get("send_strategy") or {"method": "immediate"}
        refused = self._strategy_problem(strategy)
        if refused is not None:
            return refused
        campaign = CampaignRecord(
            id=self._id(),
            name=name,
            included=included,
            excluded=excluded,
            strategy=dict(strategy),
            message_id=self._id(),
            definition=dict(definitions[0]),
            created=self.clock(),
        )
        self.campaigns[campaign.id] = campaign
        return self._doc({"data": self._campaign_resource(campaign)}, 201)

    @route("GET", "/api/campaigns/{campaign_id}")
    async def get_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Read a campaign, with its message when `include=campaign-messages`."""
        campaign = self._campaign(request)
        if campaign is None:
            return self.not_found_response(request)
        body: dict[str, Any] = {
            "data": self._campaign_resource(campaign),
            "links": {"self": f"{_HOST}{request.path}"},
        }
        include = request.arg("include")
        if include not in (None, "campaign-messages"):
            return self._error(400, "invalid", "Invalid include.", pointer="include")
        if include:
            body["included"] = [self._message_resource(campaign)]
        return self._doc(body)

    @route("PATCH", "/api/campaigns/{campaign_id}")
    async def update_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Change a Draft campaign's name, audiences or send strategy."""
        campaign = self._campaign(request)
        if campaign is None:
            return self.not_found_response(request)
        data = self._data(request)
        if isinstance(data, EmulatorResponse):
            return data
        if data.get("id") != campaign.id:
            return self._error(400, "invalid", "The id does not match the path.", pointer="/data")
        if campaign.status != "Draft":
            return self._error(400, "invalid", "Only a draft campaign can be changed.")
        attributes = data.get("attributes") or {}
        if "send_strategy" in attributes:
            refused = self._strategy_problem(attributes["send_strategy"])
            if refused is not None:
                return refused
            campaign.strategy = dict(attributes["send_strategy"])
        if attributes.get("name"):
            campaign.name = str(attributes["name"])
        return self._doc({"data": self._campaign_resource(campaign)})

    # -- templates and messages -----------------------------------------------------------------

    @route("POST", "/api/templates")
    async def create_template(self, request: EmulatorRequest) -> EmulatorResponse:
        """Store a CODE template (its HTML)."""
        data = self._data(request)
        if isinstance(data, EmulatorResponse):
            return data
        attributes = data.get("attributes") or {}
        html = attributes.get("html")
        if attributes.get("editor_type") != "CODE" or not isinstance(html, str) or not html:
            return self._error(
                400, "invalid", "The emulator stores CODE templates with HTML.", pointer="/data"
            )
        template_id = self._id(6)
        self.templates[template_id] = {
            "name": str(attributes.get("name") or template_id),
            "editor_type": "CODE",
            "html": html,
            "created": iso(self.clock()),
        }
        return self._doc({"data": self._template_resource(template_id)}, 201)

    @route("DELETE", "/api/templates/{template_id}")
    async def delete_template(self, request: EmulatorRequest) -> EmulatorResponse:
        """Delete a template (copies assigned to messages stay)."""
        if self.templates.pop(request.path_params["template_id"], None) is None:
            return self.not_found_response(request)
        return EmulatorResponse(204)

    @route("POST", "/api/campaign-message-assign-template")
    async def assign_template(self, request: EmulatorRequest) -> EmulatorResponse:
        """Copy a template into a Draft campaign's message."""
        data = self._data(request)
        if isinstance(data, EmulatorResponse):
            return data
        campaign = next(
            (c for c in self.campaigns.values() if c.message_id == data.get("id")), None
        )
        template = ((data.get("relationships") or {}).get("template") or {}).get("data") or {}
        source = self.templates.get(str(template.get("id")))
        if campaign is None or source is None:
            return self._error(404, "not_found", "Message or template not found.")
        if campaign.status != "Draft":
            return self._error(400, "invalid", "Only a draft campaign's message can change.")
        copy_id = self._id(6)
        self.templates[copy_id] = {**source, "created": iso(self.clock())}
        campaign.template_id = copy_id
        url = f"{_HOST}/api/campaign-messages/{campaign.message_id}"
        message = {
            "type": "campaign-message",
            "id": campaign.message_id,
            "attributes": {
                "label": str(campaign.definition.get("label") or campaign.name),
                "channel": "email",
                "content": campaign.definition.get("content") or {},
                "send_times": [],
                "created_at": iso(campaign.created),
                "updated_at": iso(self.clock()),
            },
            "links": {"self": url},
        }
        return self._doc({"data": message})

    @route("GET", "/api/campaign-messages/{message_id}/template")
    async def get_message_template(self, request: EmulatorRequest) -> EmulatorResponse:
        """Return the template a message holds (404 when none was assigned)."""
        wanted = request.path_params["message_id"]
        campaign = next((c for c in self.campaigns.values() if c.message_id == wanted), None)
        if campaign is None or campaign.template_id is None:
            return self.not_found_response(request)
        return self._doc(
            {"data": self._template_resource(campaign.template_id), "links": {"self": _HOST}}
        )

    # -- send jobs ------------------------------------------------------------------------------

    @route("POST", "/api/campaign-send-jobs")
    async def create_send_job(self, request: EmulatorRequest) -> EmulatorResponse:
        """Queue the send of a Draft campaign whose message has a subject, sender and HTML."""
        data = self._data(request)
        if isinstance(data, EmulatorResponse):
            return data
        campaign = self.campaigns.get(str(data.get("id")))
        if campaign is None:
            return self._error(404, "not_found", "Campaign not found.", pointer="/data/id")
        if campaign.status != "Draft":
            return self._error(400, "invalid", "The campaign is not a draft.")
        content = campaign.definition.get("content") or {}
        if campaign.template_id is None or not (
            content.get("subject") and content.get("from_email")
        ):
            return self._error(400, "invalid", "The campaign is not ready to send.")
        when = _send_at(campaign.strategy)
        if campaign.strategy["method"] == "static" and (when is None or when <= self.clock()):
            return self._error(400, "invalid", "The send time must be in the future.")
        campaign.job = "queued"
        scheduling = campaign.strategy["method"] == "static"
        campaign.status = "Preparing to schedule" if scheduling else "Preparing to send"
        campaign.scheduled_at = self.clock() if scheduling else None
        return self._doc({"data": self._send_job_resource(campaign)}, 202)

    @route("GET", "/api/campaign-send-jobs/{campaign_id}")
    async def get_send_job(self, request: EmulatorRequest) -> EmulatorResponse:
        """Read a send job (carrying it out first)."""
        campaign = self._campaign(request)
        if campaign is None or campaign.job is None:
            return self.not_found_response(request)
        return self._doc({"data": self._send_job_resource(campaign)})

    @route("PATCH", "/api/campaign-send-jobs/{campaign_id}")
    async def steer_send_job(self, request: EmulatorRequest) -> EmulatorResponse:
        """`revert` a scheduled campaign to Draft, or `cancel` a send not yet done."""
        campaign = self._campaign(request)
        if campaign is None or campaign.job is None:
            return self.not_found_response(request)
        data = self._data(request)
        if isinstance(data, EmulatorResponse):
            return data
        action = (data.get("attributes") or {}).get("action")
        if action == "revert" and campaign.status in ("Scheduled", "Preparing to schedule"):
            campaign.status = "Draft"
            campaign.send_time = None
            campaign.scheduled_at = None
        elif action == "cancel" and campaign.job in ("queued", "processing"):
            campaign.status = "Cancelled"
        else:
            return self._error(
                400, "invalid", "The send job cannot take this action now.", pointer="/data"
            )
        campaign.job = "cancelled"
        return EmulatorResponse(204)

    # -- reports --------------------------------------------------------------------------------

    def _timeframe(self, timeframe: Any) -> tuple[dt.datetime, dt.datetime] | None:  # noqa: ANN401
        if isinstance(timeframe, dict) and "key" in timeframe:
            days = _REPORT_KEYS.get(str(timeframe["key"]))
            if days is None:
                return None
            today = self.clock().replace(hour=0, minute=0, second=0, microsecond=0)
            return today - dt.timedelta(days=days[0]), today + dt.timedelta(days=days[1])
        try:
            start, end = (
                dt.datetime.fromisoformat(str(timeframe[k]).replace("Z", "+00:00"))
                for k in ("start", "end")
            )
        except (KeyError, TypeError, ValueError):
            return None
        if start.tzinfo is None or end.tzinfo is None:
            return None
        if not start < end <= start + dt.timedelta(days=366):
            return None
        return start, end

    @staticmethod
    def _figures(campaign: CampaignRecord, wanted: list[str]) -> dict[str, float]:
        counts = dict(campaign.activity)
        counts["recipients"] = len(campaign.sent_to)
        counts["delivered"] = len(campaign.sent_to) - counts.get("bounced", 0)
        figures: dict[str, float] = {}
        for name in wanted:
            if name in _RATES:
                part, whole = _RATES[name]
                total = counts.get(whole, 0)
                figures[name] = round(counts.get(part, 0) / total, 4) if total else 0.0
            else:
                figures[name] = counts.get(name, 0)
        return figures

    @route("POST", "/api/campaign-values-reports")
    async def campaign_values(self, request: EmulatorRequest) -> EmulatorResponse:
        """Report on sent campaigns whose send time falls in the timeframe."""
        data = self._data(request)
        if isinstance(data, EmulatorResponse):
            return data
        attributes = data.get("attributes") or {}
        statistics = attributes.get("statistics")
        if not isinstance(statistics, list) or not statistics:
            return self._error(
                400, "invalid", "Statistics are required.", pointer="/data/attributes/statistics"
            )
        if attributes.get("conversion_metric_id") not in self.metrics:
            return self._error(
                400,
                "invalid",
                "A valid conversion metric is required.",
                pointer="/data/attributes/conversion_metric_id",
            )
        frame = self._timeframe(attributes.get("timeframe"))
        if frame is None:
            return self._error(
                400,
                "invalid",
                "The timeframe must be a known key or a start before an end, at most a year.",
                pointer="/data/attributes/timeframe",
            )
        match = _CAMPAIGN_FILTER.match(str(attributes.get("filter") or ""))
        if match is None:
            return self._error(
                400,
                "invalid",
                'The emulator filters by equals(campaign_id,"...") only.',
                pointer="/data/attributes/filter",
            )
        campaign = self.campaigns.get(match.group("dq") or match.group("sq"))
        results = []
        if campaign is not None:
            self._advance(campaign)
            when = campaign.send_time
            if campaign.status == "Sent" and when is not None and frame[0] <= when < frame[1]:
                results.append(
                    {
                        "groupings": {
                            "send_channel": "email",
                            "campaign_id": campaign.id,
                            "campaign_message_id": campaign.message_id,
                        },
                        "statistics": self._figures(campaign, [str(s) for s in statistics]),
                    }
                )
        return self._doc(
            {
                "data": {"type": "campaign-values-report", "attributes": {"results": results}},
                "links": {"self": f"{_HOST}/api/campaign-values-reports"},
            }
        )
