"""Emulated routes for regular campaigns, their content, sending, scheduling and reports."""

from __future__ import annotations

from typing import Any

from freehold.connectors.mailchimp._emulator_base import (
    MailchimpEmulatorBase,
)
from freehold.connectors.mailchimp._emulator_state import (
    CampaignRecord,
    iso,
    parse_time,
    project,
)
from freehold.core.emulator import EmulatorRequest, EmulatorResponse, json_response, route

__all__ = ["CampaignRoutes"]

_QUARTERS = (0, 15, 30, 45)


class CampaignRoutes(MailchimpEmulatorBase):
    """Campaigns: create, content, send, schedule, unschedule, report."""

    # -- campaigns ------------------------------------------------------------------------------

    def _campaign(self, request: EmulatorRequest) -> CampaignRecord | None:
        return self.campaigns.get(request.path_params["campaign_id"])

    def _render_campaign(self, campaign: CampaignRecord) -> dict[str, Any]:
        record = self.lists.get(campaign.list_id)
        return campaign.render(record.name if record else "")

    @route("POST", "/3.0/campaigns")
    async def create_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Create a regular campaign for a list, or a saved or static segment of it."""
        body = self._body(request)
        if isinstance(body, EmulatorResponse):
            return body
        if body.get("type") != "regular":
            return self.invalid("The emulator creates regular campaigns only.", "type")
        recipients = body.get("recipients") or {}
        record = self.lists.get(str(recipients.get("list_id", "")))
        if record is None:
            return self.invalid("The list does not exist.", "recipients.list_id")
        segment_id = (recipients.get("segment_opts") or {}).get("saved_segment_id")
        if segment_id is not None and segment_id not in record.segments:
            return self.invalid("The segment does not exist.", "recipients.segment_opts")
        campaign = CampaignRecord(
            id=f"{self.rng.getrandbits(40):010x}",
            web_id=next(self._ids),
            list_id=record.id,
            segment_id=segment_id,
            settings=dict(body.get("settings") or {}),
            create_time=self.clock(),
        )
        self.campaigns[campaign.id] = campaign
        return json_response(self._render_campaign(campaign))

    @route("GET", "/3.0/campaigns/{campaign_id}")
    async def get_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Read a campaign."""
        campaign = self._campaign(request)
        if campaign is None:
            return self.not_found_response(request)
        return json_response(project(self._render_campaign(campaign), request.arg("fields")))

    @route("PUT", "/3.0/campaigns/{campaign_id}/content")
    async def put_content(self, request: EmulatorRequest) -> EmulatorResponse:
        """Set a campaign's HTML."""
        campaign = self._campaign(request)
        if campaign is None:
            return self.not_found_response(request)
        body = self._body(request)
        if isinstance(body, EmulatorResponse):
            return body
        if not isinstance(body.get("html"), str):
            return self.invalid("The emulator takes html content only.", "html")
        if campaign.status not in ("save", "paused"):
            return self.problem(400, "Bad Request", "This campaign cannot be edited now.")
        campaign.html = body["html"]
        return json_response(self._content(campaign))

    @staticmethod
    def _content(campaign: CampaignRecord) -> dict[str, Any]:
        return {"html": campaign.html or "", "plain_text": "", "_links": []}

    @route("GET", "/3.0/campaigns/{campaign_id}/content")
    async def get_content(self, request: EmulatorRequest) -> EmulatorResponse:
        """Read a campaign's content."""
        campaign = self._campaign(request)
        if campaign is None:
            return self.not_found_response(request)
        return json_response(self._content(campaign))

    def _not_ready(self, campaign: CampaignRecord) -> EmulatorResponse | None:
        needed = ("subject_line", "from_name", "reply_to")
        if campaign.html is None or not all(campaign.settings.get(k) for k in needed):
            return self.problem(400, "Bad Request", "Your Campaign is not ready to send.")
        if campaign.status not in ("save", "paused", "schedule"):
            return self.problem(400, "Bad Request", "This campaign has already been sent.")
        return None

    def _deliver(self, campaign: CampaignRecord) -> None:
        record = self.lists[campaign.list_id]
        audience = (
            record.segments[campaign.segment_id].member_ids
            if campaign.segment_id is not None
            else set(record.members)
        )
        campaign.sent_to = {
            m for m in audience if record.live(m) and record.members[m].status == "subscribed"
        }
        campaign.status = "sent"
        campaign.send_time = self.clock()

    @route("POST", "/3.0/campaigns/{campaign_id}/actions/send")
    async def send_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Send now: only subscribed, live members of the recipients receive it."""
        campaign = self._campaign(request)
        if campaign is None:
            return self.not_found_response(request)
        refused = self._not_ready(campaign)
        if refused is not None:
            return refused
        self._deliver(campaign)
        return EmulatorResponse(status=204, body=None)

    @route("POST", "/3.0/campaigns/{campaign_id}/actions/schedule")
    async def schedule_campaign(  # noqa: PLR0911 - one answer per check Mailchimp makes
        self, request: EmulatorRequest
    ) -> EmulatorResponse:
        """Schedule for a future quarter hour (:00, :15, :30, :45 UTC)."""
        campaign = self._campaign(request)
        if campaign is None:
            return self.not_found_response(request)
        refused = self._not_ready(campaign)
        if refused is not None:
            return refused
        body = self._body(request)
        if isinstance(body, EmulatorResponse):
            return body
        try:
            when = parse_time(str(body.get("schedule_time", "")))
        except ValueError:
            return self.invalid("schedule_time must be an ISO 8601 time.", "schedule_time")
        if when.minute not in _QUARTERS or when.second or when.microsecond:
            return self.invalid(
                "Schedule time must be on the quarter-hour (:00, :15, :30, :45).", "schedule_time"
            )
        if when <= self.clock():
            return self.invalid("Schedule time must be in the future.", "schedule_time")
        campaign.status = "schedule"
        campaign.send_time = when
        return EmulatorResponse(status=204, body=None)

    @route("POST", "/3.0/campaigns/{campaign_id}/actions/unschedule")
    async def unschedule_campaign(self, request: EmulatorRequest) -> EmulatorResponse:
        """Return a scheduled campaign to draft."""
        campaign = self._campaign(request)
        if campaign is None:
            return self.not_found_response(request)
        if campaign.status != "schedule":
            return self.problem(400, "Bad Request", "This campaign is not scheduled.")
        campaign.status = "save"
        campaign.send_time = None
        return EmulatorResponse(status=204, body=None)

    @route("GET", "/3.0/reports/{campaign_id}")
    async def report(self, request: EmulatorRequest) -> EmulatorResponse:
        """Report on a sent campaign (404 before it is sent)."""
        campaign = self._campaign(request)
        if campaign is None or campaign.status != "sent":
            return self.not_found_response(request)
        record = self.lists[campaign.list_id]
        figures = campaign.activity
        return json_response(
            {
                "id": campaign.id,
                "campaign_title": str(campaign.settings.get("title", "")),
                "type": "regular",
                "list_id": record.id,
                "list_name": record.name,
                "subject_line": str(campaign.settings.get("subject_line", "")),
                "emails_sent": len(campaign.sent_to),
                "abuse_reports": figures.get("abuse_reports", 0),
                "unsubscribed": figures.get("unsubscribes", 0),
                "send_time": iso(campaign.send_time or self.clock()),
                "bounces": {
                    "hard_bounces": figures.get("hard_bounces", 0),
                    "soft_bounces": figures.get("soft_bounces", 0),
                    "syntax_errors": figures.get("syntax_errors", 0),
                },
                "opens": {
                    "opens_total": figures.get("opens", 0),
                    "unique_opens": figures.get("unique_opens", 0),
                },
                "clicks": {
                    "clicks_total": figures.get("clicks", 0),
                    "unique_clicks": figures.get("unique_clicks", 0),
                    "unique_subscriber_clicks": figures.get("unique_clicks", 0),
                },
            }
        )
