"""A destination whose vendor audience changed (another connector, or the audience deleted and
made again): its ledger starts again and every member is sent."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sync_fakes import connect, make_target, vendor_members, writes
from sync_seed import audience

from freehold.core.capabilities import SessionMode
from freehold.core.models import AudienceRef, SyncMode
from freehold.core.store.schema import ledger, rejections, runs
from freehold.core.sync import SyncEngine, SyncTarget
from freehold.core.testing import FakeConnector, FakeEmulator
from freehold.core.testing.fake import FakeSession

pytestmark = pytest.mark.anyio

MIRROR = audience("vip", mode=SyncMode.MIRROR)


def _plan(engine: SyncEngine, target: SyncTarget):
    (plan,) = engine.plan([target])
    plan.close()
    return plan


def _moved(connector: Any) -> SyncTarget:
    """The same audience x destination, now through a connector named `other`."""
    return dataclasses.replace(make_target(connector, MIRROR), connector_name="other")


def _held(store) -> set[int]:
    with store.engine.connect() as conn:
        return set(conn.execute(select(ledger.c.contact_pk)).scalars())


async def test_a_swapped_vendor_is_sent_every_member(store, seed, emulator, engine):
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    await engine.sync([make_target(connect(emulator), MIRROR)])
    assert _plan(engine, make_target(connect(emulator), MIRROR)).counts["add"] == 0

    other = FakeEmulator()
    plan = _plan(engine, _moved(connect(other)))
    assert plan.restarts
    assert (plan.held, plan.settled, plan.counts["add"], plan.counts["remove"]) == (0, 0, 5, 0)
    (warning,) = plan.warnings
    assert "acknowledged through fake" in warning
    assert "sends every member to other" in warning
    assert plan.summary()["restarts_ledger"] is True
    assert len(_held(store)) == 5  # planning alone changes nothing

    (report,) = (await engine.sync([_moved(connect(other))])).targets
    assert report.accepted == 5
    assert len(vendor_members(other)) == 5
    assert len(vendor_members(emulator)) == 5  # the old vendor keeps its copy

    again = _plan(engine, _moved(connect(other)))
    assert (again.restarts, again.warnings, again.unchanged, again.to_send) == (False, [], 5, 0)


async def test_the_old_vendors_rows_are_dropped_not_removed_from_the_new(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    await engine.sync([make_target(connect(emulator), MIRROR)])
    seed.audience("vip", range(1, 4))  # 4 and 5 leave while the vendor changes

    other = FakeEmulator()
    await engine.sync([_moved(connect(other))])
    assert _held(store) == {1, 2, 3}
    later = _plan(engine, _moved(connect(other)))
    # Without the restart the ledger would still hold 4 and 5, and mirror them out of `other`.
    assert (later.counts["remove"], later.held) == (0, 3)
    assert len(vendor_members(other)) == 3


async def test_rejections_from_the_old_vendor_do_not_hold_members_back(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 4))
    seed.audience("vip", range(1, 4))
    await engine.sync([make_target(connect(emulator), MIRROR)])
    with store.begin() as conn:
        key = conn.execute(select(ledger.c.member_key).where(ledger.c.contact_pk == 3)).scalar()
        conn.execute(ledger.delete().where(ledger.c.contact_pk == 3))
        conn.execute(
            rejections.insert().values(
                audience_key="vip",
                destination="social_ads",
                contact_pk=3,
                member_key=key,
                reason="the old vendor said no",
            )
        )
    same = _plan(engine, make_target(connect(emulator), MIRROR))
    assert same.dropped == {"rejected_unchanged": 1}
    other = FakeEmulator()
    plan = _plan(engine, _moved(connect(other)))
    assert (plan.counts["add"], sum(plan.dropped.values())) == (3, 0)
    await engine.sync([_moved(connect(other))])
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rejections)).scalar_one() == 0


async def test_a_vendor_audience_deleted_and_made_again_is_sent_every_member(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    await engine.sync([make_target(connect(emulator), MIRROR)])
    (deleted,) = emulator.audiences
    emulator.audiences.clear()  # someone deleted it in the vendor's own interface

    # A plan that does not ask the vendor cannot tell; the sync asks, and starts again.
    assert not _plan(engine, make_target(connect(emulator), MIRROR)).restarts
    (report,) = (await engine.sync([make_target(connect(emulator), MIRROR)])).targets
    (made,) = emulator.audiences
    assert made != deleted
    assert (report.accepted, len(vendor_members(emulator))) == (5, 5)
    (warning,) = report.warnings
    assert f"audience {deleted}" in warning
    assert f"now answers with audience {made}" in warning

    before = writes(emulator)
    (again,) = (await engine.sync([make_target(connect(emulator), MIRROR)])).targets
    assert (writes(emulator), again.warnings, again.to_send) == (before, [], 0)


class _Spying(FakeConnector):
    """A fake connector that notes the saved state each audience session is opened with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.states: list[Any] = []

    def audience_session(
        self, ref: AudienceRef, mode: SessionMode = SessionMode.UPDATE, *, state: Any = None
    ) -> FakeSession:
        self.states.append(state)
        return super().audience_session(ref, mode, state=state)


def _interrupt_last_run(store) -> dict[str, Any]:
    saved = {"session_id": "opened-through-fake", "closed": False, "jobs": {}}
    with store.begin() as conn:
        last = conn.execute(select(func.max(runs.c.pk))).scalar_one()
        conn.execute(
            update(runs).where(runs.c.pk == last).values(status="interrupted", session_state=saved)
        )
    return saved


@pytest.mark.parametrize("name", ["fake", "other"])
async def test_a_session_is_resumed_only_through_its_own_connector(
    store, seed, emulator, engine, name
):
    seed.contacts(range(1, 4))
    seed.audience("vip", range(1, 4))
    await engine.sync([make_target(connect(emulator), MIRROR)])
    saved = _interrupt_last_run(store)

    spying = _Spying(connect(emulator).config, transport=emulator.transport())
    target = dataclasses.replace(make_target(spying, MIRROR), connector_name=name)
    await engine.sync([target])
    assert spying.states == [saved if name == "fake" else None]
