"""The sync engine drives the Meta connector against the Meta emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from meta_seed import email_of, ledger_pks, phone_of, seed_contacts, set_audience
from meta_support import sha
from sqlalchemy import select

from freehold.connectors.meta import MetaConnector
from freehold.connectors.meta.emulator import MetaEmulator
from freehold.core.capabilities import BatchLimits
from freehold.core.models import Audience, SyncMode
from freehold.core.retry import RetryPolicy
from freehold.core.store import Store
from freehold.core.store.schema import rejections
from freehold.core.sync import SyncEngine, SyncOptions, SyncTarget

pytestmark = pytest.mark.anyio

FAST_RETRY = RetryPolicy(max_attempts=8, initial_wait=0.001, max_wait=0.01, max_total_seconds=30)
VIP = Audience(key="vip", name="VIP customers")


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


@pytest.fixture
def engine(store: Store) -> SyncEngine:
    return SyncEngine(store, options=SyncOptions(retry=FAST_RETRY, poll_interval=0.005))


def connect(
    emulator: MetaEmulator,
    *,
    base_url: str = "http://emulator.invalid",
    served: bool = False,
    **limits: Any,
) -> MetaConnector:
    config = MetaConnector.emulator_config(base_url)
    connector = MetaConnector(config, transport=None if served else emulator.transport())
    if limits:
        current = MetaConnector.audience_limits.model_dump()
        vars(connector)["audience_limits"] = BatchLimits(**{**current, **limits})
    return connector


def target(connector: MetaConnector, audience: Audience = VIP) -> SyncTarget:
    return SyncTarget(
        audience=audience,
        destination="social_ads",
        connector=connector,
        connector_name="meta",
        account="meta:act_1000000001",
    )


def held(emulator: MetaEmulator, key: str = "EMAIL") -> set[str]:
    (audience,) = emulator.audiences.values()
    return emulator.audience_hashes(audience.id, key)


def user_bodies(emulator: MetaEmulator) -> list[dict[str, Any]]:
    return [
        json.loads(r.body)
        for r in emulator.receipts
        if r.method == "POST" and r.path.endswith("/users") and r.status == 200
    ]


async def test_a_full_sync_uploads_every_member_in_one_closed_session(
    store: Store, engine: SyncEngine
) -> None:
    emulator = MetaEmulator()
    seed_contacts(store, range(1, 2501))
    set_audience(store, "vip", range(1, 2501))
    report = await engine.sync([target(connect(emulator, max_rows=1000))])
    (result,) = report.targets
    assert report.ok, result.error
    assert (result.accepted, result.batches) == (2500, 3)
    assert held(emulator) == {sha(email_of(pk)) for pk in range(1, 2501)}
    assert held(emulator, "PHONE") == {sha(phone_of(pk)) for pk in range(1, 2501)}
    assert held(emulator, "DOBY") == {sha("1990")}
    bodies = user_bodies(emulator)
    assert all(len(b["payload"]["data"]) <= 1000 for b in bodies)
    assert bodies[0]["payload"]["schema"] == ["EMAIL", "PHONE", "DOBY", "DOBM", "DOBD"]
    (session,) = next(iter(emulator.state()["audiences"].values()))["sessions"]
    assert (session["stage"], session["num_received"]) == ("finished", "2501")
    assert result.feedback["rows_sent"] == 2500
    assert ledger_pks(store, "vip", "social_ads") == set(range(1, 2501))


async def test_a_rerun_without_change_sends_no_member(store: Store, engine: SyncEngine) -> None:
    emulator = MetaEmulator()
    seed_contacts(store, range(1, 51))
    set_audience(store, "vip", range(1, 51))
    await engine.sync([target(connect(emulator))])
    before = len(user_bodies(emulator))
    report = await engine.sync([target(connect(emulator))])
    assert report.targets[0].to_send == 0
    assert len(user_bodies(emulator)) == before


async def test_mirror_removes_leavers_with_post_method_delete(
    store: Store, engine: SyncEngine
) -> None:
    emulator = MetaEmulator()
    mirror = Audience(key="vip", name="VIP customers", mode=SyncMode.MIRROR)
    seed_contacts(store, range(1, 41))
    set_audience(store, "vip", range(1, 41))
    await engine.sync([target(connect(emulator), mirror)])
    set_audience(store, "vip", range(1, 37))
    report = await engine.sync([target(connect(emulator), mirror)])
    assert report.targets[0].planned["remove"] == 4
    assert held(emulator) == {sha(email_of(pk)) for pk in range(1, 37)}
    removals = [b for b in user_bodies(emulator) if b.get("method") == "DELETE"]
    assert removals
    assert not [r for r in emulator.receipts if r.method == "DELETE"]
    assert ledger_pks(store, "vip", "social_ads") == set(range(1, 37))


async def test_throttling_is_retried_until_every_member_is_in(
    store: Store, engine: SyncEngine
) -> None:
    emulator = MetaEmulator()
    emulator.inject("throttle", on={2, 3}, path=r"/users$")
    seed_contacts(store, range(1, 601))
    set_audience(store, "vip", range(1, 601))
    report = await engine.sync([target(connect(emulator, max_rows=200))])
    (result,) = report.targets
    assert report.ok, result.error
    assert result.accepted == 600
    assert result.retries >= 2
    assert emulator.counters["throttled"] == 2
    assert held(emulator) == {sha(email_of(pk)) for pk in range(1, 601)}


async def test_server_errors_and_dropped_connections_are_retried(
    store: Store, engine: SyncEngine
) -> None:
    emulator = MetaEmulator()
    emulator.inject("server_error", on={2}, path=r"/users$")
    emulator.inject("drop", on={3}, path=r"/users$")
    seed_contacts(store, range(1, 301))
    set_audience(store, "vip", range(1, 301))
    report = await engine.sync([target(connect(emulator, max_rows=100))])
    assert report.ok
    assert report.targets[0].accepted == 300
    assert len(held(emulator)) == 300


async def test_an_invalid_row_is_rejected_and_recorded_and_the_rest_go_in(
    store: Store, engine: SyncEngine
) -> None:
    emulator = MetaEmulator()
    seed_contacts(store, range(1, 21), bad_digest=[7])
    set_audience(store, "vip", range(1, 21))
    report = await engine.sync([target(connect(emulator))])
    (result,) = report.targets
    assert result.accepted == 19
    assert sum(result.rejected.values()) == 1
    with store.engine.connect() as conn:
        (row,) = conn.execute(select(rejections.c.contact_pk, rejections.c.code)).all()
    assert tuple(row) == (7, "invalid_entry")
    assert sha(email_of(7)) not in held(emulator)
    assert len(held(emulator)) == 19


async def test_a_sync_over_real_http_on_loopback(store: Store, engine: SyncEngine) -> None:
    emulator = MetaEmulator()
    seed_contacts(store, range(1, 101))
    set_audience(store, "vip", range(1, 101))
    with emulator.serve() as url:
        report = await engine.sync([target(connect(emulator, base_url=url, served=True))])
    assert report.ok
    assert len(held(emulator)) == 100
