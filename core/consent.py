"""The consent gate: what may leave for a destination, and in which email status.

This is core engine behaviour, never a plugin. A member leaves for a destination only when its
current consent for the destination's purpose is granted, or unknown on a destination whose
config says `send_unknown_consent: true`. Plugins may only narrow what leaves (`narrow`
intersects their answers with what the gate let through); disabling every plugin leaves the
gate on.

Email destinations follow their own rules (`email_status_for`), used by every email connector's
engine path:

| consent | the vendor holds the member | the vendor does not |
|---|---|---|
| granted | subscribed | subscribed |
| denied | unsubscribed | nothing is sent |
| unknown | nothing (pending with double opt-in) | nothing (pending with double opt-in) |

Before a sync to an email destination, `read_back_email_consent` records the vendor's own
unsubscribes, bounces and complaints as denied, so nothing planned after can resubscribe them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select

from freehold.core.models import (
    AudienceRef,
    Consent,
    ConsentState,
    Contact,
    EmailStatus,
    Purpose,
)
from freehold.core.store.schema import identifiers, store_meta

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from freehold.core.capabilities import AudienceExport

__all__ = [
    "ContactFilter",
    "DropReason",
    "ReadBack",
    "consent_drop_reason",
    "email_status_for",
    "narrow",
    "read_back_email_consent",
]

logger = logging.getLogger(__name__)


class DropReason(StrEnum):
    """Why a member of an audience is not sent to a destination."""

    CONSENT_DENIED = "consent_denied"
    """The person said no for the destination's purpose."""
    CONSENT_UNKNOWN = "consent_unknown"
    """Nothing known for the purpose, and the destination does not send unknown consent."""
    NO_IDENTIFIER = "no_usable_identifier"
    """No identifier the destination's identity profile can use."""
    FILTERED = "filtered_by_plugin"
    """A plugin's `freehold_filter_contacts` left the contact out."""
    REJECTED_UNCHANGED = "rejected_unchanged"
    """The vendor rejected this row before and it has not changed (see `--retry-rejected`)."""


def consent_drop_reason(
    state: ConsentState | str | None, *, send_unknown_consent: bool
) -> DropReason | None:
    """Return why a member with consent `state` may not leave, or None when it may.

    Args:
        state: the member's current state for the destination's purpose; None when nothing
            was ever recorded (the same as unknown).
        send_unknown_consent: the destination's explicit opt-in to send unknown consent.
    """
    if state == ConsentState.GRANTED:
        return None
    if state == ConsentState.DENIED:
        return DropReason.CONSENT_DENIED
    if send_unknown_consent:
        return None
    return DropReason.CONSENT_UNKNOWN


def email_status_for(
    state: ConsentState | str | None, *, held: bool, double_opt_in: bool
) -> EmailStatus | DropReason:
    """Return the status an email destination should hold for a member, or why nothing is sent.

    Args:
        state: current `email_marketing` consent (None = unknown).
        held: the vendor already holds this member (a ledger row exists for the destination).
        double_opt_in: the destination asks unknown consent to go as `pending` (double opt-in).
    """
    if state == ConsentState.GRANTED:
        return EmailStatus.SUBSCRIBED
    if state == ConsentState.DENIED:
        return EmailStatus.UNSUBSCRIBED if held else DropReason.CONSENT_DENIED
    if double_opt_in:
        return EmailStatus.PENDING
    return DropReason.CONSENT_UNKNOWN


ContactFilter = Callable[[str, str | None, Sequence[Contact]], Iterable[Contact]]
"""A plugin filter: (destination, audience key, contacts) → the contacts every plugin keeps.

The CLI passes the plugin manager's `filter_contacts` (the `freehold_filter_contacts` hook);
core never imports pluggy. The engine intersects the answer with what it offered (`narrow`).
"""


def narrow(offered: Sequence[Contact], kept: Iterable[Contact]) -> set[str]:
    """Return the ids of `offered` contacts that are also in `kept`.

    A filter can only remove: a contact it returns that was not offered is ignored, so a plugin
    cannot widen what the consent gate let through.
    """
    return {contact.contact_id for contact in offered} & {c.contact_id for c in kept}


@dataclass(frozen=True, slots=True)
class ReadBack:
    """What a consent read-back found: members the vendor marked do-not-email, and matches.

    `recorded` counts contacts given a denial (two contacts sharing an address both count);
    `unmatched` counts do-not-email members that match no contact.
    """

    seen: int
    recorded: int
    unmatched: int


class _ConsentRecorder(Protocol):
    """The part of the store the read-back needs."""

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine."""

    def record_consent(self, conn: Connection, contact_pk: int, consent: Consent) -> object:
        """Append a consent statement and update the current state when it is newer."""


_READ_BACK_KEY = "consent_readback:{destination}:{vendor_id}"


async def read_back_email_consent(
    store: _ConsentRecorder,
    connector: AudienceExport,
    ref: AudienceRef,
    *,
    destination: str,
    connector_name: str,
    normalize_email: Callable[[str], str | None],
    now: dt.datetime | None = None,
) -> ReadBack:
    """Record the vendor's unsubscribes, bounces and complaints as denied `email_marketing`.

    Reads the members of `ref` changed since the last read-back of this destination and list
    (all of them the first time) and, for each one the vendor does not hold as subscribed or
    pending, appends a denied consent with source `<destination>:<connector>` at the vendor's
    time. The store keeps the newest statement per purpose as current, so a later grant in the
    brand's own data still wins, and an older one cannot resubscribe the person.

    Args:
        store: the store (its engine and `record_consent`).
        connector: the destination's connector, which implements `AudienceExport`.
        ref: the vendor list read back.
        destination: the destination (role) name, part of the consent source.
        connector_name: the connector's name, part of the consent source.
        normalize_email: the identity kit's email normalization, to find the contact.
        now: the read-back time (defaults to now), remembered for the next one.
    """
    started = now or dt.datetime.now(dt.UTC)
    meta_key = _READ_BACK_KEY.format(destination=destination, vendor_id=ref.vendor_id)
    with store.engine.connect() as conn:
        last = conn.execute(
            select(store_meta.c.value).where(store_meta.c.key == meta_key)
        ).scalar_one_or_none()
    since = dt.datetime.fromisoformat(last) if last else None
    source = f"{destination}:{connector_name}"
    seen = recorded = unmatched = 0
    denials: list[tuple[str, dt.datetime]] = []
    async for member in connector.export_members(ref, changed_since=since):
        seen += 1
        if member.email_status in (EmailStatus.SUBSCRIBED, EmailStatus.PENDING):
            continue
        email = normalize_email(member.email) if member.email else None
        if email is None:
            unmatched += 1
            continue
        denials.append((email, member.changed_at or member.consent_at or started))
    with store.engine.begin() as conn:
        for email, at in denials:
            # Every contact holding the address: the store may keep two people apart that
            # share one, and the person who unsubscribed it speaks for both.
            pks = (
                conn.execute(
                    select(identifiers.c.contact_pk).where(
                        identifiers.c.field == "email", identifiers.c.normalized == email
                    )
                )
                .scalars()
                .all()
            )
            consent = Consent(
                purpose=Purpose.EMAIL_MARKETING, state=ConsentState.DENIED, at=at, source=source
            )
            for pk in pks:
                store.record_consent(conn, pk, consent)
            recorded += len(pks)
            unmatched += not pks
        _remember(conn, meta_key, started.isoformat())
    logger.info(
        "consent read-back from %s: %d members seen, %d denials recorded, %d unmatched",
        destination,
        seen,
        recorded,
        unmatched,
    )
    return ReadBack(seen=seen, recorded=recorded, unmatched=unmatched)


def _remember(conn: Connection, key: str, value: str) -> None:
    updated = conn.execute(
        store_meta.update().where(store_meta.c.key == key).values(value=value)
    ).rowcount
    if not updated:
        conn.execute(store_meta.insert().values(key=key, value=value))
