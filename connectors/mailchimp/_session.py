"""An audience session on one Mailchimp list, tag or static segment.

Adding a batch never turns a member Mailchimp holds as unsubscribed or cleaned back to
subscribed, and never asks one to confirm again. Mailchimp's batch subscribe (`POST
/lists/{list_id}`) writes each member's `status`, over the existing one when `update_existing`
is true; it has no `status_if_new`. So an add runs in steps:

1. Once per session, read which members Mailchimp holds as unsubscribed, cleaned, pending,
   transactional or archived (ids only; everyone else on the list is subscribed).
2. Members held as unsubscribed or cleaned are never sent with `subscribed` or `pending`: their
   rows are rejected (`vendor_unsubscribed`, `vendor_cleaned`). A `pending` member Mailchimp
   archived is rejected too (`vendor_archived`): its last status is unknown, and asking it to
   confirm could mail someone who unsubscribed.
3. The others go in a create-only batch (`update_existing: false`) with the wanted status: this
   is `status_if_new`. Mailchimp answers "already a list member" for those it holds; they go in
   an update batch (`update_existing: true`) whose status never lowers the one held: a
   subscribed member asked to be `pending` stays `subscribed`. Mailchimp itself refuses to
   subscribe a compliance-state member, should one have unsubscribed in between.
4. Members to unsubscribe are patched one by one (`PATCH` only updates, so nobody is created
   just to be unsubscribed); absent ones need nothing.
5. Members now on the list get the session's tag (tag and static-segment targets) and their own
   tags, through the static-segment endpoint (500 addresses per call).

Removing (mirror mode) archives members from a list target, or takes the tag off for tag and
static-segment targets; it never deletes anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue

from freehold.connectors.mailchimp._config import ref_list_id, ref_segment_id
from freehold.connectors.mailchimp._errors import (
    CONTACT_EXISTS,
    MEMBER_CALL_ERRORS,
    member_outcome,
)
from freehold.connectors.mailchimp._payloads import merge_fields
from freehold.core.capabilities import AudienceSession, SessionMode
from freehold.core.errors import BatchTooLargeError, NotFoundError, RowRejectedError
from freehold.core.identity import mailchimp_member_hash
from freehold.core.models import AudienceRef, EmailStatus, Member, Outcome

if TYPE_CHECKING:
    from freehold.connectors.mailchimp._api import MailchimpApi

__all__ = ["MAX_MEMBERS", "MailchimpSession"]

logger = logging.getLogger(__name__)

MAX_MEMBERS = 500
"""Members per batch subscribe call and addresses per static-segment change."""

_INDEXED = ("unsubscribed", "cleaned", "pending", "transactional", "archived")


@dataclass(slots=True)
class _Row:
    member: Member
    email: str
    hash: str
    wanted: EmailStatus
    send_status: str = ""
    merge: dict[str, Any] = field(default_factory=dict)


def _held_status(current: str | None, wanted: EmailStatus) -> str:
    """Return the status to write for a member Mailchimp holds: never lower than it is."""
    if wanted is EmailStatus.SUBSCRIBED:
        return "subscribed"
    return "subscribed" if current in (None, "subscribed") else "pending"


class MailchimpSession(AudienceSession):
    """Adds and removes members of one Mailchimp audience target (see the module docstring)."""

    def __init__(
        self,
        connector: MailchimpApi,
        ref: AudienceRef,
        mode: SessionMode,
        *,
        state: dict[str, JsonValue] | None = None,
    ) -> None:
        self.ref = ref
        self.mode = mode
        self._connector = connector
        self._list_id = ref_list_id(ref)
        self._segment_id = ref_segment_id(ref)
        tags = (state or {}).get("tag_ids")
        self._tag_ids: dict[str, int] = (
            {str(k): int(v) for k, v in tags.items() if isinstance(v, int)}
            if isinstance(tags, dict)
            else {}
        )
        self._held: dict[str, str] | None = None
        self._lock = asyncio.Lock()

    @property
    def state(self) -> dict[str, JsonValue]:
        """Return the list id and the tag ids found so far (a resumed session reuses them)."""
        return {"list_id": self._list_id, "tag_ids": dict(self._tag_ids)}

    async def close(self) -> None:
        """Nothing to finish: Mailchimp applies each call at once."""

    # -- reading what Mailchimp holds -----------------------------------------------------------

    async def _held_statuses(self) -> dict[str, str]:
        async with self._lock:
            if self._held is None:
                held: dict[str, str] = {}
                for status in _INDEXED:
                    async for member_id in self._ids_with_status(status):
                        held[member_id] = status
                self._held = held
                logger.info(
                    "mailchimp list %s: %d members not subscribed", self._list_id, len(held)
                )
            return self._held

    async def _ids_with_status(self, status: str) -> AsyncIterator[str]:
        async for member in self._connector.pages(
            f"/lists/{self._list_id}/members",
            "members",
            params={"status": status, "fields": "members.id,total_items"},
        ):
            yield str(member["id"])

    # -- add ------------------------------------------------------------------------------------

    async def add(self, batch: Sequence[Member]) -> list[Outcome]:
        """Upsert `batch` without ever resubscribing anyone (see the module docstring).

        Raises:
            BatchTooLargeError: more than 500 members.
        """
        if len(batch) > MAX_MEMBERS:
            msg = f"mailchimp takes at most {MAX_MEMBERS} members per call, got {len(batch)}"
            raise BatchTooLargeError(msg)
        outcomes: dict[str, Outcome] = {}
        rows = self._rows(batch, outcomes)
        held = await self._held_statuses()
        create: list[_Row] = []
        update: list[_Row] = []
        unsubscribe: list[_Row] = []
        on_list: list[_Row] = []
        for row in rows:
            current = held.get(row.hash)
            key = row.member.key
            if row.wanted is EmailStatus.UNSUBSCRIBED:
                if current in ("unsubscribed", "cleaned"):
                    outcomes[key] = Outcome.accepted(key, vendor_ref=row.hash)
                    on_list.append(row)
                elif current == "archived":
                    outcomes[key] = Outcome.accepted(key, vendor_ref=row.hash)
                else:
                    unsubscribe.append(row)
            elif current in ("unsubscribed", "cleaned"):
                outcomes[key] = Outcome.rejected(
                    key,
                    f"Mailchimp holds this member as {current}; freehold never resubscribes",
                    code=f"vendor_{current}",
                )
            elif current == "archived" and row.wanted is EmailStatus.PENDING:
                outcomes[key] = Outcome.rejected(
                    key,
                    "Mailchimp archived this member; without consent freehold does not ask it "
                    "to confirm again",
                    code="vendor_archived",
                )
            elif current in ("pending", "transactional"):
                row.send_status = _held_status(current, row.wanted)
                update.append(row)
            else:
                row.send_status = row.wanted.value
                create.append(row)
        update += await self._batch(create, update_existing=False, outcomes=outcomes, on=on_list)
        await self._batch(update, update_existing=True, outcomes=outcomes, on=on_list)
        on_list += [row for row in unsubscribe if await self._unsubscribe(row, outcomes)]
        await self._tag(on_list, outcomes)
        logger.info(
            "mailchimp add to %s: %d rows, %d accepted",
            self.ref.key,
            len(batch),
            sum(1 for o in outcomes.values() if o.status == "accepted"),
        )
        return [outcomes[m.key] for m in batch]

    def _rows(self, batch: Sequence[Member], outcomes: dict[str, Outcome]) -> list[_Row]:
        rows: list[_Row] = []
        seen: set[str] = set()
        for member in batch:
            email = member.identifiers.get("email")
            if not email:
                outcomes[member.key] = Outcome.rejected(
                    member.key, "no email address to send", code="missing_email"
                )
            elif member.email_status is None:
                outcomes[member.key] = Outcome.rejected(
                    member.key, "no email status decided for this member", code="no_email_status"
                )
            elif (digest := mailchimp_member_hash(email)) in seen:
                outcomes[member.key] = Outcome.rejected(
                    member.key, "the address appears twice in one batch", code="duplicate_in_batch"
                )
            else:
                seen.add(digest)
                rows.append(
                    _Row(
                        member=member,
                        email=email,
                        hash=digest,
                        wanted=member.email_status,
                        merge=merge_fields(member.attributes),
                    )
                )
        return rows

    async def _batch(
        self,
        rows: list[_Row],
        *,
        update_existing: bool,
        outcomes: dict[str, Outcome],
        on: list[_Row],
    ) -> list[_Row]:
        """Send one batch subscribe; return the rows Mailchimp already holds (create-only)."""
        if not rows:
            return []
        members = []
        for row in rows:
            item: dict[str, Any] = {"email_address": row.email, "status": row.send_status}
            if row.merge:
                item["merge_fields"] = row.merge
            members.append(item)
        params = (
            {"skip_merge_validation": "true"} if self._connector.skip_merge_validation else None
        )
        body = await self._connector.post_json(
            f"/lists/{self._list_id}",
            {"members": members, "update_existing": update_existing},
            params=params,
        )
        by_email = {row.email.lower(): row for row in rows}
        answered: set[str] = set()
        held = self._held if self._held is not None else {}
        for member in [*(body.get("new_members") or []), *(body.get("updated_members") or [])]:
            done = by_email.get(str(member.get("email_address", "")).lower())
            if done is not None:
                answered.add(done.member.key)
                outcomes[done.member.key] = Outcome.accepted(done.member.key, vendor_ref=done.hash)
                held[done.hash] = str(member.get("status", done.send_status))
                on.append(done)
        existing: list[_Row] = []
        for error in body.get("errors") or []:
            refused = by_email.get(str(error.get("email_address", "")).lower())
            if refused is None:
                continue
            answered.add(refused.member.key)
            outcome = member_outcome(refused.member.key, error)
            if outcome.code == CONTACT_EXISTS and not update_existing:
                refused.send_status = _held_status(held.get(refused.hash), refused.wanted)
                existing.append(refused)
            else:
                outcomes[refused.member.key] = outcome
        for row in rows:
            if row.member.key not in answered:
                outcomes[row.member.key] = Outcome.retriable(
                    row.member.key, "Mailchimp did not answer for this member", code="no_answer"
                )
        return existing

    async def _unsubscribe(self, row: _Row, outcomes: dict[str, Outcome]) -> bool:
        """Set one held member to unsubscribed; return whether it is on the list."""
        key = row.member.key
        try:
            await self._connector.request(
                "PATCH",
                f"/lists/{self._list_id}/members/{row.hash}",
                json={"status": "unsubscribed"},
                table=MEMBER_CALL_ERRORS,
            )
        except NotFoundError:
            outcomes[key] = Outcome.accepted(key)
            return False
        except RowRejectedError as exc:
            outcomes[key] = Outcome.rejected(
                key, "Mailchimp refused the unsubscribe", code=exc.vendor_code
            )
            return False
        outcomes[key] = Outcome.accepted(key, vendor_ref=row.hash)
        if self._held is not None:
            self._held[row.hash] = "unsubscribed"
        return True

    # -- tags -----------------------------------------------------------------------------------

    async def _tag(self, rows: list[_Row], outcomes: dict[str, Outcome]) -> None:
        """Put the session's tag and each member's own tags on members now on the list."""
        wanted: dict[int, list[_Row]] = {}
        if self._segment_id is not None:
            wanted[self._segment_id] = list(rows)
        for name in sorted({tag for row in rows for tag in row.member.tags}):
            segment_id = await self._tag_id(name)
            wanted.setdefault(segment_id, []).extend(r for r in rows if name in r.member.tags)
        for segment_id, tagged in wanted.items():
            missing = await self._change_segment(segment_id, add=[r.email for r in tagged])
            for row in tagged:
                if row.email.lower() in missing:
                    outcomes[row.member.key] = Outcome.rejected(
                        row.member.key, "Mailchimp could not tag this member", code="tag_failed"
                    )

    async def _tag_id(self, name: str) -> int:
        if name not in self._tag_ids:
            self._tag_ids[name] = await self._connector.find_or_create_tag(self._list_id, name)
        return self._tag_ids[name]

    async def _change_segment(
        self, segment_id: int, *, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> set[str]:
        """Add and remove addresses; return the lowercased ones Mailchimp reported errors for."""
        body: dict[str, Any] = {}
        if add := list(add):
            body["members_to_add"] = add
        if remove := list(remove):
            body["members_to_remove"] = remove
        if not body:
            return set()
        answer = await self._connector.post_json(
            f"/lists/{self._list_id}/segments/{segment_id}", body
        )
        return {
            str(email).lower()
            for error in answer.get("errors") or []
            for email in error.get("email_addresses") or []
        }

    # -- remove ---------------------------------------------------------------------------------

    async def remove(self, batch: Sequence[Member]) -> list[Outcome]:
        """Archive members (list target) or take the tag off (tag targets); never delete.

        A member Mailchimp no longer holds needs nothing and is accepted.

        Raises:
            BatchTooLargeError: more than 500 members.
        """
        if len(batch) > MAX_MEMBERS:
            msg = f"mailchimp takes at most {MAX_MEMBERS} members per call, got {len(batch)}"
            raise BatchTooLargeError(msg)
        outcomes: dict[str, Outcome] = {}
        present: list[tuple[Member, str]] = []
        for member in batch:
            email = member.identifiers.get("email")
            if email:
                present.append((member, email))
            else:
                outcomes[member.key] = Outcome.rejected(
                    member.key, "no email address to remove", code="missing_email"
                )
        if self._segment_id is None:
            for member, email in present:
                digest = mailchimp_member_hash(email)
                with contextlib.suppress(NotFoundError):
                    await self._connector.request(
                        "DELETE", f"/lists/{self._list_id}/members/{digest}"
                    )
                outcomes[member.key] = Outcome.accepted(member.key, vendor_ref=digest)
        else:
            await self._change_segment(self._segment_id, remove=[e for _, e in present])
            for member, email in present:
                outcomes[member.key] = Outcome.accepted(
                    member.key, vendor_ref=mailchimp_member_hash(email)
                )
        logger.info("mailchimp remove from %s: %d rows", self.ref.key, len(batch))
        return [outcomes[m.key] for m in batch]
