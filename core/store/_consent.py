"""Consent: an append-only history per purpose, and the current state derived from it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, select, update

from freehold.core.store._sql import insert_ignore, upsert
from freehold.core.store.schema import consent_current, consent_history, contacts, utcnow

if TYPE_CHECKING:
    from freehold.core.models import Consent

__all__ = ["CURRENT_KEYS", "CURRENT_UPDATE", "HISTORY_KEYS", "record_consent"]

HISTORY_KEYS = ("contact_pk", "purpose", "at", "state", "source")
"""One statement: the same one recorded twice is kept once."""

CURRENT_KEYS = ("contact_pk", "purpose")
CURRENT_UPDATE = ("state", "at", "source")


def record_consent(connection: Connection, contact_pk: int, consent: Consent) -> bool:
    """Append `consent` to the history; make it current when it is newer than the current one.

    A statement older than (or as old as) the current one is kept in the history only: the
    most recent statement per purpose wins, whatever order they arrive in. Replacing it counts
    as a change of the contact (its `revision` goes up), so the next sync looks at it again.

    Returns:
        True when the current state for that purpose was replaced.
    """
    row = {
        "contact_pk": contact_pk,
        "purpose": consent.purpose.value,
        "state": consent.state.value,
        "at": consent.at,
        "source": consent.source,
    }
    insert_ignore(connection, consent_history, [row], keys=HISTORY_KEYS)
    current_at = connection.scalar(
        select(consent_current.c.at).where(
            consent_current.c.contact_pk == contact_pk,
            consent_current.c.purpose == consent.purpose.value,
        )
    )
    if current_at is not None and consent.at <= current_at:
        return False
    upsert(connection, consent_current, [row], keys=CURRENT_KEYS, update=CURRENT_UPDATE)
    connection.execute(
        update(contacts)
        .where(contacts.c.pk == contact_pk)
        .values(updated_at=utcnow(), revision=contacts.c.revision + 1)
    )
    return True
