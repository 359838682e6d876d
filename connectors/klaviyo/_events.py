"""Klaviyo events built from neutral ones: metric names, properties, the bulk job document.

A neutral event name freehold knows becomes the metric Klaviyo's own integrations use (so its
flows and reports recognise it); any other name is the metric name itself. `event_id` is the
`unique_id`, Klaviyo's deduplication key per profile and metric: without it two events of one
profile and metric in the same second would collapse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import JsonValue

from freehold.core.models import Event, EventName

__all__ = [
    "MAX_PROPERTIES",
    "METRIC_NAMES",
    "event_job",
    "event_problem",
    "event_profile",
    "event_resource",
    "metric_name",
]

METRIC_NAMES: dict[str, str] = {
    EventName.PAGE_VIEW: "Viewed Page",
    EventName.VIEW_ITEM: "Viewed Product",
    EventName.SEARCH: "Searched Site",
    EventName.ADD_TO_CART: "Added to Cart",
    EventName.BEGIN_CHECKOUT: "Started Checkout",
    EventName.PURCHASE: "Placed Order",
    EventName.SIGN_UP: "Created Account",
    EventName.SUBSCRIBE: "Subscribed",
    EventName.START_TRIAL: "Started Trial",
    EventName.LEAD: "Became Lead",
    EventName.CONTACT: "Contacted",
    EventName.REFERRAL: "Referred",
    EventName.REVIEW: "Submitted Review",
    EventName.SHARE: "Shared",
    EventName.ADD_PAYMENT_INFO: "Added Payment Info",
}
"""Neutral event name → Klaviyo metric name (others are sent under their own name)."""

MAX_PROPERTIES = 400
"""Properties per event."""
_MAX_METRIC = 127
_EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)


def metric_name(name: str) -> str:
    """Return the Klaviyo metric for a neutral event name."""
    return METRIC_NAMES.get(name, name)


def event_profile(event: Event) -> dict[str, str]:
    """Return the profile identifiers Klaviyo matches on (email, E.164 phone, external id)."""
    ids = event.identifiers
    if ids is None:
        return {}
    found = {"email": ids.email, "phone_number": ids.phone, "external_id": ids.external_id}
    return {name: value for name, value in found.items() if value}


def _properties(event: Event) -> dict[str, JsonValue]:
    properties: dict[str, JsonValue] = dict(event.properties)
    if event.order_id is not None:
        properties["order_id"] = event.order_id
    if event.items:
        properties["items"] = [
            {
                "item_id": item.item_id,
                "quantity": item.quantity,
                **({"price": float(item.price)} if item.price is not None else {}),
                **({"name": item.name} if item.name else {}),
            }
            for item in event.items
        ]
    return properties


def event_problem(event: Event, *, now: dt.datetime) -> tuple[str, str] | None:
    """Return (code, reason) when Klaviyo would refuse `event`, else None."""
    if not event_profile(event):
        return "missing_identifier", "no email, phone or external id"
    if len(metric_name(event.name)) > _MAX_METRIC:
        return "invalid_metric", "metric name over 127 characters"
    if len(_properties(event)) > MAX_PROPERTIES:
        return "too_many_properties", "over 400 properties"
    if not _EARLIEST <= event.occurred_at <= now + dt.timedelta(days=365):
        return "invalid_time", "time must be after 1990 and at most a year ahead"
    return None


def event_resource(event: Event) -> dict[str, Any]:
    """Return one `event` resource of a bulk job (its profile is given by the entry)."""
    attributes: dict[str, Any] = {
        "properties": _properties(event),
        "time": event.occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "unique_id": event.event_id,
        "metric": {"data": {"type": "metric", "attributes": {"name": metric_name(event.name)}}},
    }
    if event.value is not None:
        attributes["value"] = float(event.value)
        attributes["value_currency"] = event.currency
    return {"type": "event", "attributes": attributes}


def event_job(events: Sequence[Event]) -> dict[str, Any]:
    """Return an event bulk create job: one entry per profile, its events in order."""
    entries: dict[tuple[tuple[str, str], ...], list[Event]] = {}
    for event in events:
        entries.setdefault(tuple(sorted(event_profile(event).items())), []).append(event)
    data = [
        {
            "type": "event-bulk-create",
            "attributes": {
                "profile": {"data": {"type": "profile", "attributes": dict(profile)}},
                "events": {"data": [event_resource(e) for e in grouped]},
            },
        }
        for profile, grouped in entries.items()
    ]
    return {
        "data": {
            "type": "event-bulk-create-job",
            "attributes": {"events-bulk-create": {"data": data}},
        }
    }
