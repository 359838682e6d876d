"""Email campaigns: create for lists, assign HTML, send or schedule through send jobs, report.

Klaviyo builds a campaign from three resources: the campaign (name, audiences, send strategy),
its campaign message (subject, sender, preview) and the template assigned to the message (the
HTML). Sending is a send job (`POST /api/campaign-send-jobs`, id = the campaign id) that follows
the campaign's send strategy: `immediate` sends, `static` schedules. A scheduled campaign goes
back to Draft with the send job's `revert` action; a send under way cannot be paused, only
cancelled for good, which freehold never does on its own.

Statistics come from the campaign values report, which Klaviyo computes only with a conversion
metric: `KlaviyoConfig.conversion_metric_id` (usually Placed Order).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from freehold.connectors.klaviyo._api import KlaviyoApi
from freehold.connectors.klaviyo._limits import REPORT_MAX_DAYS
from freehold.core.capabilities import CampaignManagement
from freehold.core.errors import ConfigError, PermanentError
from freehold.core.models import (
    AudienceRef,
    Campaign,
    CampaignStats,
    CampaignStatus,
    Channel,
    EmailContent,
)

__all__ = ["CAMPAIGN_STATUS", "REPORT_STATISTICS", "KlaviyoCampaigns", "campaign_status"]

logger = logging.getLogger(__name__)

CAMPAIGN_STATUS: dict[str, CampaignStatus] = {
    "Draft": CampaignStatus.DRAFT,
    "Preparing to schedule": CampaignStatus.SCHEDULED,
    "Scheduled": CampaignStatus.SCHEDULED,
    "Preparing to send": CampaignStatus.SENDING,
    "Queued without Recipients": CampaignStatus.SENDING,
    "Adding Recipients": CampaignStatus.SENDING,
    "Sending": CampaignStatus.SENDING,
    "Sending Segments": CampaignStatus.SENDING,
    "Sent": CampaignStatus.SENT,
    "Variations Sent": CampaignStatus.SENT,
}
"""Klaviyo's campaign status words → neutral (cancelled ones are over: see `campaign_status`)."""

REPORT_STATISTICS: dict[str, str] = {
    "sends": "recipients",
    "opens": "opens",
    "clicks": "clicks",
    "bounces": "bounced",
    "unsubscribes": "unsubscribe_uniques",
    "conversions": "conversions",
}
"""`CampaignStats` field → the campaign values report statistic it is read from."""

_SCHEDULED = frozenset({"Scheduled", "Preparing to schedule"})


def campaign_status(word: str) -> CampaignStatus:
    """Map a Klaviyo status word; `Cancelled…` is `completed`, anything unknown `sending`.

    An unknown word (Klaviyo's own `Unknown` included) is read as a campaign in Klaviyo's
    hands: not a draft freehold may edit, not paused.
    """
    if word.startswith("Cancelled"):
        return CampaignStatus.COMPLETED
    return CAMPAIGN_STATUS.get(word, CampaignStatus.SENDING)


def _utc_text(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def _message_definition(campaign: Campaign, email: EmailContent) -> dict[str, Any]:
    content: dict[str, Any] = {
        "subject": email.subject,
        "from_email": str(email.from_email),
        "from_label": email.from_name,
    }
    if email.preview_text:
        content["preview_text"] = email.preview_text
    if email.reply_to:
        content["reply_to_email"] = str(email.reply_to)
    return {"channel": "email", "label": campaign.name, "content": content}


def _attributes(document: Mapping[str, Any]) -> dict[str, Any]:
    data = document.get("data") or {}
    return dict(data.get("attributes") or {}) if isinstance(data, dict) else {}


def _parse_time(value: Any) -> dt.datetime | None:  # noqa: ANN401 - a JSON value
    if not isinstance(value, str) or not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class KlaviyoCampaigns(KlaviyoApi, CampaignManagement):
    """`CampaignManagement` for Klaviyo email campaigns (see the module docstring)."""

    async def create_campaign(self, campaign: Campaign, audiences: Sequence[AudienceRef]) -> str:
        """Create a draft email campaign for the lists `audiences`, with its HTML; return its id.

        Four calls: the campaign with its message, a CODE template holding the HTML, the
        assignment (Klaviyo copies the template into the message) and the deletion of the
        template, so API-created templates do not pile up towards Klaviyo's 1,000.

        Raises:
            ConfigError: not an email campaign, or no audience.
        """
        if campaign.channel is not Channel.EMAIL or campaign.email is None:
            msg = f"campaign {campaign.key!r}: klaviyo campaigns here are email campaigns"
            raise ConfigError(msg)
        if not audiences:
            msg = f"campaign {campaign.key!r}: a klaviyo campaign needs at least one list"
            raise ConfigError(msg)
        email = campaign.email
        message = {
            "type": "campaign-message",
            "attributes": {"definition": _message_definition(campaign, email)},
        }
        created = await self.post_json(
            "/api/campaigns",
            {
                "data": {
                    "type": "campaign",
                    "attributes": {
                        "name": campaign.name,
                        "audiences": {"included": [ref.vendor_id for ref in audiences]},
                        "send_strategy": {"method": "immediate"},
                        "campaign-messages": {"data": [message]},
                    },
                }
            },
        )
        data = created["data"]
        campaign_id = str(data["id"])
        message_id = str(data["relationships"]["campaign-messages"]["data"][0]["id"])
        template = await self.post_json(
            "/api/templates",
            {
                "data": {
                    "type": "template",
                    "attributes": {
                        "name": campaign.name,
                        "editor_type": "CODE",
                        "html": email.html,
                    },
                }
            },
        )
        template_id = str(template["data"]["id"])
        await self.post_json(
            "/api/campaign-message-assign-template",
            {
                "data": {
                    "type": "campaign-message",
                    "id": message_id,
                    "relationships": {
                        "template": {"data": {"type": "template", "id": template_id}}
                    },
                }
            },
        )
        await self.request("DELETE", f"/api/templates/{template_id}")
        logger.info("klaviyo campaign %s created for %s", campaign_id, campaign.key)
        return campaign_id

    async def get_campaign(self, vendor_id: str) -> Campaign:
        """Read a campaign, its email message and the message's HTML (keyed by the vendor id).

        Raises:
            PermanentError: not an email campaign, or it lacks a subject, sender or HTML.
        """
        document = await self.get_json(
            f"/api/campaigns/{vendor_id}", params={"include": "campaign-messages"}
        )
        attributes = _attributes(document)
        messages = [
            item
            for item in document.get("included") or []
            if isinstance(item, dict) and item.get("type") == "campaign-message"
        ]
        definition = (messages[0].get("attributes") or {}).get("definition") if messages else None
        if not isinstance(definition, dict):
            definition = {}
        if definition.get("channel") != "email":
            msg = f"GET /api/campaigns/{vendor_id}: not an email campaign"
            raise PermanentError(msg)
        template = await self.get_json(f"/api/campaign-messages/{messages[0]['id']}/template")
        content = definition.get("content") or {}
        strategy = attributes.get("send_strategy") or {}
        try:
            return Campaign(
                key=vendor_id,
                name=str(attributes.get("name") or vendor_id),
                channel=Channel.EMAIL,
                status=campaign_status(str(attributes.get("status"))),
                starts_at=_parse_time(attributes.get("send_time") or strategy.get("datetime")),
                vendor_id=vendor_id,
                email=EmailContent(
                    subject=content.get("subject") or "",
                    from_name=content.get("from_label") or "",
                    from_email=content.get("from_email") or "",
                    html=_attributes(template).get("html") or "",
                    reply_to=content.get("reply_to_email") or None,
                    preview_text=content.get("preview_text") or None,
                ),
            )
        except ValidationError as exc:
            fields = sorted({str(e["loc"][-1]) for e in exc.errors()})
            msg = f"GET /api/campaigns/{vendor_id}: campaign lacks {', '.join(fields)}"
            raise PermanentError(msg) from None

    async def _status(self, vendor_id: str) -> str:
        return str(_attributes(await self.get_json(f"/api/campaigns/{vendor_id}")).get("status"))

    async def _revert(self, vendor_id: str) -> None:
        await self.request(
            "PATCH",
            f"/api/campaign-send-jobs/{vendor_id}",
            body={
                "data": {
                    "type": "campaign-send-job",
                    "id": vendor_id,
                    "attributes": {"action": "revert"},
                }
            },
        )

    async def pause_campaign(self, vendor_id: str) -> None:
        """Return a scheduled campaign to Draft (the send job's `revert`); a draft needs nothing.

        Raises:
            PermanentError: the campaign is sending, sent or cancelled: Klaviyo cannot pause a
                send, only cancel it for good.
        """
        status = await self._status(vendor_id)
        if status in _SCHEDULED:
            await self._revert(vendor_id)
        elif status != "Draft":
            msg = f"klaviyo campaign {vendor_id} is {status!r}: it cannot be paused"
            raise PermanentError(msg)

    async def resume_campaign(self, vendor_id: str, *, at: dt.datetime | None = None) -> None:
        """Send now, or schedule at `at`: set the send strategy, then start a send job.

        A scheduled campaign is first reverted to Draft, so resuming it again reschedules it.

        Raises:
            ConfigError: `at` has no time zone.
            PermanentError: the campaign is sending, sent or cancelled.
        """
        if at is not None and at.tzinfo is None:
            msg = "a klaviyo schedule time needs a time zone"
            raise ConfigError(msg)
        status = await self._status(vendor_id)
        if status in _SCHEDULED:
            await self._revert(vendor_id)
        elif status != "Draft":
            msg = f"klaviyo campaign {vendor_id} is {status!r}: it cannot be sent again"
            raise PermanentError(msg)
        strategy: dict[str, Any] = (
            {"method": "immediate"}
            if at is None
            else {"method": "static", "datetime": _utc_text(at), "options": {"is_local": False}}
        )
        await self.request(
            "PATCH",
            f"/api/campaigns/{vendor_id}",
            body={
                "data": {
                    "type": "campaign",
                    "id": vendor_id,
                    "attributes": {"send_strategy": strategy},
                }
            },
        )
        job = await self.post_json(
            "/api/campaign-send-jobs", {"data": {"type": "campaign-send-job", "id": vendor_id}}
        )
        logger.info(
            "klaviyo campaign %s: send job %s (%s)",
            vendor_id,
            _attributes(job).get("status"),
            strategy["method"],
        )

    async def campaign_stats(self, vendor_id: str, start: dt.date, end: dt.date) -> CampaignStats:
        """Return sends, opens, clicks, bounces, unsubscribes and conversions for the days.

        One campaign values report over `start` 00:00 to the day after `end` (Klaviyo reads
        the bounds in the account's time zone), summed over the campaign's messages. Opens and
        clicks are totals, unsubscribes unique people, conversions the configured metric's.

        Raises:
            ConfigError: no `conversion_metric_id` is configured, or the range is reversed or
                longer than a year.
        """
        metric = self.config.conversion_metric_id
        if metric is None:
            msg = (
                "klaviyo campaign stats need the destination setting conversion_metric_id: the "
                "id of the metric that counts as a conversion, usually Placed Order"
            )
            raise ConfigError(msg)
        if end < start or (end - start).days >= REPORT_MAX_DAYS:
            msg = f"klaviyo reports span 1 to {REPORT_MAX_DAYS} days: {start} to {end}"
            raise ConfigError(msg)
        after = end + dt.timedelta(days=1)
        report = await self.post_json(
            "/api/campaign-values-reports",
            {
                "data": {
                    "type": "campaign-values-report",
                    "attributes": {
                        "statistics": list(REPORT_STATISTICS.values()),
                        "timeframe": {
                            "start": f"{start.isoformat()}T00:00:00+00:00",
                            "end": f"{after.isoformat()}T00:00:00+00:00",
                        },
                        "conversion_metric_id": metric,
                        "filter": f"equals(campaign_id,{json.dumps(vendor_id)})",
                    },
                }
            },
        )
        totals = dict.fromkeys(REPORT_STATISTICS, 0.0)
        for result in _attributes(report).get("results") or []:
            figures = (result or {}).get("statistics") or {}
            for field, name in REPORT_STATISTICS.items():
                totals[field] += float(figures.get(name) or 0)
        return CampaignStats(
            vendor_id=vendor_id,
            start=start,
            end=end,
            sends=round(totals["sends"]),
            opens=round(totals["opens"]),
            clicks=round(totals["clicks"]),
            bounces=round(totals["bounces"]),
            unsubscribes=round(totals["unsubscribes"]),
            conversions=totals["conversions"],
        )
