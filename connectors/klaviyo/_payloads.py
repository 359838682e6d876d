"""Klaviyo JSON:API documents built from neutral rows, and what is read back from profiles."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from freehold.core.models import AttributeValue

__all__ = [
    "email_filter",
    "encoded_size",
    "held_consent",
    "profile_resource",
    "subscription_job",
]


def email_filter(emails: Iterable[str]) -> str:
    """Return the `any(email,[...])` filter for a page of addresses."""
    quoted = ",".join(json.dumps(email) for email in emails)
    return f"any(email,[{quoted}])"


def encoded_size(document: Mapping[str, Any]) -> int:
    """Return the size of `document` as sent (compact JSON)."""
    return len(json.dumps(document, separators=(",", ":")).encode())


def _json_value(value: AttributeValue) -> Any:  # noqa: ANN401 - a JSON value
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return value.isoformat()


def profile_resource(
    email: str, attributes: Mapping[str, AttributeValue], names: Mapping[str, str]
) -> dict[str, Any]:
    """Return one `profile` resource: the address and mapped custom properties."""
    resource: dict[str, Any] = {"type": "profile", "attributes": {"email": email}}
    if attributes:
        resource["attributes"]["properties"] = {
            names.get(name, name): _json_value(value) for name, value in attributes.items()
        }
    return resource


def subscription_job(
    kind: str, emails: Iterable[str], consent: str, *, list_id: str | None = None
) -> dict[str, Any]:
    """Return a subscription bulk create or delete job for `emails`."""
    profiles = [
        {
            "type": "profile",
            "attributes": {
                "email": email,
                "subscriptions": {"email": {"marketing": {"consent": consent}}},
            },
        }
        for email in emails
    ]
    attributes: dict[str, Any] = {"profiles": {"data": profiles}}
    if kind == "profile-subscription-bulk-create-job":
        attributes["custom_source"] = "freehold"
    data: dict[str, Any] = {"type": kind, "attributes": attributes}
    if list_id is not None:
        data["relationships"] = {"list": {"data": {"type": "list", "id": list_id}}}
    return {"data": data}


def held_consent(profile: Mapping[str, Any]) -> str | None:
    """Return `UNSUBSCRIBED`, `SUPPRESSED`, `SUBSCRIBED` or None for a profile read back."""
    marketing = (
        (((profile.get("attributes") or {}).get("subscriptions") or {}).get("email") or {}).get(
            "marketing"
        )
    ) or {}
    if marketing.get("suppression"):
        return "SUPPRESSED"
    consent = marketing.get("consent")
    return str(consent) if isinstance(consent, str) else None
