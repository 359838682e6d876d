"""What a connector can do, as small abstract interfaces, and the limits it declares.

A connector class inherits the capabilities it offers; `Connector.capabilities()` reads them
from the class, so the declaration cannot drift from the methods. The engine owns policy
(batching, pacing, retries, bisection, outcomes, the ledger); a capability owns the vendor's
protocol (encoding, vendor sessions and jobs, polling, mapping answers onto outcomes).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from enum import StrEnum
from types import TracebackType
from typing import ClassVar, Self

from pydantic import Field, JsonValue

from freehold.core.models import (
    AttributeValue,
    Audience,
    AudienceRef,
    Campaign,
    CampaignStats,
    EmailStatus,
    Event,
    Member,
    NeutralModel,
    Outcome,
    Purpose,
)

__all__ = [
    "AudienceExport",
    "AudienceSession",
    "AudienceSync",
    "BatchLimits",
    "CampaignManagement",
    "CapabilityName",
    "ContactErasure",
    "ErasureReceipt",
    "ErasureRequest",
    "EventDelivery",
    "ExportedMember",
    "SessionMode",
]


class CapabilityName(StrEnum):
    """The capability interfaces a connector may implement."""

    AUDIENCE_SYNC = "audience_sync"
    AUDIENCE_EXPORT = "audience_export"
    EVENT_DELIVERY = "event_delivery"
    CAMPAIGN_MANAGEMENT = "campaign_management"
    CONTACT_ERASURE = "contact_erasure"


class BatchLimits(NeutralModel):
    """What a vendor tolerates, declared by the connector from the vendor's documentation.

    Attributes:
        max_rows: rows per request.
        max_bytes: encoded request body size, when the vendor caps it.
        requests_per_second: the steady rate the pacer starts from (per vendor account).
        burst: requests allowed at once above the steady rate, when the vendor has a burst tier.
        concurrency_per_audience: requests in flight on one vendor audience (or one job).
        concurrency_per_account: requests in flight on one vendor account.
        min_audience_size: below this the vendor will not serve the audience (flagged in plans).
        membership_days: the vendor drops a member after this many days unless refreshed.
    """

    max_rows: int = Field(ge=1)
    max_bytes: int | None = Field(default=None, ge=1)
    requests_per_second: float | None = Field(default=None, gt=0)
    burst: int | None = Field(default=None, ge=1)
    concurrency_per_audience: int = Field(default=1, ge=1)
    concurrency_per_account: int = Field(default=1, ge=1)
    min_audience_size: int | None = Field(default=None, ge=1)
    membership_days: int | None = Field(default=None, ge=1)


class SessionMode(StrEnum):
    """`update` adds and removes batches; `replace` swaps the whole membership for what is added."""

    UPDATE = "update"
    REPLACE = "replace"


class AudienceSession(ABC):
    """One run of adds and removes on one vendor audience.

    Use it as an async context manager; leaving it calls `close()`, which finishes what the
    vendor needs finished (Meta's last-batch flag, a Google job run, a Klaviyo import job).
    `state` holds the vendor session and job ids as plain JSON: the engine persists it after
    every batch and passes it back to `AudienceSync.audience_session` to resume.
    """

    ref: AudienceRef
    mode: SessionMode

    @property
    @abstractmethod
    def state(self) -> dict[str, JsonValue]:
        """Return the JSON-serializable vendor state needed to resume this session."""

    @abstractmethod
    async def add(self, batch: Sequence[Member]) -> Sequence[Outcome]:
        """Add (or upsert) `batch`, returning one outcome per member, in order.

        Return `Outcomes` (a common answer plus exceptions) rather than a list where most
        rows share one answer: a model per row costs more than the rest of a warm sync.

        Raises:
            BatchTooLargeError: the encoded batch exceeds a vendor limit; the engine splits it.
            RetriableError: the whole batch may be sent again.
            PermanentError: the session cannot continue.
        """

    @abstractmethod
    async def remove(self, batch: Sequence[Member]) -> Sequence[Outcome]:
        """Remove `batch` from the audience, returning one outcome per member, in order."""

    async def poll(self) -> list[Outcome]:
        """Return final outcomes for rows previously answered `pending`, as they resolve.

        Returns an empty list when nothing is pending. The default has nothing to poll.
        """
        return []

    def feedback(self) -> dict[str, JsonValue]:
        """Return what the vendor said about this session as a whole, for the run's report.

        Counts and statuses only, never a personal value: Meta's `num_received` and
        `num_invalid_entries`, a job's status, a match rate. The default has nothing to say.
        """
        return {}

    @abstractmethod
    async def close(self) -> None:
        """Finish the vendor session; idempotent."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            await self.close()


class AudienceSync(ABC):
    """Keep vendor audiences in step with the brand's audiences.

    Class attributes declare what the engine must respect.
    """

    audience_limits: ClassVar[BatchLimits]
    identity_profile: ClassVar[str]
    """The `freehold.core.identity` profile that prepares member identifiers."""
    accepted_identifiers: ClassVar[frozenset[str]]
    """Neutral identifier fields this vendor can match on."""
    audience_purpose: ClassVar[Purpose] = Purpose.AD_TARGETING
    """The consent purpose members must have granted to be sent."""

    @abstractmethod
    async def ensure_audience(self, audience: Audience) -> AudienceRef:
        """Find or create the vendor audience for `audience`, and return its reference."""

    @abstractmethod
    def audience_session(
        self,
        ref: AudienceRef,
        mode: SessionMode = SessionMode.UPDATE,
        *,
        state: dict[str, JsonValue] | None = None,
    ) -> AudienceSession:
        """Open a session on `ref`; `state` resumes one the engine persisted."""

    def sends_value(self, audience: Audience) -> bool:
        """Say whether members of `audience` carry their `Member.value` to the vendor.

        True for a value-based audience (Meta's `LOOKALIKE_VALUE`): the engine then sends a
        member again when its value changes. False by default.
        """
        del audience
        return False


class ExportedMember(NeutralModel):
    """A member as a vendor holds it, read back for migration or consent read-back.

    The repr never shows the email or field values.
    """

    email: str | None = None
    identifiers: dict[str, str] = Field(default_factory=dict)
    vendor_id: str | None = None
    status: str
    """The vendor's own status word (`subscribed`, `unsubscribed`, `cleaned`, `suppressed`…)."""
    email_status: EmailStatus | None = None
    """The vendor status mapped onto freehold's; None when it means "do not email" by bounce."""
    consent_at: dt.datetime | None = None
    changed_at: dt.datetime | None = None
    tags: tuple[str, ...] = ()
    fields: dict[str, AttributeValue] = Field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"ExportedMember(vendor_id={self.vendor_id!r}, status={self.status!r}, "
            f"tags={len(self.tags)}, fields={sorted(self.fields)})"
        )

    __str__ = __repr__


class AudienceExport(ABC):
    """Read back what a vendor holds: audiences, and every member with status and fields."""

    @abstractmethod
    async def list_audiences(self) -> list[AudienceRef]:
        """Return every audience (list) the credentials can see."""

    @abstractmethod
    def export_members(
        self, ref: AudienceRef, *, changed_since: dt.datetime | None = None
    ) -> AsyncIterator[ExportedMember]:
        """Stream every member of `ref` (or those changed since a time), page by page."""


class EventDelivery(ABC):
    """Forward events to the vendor, one outcome per event."""

    event_limits: ClassVar[BatchLimits]
    event_purpose: ClassVar[Purpose] = Purpose.AD_MEASUREMENT

    @abstractmethod
    async def send_events(self, events: Sequence[Event]) -> list[Outcome]:
        """Send `events`; return one outcome per event (keyed by `event_id`), in order.

        Raises:
            BatchRejectedError: the vendor refused the whole request because of some event in
                it; the engine bisects the batch to isolate it.
        """


class CampaignManagement(ABC):
    """Create and steer campaigns, and read neutral statistics."""

    @abstractmethod
    async def create_campaign(self, campaign: Campaign, audiences: Sequence[AudienceRef]) -> str:
        """Create `campaign` targeting `audiences`; return the vendor's campaign id."""

    @abstractmethod
    async def get_campaign(self, vendor_id: str) -> Campaign:
        """Read a campaign back in neutral form."""

    @abstractmethod
    async def pause_campaign(self, vendor_id: str) -> None:
        """Stop delivery (or unschedule an email campaign)."""

    @abstractmethod
    async def resume_campaign(self, vendor_id: str, *, at: dt.datetime | None = None) -> None:
        """Start or resume delivery; for email, send now or schedule `at`."""

    @abstractmethod
    async def campaign_stats(self, vendor_id: str, start: dt.date, end: dt.date) -> CampaignStats:
        """Return neutral statistics for the inclusive date range."""


class ErasureRequest(NeutralModel):
    """Whom to erase: prepared identifiers (as for audience members) and the audiences they are in.

    The repr never shows identifier values.
    """

    key: str
    identifiers: dict[str, str]
    audiences: tuple[AudienceRef, ...] = ()

    def __repr__(self) -> str:
        return f"ErasureRequest(key={self.key!r}, identifiers={sorted(self.identifiers)})"

    __str__ = __repr__


class ErasureReceipt(NeutralModel):
    """What the vendor did for one erasure, for the per-vendor receipt the user keeps."""

    key: str
    done: bool
    actions: tuple[str, ...] = ()
    vendor_ref: str | None = None
    warnings: tuple[str, ...] = ()


class ContactErasure(ABC):
    """Erase a person at the vendor, as far as the vendor allows."""

    @abstractmethod
    async def erase_contact(self, request: ErasureRequest) -> ErasureReceipt:
        """Erase the person and return a receipt of what was done."""
