"""The sync engine on a PostgreSQL store: the same guarantees as on SQLite."""

from __future__ import annotations

import pytest
from sync_fakes import FAST_RETRY, connect, make_target, vendor_members, writes
from sync_seed import Seeder, audience, email_digest

from freehold.core.models import SyncMode
from freehold.core.sync import SyncEngine, SyncOptions, get_run

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


async def test_sync_mirror_change_bisection_and_jobs_on_postgresql(pg_store, emulator):
    seed = Seeder(pg_store)
    seed.contacts(range(1, 301))
    seed.audience("vip", range(1, 301))
    engine = SyncEngine(pg_store, options=SyncOptions(retry=FAST_RETRY, poll_interval=0.005))
    mirror = audience("vip", mode=SyncMode.MIRROR)
    emulator.poison = {email_digest(9)}
    connector = connect(emulator, max_rows=40, async_jobs=True)
    report = await engine.sync([make_target(connector, mirror)])
    (target,) = report.targets
    assert report.ok
    assert target.accepted == 299
    assert target.rejected == {"batch_rejected": 1}
    assert get_run(pg_store.engine, target.run_pk).outcomes["add"] == {
        "accepted": 299,
        "rejected": 1,
    }

    before = writes(emulator)
    report = await engine.sync([make_target(connector, mirror)])
    assert writes(emulator) == before
    assert report.targets[0].dropped == {"rejected_unchanged": 1}

    seed.change_email(3, generation=1)
    seed.audience("vip", range(1, 291))
    (plan,) = engine.plan([make_target(connector, mirror)])
    plan.close()
    # Held and unchanged: settled in SQL; the changed one, the leavers and the rejected one not.
    assert (plan.settled, plan.members, plan.held) == (288, 290, 299)
    report = await engine.sync([make_target(connector, mirror)])
    (target,) = report.targets
    assert report.ok
    assert target.planned["change"] == 1
    assert target.planned["remove"] == 10
    expected = {email_digest(pk) for pk in range(1, 291) if pk not in (3, 9)} | {email_digest(3, 1)}
    assert vendor_members(emulator) == expected
    assert len(seed.ledger("vip", "social_ads")) == 289
