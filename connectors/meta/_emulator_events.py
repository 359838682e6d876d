"""The emulator's Conversions API: whole-request validation, deduplication and test events.

One invalid event rejects the whole request, as Meta does; the error names the event's index
and the parameter, never a value. Events with the same `event_name` and `event_id` within 48
hours are deduplicated (the first one kept).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from freehold.connectors.meta._emulator_wire import (
    HASHED_USER_DATA_KEYS,
    BadRequest,
    graph_error,
    is_digest,
    is_ip,
    structured,
)

__all__ = ["MAX_EVENTS", "Pixel"]

MAX_EVENTS = 1_000
MAX_AGE_SECONDS = 7 * 24 * 3600
DEDUP_SECONDS = 48 * 3600
FUTURE_SLACK_SECONDS = 60
ACTION_SOURCES = frozenset(
    {
        "email",
        "website",
        "app",
        "phone_call",
        "chat",
        "physical_store",
        "system_generated",
        "business_messaging",
        "other",
    }
)
_CLEAR_KEYS = frozenset(
    {
        "client_ip_address",
        "client_user_agent",
        "fbc",
        "fbp",
        "external_id",
        "subscription_id",
        "fb_login_id",
        "lead_id",
        "anon_id",
        "madid",
        "page_id",
        "page_scoped_user_id",
        "ctwa_clid",
        "ig_account_id",
        "ig_sid",
    }
)
_BROWSER_ID = re.compile(r"^fb\.\d\.\d{10,13}\.\S+$")


def _invalid(index: int, path: str, problem: str, *, subcode: int = 2804019) -> BadRequest:
    return BadRequest(
        graph_error(
            100,
            "Invalid parameter",
            subcode=subcode,
            title="Server-side API parameter error",
            user_message=f"The parameter $['data'][{index}]{path} {problem}.",
        )
    )


def _values(raw: Any) -> list[Any] | None:  # noqa: ANN401 - a JSON value
    if isinstance(raw, list):
        return raw
    if isinstance(raw, str):
        return [raw]
    return None


def _check_user_data(index: int, user: Any, *, website: bool) -> None:  # noqa: ANN401
    if not isinstance(user, dict) or not user:
        raise _invalid(index, "['user_data']", "needs at least one customer information parameter")
    for key, raw in user.items():
        path = f"['user_data']['{key}']"
        if key in HASHED_USER_DATA_KEYS:
            values = _values(raw)
            if values is None or not all(isinstance(v, str) and is_digest(v) for v in values):
                raise _invalid(index, path, "is not hashed", subcode=2804016)
        elif key == "client_ip_address":
            if not isinstance(raw, str) or not is_ip(raw):
                raise _invalid(index, path, "is not an IP address")
        elif key in ("fbc", "fbp"):
            if not isinstance(raw, str) or not _BROWSER_ID.match(raw):
                raise _invalid(index, path, "is not in the fb.<n>.<time>.<id> format")
        elif key not in _CLEAR_KEYS:
            raise _invalid(index, path, "is not a customer information parameter")
    if website and not user.get("client_user_agent"):
        raise _invalid(index, "['user_data']['client_user_agent']", "is required for website")


def _check_event(index: int, event: Any, now: float) -> None:  # noqa: ANN401
    if not isinstance(event, dict):
        raise _invalid(index, "", "must be an object")
    name = event.get("event_name")
    if not isinstance(name, str) or not name:
        raise _invalid(index, "['event_name']", "is required")
    when = event.get("event_time")
    if when is None:
        raise _invalid(index, "['event_time']", "is required")
    try:
        seconds = int(when)
    except (TypeError, ValueError) as exc:
        raise _invalid(index, "['event_time']", "must be a Unix time in seconds") from exc
    if seconds < now - MAX_AGE_SECONDS:
        raise _invalid(index, "['event_time']", "is more than 7 days old", subcode=2804003)
    if seconds > now + FUTURE_SLACK_SECONDS:
        raise _invalid(index, "['event_time']", "is in the future")
    source = event.get("action_source")
    if source not in ACTION_SOURCES:
        raise _invalid(index, "['action_source']", "is missing or not a known action source")
    website = source == "website"
    if website and not event.get("event_source_url"):
        raise _invalid(index, "['event_source_url']", "is required for website events")
    _check_user_data(index, event.get("user_data"), website=website)
    options = event.get("data_processing_options")
    if options is not None and (not isinstance(options, list) or set(options) - {"LDU"}):
        raise _invalid(index, "['data_processing_options']", "must be [] or ['LDU']")
    custom = event.get("custom_data")
    if custom is not None and not isinstance(custom, dict):
        raise _invalid(index, "['custom_data']", "must be an object")


@dataclass
class Pixel:
    """One pixel (dataset): the events it received, kept or deduplicated, and test events."""

    id: str
    clock: Callable[[], float]
    events: list[dict[str, Any]] = field(default_factory=list)
    deduplicated: list[dict[str, Any]] = field(default_factory=list)
    test_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    poisoned: set[str] = field(default_factory=set)
    _seen: dict[tuple[str, str], float] = field(default_factory=dict)

    def receive(self, params: dict[str, Any]) -> dict[str, Any]:
        """Validate and record one `/events` request; return Meta's answer.

        Raises:
            BadRequest: the request (or any event in it) is invalid.
        """
        data = params.get("data")
        if not isinstance(data, list) or not data:
            raise BadRequest(graph_error(100, "(#100) The parameter data is required"))
        if len(data) > MAX_EVENTS:
            raise BadRequest(
                graph_error(100, f"(#100) Too many events: the limit is {MAX_EVENTS} a request")
            )
        events = [structured(item) for item in data]
        now = self.clock()
        for index, event in enumerate(events):
            _check_event(index, event, now)
            if isinstance(event, dict) and str(event.get("event_id")) in self.poisoned:
                raise _invalid(index, "['custom_data']", "is invalid")
        test_code = params.get("test_event_code")
        if isinstance(test_code, str) and test_code:
            self.test_events.setdefault(test_code, []).extend(events)
        else:
            for event in events:
                self._keep(event, now)
        return {"events_received": len(events), "messages": [], "fbtrace_id": "EmuEvents"}

    def _keep(self, event: dict[str, Any], now: float) -> None:
        event_id = event.get("event_id")
        if isinstance(event_id, str | int) and str(event_id):
            key = (str(event["event_name"]), str(event_id))
            first = self._seen.get(key)
            if first is not None and now - first <= DEDUP_SECONDS:
                self.deduplicated.append(event)
                return
            self._seen[key] = now
        self.events.append(event)
