"""The sync engine against the fake connector and its emulator, in-process."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sync_fakes import connect, make_target, narrowed, vendor_members, writes
from sync_seed import audience, email_digest

from freehold.core.models import SyncMode
from freehold.core.store.schema import rejections
from freehold.core.sync import PlanOptions, TargetStatus, get_run, outcome_rows, rejected_rows

pytestmark = pytest.mark.anyio


def _member_bodies(emulator, operation: str = "members") -> list[list[dict]]:
    """The member lists the vendor received (and answered) on one path, in order."""
    suffix = "/members" if operation == "members" else "/members:remove"
    return [
        json.loads(r.body)["members"]
        for r in emulator.receipts
        if r.method == "POST" and r.path.endswith(suffix)
    ]


async def test_full_sync_sends_every_member_within_the_batch_limits(store, seed, emulator, engine):
    seed.contacts(range(1, 1235))
    seed.audience("vip", range(1, 1235))
    connector = connect(emulator, max_rows=100)
    report = await engine.sync([make_target(connector)])
    (target,) = report.targets
    assert report.ok
    assert target.accepted == 1234
    assert target.batches == 13
    assert vendor_members(emulator) == {email_digest(pk) for pk in range(1, 1235)}
    assert all(len(body) <= 100 for body in _member_bodies(emulator))
    assert len(seed.ledger("vip", "social_ads")) == 1234
    rows = list(outcome_rows(store.engine, target.run_pk))
    assert sorted(row.contact_pk for row in rows) == list(range(1, 1235))
    assert {row.status for row in rows} == {"accepted"}
    assert get_run(store.engine, target.run_pk).outcomes == {"add": {"accepted": 1234}}


async def test_a_rerun_without_change_sends_nothing(seed, emulator, engine):
    seed.contacts(range(1, 301))
    seed.audience("vip", range(1, 301))
    await engine.sync([make_target(connect(emulator))])
    before = writes(emulator)
    report = await engine.sync([make_target(connect(emulator))])
    assert writes(emulator) == before
    (target,) = report.targets
    assert target.to_send == 0
    assert target.sent == 0
    assert report.ok


async def test_only_consented_members_with_identifiers_leave(seed, emulator, engine):
    seed.contacts(range(1, 11))
    seed.contacts(range(11, 14), consent="denied")
    seed.contacts(range(14, 16), consent=None)
    seed.contacts([16])
    seed.drop_identifiers(16)
    seed.audience("vip", range(1, 17))
    report = await engine.sync([make_target(connect(emulator))])
    (target,) = report.targets
    assert target.dropped == {
        "consent_denied": 3,
        "consent_unknown": 2,
        "no_usable_identifier": 1,
    }
    assert vendor_members(emulator) == {email_digest(pk) for pk in range(1, 11)}


async def test_unknown_consent_leaves_only_where_the_destination_says_so(seed, emulator, engine):
    seed.contacts(range(1, 6), consent=None)
    seed.audience("vip", range(1, 6))
    connector = connect(emulator)
    report = await engine.sync([make_target(connector, send_unknown_consent=True)])
    assert report.targets[0].accepted == 5
    assert len(vendor_members(emulator)) == 5


async def test_mirror_removes_members_who_left_and_add_only_keeps_them(seed, emulator, engine):
    seed.contacts(range(1, 21))
    seed.audience("vip", range(1, 21))
    seed.audience("keep", range(1, 21))
    mirror = audience("vip", mode=SyncMode.MIRROR)
    keep = audience("keep")
    connector = connect(emulator)
    await engine.sync([make_target(connector, mirror), make_target(connector, keep)])
    seed.audience("vip", range(1, 18))
    seed.audience("keep", range(1, 18))
    report = await engine.sync([make_target(connector, mirror), make_target(connector, keep)])
    by_key = {t.audience_key: t for t in report.targets}
    assert by_key["vip"].planned["remove"] == 3
    assert by_key["keep"].planned["remove"] == 0
    assert vendor_members(emulator, "vip") == {email_digest(pk) for pk in range(1, 18)}
    assert vendor_members(emulator, "keep") == {email_digest(pk) for pk in range(1, 21)}
    assert set(seed.ledger("vip", "social_ads")) == set(range(1, 18))


async def test_withdrawn_consent_removes_the_member_even_in_add_only(seed, emulator, engine):
    seed.contacts(range(1, 21))
    seed.audience("vip", range(1, 21))
    await engine.sync([make_target(connect(emulator))])
    seed.consent([4], "denied")
    report = await engine.sync([make_target(connect(emulator))])
    assert report.targets[0].planned["remove"] == 1
    assert email_digest(4) not in vendor_members(emulator)
    assert 4 not in seed.ledger("vip", "social_ads")


async def test_mirror_removes_only_what_freehold_added(seed, emulator, engine):
    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    connector = connect(emulator)
    mirror = audience("vip", mode=SyncMode.MIRROR)
    await engine.sync([make_target(connector, mirror)])
    (vendor_audience,) = emulator.audiences.values()
    foreign = "f" * 64
    vendor_audience.members[foreign] = {"identifiers": {"email": foreign}, "added_at": "x"}
    seed.audience("vip", range(1, 10))
    await engine.sync([make_target(connector, mirror)])
    assert foreign in vendor_members(emulator)
    assert email_digest(10) not in vendor_members(emulator)


async def test_an_identifier_change_removes_the_old_key_before_adding_the_new(
    seed, emulator, engine
):
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    await engine.sync([make_target(connect(emulator))])
    old_key = seed.ledger("vip", "social_ads")[3]
    seed.change_email(3, generation=1)
    emulator.receipts.clear()
    report = await engine.sync([make_target(connect(emulator))])
    (target,) = report.targets
    assert target.planned["change"] == 1
    assert target.planned["add"] == 0
    assert vendor_members(emulator) == {email_digest(pk) for pk in (1, 2, 4, 5)} | {
        email_digest(3, 1)
    }
    paths = [r.path for r in emulator.receipts if r.method == "POST" and "/members" in r.path]
    assert paths[0].endswith("/members:remove")
    assert paths[1].endswith("/members")
    assert _member_bodies(emulator, "remove") == [[{"email": email_digest(3)}]]
    assert seed.ledger("vip", "social_ads")[3] != old_key


async def test_a_changed_field_is_sent_again_under_the_same_identifiers(seed, emulator, engine):
    seed.contacts(range(1, 4))
    seed.audience("vip", range(1, 4))
    seed.attribute(2, "tier", "gold")
    fields = {"tier": "TIER"}
    await engine.sync([make_target(connect(emulator), fields=fields)])
    seed.attribute(2, "tier", "platinum")
    plans = engine.plan([make_target(connect(emulator), fields=fields)])
    assert plans[0].counts["update"] == 1
    assert plans[0].counts["change"] == 0
    assert len(plans[0].removals) == 0
    plans[0].close()


async def test_a_large_removal_is_refused_unless_allowed(store, seed, emulator, engine):
    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    mirror = audience("vip", mode=SyncMode.MIRROR)
    await engine.sync([make_target(connect(emulator), mirror)])
    seed.audience("vip", range(1, 8))
    before = writes(emulator)
    report = await engine.sync([make_target(connect(emulator), mirror)])
    (target,) = report.targets
    assert target.status is TargetStatus.REFUSED
    assert "--allow-large-removal" in (target.error or "")
    assert not report.ok
    assert writes(emulator) == before
    assert get_run(store.engine, target.run_pk).summary.status == "failed"
    report = await engine.sync(
        [make_target(connect(emulator), mirror)], options=PlanOptions(allow_large_removal=True)
    )
    assert report.ok
    assert len(vendor_members(emulator)) == 7


async def test_the_removal_limit_is_configurable(seed, emulator, engine):
    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    mirror = audience("vip", mode=SyncMode.MIRROR)
    await engine.sync([make_target(connect(emulator), mirror)])
    seed.audience("vip", range(1, 10))
    (plan,) = engine.plan(
        [make_target(connect(emulator), mirror)], options=PlanOptions(max_removal_share=0.05)
    )
    assert plan.refused is not None
    plan.close()


async def test_an_audience_below_the_vendor_minimum_is_flagged(seed, emulator, engine):
    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    connector = narrowed(connect(emulator), min_audience_size=100)
    (plan,) = engine.plan([make_target(connector)])
    assert any("minimum audience size of 100" in warning for warning in plan.warnings)
    assert plan.summary()["warnings"] == plan.warnings
    plan.close()


async def test_a_poisoned_batch_is_bisected_and_the_innocent_rows_go_through(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 201))
    seed.audience("vip", range(1, 201))
    emulator.poison = {email_digest(77)}
    report = await engine.sync([make_target(connect(emulator, max_rows=100))])
    (target,) = report.targets
    assert target.accepted == 199
    assert target.rejected == {"batch_rejected": 1}
    assert target.bisections >= 6
    assert report.ok
    assert vendor_members(emulator) == {email_digest(pk) for pk in range(1, 201)} - {
        email_digest(77)
    }
    (row,) = rejected_rows(store.engine, target.run_pk)
    assert row.contact_id == "c77"
    assert row.code == "batch_rejected"
    assert "refused member" in (row.reason or "")


async def test_a_rejected_row_is_retried_only_when_changed_or_asked(store, seed, emulator, engine):
    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    emulator.poison = {email_digest(5)}
    await engine.sync([make_target(connect(emulator))])
    before = writes(emulator)
    report = await engine.sync([make_target(connect(emulator))])
    assert writes(emulator) == before
    assert report.targets[0].dropped == {"rejected_unchanged": 1}
    report = await engine.sync(
        [make_target(connect(emulator))], options=PlanOptions(retry_rejected=True)
    )
    assert report.targets[0].rejected == {"batch_rejected": 1}
    seed.change_email(5, generation=1)
    report = await engine.sync([make_target(connect(emulator))])
    assert report.targets[0].accepted == 1
    assert email_digest(5, 1) in vendor_members(emulator)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rejections)).scalar() == 0


async def test_a_batch_too_large_in_bytes_is_split(seed, engine):
    from freehold.core.testing import FakeEmulator

    emulator = FakeEmulator(max_bytes=8_000)
    seed.contacts(range(1, 501))
    seed.audience("vip", range(1, 501))
    report = await engine.sync([make_target(connect(emulator, max_rows=500))])
    (target,) = report.targets
    assert report.ok
    assert target.accepted == 500
    assert target.splits >= 1
    assert len(vendor_members(emulator)) == 500
    accepted = [r for r in emulator.receipts if r.status == 200 and r.path.endswith("/members")]
    assert all(len(r.body) <= 8_000 for r in accepted)


async def test_pending_rows_are_resolved_through_the_session_poll(store, seed, emulator, engine):
    seed.contacts(range(1, 251))
    seed.audience("vip", range(1, 251))
    report = await engine.sync([make_target(connect(emulator, max_rows=100, async_jobs=True))])
    (target,) = report.targets
    assert target.accepted == 250
    assert target.pending == 0
    assert report.ok
    assert len(seed.ledger("vip", "social_ads")) == 250
    detail = get_run(store.engine, target.run_pk)
    assert detail.outcomes == {"add": {"accepted": 250}}


async def test_members_near_the_vendor_expiry_are_refreshed(store, seed, emulator, engine):
    import datetime as dt

    from sqlalchemy import update

    from freehold.core.store.schema import ledger

    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    aud = audience("vip", days=30)
    await engine.sync([make_target(connect(emulator), aud)])
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=28)
    with store.begin() as conn:
        conn.execute(update(ledger).where(ledger.c.contact_pk <= 2).values(refreshed_at=old))
    report = await engine.sync([make_target(connect(emulator), aud)])
    assert report.targets[0].planned["refresh"] == 2
    assert report.targets[0].accepted == 2
    (plan,) = engine.plan([make_target(connect(emulator), aud)])
    assert plan.to_send == 0
    plan.close()


async def test_a_plugin_filter_narrows_and_removes_what_it_excludes(store, seed, emulator):
    from sync_fakes import FAST_RETRY

    from freehold.core.sync import SyncEngine, SyncOptions

    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    calls = []

    def staff_filter(destination, audience_key, contacts):
        calls.append((destination, audience_key, len(contacts)))
        return [c for c in contacts if c.contact_id != "c2"]

    plain = SyncEngine(store, options=SyncOptions(retry=FAST_RETRY))
    await plain.sync([make_target(connect(emulator))])
    filtered = SyncEngine(store, options=SyncOptions(retry=FAST_RETRY), contact_filter=staff_filter)
    report = await filtered.sync([make_target(connect(emulator))])
    assert calls == [("social_ads", "vip", 5)]
    assert report.targets[0].dropped == {"filtered_by_plugin": 1}
    assert report.targets[0].planned["remove"] == 1
    assert email_digest(2) not in vendor_members(emulator)


async def test_a_permanent_error_stops_the_destination_and_fails_the_run(store, seed, emulator):
    from sync_fakes import FAST_RETRY

    from freehold.core.sync import SyncEngine, SyncOptions
    from freehold.core.testing import FakeConnector, fake_config

    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    config = fake_config("https://api.fake-vendor.invalid", api_key="wrong-key")
    connector = FakeConnector(config, transport=emulator.transport())
    healthy = make_target(connect(emulator), destination="other_ads")
    report = await SyncEngine(store, options=SyncOptions(retry=FAST_RETRY)).sync(
        [make_target(connector), healthy]
    )
    target, other = report.targets
    assert target.status is TargetStatus.FAILED
    assert "401" in (target.error or "")
    assert target.unsent == 10
    assert not report.ok
    assert get_run(store.engine, target.run_pk).summary.status == "failed"
    # The failed lookup of its vendor audience stops that destination only.
    assert (other.status, other.accepted) == (TargetStatus.SUCCEEDED, 10)


async def test_a_vendor_down_for_one_destination_fails_it_and_the_others_finish(store, seed):
    from sync_fakes import FAST_RETRY

    from freehold.core.sync import SyncEngine, SyncOptions
    from freehold.core.testing import FakeEmulator

    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    down, up = FakeEmulator(), FakeEmulator()
    down.inject("server_error", rate=1.0)
    report = await SyncEngine(store, options=SyncOptions(retry=FAST_RETRY)).sync(
        [make_target(connect(down)), make_target(connect(up), destination="other_ads")]
    )
    failed, other = report.targets
    assert failed.status is TargetStatus.FAILED
    assert "503" in (failed.error or "")
    assert failed.unsent == 10
    assert (other.status, other.accepted) == (TargetStatus.SUCCEEDED, 10)
    assert not report.ok
    assert get_run(store.engine, failed.run_pk).summary.status == "failed"
