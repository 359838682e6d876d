"""Klaviyo profiles read back as `ExportedMember`s: consent and suppression onto freehold's.

Klaviyo keeps consent (`subscriptions.email.marketing.consent`) apart from suppression
(`suppression[{reason, timestamp}]`). A suppressed profile cannot be emailed whatever its
consent: a bounce or invalid address maps to no status (as Mailchimp's `cleaned`), an
unsubscribe, spam complaint or manual suppression to `unsubscribed`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from freehold.core.capabilities import ExportedMember
from freehold.core.models import AttributeValue, EmailStatus

__all__ = ["CONSENT_STATUS", "SUPPRESSION_STATUS", "exported_profile", "filter_time", "parse_time"]

CONSENT_STATUS: dict[str, EmailStatus | None] = {
    "SUBSCRIBED": EmailStatus.SUBSCRIBED,
    "UNSUBSCRIBED": EmailStatus.UNSUBSCRIBED,
    "NEVER_SUBSCRIBED": None,
}
"""Klaviyo email marketing consent → freehold's; None is "not to be emailed for marketing"."""

SUPPRESSION_STATUS: dict[str, EmailStatus | None] = {
    "UNSUBSCRIBE": EmailStatus.UNSUBSCRIBED,
    "SPAM_COMPLAINT": EmailStatus.UNSUBSCRIBED,
    "USER_SUPPRESSED": EmailStatus.UNSUBSCRIBED,
    "HARD_BOUNCE": None,
    "INVALID_EMAIL": None,
}
"""Suppression reason → freehold's status (a bounce is not a choice of the person)."""


def parse_time(value: Any) -> dt.datetime | None:  # noqa: ANN401 - any JSON value
    """Return an ISO 8601 time from Klaviyo as an aware datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def filter_time(when: dt.datetime) -> str:
    """Return `when` as a filter operand (UTC, seconds, `Z`)."""
    utc = when.astimezone(dt.UTC).replace(microsecond=0)
    return utc.isoformat().replace("+00:00", "Z")


def _fields(properties: Any) -> dict[str, AttributeValue]:  # noqa: ANN401 - any JSON value
    if not isinstance(properties, dict):
        return {}
    return {
        str(name): value
        for name, value in properties.items()
        if isinstance(value, str | int | float | bool) or value is None
    }


def exported_profile(resource: Mapping[str, Any]) -> ExportedMember:
    """Return a profile resource (read with `additional-fields[profile]=subscriptions`).

    `status` is Klaviyo's consent word in lower case, or `suppressed:<reason>`; `consent_at` the
    consent time; `changed_at` the suppression time, else the consent's last update, else the
    profile's. Custom properties with scalar values become `fields` (nested ones are left out).
    """
    attributes = resource.get("attributes") or {}
    marketing = ((attributes.get("subscriptions") or {}).get("email") or {}).get("marketing") or {}
    consent = str(marketing.get("consent") or "NEVER_SUBSCRIBED")
    suppressions = [s for s in marketing.get("suppression") or [] if isinstance(s, dict)]
    if suppressions:
        reason = str(suppressions[0].get("reason") or "USER_SUPPRESSED")
        status = f"suppressed:{reason.lower()}"
        email_status = SUPPRESSION_STATUS.get(reason, EmailStatus.UNSUBSCRIBED)
        changed = parse_time(suppressions[0].get("timestamp"))
    else:
        status = consent.lower()
        email_status = CONSENT_STATUS.get(consent)
        changed = None
    email = attributes.get("email")
    return ExportedMember(
        email=str(email) if email else None,
        identifiers={"email": str(email)} if email else {},
        vendor_id=str(resource["id"]) if resource.get("id") else None,
        status=status,
        email_status=email_status,
        consent_at=parse_time(marketing.get("consent_timestamp")),
        changed_at=changed
        or parse_time(marketing.get("last_updated"))
        or parse_time(attributes.get("updated")),
        fields=_fields(attributes.get("properties")),
    )
