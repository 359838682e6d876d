"""Contacts written straight into a store, as an import leaves them, for Meta sync tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from meta_support import sha
from sqlalchemy import delete, insert, select, update

from freehold.core.store import Store
from freehold.core.store.schema import (
    audience_members,
    audiences,
    consent_current,
    contacts,
    digests,
    identifiers,
    ledger,
)

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def email_of(pk: int) -> str:
    return f"person{pk}@example.com"


def phone_of(pk: int) -> str:
    return f"1555{pk:07d}"


def seed_contacts(store: Store, pks: Iterable[int], *, bad_digest: Iterable[int] = ()) -> None:
    """Contacts with a hashed email and phone, a clear date of birth, and consent granted."""
    pks = list(pks)
    broken = set(bad_digest)
    now = dt.datetime.now(dt.UTC)
    with store.begin() as conn:
        conn.execute(
            insert(contacts),
            [
                {"pk": pk, "contact_id": f"c{pk}", "created_at": now, "updated_at": now}
                for pk in pks
            ],
        )
        conn.execute(
            insert(identifiers),
            [
                {
                    "contact_pk": pk,
                    "field": field,
                    "raw": value,
                    "normalized": value,
                    "updated_at": now,
                }
                for pk in pks
                for field, value in (("email", email_of(pk)), ("date_of_birth", "1990-02-16"))
            ],
        )
        conn.execute(
            insert(digests),
            [
                {"contact_pk": pk, "profile": "meta", "field": field, "digest": digest}
                for pk in pks
                for field, digest in (
                    ("email", "NOT-A-DIGEST" if pk in broken else sha(email_of(pk))),
                    ("phone", sha(phone_of(pk))),
                )
            ],
        )
        conn.execute(
            insert(consent_current),
            [
                {
                    "contact_pk": pk,
                    "purpose": "ad_targeting",
                    "state": "granted",
                    "at": AT,
                    "source": "test",
                }
                for pk in pks
            ],
        )


def set_audience(store: Store, key: str, pks: Iterable[int]) -> None:
    """Set the computed membership of audience `key` to exactly `pks`."""
    pks = list(pks)
    now = dt.datetime.now(dt.UTC)
    with store.begin() as conn:
        pk = conn.execute(select(audiences.c.pk).where(audiences.c.key == key)).scalar()
        if pk is None:
            pk = conn.execute(
                insert(audiences)
                .values(key=key, definition_hash="test", computed_at=now, member_count=0)
                .returning(audiences.c.pk)
            ).scalar_one()
        conn.execute(delete(audience_members).where(audience_members.c.audience_pk == pk))
        if pks:
            conn.execute(
                insert(audience_members),
                [{"audience_pk": pk, "contact_pk": c, "since": now} for c in pks],
            )
        conn.execute(update(audiences).where(audiences.c.pk == pk).values(member_count=len(pks)))


def ledger_pks(store: Store, key: str, destination: str) -> set[int]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(ledger.c.contact_pk).where(
                ledger.c.audience_key == key, ledger.c.destination == destination
            )
        )
        return set(rows.scalars())
