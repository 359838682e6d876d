"""The Klaviyo connector: lists as audiences, export, events, email campaigns and erasure."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import ClassVar

from pydantic import JsonValue

from freehold.connectors.klaviyo._campaigns import KlaviyoCampaigns
from freehold.connectors.klaviyo._config import KlaviyoConfig
from freehold.connectors.klaviyo._events import event_job, event_problem
from freehold.connectors.klaviyo._export import exported_profile, filter_time
from freehold.connectors.klaviyo._limits import (
    EVENT_BULK_MAX,
    IMPORT_MAX_BYTES,
    IMPORT_MAX_PROFILES,
    limit_for,
)
from freehold.connectors.klaviyo._session import KlaviyoSession
from freehold.connectors.klaviyo.emulator import (
    EMULATOR_API_KEY,
    EMULATOR_CONVERSION_METRIC_ID,
    KlaviyoEmulator,
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
from freehold.core.errors import BatchRejectedError, ConfigError, VendorRequestError
from freehold.core.models import Audience, AudienceRef, Event, Outcome, Purpose

__all__ = ["KlaviyoConnector"]

logger = logging.getLogger(__name__)

_IMPORT_RATE = limit_for("POST", "/api/profile-bulk-import-jobs")
_EVENT_RATE = limit_for("POST", "/api/event-bulk-create-jobs")
_ERASURE_IDS = (("email", "email"), ("phone", "phone_number"))
ERASURE_WARNING = (
    "Klaviyo deletes asynchronously: the profile goes once the job runs and is listed on the "
    "account's Deleted profiles page"
)
_SUBSCRIPTIONS = {"additional-fields[profile]": "subscriptions", "page[size]": "100"}
_CHANGED_FILTERS = (
    "greater-than(updated,{since})",
    "greater-or-equal(subscriptions.email.marketing.suppression.timestamp,{since})",
)


class KlaviyoConnector(
    KlaviyoCampaigns, AudienceSync, AudienceExport, EventDelivery, ContactErasure
):
    """Klaviyo's server-side API (revision pinned by `KlaviyoConfig.revision`).

    A freehold audience is a Klaviyo list, found by name or created. Members are sent by clear,
    normalized email address; their email subscription follows the engine's email rules and a
    profile Klaviyo holds as unsubscribed or suppressed is never subscribed again (see
    `KlaviyoSession`). Email campaigns target lists (see `KlaviyoCampaigns`).
    """

    identity_profile: ClassVar[str] = "email"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset({"email"})
    audience_purpose: ClassVar[Purpose] = Purpose.EMAIL_MARKETING
    audience_limits: ClassVar[BatchLimits] = BatchLimits(
        max_rows=IMPORT_MAX_PROFILES,
        max_bytes=IMPORT_MAX_BYTES,
        requests_per_second=_IMPORT_RATE.steady / 60,
        burst=_IMPORT_RATE.burst,
        concurrency_per_audience=1,
        concurrency_per_account=4,
    )
    event_purpose: ClassVar[Purpose] = Purpose.EMAIL_MARKETING
    event_limits: ClassVar[BatchLimits] = BatchLimits(
        max_rows=EVENT_BULK_MAX,
        max_bytes=IMPORT_MAX_BYTES,
        requests_per_second=_EVENT_RATE.steady / 60,
        burst=_EVENT_RATE.burst,
        concurrency_per_account=2,
    )

    @classmethod
    def emulator(cls) -> KlaviyoEmulator:
        """Return a fresh emulator that accepts `emulator_config`'s key."""
        return KlaviyoEmulator()

    @classmethod
    def emulator_config(cls, base_url: str) -> KlaviyoConfig:
        """Return a config for a fresh emulator served at `base_url` (Placed Order converts)."""
        return KlaviyoConfig.model_validate(
            {
                "api_key": EMULATOR_API_KEY,
                "api_base_url": base_url.rstrip("/"),
                "conversion_metric_id": EMULATOR_CONVERSION_METRIC_ID,
            }
        )

    async def check(self) -> None:
        """Read the account the key belongs to.

        Raises:
            AuthError: the key is wrong or lacks the `accounts:read` scope.
        """
        await self.get_json("/api/accounts")

    async def ensure_audience(self, audience: Audience) -> AudienceRef:
        """Return the list named for `audience`, creating it when Klaviyo has none."""
        name = self.config.list_names.get(audience.key) or audience.name
        async for item in self.pages(
            "/api/lists", params={"filter": f"equals(name,{json.dumps(name)})"}
        ):
            return AudienceRef(key=audience.key, vendor_id=str(item["id"]), name=name)
        created = await self.post_json(
            "/api/lists", {"data": {"type": "list", "attributes": {"name": name}}}
        )
        list_id = str(created["data"]["id"])
        logger.info("klaviyo list %s created for audience %s", list_id, audience.key)
        return AudienceRef(key=audience.key, vendor_id=list_id, name=name)

    def audience_session(
        self,
        ref: AudienceRef,
        mode: SessionMode = SessionMode.UPDATE,
        *,
        state: dict[str, JsonValue] | None = None,
    ) -> KlaviyoSession:
        """Open a session on the list `ref`.

        Raises:
            ConfigError: `replace` was asked (use mirror mode: freehold never empties a list).
        """
        if mode is not SessionMode.UPDATE:
            msg = "klaviyo sessions add and remove only; use mode 'mirror' instead of replace"
            raise ConfigError(msg)
        return KlaviyoSession(self, ref, mode, state=state)

    # -- AudienceExport -------------------------------------------------------------------------

    async def list_audiences(self) -> list[AudienceRef]:
        """Return every list of the account (10 per page, Klaviyo's maximum)."""
        refs: list[AudienceRef] = []
        async for item in self.pages("/api/lists", params={"page[size]": "10"}):
            list_id = str(item["id"])
            name = (item.get("attributes") or {}).get("name")
            refs.append(AudienceRef(key=list_id, vendor_id=list_id, name=str(name or list_id)))
        return refs

    async def export_members(
        self, ref: AudienceRef, *, changed_since: dt.datetime | None = None
    ) -> AsyncIterator[ExportedMember]:
        """Stream the list's profiles with consent, suppression, times and properties.

        Without `changed_since` the list's members are read (100 a page). With it, the
        profiles changed since then are read account-wide, because email consent and
        suppression are account-wide at Klaviyo (an unsubscribe holds for every list) and the
        list endpoint cannot filter by change time: once by `updated` and once by suppression
        time, each profile given once.
        """
        if changed_since is None:
            reads = [(f"/api/lists/{ref.vendor_id}/profiles", dict(_SUBSCRIPTIONS))]
        else:
            since = filter_time(changed_since)
            reads = [
                ("/api/profiles", {**_SUBSCRIPTIONS, "filter": rule.format(since=since)})
                for rule in _CHANGED_FILTERS
            ]
        seen: set[str] = set()
        for path, params in reads:
            async for item in self.pages(path, params=params):
                member = exported_profile(item)
                if member.vendor_id in seen:
                    continue
                if member.vendor_id:
                    seen.add(member.vendor_id)
                yield member
        logger.info("klaviyo export of %s: %d profiles", ref.vendor_id, len(seen))

    # -- EventDelivery --------------------------------------------------------------------------

    async def send_events(self, events: Sequence[Event]) -> list[Outcome]:
        """Send `events` as one event bulk create job (at most 1,000, grouped by profile).

        Events Klaviyo would refuse (no identifier, a metric name over 127 characters, over
        400 properties, a time before 1990 or over a year ahead) are rejected here and not
        sent; the rest are accepted once Klaviyo queues the job (202), with the job id as
        `vendor_ref` when Klaviyo gives one. `unique_id` is the `event_id`, so sending an
        event again never records it twice.

        Raises:
            BatchRejectedError: Klaviyo refused the whole job (400); the engine bisects it.
            RetriableError: throttled or a server error; the job may be sent again.
        """
        now = dt.datetime.now(dt.UTC)
        outcomes: dict[str, Outcome] = {}
        send: list[Event] = []
        for event in events:
            problem = event_problem(event, now=now)
            if problem is None:
                send.append(event)
            else:
                code, reason = problem
                outcomes[event.event_id] = Outcome.rejected(event.event_id, reason, code=code)
        if send:
            try:
                answer = await self.post_json("/api/event-bulk-create-jobs", event_job(send))
            except VendorRequestError as exc:
                if len(send) == 1:
                    key = send[0].event_id
                    outcomes[key] = Outcome.rejected(
                        key, "Klaviyo refused the event", code="invalid"
                    )
                else:
                    msg = f"POST /api/event-bulk-create-jobs: {len(send)} events refused"
                    raise BatchRejectedError(msg) from exc
            else:
                job = (answer.get("data") or {}).get("id")
                for event in send:
                    outcomes[event.event_id] = Outcome.accepted(
                        event.event_id, vendor_ref=str(job) if job else None
                    )
        logger.info("klaviyo events: %d given, %d sent", len(events), len(send))
        return [outcomes[e.event_id] for e in events]

    # -- ContactErasure -------------------------------------------------------------------------

    async def erase_contact(self, request: ErasureRequest) -> ErasureReceipt:
        """Queue a data-privacy deletion job for the person, by one identifier.

        Klaviyo takes exactly one of email, phone number or profile id per job, and deletes
        every profile matching it: the email is used, else the phone.
        """
        found = next(
            ((field, name) for field, name in _ERASURE_IDS if request.identifiers.get(field)),
            None,
        )
        if found is None:
            return ErasureReceipt(
                key=request.key,
                done=False,
                warnings=("no email or phone: Klaviyo deletes by email, phone or its own id",),
            )
        field, name = found
        body = {
            "data": {
                "type": "data-privacy-deletion-job",
                "attributes": {
                    "profile": {
                        "data": {
                            "type": "profile",
                            "attributes": {name: request.identifiers[field]},
                        }
                    }
                },
            }
        }
        await self.post_json("/api/data-privacy-deletion-jobs", body)
        logger.info("klaviyo erasure %s queued by %s", request.key, field)
        return ErasureReceipt(
            key=request.key,
            done=True,
            actions=(f"data-privacy deletion job queued for every profile with this {field}",),
            warnings=(ERASURE_WARNING,),
        )
