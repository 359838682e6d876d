"""The Mailchimp connector: audiences, export, member events, campaigns and erasure."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Sequence
from typing import ClassVar

from pydantic import JsonValue

from freehold.connectors.mailchimp._campaigns import MailchimpCampaigns
from freehold.connectors.mailchimp._config import (
    AudienceTarget,
    MailchimpConfig,
    ref_list_id,
    ref_segment_id,
)
from freehold.connectors.mailchimp._errors import MEMBER_CALL_ERRORS
from freehold.connectors.mailchimp._payloads import (
    EXPORT_FIELDS,
    event_body,
    exported_member,
    utc_text,
)
from freehold.connectors.mailchimp._session import MailchimpSession
from freehold.connectors.mailchimp.emulator import (
    EMULATOR_API_KEY,
    EMULATOR_LIST_ID,
    MailchimpEmulator,
)
from freehold.core.capabilities import (
    AudienceExport,
    AudienceSync,
    BatchLimits,
    ContactErasure,
    ErasureReceipt,
    ErasureRequest,
    EventDelivery,
    ExportedMember,
    SessionMode,
)
from freehold.core.errors import (
    ConfigError,
    NotFoundError,
    RetriableError,
    RowRejectedError,
)
from freehold.core.identity import mailchimp_member_hash
from freehold.core.models import Audience, AudienceRef, Event, Outcome, Purpose

__all__ = ["FORGET_WARNING", "MailchimpConnector"]

logger = logging.getLogger(__name__)

FORGET_WARNING = (
    "Mailchimp deleted this address permanently: it can never be imported or added again by "
    "API or import; the person can only come back by subscribing through a Mailchimp form."
)
"""The warning every Mailchimp erasure receipt carries."""


class MailchimpConnector(
    MailchimpCampaigns, AudienceSync, AudienceExport, EventDelivery, ContactErasure
):
    """Mailchimp Marketing API 3.0.

    A freehold audience is the configured list, or a tag or static segment inside it
    (`audience_target`). Members are sent by clear, normalized email address; their status
    comes from the engine's email rules and Mailchimp never gets a resubscription from freehold
    (see `MailchimpSession`). Member events and the audience serve `email_marketing`: events
    feed Mailchimp automations that send marketing email.
    """

    identity_profile: ClassVar[str] = "email"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset({"email"})
    audience_purpose: ClassVar[Purpose] = Purpose.EMAIL_MARKETING
    audience_limits: ClassVar[BatchLimits] = BatchLimits(
        max_rows=500, concurrency_per_audience=10, concurrency_per_account=10
    )
    event_purpose: ClassVar[Purpose] = Purpose.EMAIL_MARKETING
    event_limits: ClassVar[BatchLimits] = BatchLimits(
        max_rows=100, concurrency_per_audience=1, concurrency_per_account=10
    )

    @classmethod
    def emulator(cls) -> MailchimpEmulator:
        """Return a fresh emulator that accepts `emulator_config`'s key and list."""
        return MailchimpEmulator()

    @classmethod
    def emulator_config(cls, base_url: str) -> MailchimpConfig:
        """Return a config for a fresh emulator served at `base_url`."""
        return MailchimpConfig.model_validate(
            {
                "api_key": EMULATOR_API_KEY,
                "list_id": EMULATOR_LIST_ID,
                "api_base_url": base_url.rstrip("/") + "/3.0",
            }
        )

    async def check(self) -> None:
        """Ping Mailchimp and read the configured list.

        Raises:
            AuthError: the key is wrong or belongs to another data center.
            ConfigError: the key cannot see `list_id`.
        """
        await self.get_json("/ping")
        await self._list(self.config.list_id)

    async def _list(self, list_id: str) -> dict[str, JsonValue]:
        try:
            return await self.get_json(f"/lists/{list_id}", params={"fields": "id,name"})
        except NotFoundError as exc:
            msg = f"mailchimp list {list_id!r} is not visible with this API key"
            raise ConfigError(msg) from exc

    # -- AudienceSync ---------------------------------------------------------------------------

    async def ensure_audience(self, audience: Audience) -> AudienceRef:
        """Return the list, tag or static segment for `audience`, creating a missing tag.

        Raises:
            ConfigError: the list does not exist (lists are never created by freehold).
        """
        target = self.config.audience_target
        named = self.config.audience_names.get(audience.key)
        if target is AudienceTarget.LIST:
            list_id = named or self.config.list_id
            found = await self._list(list_id)
            return AudienceRef(
                key=audience.key,
                vendor_id=list_id,
                name=str(found.get("name") or list_id),
                details={"target": target.value, "list_id": list_id},
            )
        list_id = self.config.list_id
        await self._list(list_id)
        name = named or audience.name
        if target is AudienceTarget.TAG:
            segment_id = await self.find_or_create_tag(list_id, name)
        else:
            segment_id = await self.find_or_create_static_segment(list_id, name)
        return AudienceRef(
            key=audience.key,
            vendor_id=str(segment_id),
            name=name,
            details={"target": target.value, "list_id": list_id, "segment_id": segment_id},
        )

    def audience_session(
        self,
        ref: AudienceRef,
        mode: SessionMode = SessionMode.UPDATE,
        *,
        state: dict[str, JsonValue] | None = None,
    ) -> MailchimpSession:
        """Open a session on `ref`.

        Raises:
            ConfigError: `replace` was asked (use mirror mode: freehold never empties a list).
        """
        if mode is not SessionMode.UPDATE:
            msg = "mailchimp sessions add and remove only; use mode 'mirror' instead of replace"
            raise ConfigError(msg)
        return MailchimpSession(self, ref, mode, state=state)

    # -- AudienceExport -------------------------------------------------------------------------

    async def _list_refs(self) -> list[AudienceRef]:
        return [
            AudienceRef(
                key=str(item["id"]),
                vendor_id=str(item["id"]),
                name=str(item.get("name") or item["id"]),
                details={"target": AudienceTarget.LIST.value, "list_id": str(item["id"])},
            )
            async for item in self.pages(
                "/lists", "lists", params={"fields": "lists.id,lists.name,total_items"}
            )
        ]

    async def list_audiences(self) -> list[AudienceRef]:
        """Return every list, each followed by its tags (static segments)."""
        refs: list[AudienceRef] = []
        for list_ref in await self._list_refs():
            refs.append(list_ref)
            async for segment in self.pages(
                f"/lists/{list_ref.vendor_id}/segments",
                "segments",
                params={"type": "static", "fields": "segments.id,segments.name,total_items"},
            ):
                segment_id = int(segment["id"])
                refs.append(
                    AudienceRef(
                        key=str(segment_id),
                        vendor_id=str(segment_id),
                        name=str(segment.get("name") or segment_id),
                        details={
                            "target": AudienceTarget.TAG.value,
                            "list_id": list_ref.vendor_id,
                            "segment_id": segment_id,
                        },
                    )
                )
        return refs

    async def export_members(
        self, ref: AudienceRef, *, changed_since: dt.datetime | None = None
    ) -> AsyncIterator[ExportedMember]:
        """Stream every member of `ref` with status, consent times, tags and merge fields.

        A list is read sorted by last change (`since_last_changed` when `changed_since` is
        given); a tag reads its segment, unsubscribed and cleaned members included, and filters
        by last change here. Archived members are not part of an audience and are left out.
        Members seen twice while paging (the list changed meanwhile) are given once.
        """
        list_id = ref_list_id(ref)
        segment = ref_segment_id(ref)
        if segment is not None:
            path = f"/lists/{list_id}/segments/{segment}/members"
            params = {
                "fields": EXPORT_FIELDS,
                "include_unsubscribed": "true",
                "include_cleaned": "true",
                "include_transactional": "true",
            }
        else:
            path = f"/lists/{list_id}/members"
            params = {"fields": EXPORT_FIELDS, "sort_field": "last_changed", "sort_dir": "ASC"}
            if changed_since is not None:
                params["since_last_changed"] = utc_text(changed_since)
        seen: set[str] = set()
        count = 0
        async for item in self.pages(path, "members", params=params):
            member = exported_member(item)
            if member.vendor_id in seen:
                continue
            if member.vendor_id:
                seen.add(member.vendor_id)
            if changed_since and member.changed_at and member.changed_at < changed_since:
                continue
            count += 1
            yield member
        logger.info("mailchimp export of %s: %d members", ref.vendor_id, count)

    # -- EventDelivery --------------------------------------------------------------------------

    async def send_events(self, events: Sequence[Event]) -> list[Outcome]:
        """Record each event on its member in `list_id`, one call per event.

        An event needs an email identifier and a member on the list. Mailchimp has no event
        deduplication, so a throttle or server error before any event of the call was recorded
        is raised (the whole call may be retried), and after one was, the events not yet sent
        are answered retriable and nothing more is sent.

        Raises:
            RetriableError: throttled or failed before any event was recorded.
            PermanentError: the key was refused or the list is gone.
        """
        outcomes: list[Outcome] = []
        stopped: str | None = None
        recorded = False
        for event in events:
            key = event.event_id
            if stopped is not None:
                outcomes.append(Outcome.retriable(key, stopped, code="not_sent"))
                continue
            email = event.identifiers.email if event.identifiers else None
            body = event_body(event)
            if not email:
                outcomes.append(Outcome.rejected(key, "no email address", code="missing_email"))
                continue
            if body is None:
                outcomes.append(
                    Outcome.rejected(
                        key,
                        "event name must be 2-30 letters, digits, underscores or dashes",
                        code="invalid_event_name",
                    )
                )
                continue
            path = f"/lists/{self.config.list_id}/members/{mailchimp_member_hash(email)}/events"
            try:
                await self.request("POST", path, json=body, table=MEMBER_CALL_ERRORS)
            except NotFoundError:
                outcomes.append(
                    Outcome.rejected(key, "the member is not on the list", code="member_not_found")
                )
            except RowRejectedError as exc:
                outcomes.append(
                    Outcome.rejected(key, "Mailchimp refused the event", code=exc.vendor_code)
                )
            except RetriableError as exc:
                if not recorded:
                    raise
                stopped = "Mailchimp asked to wait before more events"
                outcomes.append(Outcome.retriable(key, stopped, code=exc.vendor_code))
            else:
                recorded = True
                outcomes.append(Outcome.accepted(key))
        return outcomes

    # -- ContactErasure -------------------------------------------------------------------------

    async def erase_contact(self, request: ErasureRequest) -> ErasureReceipt:
        """Delete the person permanently from every list the key can see.

        The receipt warns that Mailchimp will never let the address be added again.
        """
        email = request.identifiers.get("email")
        if not email:
            return ErasureReceipt(
                key=request.key,
                done=False,
                warnings=("no email address: Mailchimp members are known by email only",),
            )
        digest = mailchimp_member_hash(email)
        list_ids = {ref_list_id(ref) for ref in request.audiences}
        list_ids |= {ref.vendor_id for ref in await self._list_refs()}
        actions: list[str] = []
        for list_id in sorted(list_ids):
            try:
                await self.request(
                    "POST", f"/lists/{list_id}/members/{digest}/actions/delete-permanent"
                )
            except NotFoundError:
                actions.append(f"list {list_id}: not a member")
            else:
                actions.append(f"list {list_id}: deleted permanently")
        deleted = any(a.endswith("deleted permanently") for a in actions)
        logger.info("mailchimp erasure %s: %d lists checked", request.key, len(actions))
        return ErasureReceipt(
            key=request.key,
            done=True,
            actions=tuple(actions),
            vendor_ref=digest,
            warnings=(FORGET_WARNING,) if deleted else (),
        )
