"""The Mailchimp emulator's account: lists, members, tags, campaigns, and the vendor's rules.

Mailchimp's own rules live here as plain functions and data so the routes stay thin:

- a member is keyed per list by the MD5 of its lowercased address (Mailchimp computes it itself;
  this is the vendor's side, so it does not use freehold's identity kit);
- an unsubscribed or cleaned member cannot be set to `subscribed` ("Member In Compliance
  State"); `pending` re-subscribes an unsubscribed one by sending a confirmation email;
- a permanently deleted address can never be added to that list again ("Forgotten Email Not
  Subscribed");
- archived members keep their last status and are re-added by a later add, under the same
  compliance rule (our choice: Mailchimp does not document it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BLOCKED_STATUSES",
    "CampaignRecord",
    "ListRecord",
    "MemberRecord",
    "MergeField",
    "SegmentRecord",
    "compliance_refusal",
    "iso",
    "member_hash",
    "parse_time",
    "project",
    "valid_email",
]

BLOCKED_STATUSES = frozenset({"unsubscribed", "cleaned"})
"""Statuses Mailchimp will not turn back to `subscribed` through the API."""

WRITE_STATUSES = frozenset({"subscribed", "unsubscribed", "cleaned", "pending", "transactional"})
"""Statuses a client may write."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def member_hash(email_or_hash: str) -> str:
    """Return the member key for an address (MD5 of its lowercased form), or a hash as given."""
    if "@" not in email_or_hash:
        return email_or_hash.lower()
    return hashlib.md5(email_or_hash.lower().encode(), usedforsecurity=False).hexdigest()


def valid_email(email: str) -> bool:
    """Say whether Mailchimp would accept `email` as an address (a plausible shape)."""
    return bool(_EMAIL.match(email))


def iso(moment: dt.datetime) -> str:
    """Format a time the way Mailchimp does (`2026-01-02T03:04:05+00:00`)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def parse_time(text: str) -> dt.datetime:
    """Parse an ISO 8601 time from a query or body; naive times are UTC.

    Raises:
        ValueError: the text is not an ISO 8601 time.
    """
    moment = dt.datetime.fromisoformat(text.strip().replace(" ", "+").replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def compliance_refusal(current: str | None, wanted: str) -> bool:
    """Say whether Mailchimp refuses to move a member from `current` to `wanted`.

    An unsubscribed member may only come back through `pending` (a confirmation email); a
    cleaned (bounced) one cannot be subscribed at all.
    """
    if current == "cleaned":
        return wanted in ("subscribed", "pending")
    if current == "unsubscribed":
        return wanted == "subscribed"
    return False


@dataclass(slots=True)
class MergeField:
    """One merge field definition of a list."""

    merge_id: int
    tag: str
    name: str
    type: str
    required: bool = False


@dataclass(slots=True)
class MemberRecord:
    """One member of one list, as Mailchimp holds it."""

    id: str
    email: str
    status: str
    web_id: int
    created: dt.datetime
    last_changed: dt.datetime
    merge_fields: dict[str, Any] = field(default_factory=dict)
    timestamp_signup: dt.datetime | None = None
    timestamp_opt: dt.datetime | None = None
    archived_status: str | None = None
    unsubscribe_reason: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def archived(self) -> bool:
        """Say whether the member is archived (soft-removed)."""
        return self.status == "archived"

    @property
    def effective_status(self) -> str:
        """Return the status compliance rules judge: the last one before archiving."""
        return (self.archived_status or self.status) if self.archived else self.status

    def set_status(self, status: str, now: dt.datetime) -> None:
        """Move to `status`, stamping the opt-in time when the member becomes subscribed."""
        if status == self.status:
            return
        self.status = status
        self.archived_status = None
        if status == "subscribed":
            self.timestamp_opt = now
            self.unsubscribe_reason = None
        elif status == "pending":
            self.timestamp_signup = now
        elif status == "unsubscribed":
            self.unsubscribe_reason = "N/A (Unsubscribed by admin)"
        self.last_changed = now


@dataclass(slots=True)
class SegmentRecord:
    """A static segment; Mailchimp's tags are static segments."""

    id: int
    name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    member_ids: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ListRecord:
    """One Mailchimp audience (list) with its members, merge fields and segments."""

    id: str
    web_id: int
    name: str
    date_created: dt.datetime
    members: dict[str, MemberRecord] = field(default_factory=dict)
    merge_fields: dict[str, MergeField] = field(default_factory=dict)
    segments: dict[int, SegmentRecord] = field(default_factory=dict)
    forgotten: set[str] = field(default_factory=set)

    def live(self, member_id: str) -> MemberRecord | None:
        """Return the member if it is on the list and not archived."""
        member = self.members.get(member_id)
        return member if member is not None and not member.archived else None

    def tags_of(self, member_id: str) -> list[dict[str, Any]]:
        """Return the member's tags as `{id, name}` objects."""
        return [
            {"id": seg.id, "name": seg.name}
            for seg in self.segments.values()
            if member_id in seg.member_ids
        ]

    def render_member(self, member: MemberRecord) -> dict[str, Any]:
        """Return the member resource as Mailchimp answers it."""
        tags = self.tags_of(member.id)
        body: dict[str, Any] = {
            "id": member.id,
            "email_address": member.email,
            "unique_email_id": member.id[:10],
            "contact_id": member.id[-12:],
            "full_name": " ".join(
                str(member.merge_fields[k])
                for k in ("FNAME", "LNAME")
                if member.merge_fields.get(k)
            ),
            "web_id": member.web_id,
            "email_type": "html",
            "status": member.status,
            "merge_fields": dict(member.merge_fields),
            "interests": {},
            "ip_signup": "",
            "ip_opt": "",
            "member_rating": 2,
            "last_changed": iso(member.last_changed),
            "language": "",
            "vip": False,
            "source": "API - Generic",
            "tags_count": len(tags),
            "tags": tags,
            "list_id": self.id,
        }
        if member.timestamp_signup is not None:
            body["timestamp_signup"] = iso(member.timestamp_signup)
        if member.timestamp_opt is not None:
            body["timestamp_opt"] = iso(member.timestamp_opt)
        if member.unsubscribe_reason and member.status == "unsubscribed":
            body["unsubscribe_reason"] = member.unsubscribe_reason
        return body

    def render(self) -> dict[str, Any]:
        """Return the list resource."""
        counts = {"subscribed": 0, "unsubscribed": 0, "cleaned": 0}
        for member in self.members.values():
            if member.status in counts:
                counts[member.status] += 1
        return {
            "id": self.id,
            "web_id": self.web_id,
            "name": self.name,
            "date_created": iso(self.date_created),
            "double_optin": False,
            "visibility": "prv",
            "stats": {
                "member_count": counts["subscribed"],
                "unsubscribe_count": counts["unsubscribed"],
                "cleaned_count": counts["cleaned"],
            },
        }


@dataclass(slots=True)
class CampaignRecord:
    """A campaign, its content, and what happened when it was sent."""

    id: str
    web_id: int
    list_id: str
    segment_id: int | None
    settings: dict[str, Any]
    create_time: dt.datetime
    status: str = "save"
    html: str | None = None
    send_time: dt.datetime | None = None
    sent_to: set[str] = field(default_factory=set)
    activity: dict[str, int] = field(default_factory=dict)

    def render(self, list_name: str) -> dict[str, Any]:
        """Return the campaign resource."""
        recipients: dict[str, Any] = {
            "list_id": self.list_id,
            "list_name": list_name,
            "list_is_active": True,
            "recipient_count": len(self.sent_to),
        }
        if self.segment_id is not None:
            recipients["segment_opts"] = {"saved_segment_id": self.segment_id, "match": "all"}
        body: dict[str, Any] = {
            "id": self.id,
            "web_id": self.web_id,
            "type": "regular",
            "create_time": iso(self.create_time),
            "status": self.status,
            "emails_sent": len(self.sent_to),
            "content_type": "html" if self.html is not None else "template",
            "recipients": recipients,
            "settings": dict(self.settings),
        }
        if self.send_time is not None:
            body["send_time"] = iso(self.send_time)
        return body


def _field_tree(paths: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in paths.split(","):
        node = tree
        for part in path.strip().split("."):
            if part:
                node = node.setdefault(part, {})
    return tree


def _apply(value: Any, tree: Mapping[str, Any]) -> Any:  # noqa: ANN401 - any JSON value
    if not tree:
        return value
    if isinstance(value, list):
        return [_apply(item, tree) for item in value]
    if isinstance(value, dict):
        return {key: _apply(value[key], sub) for key, sub in tree.items() if key in value}
    return value


def project(body: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """Keep only the comma-separated dot paths of `fields` (Mailchimp's partial responses)."""
    if not fields:
        return body
    projected = _apply(body, _field_tree(fields))
    return projected if isinstance(projected, dict) else body
