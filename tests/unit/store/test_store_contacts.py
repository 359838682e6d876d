"""Identity resolution on the way in: match, merge, never duplicate; set-based per chunk."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from freehold.core.models import ConsentState, LifecycleStage, Purpose
from freehold.core.store import ContactRecord, Rejection, Store
from freehold.core.store._contacts import new_contact_ids
from freehold.core.store.schema import (
    consent_current,
    consent_history,
    contacts,
    digests,
    identifiers,
)

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _count(store: Store, table: sa.Table) -> int:
    with store.begin() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _identifiers(store: Store, pk: int) -> dict[str, tuple[str, str | None]]:
    with store.begin() as connection:
        rows = connection.execute(
            sa.select(identifiers.c.field, identifiers.c.raw, identifiers.c.normalized).where(
                identifiers.c.contact_pk == pk
            )
        )
        return {name: (raw, normalized) for name, raw, normalized in rows}


def _digests(store: Store, pk: int) -> dict[tuple[str, str], str]:
    with store.begin() as connection:
        rows = connection.execute(
            sa.select(digests.c.profile, digests.c.field, digests.c.digest).where(
                digests.c.contact_pk == pk
            )
        )
        return {(profile, name): digest for profile, name, digest in rows}


def test_a_new_contact_keeps_raw_and_normalized_identifiers_and_cached_digests(
    store: Store,
) -> None:
    result = store.upsert_contacts(
        [
            ContactRecord(
                contact_id="crm-1",
                identifiers={
                    "email": " Ada@Example.COM ",
                    "phone": "06 12 34 56 78",
                    "country": "fr",
                    "first_name": "Ada",
                },
                attributes={"tier": "gold", "orders": 3},
                lifecycle=LifecycleStage.CUSTOMER,
                consents={Purpose.EMAIL_MARKETING: ConsentState.GRANTED},
                consent_at=T0,
            )
        ],
        source="crm",
    )
    assert (result.new, result.merged, result.unchanged) == (1, 0, 0)
    [pk] = result.contact_pks
    assert pk is not None
    stored = _identifiers(store, pk)
    assert stored["email"] == (" Ada@Example.COM ", "ada@example.com")
    assert stored["phone"] == ("06 12 34 56 78", "+33612345678")
    cached = _digests(store, pk)
    assert {profile for profile, _ in cached} == {"meta", "google", "microsoft"}
    assert len(cached["meta", "email"]) == 64
    assert cached["meta", "email"] == cached["microsoft", "email"]
    assert ("google", "country") not in cached  # Google takes the country in clear
    [contact] = store.load_contacts([pk])
    assert contact.contact_id == "crm-1"
    assert contact.identifiers.country == "FR"
    assert contact.attributes == {"tier": "gold", "orders": 3}
    assert contact.lifecycle is LifecycleStage.CUSTOMER
    assert contact.consents[Purpose.EMAIL_MARKETING].source == "crm"
    assert "Ada@" not in repr(result) + repr(contact)


def test_case_and_whitespace_variants_of_an_email_are_one_contact(store: Store) -> None:
    spellings = ["ada@example.com", "  ADA@example.com", "Ada@EXAMPLE.com\t"]
    within = store.upsert_contacts(
        [ContactRecord(identifiers={"email": spelling}) for spelling in spellings], source="a"
    )
    again = store.upsert_contacts(
        [ContactRecord(identifiers={"email": spelling}) for spelling in reversed(spellings)],
        source="b",
    )
    assert (within.new, within.unchanged) == (1, 2)
    assert (again.new, again.merged, again.unchanged) == (0, 0, 3)
    assert len(set(within.contact_pks + again.contact_pks)) == 1
    assert _count(store, contacts) == 1


def test_matching_tries_contact_id_then_external_id_then_email_then_phone(store: Store) -> None:
    seed = store.upsert_contacts(
        [
            ContactRecord(contact_id="A", identifiers={"external_id": "X-1"}),
            ContactRecord(contact_id="B", identifiers={"email": "b@example.com"}),
            ContactRecord(contact_id="C", identifiers={"phone": "+44 7400 123456"}),
        ],
        source="seed",
    )
    a, b, c = seed.contact_pks
    probe = store.upsert_contacts(
        [
            ContactRecord(identifiers={"phone": "07400 123456", "country": "gb"}),
            ContactRecord(identifiers={"external_id": "X-1", "email": "new@example.com"}),
            ContactRecord(identifiers={"email": "B@example.com", "phone": "+447400123456"}),
            ContactRecord(contact_id="B", identifiers={"phone": "+447400123456"}),
            ContactRecord(identifiers={"email": "new@example.com"}),
        ],
        source="probe",
    )
    assert probe.contact_pks == [c, a, b, b, a]
    assert probe.new == 0
    assert _count(store, contacts) == 3


def test_a_merge_keeps_old_values_unless_the_record_brings_new_ones(store: Store) -> None:
    [pk] = store.upsert_contacts(
        [
            ContactRecord(
                contact_id="A",
                identifiers={
                    "email": "a@example.com",
                    "phone": "+33612345678",
                    "first_name": "Ada",
                },
            )
        ],
        source="s",
    ).contact_pks
    assert pk is not None
    before = _digests(store, pk)
    result = store.upsert_contacts(
        [
            ContactRecord(
                contact_id="A",
                identifiers={"phone": "+33 7 00 00 00 01", "first_name": " "},
                attributes={"tier": None},
            )
        ],
        source="s",
    )
    assert (result.merged, result.unchanged) == (1, 0)
    after = _identifiers(store, pk)
    assert after["phone"] == ("+33 7 00 00 00 01", "+33700000001")
    assert after["first_name"] == ("Ada", "Ada")
    assert after["email"][1] == "a@example.com"
    changed = _digests(store, pk)
    assert changed["meta", "phone"] != before["meta", "phone"]
    assert changed["meta", "email"] == before["meta", "email"]


def test_an_identical_import_changes_nothing(store: Store) -> None:
    records = [
        ContactRecord(
            contact_id=f"c{i}",
            identifiers={"email": f"P{i}@example.com", "phone": f"+1 212 555 01{i:02d}"},
            attributes={"n": i},
            lifecycle=LifecycleStage.PROSPECT,
            consents={Purpose.AD_TARGETING: ConsentState.DENIED},
        )
        for i in range(20)
    ]
    store.upsert_contacts(records, source="s")
    with store.begin() as connection:
        stamps = connection.execute(sa.select(contacts.c.pk, contacts.c.updated_at)).all()
    history = _count(store, consent_history)
    again = store.upsert_contacts(records, source="s")
    assert (again.new, again.merged, again.unchanged) == (0, 0, 20)
    assert _count(store, consent_history) == history
    with store.begin() as connection:
        assert connection.execute(sa.select(contacts.c.pk, contacts.c.updated_at)).all() == stamps


def test_consent_keeps_its_own_timestamps_and_the_newest_state_wins(store: Store) -> None:
    def record(state: ConsentState, at: dt.datetime | None) -> ContactRecord:
        return ContactRecord(
            identifiers={"email": "c@example.com"},
            consents={Purpose.EMAIL_MARKETING: state},
            consent_at=at,
        )

    store.upsert_contacts([record(ConsentState.DENIED, T0 + dt.timedelta(days=10))], source="esp")
    older = store.upsert_contacts([record(ConsentState.GRANTED, T0)], source="crm")
    assert older.unchanged == 1
    [contact] = store.load_contacts([older.contact_pks[0] or 0])
    assert contact.consent_state(Purpose.EMAIL_MARKETING) is ConsentState.DENIED
    assert _count(store, consent_history) == 2
    # Without a date a state is news only when it differs from the current one.
    assert store.upsert_contacts([record(ConsentState.DENIED, None)], source="x").unchanged == 1
    assert store.upsert_contacts([record(ConsentState.GRANTED, None)], source="x").merged == 1
    with store.begin() as connection:
        assert connection.scalar(sa.select(consent_current.c.state)) == "granted"
    assert _count(store, consent_history) == 3


def test_the_most_recent_consent_wins_within_one_chunk_whatever_the_order(store: Store) -> None:
    newer = ContactRecord(
        identifiers={"email": "d@example.com"},
        consents={Purpose.AD_MEASUREMENT: ConsentState.GRANTED},
        consent_at=T0 + dt.timedelta(hours=1),
    )
    older = ContactRecord(
        identifiers={"email": "D@example.com"},
        consents={Purpose.AD_MEASUREMENT: ConsentState.DENIED},
        consent_at=T0,
    )
    [pk, _] = store.upsert_contacts([newer, older], source="s").contact_pks
    [contact] = store.load_contacts([pk or 0])
    assert contact.consent_state(Purpose.AD_MEASUREMENT) is ConsentState.GRANTED
    assert _count(store, consent_history) == 2


def test_an_erased_person_is_not_imported_again(store: Store) -> None:
    with store.begin() as connection:
        store.add_tombstones(connection, [("email", "gone@example.com")])
    result = store.upsert_contacts(
        [
            ContactRecord(contact_id="z", identifiers={"email": " GONE@example.com"}),
            ContactRecord(identifiers={"email": "kept@example.com"}),
        ],
        source="s",
    )
    assert (result.skipped_erased, result.new) == (1, 1)
    assert result.erased == [0]
    assert result.contact_pks[0] is None
    assert _count(store, contacts) == 1


def test_a_record_without_a_usable_key_is_rejected_with_the_reason(store: Store) -> None:
    result = store.upsert_contacts(
        [
            ContactRecord(identifiers={"email": "not-an-address", "first_name": "Ann"}, row=4),
            ContactRecord(identifiers={"first_name": "Bob"}, row=5),
            ContactRecord(contact_id="only-id", row=6),
            ContactRecord(identifiers={"email": "ok@example.com", "phone": "call me"}, row=7),
        ],
        source="s",
    )
    assert result.rejected == [
        Rejection(4, "email", "unusable email: invalid_email"),
        Rejection(5, None, "no usable identity key (contact_id, external_id, email or phone)"),
    ]
    assert result.new == 2
    assert result.unusable == {"phone": 1}  # rejected rows are not counted twice
    [pk] = [pk for pk in result.contact_pks[3:] if pk]
    assert _identifiers(store, pk)["phone"] == ("call me", None)


def test_queries_per_chunk_do_not_grow_with_the_chunk(store: Store) -> None:
    def statements(size: int, offset: int) -> int:
        records = [
            ContactRecord(
                identifiers={
                    "email": f"q{offset + i}@example.com",
                    "phone": f"+1 305 555 {offset + i:04d}",
                }
            )
            for i in range(size)
        ]
        store.upsert_contacts(records, source="s")  # create
        changed = [
            ContactRecord(identifiers={"email": f"q{offset + i}@example.com"}, attributes={"x": 1})
            for i in range(size)
        ]
        seen: list[str] = []

        def count(*_args: object) -> None:
            seen.append("x")

        sa.event.listen(store.engine, "before_cursor_execute", count)
        try:
            store.upsert_contacts(changed, source="s")
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", count)
        return len(seen)

    small = statements(5, 0)
    large = statements(500, 1000)
    assert large <= small + 2  # insertmanyvalues may batch a large RETURNING insert


def test_contact_pks_and_load_contacts_follow_the_order_asked(store: Store) -> None:
    result = store.upsert_contacts(
        [
            ContactRecord(
                contact_id=f"k{i}", identifiers={"date_of_birth": "1990-02-0" + str(i + 1)}
            )
            for i in range(3)
        ],
        source="s",
    )
    pks = store.contact_pks(["k2", "k0", "missing"])
    assert set(pks) == {"k2", "k0"}
    loaded = store.load_contacts([pks["k2"], 999_999, pks["k0"]])
    assert [c.contact_id for c in loaded] == ["k2", "k0"]
    assert loaded[0].identifiers.date_of_birth == dt.date(1990, 2, 3)
    assert result.new == 3


@pytest.mark.parametrize("size", [0])
def test_an_empty_batch_is_fine(store: Store, size: int) -> None:
    assert store.upsert_contacts([], source="s").contact_pks == []


@pytest.mark.parametrize(
    "change",
    [
        {"identifiers": {"email": "rev@example.com", "phone": "+1 212 555 0199"}},
        {"attributes": {"tier": "gold"}},
        {"lifecycle": LifecycleStage.CUSTOMER},
        {"consents": {Purpose.AD_TARGETING: ConsentState.DENIED}},
    ],
    ids=["identifier", "attribute", "lifecycle", "consent"],
)
def test_every_change_an_import_brings_raises_the_contact_revision(
    store: Store, change: dict[str, object]
) -> None:
    """The sync planner skips held members whose revision did not move: every change must."""
    base = ContactRecord(
        contact_id="rev",
        identifiers={"email": "rev@example.com"},
        attributes={"tier": "silver"},
        lifecycle=LifecycleStage.PROSPECT,
        consents={Purpose.AD_TARGETING: ConsentState.GRANTED},
    )
    [pk] = store.upsert_contacts([base], source="s").contact_pks

    def revision() -> int:
        with store.begin() as connection:
            return int(connection.scalar(sa.select(contacts.c.revision).where(contacts.c.pk == pk)))

    assert revision() == 1
    store.upsert_contacts([base], source="s")
    assert revision() == 1
    fields = {
        "contact_id": base.contact_id,
        "identifiers": base.identifiers,
        "attributes": base.attributes,
        "lifecycle": base.lifecycle,
        "consents": base.consents,
    }
    store.upsert_contacts([ContactRecord(**{**fields, **change})], source="s")  # type: ignore[arg-type]
    assert revision() == 2


def test_new_contact_ids_are_random_version_4_uuids() -> None:
    ids = new_contact_ids(2000)
    assert len(set(ids)) == 2000
    for contact_id in ids:
        assert contact_id.startswith("c_")
        parsed = uuid.UUID(hex=contact_id[2:])
        assert parsed.hex == contact_id[2:]
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
    # every one of the 122 random bits varies
    ints = [uuid.UUID(hex=contact_id[2:]).int for contact_id in ids]
    varying = 0
    for value in ints:
        varying |= value ^ ints[0]
    assert bin(varying).count("1") == 122
    assert new_contact_ids(0) == []
