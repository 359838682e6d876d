"""What a vendor said about each row: one outcome per row, always."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from freehold.core.models._base import NeutralModel

__all__ = ["Outcome", "OutcomeStatus"]


class OutcomeStatus(StrEnum):
    """The fate of one row sent to a vendor."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RETRIABLE = "retriable"
    PENDING = "pending"


class Outcome(NeutralModel):
    """The vendor's answer for one row, keyed by the row's key (member key or event id).

    `reason` and `code` are the vendor's words for a rejection; they never contain the row's
    personal values. `vendor_ref` is what the vendor assigned (a job id while pending, a
    profile id once accepted).
    """

    key: str
    status: OutcomeStatus
    reason: str | None = None
    code: str | None = None
    vendor_ref: str | None = Field(default=None)

    @classmethod
    def accepted(cls, key: str, *, vendor_ref: str | None = None) -> Outcome:
        """Return an accepted outcome for `key`."""
        return cls(key=key, status=OutcomeStatus.ACCEPTED, vendor_ref=vendor_ref)

    @classmethod
    def rejected(cls, key: str, reason: str, *, code: str | None = None) -> Outcome:
        """Return a rejected outcome for `key` with the vendor's reason and code."""
        return cls(key=key, status=OutcomeStatus.REJECTED, reason=reason, code=code)

    @classmethod
    def retriable(cls, key: str, reason: str, *, code: str | None = None) -> Outcome:
        """Return an outcome saying `key` should be sent again later."""
        return cls(key=key, status=OutcomeStatus.RETRIABLE, reason=reason, code=code)

    @classmethod
    def pending(cls, key: str, *, vendor_ref: str | None = None) -> Outcome:
        """Return an outcome awaiting an asynchronous vendor job (`vendor_ref`)."""
        return cls(key=key, status=OutcomeStatus.PENDING, vendor_ref=vendor_ref)
