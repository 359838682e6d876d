"""Encoding neutral values for Mailchimp and decoding its answers into neutral ones."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from freehold.core.capabilities import ExportedMember
from freehold.core.models import (
    AttributeValue,
    CampaignStatus,
    EmailStatus,
    Event,
)

__all__ = [
    "CAMPAIGN_STATUS",
    "EMAIL_STATUS",
    "EVENT_NAME",
    "EXPORT_FIELDS",
    "event_body",
    "exported_member",
    "merge_fields",
    "parse_time",
    "utc_text",
]

EMAIL_STATUS: dict[str, EmailStatus | None] = {
    "subscribed": EmailStatus.SUBSCRIBED,
    "pending": EmailStatus.PENDING,
    "unsubscribed": EmailStatus.UNSUBSCRIBED,
    "cleaned": None,
    "transactional": None,
    "archived": None,
}
"""Mailchimp member status → freehold's; None is "not to be emailed for marketing".

`cleaned` is a bounced address; `transactional` never opted in to marketing; `archived` was
soft-removed.
"""

CAMPAIGN_STATUS: dict[str, CampaignStatus] = {
    "save": CampaignStatus.DRAFT,
    "paused": CampaignStatus.PAUSED,
    "schedule": CampaignStatus.SCHEDULED,
    "sending": CampaignStatus.SENDING,
    "sent": CampaignStatus.SENT,
    "canceling": CampaignStatus.COMPLETED,
    "canceled": CampaignStatus.COMPLETED,
    "archived": CampaignStatus.ARCHIVED,
}
"""Mailchimp campaign status → neutral; a canceled send is over, so `completed`."""

EVENT_NAME = re.compile(r"^[A-Za-z0-9_-]{2,30}$")
"""Mailchimp's member event names: 2 to 30 letters, digits, underscores or dashes."""

EXPORT_FIELDS = ",".join(
    [
        "total_items",
        *(
            f"members.{name}"
            for name in (
                "id",
                "email_address",
                "status",
                "timestamp_signup",
                "timestamp_opt",
                "last_changed",
                "merge_fields",
                "tags",
            )
        ),
    ]
)
"""The partial-response `fields` of an export page: what a member needs, nothing more."""


def utc_text(moment: dt.datetime) -> str:
    """Format an aware time as Mailchimp writes them (`2026-01-02T03:04:05+00:00`)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def parse_time(value: Any) -> dt.datetime | None:  # noqa: ANN401 - any JSON value
    """Parse a Mailchimp time; empty strings and absent values are None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _merge_value(value: AttributeValue) -> str | int | float:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return utc_text(value) if value.tzinfo else value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | str):
        return value
    return str(value)


def merge_fields(attributes: Mapping[str, AttributeValue]) -> dict[str, str | int | float]:
    """Return merge-field values from member attributes already named by merge tag.

    Missing values (None) are left out, so a sync never blanks a field Mailchimp holds. Booleans
    become "true"/"false" (Mailchimp has no boolean field), dates ISO 8601 text.
    """
    return {tag: _merge_value(value) for tag, value in attributes.items() if value is not None}


def _flatten(fields: Mapping[str, Any]) -> dict[str, AttributeValue]:
    flat: dict[str, AttributeValue] = {}
    for tag, value in fields.items():
        if isinstance(value, dict):
            for part, inner in value.items():
                if isinstance(inner, str | int | float) and inner != "":
                    flat[f"{tag}.{part}"] = inner
        elif isinstance(value, str | int | float) and value != "":
            flat[tag] = value
    return flat


def exported_member(data: Mapping[str, Any]) -> ExportedMember:
    """Return a member of an export page as an `ExportedMember`.

    `consent_at` is the opt-in time (or the signup time when there was none); `changed_at` the
    last change, which for an unsubscribed or cleaned member is when that happened. Address
    merge fields are flattened to `ADDRESS.city`-style names.
    """
    status = str(data.get("status") or "")
    email = data.get("email_address")
    tags = tuple(
        str(tag["name"])
        for tag in data.get("tags") or []
        if isinstance(tag, dict) and "name" in tag
    )
    return ExportedMember(
        email=str(email) if email else None,
        identifiers={"email": str(email)} if email else {},
        vendor_id=str(data["id"]) if data.get("id") else None,
        status=status,
        email_status=EMAIL_STATUS.get(status),
        consent_at=parse_time(data.get("timestamp_opt"))
        or parse_time(data.get("timestamp_signup")),
        changed_at=parse_time(data.get("last_changed")),
        tags=tags,
        fields=_flatten(data.get("merge_fields") or {}),
    )


def _property(value: Any) -> str:  # noqa: ANN401 - any JSON value
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def event_body(event: Event) -> dict[str, Any] | None:
    """Return the member-event body for `event`, or None when its name breaks Mailchimp's rule.

    Properties must be strings at Mailchimp: text stays, anything else is compact JSON. The
    value, currency and order id travel as properties too (`value`, `currency`, `order_id`).
    """
    if not EVENT_NAME.match(event.name):
        return None
    properties = {str(k): _property(v) for k, v in event.properties.items()}
    if event.value is not None:
        properties["value"] = str(event.value)
    if event.currency is not None:
        properties["currency"] = event.currency
    if event.order_id is not None:
        properties["order_id"] = event.order_id
    return {
        "name": event.name,
        "properties": properties,
        "occurred_at": utc_text(event.occurred_at),
        "is_syncing": False,
    }
