"""The Mailchimp emulator's base: its account state, vendor answers, auth and connection limit."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import itertools
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from freehold.connectors.mailchimp._emulator_state import (
    CampaignRecord,
    ListRecord,
    MemberRecord,
    MergeField,
    member_hash,
)
from freehold.core.emulator import Emulator, EmulatorRequest, EmulatorResponse, json_response

__all__ = [
    "EMULATOR_API_KEY",
    "EMULATOR_LIST_ID",
    "MAX_BATCH_MEMBERS",
    "MAX_CONNECTIONS",
    "MAX_COUNT",
    "MailchimpEmulatorBase",
]

EMULATOR_API_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0-us6"
"""The API key a fresh emulator accepts (data center `us6`)."""

EMULATOR_LIST_ID = "a1b2c3d4e5"
"""The id of the list a fresh emulator holds."""

MAX_BATCH_MEMBERS = 500
"""Members per `POST /lists/{list_id}` and per static-segment change."""

MAX_CONNECTIONS = 10
"""Simultaneous connections Mailchimp allows per API key."""

MAX_COUNT = 1000
"""The largest `count` of a collection page."""

ERROR_DOCS = "https://mailchimp.com/developer/marketing/docs/errors/"
_STRING_TYPES = {"text", "phone", "url", "imageurl", "radio", "dropdown", "zip", "date", "birthday"}


class MailchimpEmulatorBase(Emulator):
    """Mailchimp Marketing API 3.0, in memory.

    Args:
        api_keys: keys accepted (each `<32 hex>-<dc>`); a fresh emulator accepts
            `EMULATOR_API_KEY`.
        clock: returns the current time (tests pin it); defaults to the wall clock.
    """

    name: ClassVar[str] = "mailchimp"

    def __init__(
        self,
        *,
        api_keys: tuple[str, ...] = (EMULATOR_API_KEY,),
        clock: Callable[[], dt.datetime] | None = None,
        seed: int = 0,
        latency: float = 0.0,
        record_bodies: bool = True,
    ) -> None:
        super().__init__(seed=seed, latency=latency, record_bodies=record_bodies)
        self.api_keys = set(api_keys)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
        self.max_connections = MAX_CONNECTIONS
        self.lists: dict[str, ListRecord] = {}
        self.campaigns: dict[str, CampaignRecord] = {}
        self.in_flight: Counter[str] = Counter()
        self.peak_in_flight = 0
        self.confirmation_emails: list[str] = []
        self._ids = itertools.count(1)
        self.add_list(EMULATOR_LIST_ID, "Freehold emulator audience")

    # -- helpers for tests: the person, the vendor ----------------------------------------------

    def add_list(self, list_id: str, name: str) -> ListRecord:
        """Create a list with Mailchimp's default merge fields."""
        record = ListRecord(
            id=list_id, web_id=next(self._ids), name=name, date_created=self.clock()
        )
        for merge_id, (tag, label, kind) in enumerate(
            (
                ("FNAME", "First Name", "text"),
                ("LNAME", "Last Name", "text"),
                ("ADDRESS", "Address", "address"),
                ("PHONE", "Phone Number", "phone"),
                ("BIRTHDAY", "Birthday", "birthday"),
            ),
            start=1,
        ):
            record.merge_fields[tag] = MergeField(merge_id, tag, label, kind)
        self.lists[list_id] = record
        return record

    def add_merge_field(
        self,
        tag: str,
        kind: str = "text",
        *,
        required: bool = False,
        list_id: str = EMULATOR_LIST_ID,
    ) -> None:
        """Define a merge field on a list."""
        fields = self.lists[list_id].merge_fields
        fields[tag] = MergeField(len(fields) + 1, tag, tag.title(), kind, required)

    def add_member(
        self,
        email: str,
        status: str = "subscribed",
        *,
        list_id: str = EMULATOR_LIST_ID,
        merge_fields: dict[str, Any] | None = None,
    ) -> MemberRecord:
        """Put a member on a list directly, as if added in Mailchimp's own interface."""
        now = self.clock()
        member = MemberRecord(
            id=member_hash(email),
            email=email,
            status=status,
            web_id=next(self._ids),
            created=now,
            last_changed=now,
            merge_fields=dict(merge_fields or {}),
            timestamp_signup=now,
            timestamp_opt=now if status == "subscribed" else None,
        )
        self.lists[list_id].members[member.id] = member
        return member

    def unsubscribe(self, email: str, *, list_id: str = EMULATOR_LIST_ID) -> None:
        """The person clicks "unsubscribe" in an email."""
        member = self.lists[list_id].members[member_hash(email)]
        member.set_status("unsubscribed", self.clock())
        member.unsubscribe_reason = "Unspecified"

    def bounce(self, email: str, *, list_id: str = EMULATOR_LIST_ID) -> None:
        """The address hard-bounces: Mailchimp cleans it."""
        self.lists[list_id].members[member_hash(email)].set_status("cleaned", self.clock())

    def record_activity(self, campaign_id: str, **counts: int) -> None:
        """Set report figures of a sent campaign (`opens`, `clicks`, `hard_bounces`, ...)."""
        self.campaigns[campaign_id].activity.update(counts)

    def member(self, email: str, *, list_id: str = EMULATOR_LIST_ID) -> MemberRecord | None:
        """Return the member record for `email`, archived ones included."""
        return self.lists[list_id].members.get(member_hash(email))

    def tag_members(self, tag: str, *, list_id: str = EMULATOR_LIST_ID) -> set[str]:
        """Return the addresses (lowercased) of live members carrying `tag`."""
        record = self.lists[list_id]
        found: set[str] = set()
        for segment in record.segments.values():
            if segment.name == tag:
                found |= {
                    record.members[m].email.lower() for m in segment.member_ids if record.live(m)
                }
        return found

    def state(self) -> dict[str, Any]:
        """Return every list's members (status, fields, tags) and every campaign, as plain data."""
        return {
            "lists": {
                list_id: {
                    "members": {
                        m.email.lower(): {
                            "status": m.status,
                            "merge_fields": dict(m.merge_fields),
                            "tags": sorted(t["name"] for t in record.tags_of(m.id)),
                            "events": list(m.events),
                        }
                        for m in record.members.values()
                    },
                    "tags": {s.name: s.id for s in record.segments.values()},
                    "forgotten": sorted(record.forgotten),
                }
                for list_id, record in self.lists.items()
            },
            "campaigns": {
                c.id: {"status": c.status, "sent_to": sorted(c.sent_to)}
                for c in self.campaigns.values()
            },
        }

    # -- vendor shapes --------------------------------------------------------------------------

    def problem(
        self, status: int, title: str, detail: str, *, errors: list[dict[str, str]] | None = None
    ) -> EmulatorResponse:
        """Return Mailchimp's problem JSON."""
        body: dict[str, Any] = {
            "type": ERROR_DOCS,
            "title": title,
            "status": status,
            "detail": detail,
            "instance": str(uuid.UUID(int=self.rng.getrandbits(128))),
        }
        if errors is not None:
            body["errors"] = errors
        return json_response(body, status, media_type="application/problem+json")

    def invalid(self, detail: str, field: str = "", message: str = "") -> EmulatorResponse:
        """Return 400 Invalid Resource with one field error."""
        return self.problem(
            400, "Invalid Resource", detail, errors=[{"field": field, "message": message or detail}]
        )

    def authenticate(self, request: EmulatorRequest) -> EmulatorResponse | None:
        """Accept HTTP Basic (any username) with a known key whose data center is the host's."""
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return self.problem(401, "API Key Missing", "Your request did not include an API key.")
        try:
            _, _, key = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            key = ""
        host = request.headers.get("host", "").split(":")[0]
        wrong_dc = host.endswith(".api.mailchimp.com") and not key.endswith(
            "-" + host.split(".")[0]
        )
        if key not in self.api_keys or wrong_dc:
            return self.problem(
                401,
                "API Key Invalid",
                "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
            )
        return None

    def throttle_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer 429 problem JSON; Mailchimp sends no Retry-After."""
        return self.problem(
            429,
            "Too Many Requests",
            f"You have exceeded the limit of {self.max_connections} simultaneous connections.",
        )

    def server_error_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer 500 problem JSON."""
        return self.problem(
            500, "Internal Server Error", "An unexpected internal error has occurred."
        )

    def not_found_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer 404 problem JSON."""
        return self.problem(404, "Resource Not Found", "The requested resource could not be found.")

    async def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Count simultaneous requests per credential; beyond the limit answer 429."""
        key = request.headers.get("authorization", "")
        with self._lock:
            self.in_flight[key] += 1
            over = self.in_flight[key] > self.max_connections
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight[key])
        try:
            if over:
                self.counters["throttled"] += 1
                return self.throttle_response(request)
            return await super().handle(request)
        finally:
            with self._lock:
                self.in_flight[key] -= 1

    # -- small shared steps -------------------------------------------------------------------

    def _list(self, request: EmulatorRequest) -> ListRecord | None:
        return self.lists.get(request.path_params["list_id"])

    def _page(self, request: EmulatorRequest) -> tuple[int, int] | EmulatorResponse:
        try:
            count = int(request.arg("count", "10") or "10")
            offset = int(request.arg("offset", "0") or "0")
        except ValueError:
            return self.invalid("count and offset must be integers.", "count")
        if count > MAX_COUNT or count < 0 or offset < 0:
            return self.invalid(
                f"count must be between 0 and {MAX_COUNT}; offset must not be negative.", "count"
            )
        return count, offset

    def _body(self, request: EmulatorRequest) -> dict[str, Any] | EmulatorResponse:
        try:
            body = request.json()
        except ValueError:
            return self.problem(
                400, "JSON Parse Error", "We encountered an unspecified JSON parsing error."
            )
        if not isinstance(body, dict):
            return self.invalid("The request body must be an object.")
        return body

    def _merge_errors(
        self,
        record: ListRecord,
        values: object,
        *,
        new: bool,
        skip: bool,
    ) -> list[dict[str, str]]:
        if not isinstance(values, dict):
            return [{"field": "merge_fields", "message": "Schema describes object"}]
        errors = []
        for tag, value in values.items():
            definition = record.merge_fields.get(tag)
            if definition is None:
                errors.append({"field": tag, "message": "This merge field does not exist."})
            elif definition.type == "number" and not isinstance(value, int | float):
                errors.append({"field": tag, "message": "Please enter a number"})
            elif definition.type in _STRING_TYPES and not isinstance(value, str | int | float):
                errors.append({"field": tag, "message": "Please enter a value"})
        if new and not skip:
            errors.extend(
                {"field": d.tag, "message": "Please enter a value"}
                for d in record.merge_fields.values()
                if d.required and not values.get(d.tag)
            )
        return errors
