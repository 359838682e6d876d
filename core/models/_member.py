"""The rows the engine hands a connector: audience members, light enough for millions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from freehold.core.models._contact import AttributeValue

__all__ = ["EmailStatus", "Member"]


class EmailStatus(StrEnum):
    """The subscription status an email destination should hold for a member.

    The engine derives it from `email_marketing` consent (granted → subscribed; denied →
    unsubscribed, only for a member the vendor already holds; unknown → nothing, or pending
    double opt-in where the destination asks for it).
    """

    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Member:
    """One audience member as a connector needs it.

    Attributes:
        key: the engine's stable row key (the ledger key); outcomes refer to it.
        identifiers: neutral field name → value prepared by the connector's identity profile
            (normalized, and SHA-256 hex where the profile hashes that field).
        attributes: custom attributes the destination's mapping asks for, nothing more.
        email_status: for email destinations, the status to hold; None elsewhere.
        tags: tags to set on the member (email destinations).
        value: a customer value for value-based audiences (Meta LOOKALIKE_VALUE).

    The repr shows the key and which fields are present, never their values.
    """

    key: str
    identifiers: Mapping[str, str]
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    email_status: EmailStatus | None = None
    tags: tuple[str, ...] = ()
    value: float | None = None

    def __repr__(self) -> str:
        return (
            f"Member(key={self.key!r}, identifiers={sorted(self.identifiers)}, "
            f"attributes={sorted(self.attributes)}, email_status={self.email_status})"
        )

    __str__ = __repr__
