"""Emulated routes for members, their events, tags and static segments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from freehold.connectors.mailchimp._emulator_base import (
    MAX_BATCH_MEMBERS,
    MailchimpEmulatorBase,
)
from freehold.connectors.mailchimp._emulator_state import (
    BLOCKED_STATUSES,
    WRITE_STATUSES,
    ListRecord,
    MemberRecord,
    SegmentRecord,
    compliance_refusal,
    iso,
    member_hash,
    parse_time,
    project,
)
from freehold.core.emulator import EmulatorRequest, EmulatorResponse, json_response, route

__all__ = ["MemberRoutes"]


class MemberRoutes(MailchimpEmulatorBase):
    """Members (read, update, archive, delete permanently), events, tags, segments."""

    # -- members --------------------------------------------------------------------------------

    @route("GET", "/3.0/lists/{list_id}/members")
    async def get_members(self, request: EmulatorRequest) -> EmulatorResponse:
        """List members (archived only when asked for by status), filtered, sorted and paged."""
        record = self._list(request)
        if record is None:
            return self.not_found_response(request)
        page = self._page(request)
        if isinstance(page, EmulatorResponse):
            return page
        count, offset = page
        status = request.arg("status")
        members = [
            m for m in record.members.values() if (m.status == status if status else not m.archived)
        ]
        try:
            since = request.arg("since_last_changed")
            before = request.arg("before_last_changed")
            if since:
                members = [m for m in members if m.last_changed >= parse_time(since)]
            if before:
                members = [m for m in members if m.last_changed < parse_time(before)]
        except ValueError:
            return self.invalid("Invalid date-time.", "since_last_changed")
        sort_field = request.arg("sort_field")
        if sort_field in ("last_changed", "timestamp_opt", "timestamp_signup"):
            epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
            members.sort(
                key=lambda m: getattr(m, sort_field) or epoch,
                reverse=request.arg("sort_dir", "ASC") == "DESC",
            )
        body = {
            "members": [record.render_member(m) for m in members[offset : offset + count]],
            "list_id": record.id,
            "total_items": len(members),
            "_links": [],
        }
        return json_response(project(body, request.arg("fields")))

    def _member(
        self, request: EmulatorRequest, *, live: bool = True
    ) -> tuple[ListRecord, MemberRecord] | EmulatorResponse:
        record = self._list(request)
        if record is None:
            return self.not_found_response(request)
        key = member_hash(request.path_params["subscriber_hash"])
        member = record.live(key) if live else record.members.get(key)
        if member is None:
            return self.not_found_response(request)
        return record, member

    @route("GET", "/3.0/lists/{list_id}/members/{subscriber_hash}")
    async def get_member(self, request: EmulatorRequest) -> EmulatorResponse:
        """Read one member (archived ones too, with status `archived`)."""
        found = self._member(request, live=False)
        if isinstance(found, EmulatorResponse):
            return found
        record, member = found
        return json_response(project(record.render_member(member), request.arg("fields")))

    @route("PATCH", "/3.0/lists/{list_id}/members/{subscriber_hash}")
    async def patch_member(self, request: EmulatorRequest) -> EmulatorResponse:
        """Update a member on the list; 404 when absent or archived (our choice)."""
        found = self._member(request)
        if isinstance(found, EmulatorResponse):
            return found
        record, member = found
        body = self._body(request)
        if isinstance(body, EmulatorResponse):
            return body
        status = body.get("status")
        if status is not None and status not in WRITE_STATUSES - {"transactional"}:
            return self.invalid("Invalid status.", "status")
        if status is not None and compliance_refusal(member.status, str(status)):
            return self.problem(
                400,
                "Member In Compliance State",
                f"{member.email} is in a compliance state due to unsubscribe, bounce, or "
                "compliance review and cannot be subscribed.",
            )
        merge = body.get("merge_fields", {})
        merge_errors = self._merge_errors(record, merge, new=False, skip=False)
        if merge_errors:
            return self.problem(
                400, "Invalid Resource", "Your merge fields were invalid.", errors=merge_errors
            )
        now = self.clock()
        if status is not None:
            if status == "pending" and member.status in BLOCKED_STATUSES:
                self.confirmation_emails.append(member.id)
            member.set_status(str(status), now)
        if merge:
            member.merge_fields.update(merge)
            member.last_changed = now
        return json_response(record.render_member(member))

    @route("DELETE", "/3.0/lists/{list_id}/members/{subscriber_hash}")
    async def archive_member(self, request: EmulatorRequest) -> EmulatorResponse:
        """Archive a member: soft removal that keeps its last status."""
        found = self._member(request)
        if isinstance(found, EmulatorResponse):
            return found
        _, member = found
        member.archived_status = member.status
        member.status = "archived"
        member.last_changed = self.clock()
        return EmulatorResponse(status=204, body=None)

    @route("POST", "/3.0/lists/{list_id}/members/{subscriber_hash}/actions/delete-permanent")
    async def delete_permanent(self, request: EmulatorRequest) -> EmulatorResponse:
        """Erase a member and ban the address from this list for good."""
        found = self._member(request, live=False)
        if isinstance(found, EmulatorResponse):
            return found
        record, member = found
        del record.members[member.id]
        for segment in record.segments.values():
            segment.member_ids.discard(member.id)
        record.forgotten.add(member.id)
        return EmulatorResponse(status=204, body=None)

    @route("POST", "/3.0/lists/{list_id}/members/{subscriber_hash}/events")
    async def add_event(  # noqa: PLR0911 - one answer per check Mailchimp makes
        self, request: EmulatorRequest
    ) -> EmulatorResponse:
        """Record a member event: name 2-30 characters, properties strings only."""
        found = self._member(request)
        if isinstance(found, EmulatorResponse):
            return found
        _, member = found
        body = self._body(request)
        if isinstance(body, EmulatorResponse):
            return body
        name = body.get("name")
        if not isinstance(name, str) or not 2 <= len(name) <= 30:  # noqa: PLR2004
            return self.invalid("Event name must be 2 to 30 characters.", "name")
        if not all(c.isalnum() or c in "_-" for c in name):
            return self.invalid(
                "Event name may contain letters, numbers, underscores and dashes.", "name"
            )
        properties = body.get("properties", {})
        if not isinstance(properties, dict) or not all(
            isinstance(v, str) for v in properties.values()
        ):
            return self.invalid("Event property values must be strings.", "properties")
        occurred = body.get("occurred_at")
        try:
            when = parse_time(occurred) if isinstance(occurred, str) else self.clock()
        except ValueError:
            return self.invalid("Invalid date-time.", "occurred_at")
        member.events.append(
            {
                "name": name,
                "properties": dict(properties),
                "occurred_at": iso(when),
                "is_syncing": bool(body.get("is_syncing", False)),
            }
        )
        return EmulatorResponse(status=204, body=None)

    # -- tags and static segments ---------------------------------------------------------------

    @route("GET", "/3.0/lists/{list_id}/tag-search")
    async def tag_search(self, request: EmulatorRequest) -> EmulatorResponse:
        """Find tags whose name starts with `name`."""
        record = self._list(request)
        if record is None:
            return self.not_found_response(request)
        prefix = (request.arg("name") or "").lower()
        tags = [
            {"id": s.id, "name": s.name}
            for s in record.segments.values()
            if s.name.lower().startswith(prefix)
        ]
        return json_response({"tags": tags, "total_items": len(tags)})

    def _render_segment(self, record: ListRecord, segment: SegmentRecord) -> dict[str, Any]:
        return {
            "id": segment.id,
            "name": segment.name,
            "member_count": sum(1 for m in segment.member_ids if record.live(m)),
            "type": "static",
            "created_at": iso(segment.created_at),
            "updated_at": iso(segment.updated_at),
            "list_id": record.id,
        }

    @route("GET", "/3.0/lists/{list_id}/segments")
    async def get_segments(self, request: EmulatorRequest) -> EmulatorResponse:
        """List segments (all static here), a page at a time."""
        record = self._list(request)
        if record is None:
            return self.not_found_response(request)
        page = self._page(request)
        if isinstance(page, EmulatorResponse):
            return page
        count, offset = page
        kind = request.arg("type")
        segments = [s for s in record.segments.values() if kind in (None, "static")]
        body = {
            "segments": [
                self._render_segment(record, s) for s in segments[offset : offset + count]
            ],
            "list_id": record.id,
            "total_items": len(segments),
            "_links": [],
        }
        return json_response(project(body, request.arg("fields")))

    @route("POST", "/3.0/lists/{list_id}/segments")
    async def create_segment(self, request: EmulatorRequest) -> EmulatorResponse:
        """Create a static segment (a tag); addresses not on the list are ignored."""
        record = self._list(request)
        if record is None:
            return self.not_found_response(request)
        body = self._body(request)
        if isinstance(body, EmulatorResponse):
            return body
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            return self.invalid("A segment name is required.", "name")
        if "static_segment" not in body:
            return self.invalid("The emulator creates static segments only.", "static_segment")
        if any(s.name == name for s in record.segments.values()):
            return self.invalid("A tag or segment with this name already exists.", "name")
        now = self.clock()
        segment = SegmentRecord(id=next(self._ids), name=name, created_at=now, updated_at=now)
        for email in body.get("static_segment") or []:
            if record.live(member_hash(str(email))):
                segment.member_ids.add(member_hash(str(email)))
        record.segments[segment.id] = segment
        return json_response(self._render_segment(record, segment))

    def _segment(self, request: EmulatorRequest) -> tuple[ListRecord, SegmentRecord] | None:
        record = self._list(request)
        try:
            segment_id = int(request.path_params["segment_id"])
        except ValueError:
            return None
        if record is None or segment_id not in record.segments:
            return None
        return record, record.segments[segment_id]

    @route("POST", "/3.0/lists/{list_id}/segments/{segment_id}")
    async def change_segment(self, request: EmulatorRequest) -> EmulatorResponse:
        """Add and remove up to 500 addresses each; addresses not on the list are errors."""
        found = self._segment(request)
        if found is None:
            return self.not_found_response(request)
        record, segment = found
        body = self._body(request)
        if isinstance(body, EmulatorResponse):
            return body
        to_add = body.get("members_to_add") or []
        to_remove = body.get("members_to_remove") or []
        for name, values in (("members_to_add", to_add), ("members_to_remove", to_remove)):
            if len(values) > MAX_BATCH_MEMBERS:
                return self.invalid(
                    f"{name} may hold at most {MAX_BATCH_MEMBERS} addresses.",
                    name,
                    f"Schema describes array with at most {MAX_BATCH_MEMBERS} items",
                )
        added, removed, missing = [], [], []
        for email in map(str, to_add):
            member = record.live(member_hash(email))
            if member is None:
                missing.append(email)
            elif member.id not in segment.member_ids:
                segment.member_ids.add(member.id)
                added.append(record.render_member(member))
        for email in map(str, to_remove):
            member = record.live(member_hash(email))
            if member is None:
                missing.append(email)
            elif member.id in segment.member_ids:
                segment.member_ids.discard(member.id)
                removed.append(record.render_member(member))
        segment.updated_at = self.clock()
        errors = (
            [{"email_addresses": missing, "error": "Email addresses are not list members."}]
            if missing
            else []
        )
        return json_response(
            {
                "members_added": added,
                "members_removed": removed,
                "errors": errors,
                "total_added": len(added),
                "total_removed": len(removed),
                "error_count": len(missing),
                "_links": [],
            }
        )

    @route("GET", "/3.0/lists/{list_id}/segments/{segment_id}/members")
    async def segment_members(self, request: EmulatorRequest) -> EmulatorResponse:
        """List a segment's live members; unsubscribed and cleaned ones only when asked."""
        found = self._segment(request)
        if found is None:
            return self.not_found_response(request)
        record, segment = found
        page = self._page(request)
        if isinstance(page, EmulatorResponse):
            return page
        count, offset = page
        shown = {"subscribed", "pending"}
        for status, flag in (
            ("unsubscribed", "include_unsubscribed"),
            ("cleaned", "include_cleaned"),
            ("transactional", "include_transactional"),
        ):
            if request.arg(flag) == "true":
                shown.add(status)
        members = [
            record.members[m]
            for m in sorted(segment.member_ids)
            if record.live(m) and record.members[m].status in shown
        ]
        body = {
            "members": [record.render_member(m) for m in members[offset : offset + count]],
            "total_items": len(members),
            "_links": [],
        }
        return json_response(project(body, request.arg("fields")))
