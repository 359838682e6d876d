"""What flows into the store on import, and what the store says back about each row."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from freehold.core.models import ActionSource, ConsentState, LifecycleStage, Purpose

if TYPE_CHECKING:
    from pydantic import JsonValue

    from freehold.core.models import Event

__all__ = [
    "IDENTIFIER_FIELDS",
    "KEY_FIELDS",
    "ContactRecord",
    "EventRecord",
    "EventsResult",
    "Rejection",
    "UpsertResult",
]

IDENTIFIER_FIELDS = (
    "email",
    "phone",
    "first_name",
    "last_name",
    "city",
    "region",
    "postal_code",
    "country",
    "date_of_birth",
    "gender",
    "external_id",
    "mobile_ad_id",
)
"""The neutral identifier fields, in the order of `Identifiers`."""

KEY_FIELDS = ("external_id", "email", "phone")
"""Identifiers that identify a person, in the order identity resolution tries them."""


@dataclass(frozen=True, slots=True, repr=False)
class ContactRecord:
    """One incoming contact, before identity resolution.

    Attributes:
        contact_id: the brand's id, when the source has one.
        identifiers: neutral field (`IDENTIFIER_FIELDS`) → value as received.
        attributes: custom attribute name → JSON value.
        lifecycle: the lifecycle stage, when given.
        consents: purpose → state stated by this record.
        consent_at: when the person said it; None records a state only when it differs from
            the current one (at the import time), so a re-import without dates adds nothing.
        consent_source: where the consent came from (defaults to the import's source).
        row: the source row number, for reports.
    """

    contact_id: str | None = None
    identifiers: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, JsonValue] = field(default_factory=dict)
    lifecycle: LifecycleStage | None = None
    consents: Mapping[Purpose, ConsentState] = field(default_factory=dict)
    consent_at: dt.datetime | None = None
    consent_source: str | None = None
    row: int | None = None

    def __repr__(self) -> str:
        return (
            f"ContactRecord(row={self.row}, contact_id={self.contact_id!r}, "
            f"identifiers={sorted(self.identifiers)}, attributes={sorted(self.attributes)})"
        )


@dataclass(frozen=True, slots=True, repr=False)
class EventRecord:
    """One incoming event, validated, before its person is resolved.

    The person is `contact_id` or `identifiers` (matched like a contact record and created
    when new), or nobody.
    """

    event_id: str
    name: str
    occurred_at: dt.datetime
    contact_id: str | None = None
    identifiers: Mapping[str, str] = field(default_factory=dict)
    value: Decimal | None = None
    currency: str | None = None
    order_id: str | None = None
    items: Sequence[Mapping[str, JsonValue]] = ()
    properties: Mapping[str, JsonValue] = field(default_factory=dict)
    click_ids: Mapping[str, str] = field(default_factory=dict)
    client_ip: str | None = None
    user_agent: str | None = None
    source_url: str | None = None
    action_source: ActionSource = ActionSource.WEB
    row: int | None = None

    @classmethod
    def from_event(
        cls,
        event: Event,
        *,
        identifiers: Mapping[str, str] | None = None,
        row: int | None = None,
    ) -> EventRecord:
        """Build the record of a validated neutral `Event`.

        Args:
            event: the event.
            identifiers: raw identifiers to use instead of the event's own (a file row's
                values as received, before the model's own validation of typed fields).
            row: the source row number, for reports.
        """
        if identifiers is None:
            identifiers = {
                name: value.isoformat() if isinstance(value, dt.date) else str(value)
                for name, value in (event.identifiers or {})
                if value is not None
            }
        return cls(
            event_id=event.event_id,
            name=event.name,
            occurred_at=event.occurred_at,
            contact_id=event.contact_id,
            identifiers=identifiers,
            value=event.value,
            currency=event.currency,
            order_id=event.order_id,
            items=[item.model_dump(mode="json", exclude_none=True) for item in event.items],
            properties=event.properties,
            click_ids=event.click_ids.model_dump(exclude_none=True),
            client_ip=str(event.client_ip) if event.client_ip is not None else None,
            user_agent=event.user_agent,
            source_url=event.source_url,
            action_source=event.action_source,
            row=row,
        )

    def __repr__(self) -> str:
        return f"EventRecord(row={self.row}, event_id={self.event_id!r}, name={self.name!r})"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not imported: where, which field, why. Never the value."""

    row: int | None
    field: str | None
    reason: str


@dataclass(slots=True)
class UpsertResult:
    """What `Store.upsert_contacts` did with a batch of records.

    Attributes:
        new: contacts created.
        merged: existing contacts changed by a record.
        unchanged: records that matched a contact and changed nothing.
        skipped_erased: records matching an erasure tombstone (not imported).
        rejected: records refused, with the field and reason.
        contact_pks: per input record, the contact it resolved to (None when not imported).
        erased: indexes (in the input) of the records skipped as erased.
        unusable: identifier field → how many stored values the identity kit could not use.
    """

    new: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped_erased: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    contact_pks: list[int | None] = field(default_factory=list)
    erased: list[int] = field(default_factory=list)
    unusable: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class EventsResult:
    """What `Store.insert_events` did with a batch of events.

    Attributes:
        inserted: events stored for the first time.
        duplicates: events whose `event_id` the store already held (left as they were).
        skipped_erased: events whose person matches an erasure tombstone.
        contacts_created: people first seen in these events.
        rejected: events refused, with the field and reason.
        event_pks: the pks of the inserted events (for outbox or routing).
    """

    inserted: int = 0
    duplicates: int = 0
    skipped_erased: int = 0
    contacts_created: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    event_pks: list[int] = field(default_factory=list)
