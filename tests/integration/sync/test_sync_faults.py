"""The engine under faults: throttling, 5xx, timeouts and dropped connections; crashes."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sync_fakes import FAST_RETRY, connect, make_target, vendor_members
from sync_seed import audience, email_digest

from freehold.core.models import SyncMode
from freehold.core.sync import PlanOptions, SyncEngine, SyncOptions, list_runs, outcome_rows

pytestmark = pytest.mark.anyio

FAULTS = ("throttle", "server_error", "timeout", "drop")


def _inject_faults(emulator, share: float = 0.2, *, path: str | None = None) -> None:
    for fault in FAULTS:
        emulator.inject(fault, rate=share / len(FAULTS), path=path)


def _desired(pks, changed=()) -> set[str]:
    return {email_digest(pk, 1 if pk in changed else 0) for pk in pks}


@pytest.mark.parametrize("async_jobs", [False, True], ids=["sync", "async-jobs"])
async def test_a_fault_run_ends_with_exactly_the_desired_membership(
    store, seed, emulator, engine, async_jobs
):
    seed.contacts(range(1, 1601))
    seed.audience("vip", range(1, 1201))
    mirror = audience("vip", mode=SyncMode.MIRROR)
    # With asynchronous jobs the faults hit job polls too: a poll keeps what it gathered.
    _inject_faults(emulator)
    connector = connect(emulator, max_rows=50, async_jobs=async_jobs)
    report = await engine.sync([make_target(connector, mirror)])
    assert report.ok, report.targets[0].counts()
    assert vendor_members(emulator) == _desired(range(1, 1201))
    assert report.targets[0].retries > 0
    assert sum(emulator.counters[name] for name in ("throttled", "server_error")) > 0

    # Members leave, arrive and change identifiers, still under faults.
    changed = {5, 6, 7}
    for pk in changed:
        seed.change_email(pk, generation=1)
    members = [*range(1, 1101), *range(1201, 1401)]
    seed.audience("vip", members)
    report = await engine.sync(
        [make_target(connector, mirror)], options=PlanOptions(allow_large_removal=True)
    )
    (target,) = report.targets
    assert report.ok, target.counts()
    assert target.planned == {"add": 200, "update": 0, "change": 3, "refresh": 0, "remove": 100}
    assert vendor_members(emulator) == _desired(members, changed)
    assert set(seed.ledger("vip", "social_ads")) == set(members)
    per_row = Counter((row.key, row.operation) for row in outcome_rows(store.engine, target.run_pk))
    assert len(per_row) == target.to_send
    assert set(per_row.values()) == {1}


async def test_throttling_slows_the_account_limiter(seed, engine):
    from freehold.core.testing import FakeEmulator

    emulator = FakeEmulator(requests_per_second=20, retry_after=0.05)
    seed.contacts(range(1, 301))
    seed.audience("vip", range(1, 301))
    report = await engine.sync([make_target(connect(emulator, max_rows=10))])
    assert report.ok
    assert emulator.counters["throttled"] > 0
    limiter = engine.limiters.for_account("fake:social_ads", connect(emulator).audience_limits)
    assert limiter.throttles > 0
    assert limiter.rate is not None
    assert limiter.rate < 1000
    assert len(vendor_members(emulator)) == 300


class Crash(BaseException):
    """Stands for the process dying in the middle of a run."""


def _received(emulator) -> Counter[str]:
    counts: Counter[str] = Counter()
    for receipt in emulator.receipts:
        if receipt.method == "POST" and receipt.path.endswith("/members"):
            counts.update(row["email"] for row in json.loads(receipt.body)["members"])
    return counts


async def test_a_crashed_run_resumes_its_session_without_resending_acknowledged_batches(
    store, seed, emulator
):
    seed.contacts(range(1, 1001))
    seed.audience("vip", range(1, 1001))
    calls = 0

    async def crash_after_six(destination, delivery, send):
        nonlocal calls
        calls += 1
        outcomes = await send()
        if calls == 7:
            raise Crash
        return outcomes

    crashing = SyncEngine(store, options=SyncOptions(retry=FAST_RETRY), deliver=crash_after_six)
    with pytest.raises(BaseExceptionGroup) as caught:
        await crashing.sync([make_target(connect(emulator, max_rows=50))])
    assert caught.group_contains(Crash)
    acknowledged = set(seed.ledger("vip", "social_ads"))
    assert 0 < len(acknowledged) < 1000
    (crashed,) = list_runs(store.engine)
    assert crashed.status == "interrupted"
    emulator.receipts.clear()

    fresh = SyncEngine(store, options=SyncOptions(retry=FAST_RETRY))
    report = await fresh.sync([make_target(connect(emulator, max_rows=50))])
    assert report.ok
    resent = _received(emulator)
    assert not {email_digest(pk) for pk in acknowledged} & set(resent)
    assert all(count == 1 for count in resent.values())
    assert vendor_members(emulator) == {email_digest(pk) for pk in range(1, 1001)}
    assert len(emulator.sessions) == 1
    assert all(session.closed for session in emulator.sessions.values())
