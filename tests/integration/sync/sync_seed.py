"""Test data for the sync engine's tests: contacts, digests, consent and audiences, in bulk.

Rows are written straight into the store's tables (as an import would leave them) so the
engine's tests control exactly what the planner reads. Also used by the kill -9 subprocess.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, insert, select, update

from freehold.core.models import Audience, SyncMode
from freehold.core.store import Store
from freehold.core.store.schema import (
    attributes,
    audience_members,
    audiences,
    consent_current,
    contacts,
    digests,
    identifiers,
    ledger,
)

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _changed(conn: Connection, pk: int) -> None:
    """Bump the contact's revision, as the store's own writers do when they change a contact."""
    conn.execute(
        update(contacts).where(contacts.c.pk == pk).values(revision=contacts.c.revision + 1)
    )


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def email_of(pk: int, generation: int = 0) -> str:
    suffix = f"-{generation}" if generation else ""
    return f"person{pk}{suffix}@example.com"


def email_digest(pk: int, generation: int = 0) -> str:
    return sha(email_of(pk, generation))


class Seeder:
    """Writes test contacts into a store; contact pk i has email `person{i}@example.com`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def contacts(
        self,
        pks: Iterable[int],
        *,
        consent: str | None = "granted",
        purposes: Sequence[str] = ("ad_targeting", "email_marketing"),
        phone: bool = False,
    ) -> None:
        pks = list(pks)
        now = dt.datetime.now(dt.UTC)
        with self.store.begin() as conn:
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
                        "field": "email",
                        "raw": email_of(pk),
                        "normalized": email_of(pk),
                        "updated_at": now,
                    }
                    for pk in pks
                ],
            )
            conn.execute(
                insert(digests),
                [
                    {
                        "contact_pk": pk,
                        "profile": "meta",
                        "field": "email",
                        "digest": email_digest(pk),
                    }
                    for pk in pks
                ],
            )
            if phone:
                conn.execute(
                    insert(digests),
                    [
                        {
                            "contact_pk": pk,
                            "profile": "meta",
                            "field": "phone",
                            "digest": sha(f"+1555{pk:07d}"),
                        }
                        for pk in pks
                    ],
                )
            if consent is not None:
                conn.execute(
                    insert(consent_current),
                    [
                        {
                            "contact_pk": pk,
                            "purpose": purpose,
                            "state": consent,
                            "at": AT,
                            "source": "test",
                        }
                        for pk in pks
                        for purpose in purposes
                    ],
                )

    def consent(self, pks: Iterable[int], state: str, *, purpose: str = "ad_targeting") -> None:
        with self.store.begin() as conn:
            for pk in pks:
                conn.execute(
                    delete(consent_current).where(
                        consent_current.c.contact_pk == pk, consent_current.c.purpose == purpose
                    )
                )
                conn.execute(
                    insert(consent_current).values(
                        contact_pk=pk, purpose=purpose, state=state, at=AT, source="test"
                    )
                )
                _changed(conn, pk)

    def change_email(self, pk: int, generation: int) -> None:
        with self.store.begin() as conn:
            conn.execute(
                update(identifiers)
                .where(identifiers.c.contact_pk == pk, identifiers.c.field == "email")
                .values(raw=email_of(pk, generation), normalized=email_of(pk, generation))
            )
            conn.execute(
                update(digests)
                .where(digests.c.contact_pk == pk, digests.c.field == "email")
                .values(digest=email_digest(pk, generation))
            )
            _changed(conn, pk)

    def drop_identifiers(self, pk: int) -> None:
        with self.store.begin() as conn:
            conn.execute(delete(digests).where(digests.c.contact_pk == pk))
            conn.execute(
                update(identifiers)
                .where(identifiers.c.contact_pk == pk)
                .values(normalized=None, drop_reason="invalid")
            )
            _changed(conn, pk)

    def attribute(self, pk: int, name: str, value: object) -> None:
        with self.store.begin() as conn:
            conn.execute(
                delete(attributes).where(attributes.c.contact_pk == pk, attributes.c.name == name)
            )
            conn.execute(insert(attributes).values(contact_pk=pk, name=name, value=value))
            _changed(conn, pk)

    def audience(self, key: str, pks: Iterable[int]) -> None:
        """Set the computed membership of audience `key` to exactly `pks`."""
        pks = list(pks)
        now = dt.datetime.now(dt.UTC)
        with self.store.begin() as conn:
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
            conn.execute(
                update(audiences).where(audiences.c.pk == pk).values(member_count=len(pks))
            )

    def ledger(self, audience_key: str, destination: str) -> dict[int, str]:
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(ledger.c.contact_pk, ledger.c.member_key).where(
                    ledger.c.audience_key == audience_key, ledger.c.destination == destination
                )
            )
            return dict(rows.all())


def audience(
    key: str = "vip", *, mode: SyncMode = SyncMode.ADD_ONLY, days: int | None = None
) -> Audience:
    return Audience(key=key, name=f"Audience {key}", mode=mode, membership_days=days)
