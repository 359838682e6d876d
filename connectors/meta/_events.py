"""Conversions API events: neutral events → Meta server events, checked before sending.

Meta rejects a whole request when any event in it is invalid, so each event is checked first
(age within 7 days, not in the future, `action_source`, and for website events the user agent
and source URL). Contact information is normalized and hashed by the `meta` identity profile;
click ids, IP address, user agent and the mobile ad id go in clear, as Meta requires.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from freehold.connectors.meta._config import MetaConfig
from freehold.core.identity import Hashing, get_profile, hash_identifier, normalize
from freehold.core.models import ActionSource, Event

__all__ = [
    "ACTION_SOURCES",
    "EVENT_NAMES",
    "LDU_PROPERTY",
    "MAX_AGE",
    "MAX_EVENTS",
    "USER_DATA_KEYS",
    "encode_event",
    "encode_events",
    "event_problem",
]

MAX_EVENTS = 1_000
"""Meta accepts at most 1,000 events per `/events` request."""

MAX_AGE = dt.timedelta(days=7)
"""An event older than this makes Meta reject the whole request (subcode 2804003)."""

_FUTURE_SLACK = dt.timedelta(minutes=1)
_BROWSER_ID = re.compile(r"^fb\.\d\.\d{10,13}\.\S+$")
"""`fbc` and `fbp`: `fb.{subdomain_index}.{creation_time_ms}.{id}`."""

EVENT_NAMES: Mapping[str, str] = {
    "page_view": "PageView",
    "view_item": "ViewContent",
    "search": "Search",
    "add_to_cart": "AddToCart",
    "begin_checkout": "InitiateCheckout",
    "add_payment_info": "AddPaymentInfo",
    "purchase": "Purchase",
    "lead": "Lead",
    "sign_up": "CompleteRegistration",
    "subscribe": "Subscribe",
    "start_trial": "StartTrial",
    "contact": "Contact",
}
"""Neutral event names → Meta standard events; other names are sent as custom events."""

ACTION_SOURCES: Mapping[ActionSource, str] = {
    ActionSource.WEB: "website",
    ActionSource.APP: "app",
    ActionSource.STORE: "physical_store",
    ActionSource.CRM: "system_generated",
    ActionSource.PHONE: "phone_call",
    ActionSource.EMAIL: "email",
    ActionSource.CHAT: "chat",
    ActionSource.OTHER: "other",
}

USER_DATA_KEYS: Mapping[str, str] = {
    "email": "em",
    "phone": "ph",
    "first_name": "fn",
    "last_name": "ln",
    "city": "ct",
    "region": "st",
    "postal_code": "zp",
    "country": "country",
    "date_of_birth": "db",
    "gender": "ge",
    "external_id": "external_id",
}
"""Neutral identifier → `user_data` key; values are lists, as the SDK sends them."""

_CUSTOM_PROPERTIES = frozenset(
    {
        "content_name",
        "content_category",
        "content_type",
        "search_string",
        "status",
        "predicted_ltv",
        "delivery_category",
        "net_revenue",
    }
)
"""Event properties passed on in `custom_data`; nothing else leaves."""

LDU_PROPERTY = "limited_data_use"
"""An event property; `true` flags that event for Limited Data Use (a person's opt-out)."""


_HASHED_FOR_CAPI = frozenset({"date_of_birth"})
"""Fields the audience profile keeps clear but the Conversions API wants hashed (`db`)."""


def _prepared(field: str, value: str | dt.date, country: str | None) -> str | None:
    """Return what Meta receives for `field`: normalized, and hashed where Meta hashes it."""
    profile = get_profile("meta")
    if field in _HASHED_FOR_CAPI or profile.hashed_fields.get(field) is Hashing.HASH:
        return hash_identifier(field, value, profile, country=country)
    return normalize(field, value, profile, country=country)


def _user_data(event: Event) -> dict[str, Any]:
    user: dict[str, Any] = {}
    ids = event.identifiers
    country = ids.country if ids is not None else None
    if ids is not None:
        for field, key in USER_DATA_KEYS.items():
            raw = getattr(ids, field)
            if raw is None:
                continue
            prepared = _prepared(field, raw, country)
            if prepared:
                user[key] = [prepared]
        if ids.mobile_ad_id:
            madid = _prepared("mobile_ad_id", ids.mobile_ad_id, country)
            if madid:
                user["madid"] = madid
    if "external_id" not in user and event.contact_id:
        prepared = _prepared("external_id", event.contact_id, country)
        if prepared:
            user["external_id"] = [prepared]
    if event.client_ip is not None:
        user["client_ip_address"] = str(event.client_ip)
    if event.user_agent:
        user["client_user_agent"] = event.user_agent
    if event.click_ids.fbc:
        user["fbc"] = event.click_ids.fbc
    if event.click_ids.fbp:
        user["fbp"] = event.click_ids.fbp
    return user


def event_problem(event: Event, now: dt.datetime) -> str | None:
    """Return why Meta would refuse `event` (and with it the whole request), or None."""
    if event.occurred_at < now - MAX_AGE:
        return "older than 7 days: Meta would refuse the whole request"
    if event.occurred_at > now + _FUTURE_SLACK:
        return "occurs in the future"
    for name in ("fbc", "fbp"):
        value = getattr(event.click_ids, name)
        if value is not None and not _BROWSER_ID.match(value):
            return f"{name} is not in Meta's fb.<n>.<time>.<id> format"
    if event.action_source is ActionSource.WEB:
        if not event.user_agent:
            return "a website event needs the client user agent"
        if not event.source_url:
            return "a website event needs the source URL"
    return None


def _custom_data(event: Event) -> dict[str, Any]:
    custom: dict[str, Any] = {}
    if event.value is not None and event.currency is not None:
        custom["value"] = float(event.value)
        custom["currency"] = event.currency.lower()
    if event.order_id:
        custom["order_id"] = event.order_id
    if event.items:
        custom["contents"] = [
            {
                "id": item.item_id,
                "quantity": item.quantity,
                **({"item_price": float(item.price)} if item.price is not None else {}),
            }
            for item in event.items
        ]
        custom["content_ids"] = [item.item_id for item in event.items]
        custom["num_items"] = sum(item.quantity for item in event.items)
        custom.setdefault("content_type", "product")
    for key in sorted(_CUSTOM_PROPERTIES & event.properties.keys()):
        custom[key] = event.properties[key]
    return custom


def encode_event(event: Event, config: MetaConfig) -> dict[str, Any] | None:
    """Return Meta's server event for `event`, or None when it has nothing to match on."""
    user = _user_data(event)
    matchable = {k for k in user if k not in ("client_user_agent",)}
    if not matchable:
        return None
    wire: dict[str, Any] = {
        "event_name": EVENT_NAMES.get(event.name, event.name),
        "event_time": int(event.occurred_at.timestamp()),
        "event_id": event.event_id,
        "action_source": ACTION_SOURCES[event.action_source],
        "user_data": user,
    }
    if event.source_url:
        wire["event_source_url"] = event.source_url
    custom = _custom_data(event)
    if custom:
        wire["custom_data"] = custom
    if config.limited_data_use or event.properties.get(LDU_PROPERTY) is True:
        wire["data_processing_options"] = ["LDU"]
        wire["data_processing_options_country"] = config.ldu_country
        wire["data_processing_options_state"] = config.ldu_state
    else:
        wire["data_processing_options"] = []
    return wire


def encode_events(
    events: Sequence[Event], config: MetaConfig, now: dt.datetime
) -> tuple[list[dict[str, Any]], list[int], dict[int, str]]:
    """Encode the events Meta would accept; return (wire events, their indexes, refusals)."""
    wire: list[dict[str, Any]] = []
    positions: list[int] = []
    refused: dict[int, str] = {}
    for index, event in enumerate(events):
        problem = event_problem(event, now)
        encoded = None if problem else encode_event(event, config)
        if problem is None and encoded is None:
            problem = "no customer information Meta can match on"
        if problem is not None or encoded is None:
            refused[index] = problem or "not encodable"
            continue
        wire.append(encoded)
        positions.append(index)
    return wire, positions, refused
