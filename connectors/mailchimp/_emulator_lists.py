"""Emulated routes for health, lists and the batch subscribe with its per-member errors."""

from __future__ import annotations

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
    compliance_refusal,
    member_hash,
    project,
    valid_email,
)
from freehold.core.emulator import EmulatorRequest, EmulatorResponse, json_response, route

__all__ = ["ListRoutes"]


class ListRoutes(MailchimpEmulatorBase):
    """`/ping`, `/lists`, `/lists/{list_id}` and the batch subscribe."""

    # -- health, lists --------------------------------------------------------------------------

    @route("GET", "/3.0/ping")
    async def ping(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer the health check."""
        return json_response({"health_status": "Everything's Chimpy!"})

    @route("GET", "/3.0/lists")
    async def get_lists(self, request: EmulatorRequest) -> EmulatorResponse:
        """List the audiences, a page at a time."""
        page = self._page(request)
        if isinstance(page, EmulatorResponse):
            return page
        count, offset = page
        lists = list(self.lists.values())
        body = {
            "lists": [record.render() for record in lists[offset : offset + count]],
            "total_items": len(lists),
            "_links": [],
        }
        return json_response(project(body, request.arg("fields")))

    @route("GET", "/3.0/lists/{list_id}")
    async def get_list(self, request: EmulatorRequest) -> EmulatorResponse:
        """Read one audience."""
        record = self._list(request)
        if record is None:
            return self.not_found_response(request)
        return json_response(project(record.render(), request.arg("fields")))

    # -- batch subscribe ------------------------------------------------------------------------

    @route("POST", "/3.0/lists/{list_id}")
    async def batch_members(self, request: EmulatorRequest) -> EmulatorResponse:
        """Batch subscribe or unsubscribe: per-member errors inside a 200 answer."""
        record = self._list(request)
        if record is None:
            return self.not_found_response(request)
        body = self._body(request)
        if isinstance(body, EmulatorResponse):
            return body
        members = body.get("members")
        if not isinstance(members, list):
            return self.invalid("The members array is required.", "members")
        if len(members) > MAX_BATCH_MEMBERS:
            return self.invalid(
                "The resource submitted could not be validated. For field-specific details, "
                "see the 'errors' array.",
                "members",
                f"Schema describes array with at most {MAX_BATCH_MEMBERS} items",
            )
        update = bool(body.get("update_existing", False))
        skip_merge = request.arg("skip_merge_validation") == "true"
        skip_duplicates = request.arg("skip_duplicate_check") == "true"
        created: list[dict[str, Any]] = []
        updated: list[dict[str, Any]] = []
        errors: list[dict[str, str]] = []
        seen: set[str] = set()
        for item in members:
            email = str(item.get("email_address", "")) if isinstance(item, dict) else ""
            key = member_hash(email) if email else ""
            if key and key in seen:
                if not skip_duplicates:
                    errors.append(
                        {
                            "email_address": email,
                            "error": f"{email} was included more than once in this request.",
                            "error_code": "ERROR_GENERIC",
                        }
                    )
                continue
            seen.add(key)
            kind, payload = self._batch_one(record, item, update=update, skip_merge=skip_merge)
            if kind == "created":
                created.append(payload)
            elif kind == "updated":
                updated.append(payload)
            else:
                errors.append(payload)
        return json_response(
            {
                "new_members": created,
                "updated_members": updated,
                "errors": errors,
                "total_created": len(created),
                "total_updated": len(updated),
                "error_count": len(errors),
                "_links": [],
            }
        )

    def _batch_one(  # noqa: PLR0911 - one answer per check Mailchimp makes
        self,
        record: ListRecord,
        item: object,
        *,
        update: bool,
        skip_merge: bool,
    ) -> tuple[str, dict[str, Any]]:
        if not isinstance(item, dict):
            return "error", {"error": "A member must be an object.", "error_code": "ERROR_GENERIC"}
        email = str(item.get("email_address", ""))
        status = item.get("status")

        def error(text: str, *, code: str = "ERROR_GENERIC", field: str = "") -> tuple[str, Any]:
            entry = {"email_address": email, "error": text, "error_code": code}
            if field:
                entry |= {"field": field, "field_message": text}
            return "error", entry

        if not valid_email(email):
            return error(
                f"{email} looks fake or invalid, please enter a real email address.",
                field="email_address",
            )
        if status is not None and status not in WRITE_STATUSES:
            return error("Status must be one of the member statuses.", field="status")
        key = member_hash(email)
        if key in record.forgotten:
            return error(
                f"{email} was permanently deleted and cannot be re-imported. The contact must "
                "re-subscribe to get back on the list."
            )
        now = self.clock()
        member = record.members.get(key)
        existing = member is not None and not member.archived
        if existing and not update:
            return error(
                f"{email} is already a list member. Use PUT to insert or update list members.",
                code="ERROR_CONTACT_EXISTS",
            )
        if not existing and status is None:
            return error("A status is required for a new member.", field="status")
        merge = item.get("merge_fields", {})
        merge_errors = self._merge_errors(record, merge, new=not existing, skip=skip_merge)
        if merge_errors:
            first = merge_errors[0]
            return error("Your merge fields were invalid.", field=first["field"])
        previous = member.effective_status if member is not None else None
        if status is not None and compliance_refusal(previous, str(status)):
            return error(
                f"{email} is in a compliance state due to unsubscribe, bounce, or compliance "
                "review and cannot be subscribed."
            )
        if member is None:
            member = MemberRecord(
                id=key,
                email=email,
                status=str(status),
                web_id=next(self._ids),
                created=now,
                last_changed=now,
                timestamp_signup=now,
                timestamp_opt=now if status == "subscribed" else None,
            )
            record.members[key] = member
        elif status is not None:
            member.set_status(str(status), now)
        if status == "pending" and previous in BLOCKED_STATUSES | {None, "archived"}:
            self.confirmation_emails.append(key)
        if merge:
            member.merge_fields.update(merge)
            member.last_changed = now
        return ("updated" if existing else "created"), record.render_member(member)
