"""Regular email campaigns: create for one audience, schedule or send, read neutral stats.

Mailchimp has one sender address per campaign, `settings.reply_to`, used as both From and
Reply-To: freehold sends the campaign's `from_email` there, and a different `reply_to` cannot
be expressed (it is logged and not sent). Reports are cumulative over the campaign's life, so
`campaign_stats` returns the whole-life figures whatever dates are asked.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from freehold.connectors.mailchimp._api import MailchimpApi
from freehold.connectors.mailchimp._config import ref_list_id, ref_segment_id
from freehold.connectors.mailchimp._payloads import CAMPAIGN_STATUS, parse_time, utc_text
from freehold.core.capabilities import CampaignManagement
from freehold.core.errors import ConfigError, PermanentError
from freehold.core.models import (
    AudienceRef,
    Campaign,
    CampaignStats,
    Channel,
    EmailContent,
)

__all__ = ["QUARTER_HOURS", "MailchimpCampaigns"]

logger = logging.getLogger(__name__)

QUARTER_HOURS = (0, 15, 30, 45)
"""The minutes Mailchimp accepts in a schedule time."""


def _recipients(ref: AudienceRef) -> dict[str, Any]:
    recipients: dict[str, Any] = {"list_id": ref_list_id(ref)}
    segment = ref_segment_id(ref)
    if segment is not None:
        recipients["segment_opts"] = {"saved_segment_id": segment}
    return recipients


def _count(section: Any, *names: str) -> int:  # noqa: ANN401 - a JSON section
    if not isinstance(section, dict):
        return 0
    return sum(int(section.get(name) or 0) for name in names)


class MailchimpCampaigns(MailchimpApi, CampaignManagement):
    """`CampaignManagement` for Mailchimp regular campaigns."""

    async def create_campaign(self, campaign: Campaign, audiences: Sequence[AudienceRef]) -> str:
        """Create a regular campaign for one audience, with its HTML; return its id.

        The campaign is left as a draft: `resume_campaign` sends or schedules it.

        Raises:
            ConfigError: not an email campaign, or not exactly one audience.
        """
        if campaign.channel is not Channel.EMAIL or campaign.email is None:
            msg = f"campaign {campaign.key!r}: mailchimp sends email campaigns only"
            raise ConfigError(msg)
        if len(audiences) != 1:
            msg = (
                f"campaign {campaign.key!r}: a mailchimp campaign targets exactly one audience, "
                f"got {len(audiences)}"
            )
            raise ConfigError(msg)
        email = campaign.email
        if email.reply_to and email.reply_to != email.from_email:
            logger.warning(
                "campaign %s: mailchimp uses one address as From and Reply-To; reply_to not sent",
                campaign.key,
            )
        settings: dict[str, Any] = {
            "title": campaign.name,
            "subject_line": email.subject,
            "from_name": email.from_name,
            "reply_to": str(email.from_email),
        }
        if email.preview_text:
            settings["preview_text"] = email.preview_text
        created = await self.post_json(
            "/campaigns",
            {"type": "regular", "recipients": _recipients(audiences[0]), "settings": settings},
        )
        campaign_id = str(created["id"])
        await self.request("PUT", f"/campaigns/{campaign_id}/content", json={"html": email.html})
        logger.info("mailchimp campaign %s created for %s", campaign_id, campaign.key)
        return campaign_id

    async def get_campaign(self, vendor_id: str) -> Campaign:
        """Read a campaign and its HTML back in neutral form (keyed by the vendor id).

        Raises:
            PermanentError: the campaign lacks a subject, sender or content, or has a status
                word freehold does not know (read as a draft, it could be edited or sent).
        """
        data = await self.get_json(f"/campaigns/{vendor_id}")
        word = data.get("status")
        status = CAMPAIGN_STATUS.get(word) if isinstance(word, str) else None
        if status is None:
            msg = f"GET /campaigns/{vendor_id}: unknown campaign status {word!r}"
            raise PermanentError(msg)
        content = await self.get_json(f"/campaigns/{vendor_id}/content")
        settings = data.get("settings") or {}
        try:
            return Campaign(
                key=vendor_id,
                name=str(settings.get("title") or settings.get("subject_line") or vendor_id),
                channel=Channel.EMAIL,
                status=status,
                starts_at=parse_time(data.get("send_time")),
                vendor_id=vendor_id,
                email=EmailContent(
                    subject=settings.get("subject_line") or "",
                    from_name=settings.get("from_name") or "",
                    from_email=settings.get("reply_to") or "",
                    html=content.get("html") or "",
                    preview_text=settings.get("preview_text") or None,
                ),
            )
        except ValidationError as exc:
            fields = sorted({str(e["loc"][-1]) for e in exc.errors()})
            msg = f"GET /campaigns/{vendor_id}: campaign lacks {', '.join(fields)}"
            raise PermanentError(msg) from None

    async def pause_campaign(self, vendor_id: str) -> None:
        """Unschedule a scheduled campaign; a draft needs nothing.

        Raises:
            PermanentError: the campaign is sending or sent (a regular send cannot pause).
        """
        data = await self.get_json(f"/campaigns/{vendor_id}", params={"fields": "id,status"})
        status = str(data.get("status"))
        if status == "schedule":
            await self.request("POST", f"/campaigns/{vendor_id}/actions/unschedule")
        elif status not in ("save", "paused"):
            msg = f"mailchimp campaign {vendor_id} is {status!r}: it cannot be paused"
            raise PermanentError(msg)

    async def resume_campaign(self, vendor_id: str, *, at: dt.datetime | None = None) -> None:
        """Send now, or schedule at `at` (UTC, on a quarter hour).

        Raises:
            ConfigError: `at` is naive or not on :00, :15, :30 or :45.
        """
        if at is None:
            await self.request("POST", f"/campaigns/{vendor_id}/actions/send")
            return
        if at.tzinfo is None:
            msg = "a mailchimp schedule time needs a time zone"
            raise ConfigError(msg)
        if at.minute not in QUARTER_HOURS or at.second or at.microsecond:
            msg = "a mailchimp schedule time must fall on :00, :15, :30 or :45"
            raise ConfigError(msg)
        await self.request(
            "POST",
            f"/campaigns/{vendor_id}/actions/schedule",
            json={"schedule_time": utc_text(at)},
        )

    async def campaign_stats(self, vendor_id: str, start: dt.date, end: dt.date) -> CampaignStats:
        """Return the sent campaign's whole-life figures: sends, opens, clicks, bounces, unsubs.

        Opens and clicks are totals (every open and click, not unique people).

        Raises:
            NotFoundError: no such campaign, or it has not been sent (no report yet).
        """
        report = await self.get_json(f"/reports/{vendor_id}")
        return CampaignStats(
            vendor_id=vendor_id,
            start=start,
            end=end,
            sends=int(report.get("emails_sent") or 0),
            opens=_count(report.get("opens"), "opens_total"),
            clicks=_count(report.get("clicks"), "clicks_total"),
            bounces=_count(report.get("bounces"), "hard_bounces", "soft_bounces", "syntax_errors"),
            unsubscribes=int(report.get("unsubscribed") or 0),
        )
