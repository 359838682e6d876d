"""Tombstones (salted digests) and the append-only consent history."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from freehold.core.models import Consent, ConsentState, Purpose
from freehold.core.store import Store
from freehold.core.store.schema import consent_current, consent_history, contacts, tombstones

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_tombstones_are_salted_per_store_and_per_field(tmp_path, store: Store) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'other.db'}") as other:
        assert other.tombstone_digest("email", "a@example.com") != store.tombstone_digest(
            "email", "a@example.com"
        )
    assert store.tombstone_digest("email", "x") != store.tombstone_digest("external_id", "x")


def test_a_tombstoned_identifier_is_recognised(store: Store) -> None:
    with store.begin() as connection:
        assert store.add_tombstones(connection, [("email", "gone@example.com")] * 2) == 1
        assert store.add_tombstones(connection, [("email", "gone@example.com")]) == 0
    assert store.is_tombstoned("email", "gone@example.com")
    assert not store.is_tombstoned("phone", "gone@example.com")
    with store.begin() as connection:
        stored = connection.scalars(sa.select(tombstones.c.digest)).all()
    assert stored == [store.tombstone_digest("email", "gone@example.com")]
    assert "gone" not in stored[0]


def _contact(store: Store) -> int:
    with store.begin() as connection:
        return int(
            connection.execute(
                contacts.insert().values(contact_id="c1").returning(contacts.c.pk)
            ).scalar_one()
        )


def _consent(state: ConsentState, at: dt.datetime, source: str = "form") -> Consent:
    return Consent(purpose=Purpose.EMAIL_MARKETING, state=state, at=at, source=source)


def test_consent_history_is_appended_and_the_newest_statement_is_current(store: Store) -> None:
    pk = _contact(store)
    later = T0 + dt.timedelta(days=3)
    with store.begin() as connection:
        assert store.record_consent(connection, pk, _consent(ConsentState.GRANTED, T0))
        assert store.record_consent(connection, pk, _consent(ConsentState.DENIED, later, "esp"))
        # An older statement arriving late goes to the history only.
        older = T0 - dt.timedelta(days=1)
        assert not store.record_consent(connection, pk, _consent(ConsentState.GRANTED, older))
    with store.begin() as connection:
        history = connection.execute(
            sa.select(consent_history.c.state, consent_history.c.at).order_by(consent_history.c.at)
        ).all()
        current = connection.execute(
            sa.select(consent_current.c.state, consent_current.c.at, consent_current.c.source)
        ).all()
    assert [state for state, _ in history] == ["granted", "granted", "denied"]
    assert current == [("denied", later, "esp")]
    with store.begin() as connection:
        # Two statements became current; the late older one changed nothing the sync reads.
        assert connection.scalar(sa.select(contacts.c.revision)) == 3
    [contact] = store.load_contacts([pk])
    assert contact.consent_state(Purpose.EMAIL_MARKETING) is ConsentState.DENIED
    assert contact.consents[Purpose.EMAIL_MARKETING].at == later


def test_the_same_statement_twice_is_recorded_once(store: Store) -> None:
    pk = _contact(store)
    with store.begin() as connection:
        store.record_consent(connection, pk, _consent(ConsentState.GRANTED, T0))
        store.record_consent(connection, pk, _consent(ConsentState.GRANTED, T0))
        count = connection.scalar(sa.select(sa.func.count()).select_from(consent_history))
    assert count == 1
