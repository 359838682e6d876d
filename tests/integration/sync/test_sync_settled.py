"""Settled members: a re-sync reads only the members whose data or destination changed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sync_fakes import connect, make_target, vendor_members, writes
from sync_seed import audience, email_digest

from freehold.core.models import Audience, Consent, ConsentState, Purpose
from freehold.core.store.schema import audience_members, contacts, ledger
from freehold.core.sync import SyncEngine
from freehold.core.testing import FakeConnector

pytestmark = pytest.mark.anyio


def _plan(engine: SyncEngine, target):
    (plan,) = engine.plan([target])
    plan.close()
    return plan


def _ledger_stamps(store) -> dict[int, tuple[int | None, str | None]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(ledger.c.contact_pk, ledger.c.revision, ledger.c.basis))
        return {pk: (revision, basis) for pk, revision, basis in rows}


async def test_an_unchanged_audience_is_counted_without_being_read(store, seed, emulator, engine):
    seed.contacts(range(1, 51))
    seed.audience("vip", range(1, 51))
    first = _plan(engine, make_target(connect(emulator)))
    assert (first.settled, first.counts["add"]) == (0, 50)
    await engine.sync([make_target(connect(emulator))])
    stamps = _ledger_stamps(store)
    assert {revision for revision, _ in stamps.values()} == {1}
    assert {basis for _, basis in stamps.values()} == {first.basis}

    again = _plan(engine, make_target(connect(emulator)))
    assert (again.settled, again.members, again.eligible, again.held) == (50, 50, 50, 50)
    assert again.unchanged == 50
    assert again.to_send == 0


async def test_a_consent_change_through_the_store_is_seen(store, seed, emulator, engine):
    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    await engine.sync([make_target(connect(emulator))])
    denied = Consent(
        purpose=Purpose.AD_TARGETING,
        state=ConsentState.DENIED,
        at=dt.datetime.now(dt.UTC),
        source="test",
    )
    with store.begin() as conn:
        assert store.record_consent(conn, 3, denied)
    plan = _plan(engine, make_target(connect(emulator)))
    assert plan.settled == 9
    assert plan.counts["remove"] == 1
    report = await engine.sync([make_target(connect(emulator))])
    assert report.ok
    assert email_digest(3) not in vendor_members(emulator)


async def test_a_changed_identifier_is_seen_and_the_rest_stay_settled(seed, emulator, engine):
    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    await engine.sync([make_target(connect(emulator))])
    seed.change_email(7, generation=1)
    plan = _plan(engine, make_target(connect(emulator)))
    assert (plan.settled, plan.counts["change"]) == (9, 1)


async def test_other_destination_settings_look_at_every_member_once(store, seed, emulator, engine):
    seed.contacts(range(1, 21))
    seed.audience("vip", range(1, 21))
    await engine.sync([make_target(connect(emulator))])
    unknown_allowed = make_target(connect(emulator), send_unknown_consent=True)
    plan = _plan(engine, unknown_allowed)
    # Another basis: nothing is settled, nothing differs, every row is confirmed.
    assert (plan.settled, plan.to_send, len(plan.confirmed) // 2) == (0, 0, 20)
    assert plan.unchanged == 20
    before = writes(emulator)
    report = await engine.sync([unknown_allowed])
    assert report.ok
    assert writes(emulator) == before
    assert {basis for _, basis in _ledger_stamps(store).values()} == {plan.basis}
    assert _plan(engine, unknown_allowed).settled == 20


async def test_rows_from_before_revisions_are_looked_at_then_confirmed(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    await engine.sync([make_target(connect(emulator))])
    with store.begin() as conn:
        conn.execute(update(ledger).values(revision=None, basis=None))
        conn.execute(update(contacts).where(contacts.c.pk == 4).values(revision=5))
    plan = _plan(engine, make_target(connect(emulator)))
    assert (plan.settled, plan.to_send, len(plan.confirmed) // 2) == (0, 0, 10)
    await engine.sync([make_target(connect(emulator))])
    stamps = _ledger_stamps(store)
    assert stamps[4] == (5, plan.basis)
    assert stamps[1] == (1, plan.basis)
    assert _plan(engine, make_target(connect(emulator))).settled == 10


async def test_a_member_due_for_a_refresh_is_not_settled(store, seed, emulator, engine):
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    target = make_target(connect(emulator), audience("vip", days=30))
    await engine.sync([target])
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=29)
    with store.begin() as conn:
        conn.execute(update(ledger).where(ledger.c.contact_pk == 2).values(refreshed_at=old))
    plan = _plan(engine, target)
    assert (plan.settled, plan.counts["refresh"], plan.unchanged) == (4, 1, 4)


async def test_a_plugin_filter_turns_settling_off(store, seed, emulator):
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    keep_all = SyncEngine(store, contact_filter=lambda _dest, _aud, offered: offered)
    await keep_all.sync([make_target(connect(emulator))])
    plan = _plan(keep_all, make_target(connect(emulator)))
    assert (plan.settled, plan.members, plan.to_send) == (0, 5, 0)


class _ValueFake(FakeConnector):
    """The fake connector as a vendor that takes each member's value (value-based audiences)."""

    def sends_value(self, audience: Audience) -> bool:
        return audience.key == "vip"


def _score(store, pk: int, score: float) -> None:
    with store.begin() as conn:
        conn.execute(
            update(audience_members).where(audience_members.c.contact_pk == pk).values(score=score)
        )


async def test_a_changed_value_is_sent_again_where_the_vendor_takes_values(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    for pk in range(1, 6):
        _score(store, pk, 10.0 * pk)
    valued = _ValueFake(connect(emulator).config, transport=emulator.transport())
    await engine.sync([make_target(valued)])
    _score(store, 2, 99.5)

    (plan,) = engine.plan([make_target(valued)])
    # Scores carry no revision: nothing settles, the changed value is an update.
    assert (plan.settled, plan.counts["update"], plan.unchanged) == (0, 1, 4)
    (row,) = (row for chunk in plan.additions.chunks() for row in chunk)
    assert (row[1], row[6]) == (2, 99.5)
    plan.close()


async def test_a_changed_value_is_not_sent_where_the_vendor_takes_none(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 6))
    seed.audience("other", range(1, 6))
    valued = _ValueFake(connect(emulator).config, transport=emulator.transport())
    target = make_target(valued, audience("other"))  # not value-based
    await engine.sync([target])
    _score(store, 2, 99.5)
    plan = _plan(engine, target)
    assert (plan.settled, plan.counts["update"]) == (5, 0)
