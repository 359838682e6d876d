"""The fake connector and its emulator behave as the engine's tests rely on."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import anyio
import pytest

from freehold.core.capabilities import ErasureRequest, SessionMode
from freehold.core.errors import (
    AuthError,
    BatchRejectedError,
    BatchTooLargeError,
    ConfigError,
    NotFoundError,
    PermanentError,
    ThrottledError,
    TransientError,
    VendorRequestError,
)
from freehold.core.models import (
    Audience,
    AudienceRef,
    Budget,
    BudgetPeriod,
    Campaign,
    CampaignStatus,
    Channel,
    EmailContent,
    Event,
    Member,
    OutcomeStatus,
)
from freehold.core.testing import FakeConfig, FakeConnector, FakeEmulator, fake_config

pytestmark = pytest.mark.anyio


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def member(n: int) -> Member:
    return Member(key=f"row-{n}", identifiers={"email": digest(f"person{n}@example.com")})


def event(n: int, **changes) -> Event:
    fields = {
        "event_id": f"evt-{n}",
        "name": "purchase",
        "occurred_at": dt.datetime.now(dt.UTC),
        "contact_id": f"c{n}",
    }
    return Event(**{**fields, **changes})


@pytest.fixture
def emulator() -> FakeEmulator:
    return FakeEmulator()


def connect(emulator: FakeEmulator, **overrides) -> FakeConnector:
    return FakeConnector(
        fake_config("http://fake.test", **overrides), transport=emulator.transport()
    )


AUDIENCE = Audience(key="vip", name="VIP customers")
EMAIL_CONTENT = EmailContent(
    subject="Hi", from_name="Shop", from_email="shop@example.com", html="x"
)


async def test_limits_come_from_the_config() -> None:
    connector = FakeConnector(fake_config("http://x", max_rows=7, concurrency_per_audience=1))
    assert connector.audience_limits.max_rows == 7
    assert connector.event_limits.concurrency_per_audience == 1
    assert FakeConnector.audience_limits.max_rows == 500


async def test_config_keeps_the_key_secret() -> None:
    config = fake_config("http://x")
    assert "fake-secret" not in repr(config)
    assert "fake-secret" not in repr(FakeConnector(config))
    assert FakeConfig.model_json_schema()["properties"]["api_key"]["format"] == "password"


async def test_check_maps_wrong_token_and_unknown_account(emulator) -> None:
    async with connect(emulator) as connector:
        await connector.check()
    async with connect(emulator, api_key="nope") as connector:
        with pytest.raises(AuthError, match=r"GET /v1/accounts/acct_fake_1 -> 401 \[auth\]"):
            await connector.check()
    async with connect(emulator, account_id="acct_other") as connector:
        with pytest.raises(ConfigError, match="acct_other"):
            await connector.check()


async def test_ensure_audience_finds_before_creating(emulator) -> None:
    async with connect(emulator) as connector:
        first = await connector.ensure_audience(AUDIENCE)
        again = await connector.ensure_audience(AUDIENCE)
    assert first == again
    assert list(emulator.state()["audiences"]) == [first.vendor_id]


async def test_rows_are_keyed_and_malformed_rows_rejected(emulator) -> None:
    bad = Member(key="bad", identifiers={"email": "not-a-digest"})
    async with connect(emulator) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        async with connector.audience_session(ref) as session:
            outcomes = await session.add([member(1), bad, member(2)])
            removed = await session.remove([member(1)])
    assert [o.key for o in outcomes] == ["row-1", "bad", "row-2"]
    assert [o.status for o in outcomes] == ["accepted", "rejected", "accepted"]
    assert outcomes[1].code == "invalid_identifier"
    assert "not-a-digest" not in (outcomes[1].reason or "")
    assert [o.status for o in removed] == ["accepted"]
    assert session.feedback() == {
        "session_id": "ses_1",
        "sent": 4,
        "accepted": 3,
        "rejected": 1,
        "open_jobs": 0,
    }
    assert emulator.state()["audiences"][ref.vendor_id]["members"] == [
        member(2).identifiers["email"]
    ]
    assert all(s["closed"] for s in emulator.state()["sessions"].values())


async def test_poison_member_refuses_the_whole_batch(emulator) -> None:
    emulator.poison.add(member(2).identifiers["email"])
    async with connect(emulator) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        session = connector.audience_session(ref)
        with pytest.raises(BatchRejectedError, match=r"\[batch_rejected\]"):
            await session.add([member(1), member(2)])
        assert [o.status for o in await session.add([member(1)])] == ["accepted"]
        await session.close()
    assert emulator.members(ref.vendor_id) == {member(1).identifiers["email"]}


async def test_too_many_rows_or_bytes_is_batch_too_large() -> None:
    emulator = FakeEmulator(max_rows=2, max_bytes=400)
    async with connect(emulator) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        session = connector.audience_session(ref)
        with pytest.raises(BatchTooLargeError, match="413"):
            await session.add([member(1), member(2), member(3)])
        wide = Member(
            key="w",
            identifiers={
                "email": digest("a"),
                "phone": digest("b"),
                "first_name": digest("c"),
                "last_name": digest("d"),
                "country": digest("e"),
            },
        )
        with pytest.raises(BatchTooLargeError, match="400"):
            await session.add([wide, wide])


async def test_async_jobs_answer_pending_then_resolve_after_a_resume(emulator) -> None:
    bad = Member(key="bad", identifiers={"email": "x"})
    async with connect(emulator, async_jobs=True) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        session = connector.audience_session(ref)
        outcomes = await session.add([member(1), bad])
        assert {o.status for o in outcomes} == {OutcomeStatus.PENDING}
        assert outcomes[0].vendor_ref == "job_1"
        saved = json.loads(json.dumps(session.state))
        resumed = connector.audience_session(ref, state=saved)
        polls = [await resumed.poll() for _ in range(3)]
        await resumed.close()
    assert polls[0] == []
    assert polls[1] == []
    assert [(o.key, o.status) for o in polls[2]] == [("row-1", "accepted"), ("bad", "rejected")]
    assert emulator.members(ref.vendor_id) == {member(1).identifiers["email"]}
    assert resumed.state["jobs"] == {}
    assert resumed.feedback() == {
        "session_id": "ses_1",
        "sent": 0,
        "accepted": 1,
        "rejected": 1,
        "open_jobs": 0,
    }
    assert session.feedback()["open_jobs"] == 1


async def test_batches_racing_on_the_first_request_share_one_vendor_session() -> None:
    emulator = FakeEmulator(latency=0.01)  # every request yields, so both batches start at once
    async with connect(emulator) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        session = connector.audience_session(ref, SessionMode.REPLACE)
        async with anyio.create_task_group() as group:
            group.start_soon(session.add, [member(1)])
            group.start_soon(session.add, [member(2)])
        await session.close()
    assert list(emulator.sessions) == ["ses_1"]
    assert session.state["session_id"] == "ses_1"
    # The replace session's close swapped in both batches, not only the last session's.
    assert emulator.members(ref.vendor_id) == {
        member(1).identifiers["email"],
        member(2).identifiers["email"],
    }


async def test_a_failing_job_read_loses_no_outcome_gathered_before_it() -> None:
    emulator = FakeEmulator(job_polls=0)
    async with connect(emulator, async_jobs=True) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        session = connector.audience_session(ref)
        await session.add([member(1)])
        await session.add([member(2)])
        assert set(session.state["jobs"]) == {"job_1", "job_2"}
        emulator.inject("server_error", on={2}, path="^/v1/jobs/")
        first = await session.poll()
        assert [(o.key, o.status) for o in first] == [("row-1", OutcomeStatus.ACCEPTED)]
        assert set(session.state["jobs"]) == {"job_2"}
        second = await session.poll()
    assert [(o.key, o.status) for o in second] == [("row-2", OutcomeStatus.ACCEPTED)]
    assert session.state["jobs"] == {}
    assert session.feedback()["accepted"] == 2


async def test_a_poll_whose_first_job_read_fails_raises_and_keeps_every_job_open() -> None:
    emulator = FakeEmulator(job_polls=0)
    async with connect(emulator, async_jobs=True) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        session = connector.audience_session(ref)
        await session.add([member(1)])
        await session.add([member(2)])
        emulator.inject("server_error", on={1}, path="^/v1/jobs/")
        with pytest.raises(TransientError, match="503"):
            await session.poll()
        assert set(session.state["jobs"]) == {"job_1", "job_2"}
        resolved = await session.poll()
    assert sorted(o.key for o in resolved) == ["row-1", "row-2"]
    assert session.state["jobs"] == {}
    assert session.feedback()["accepted"] == 2


async def test_replace_session_swaps_membership_on_close(emulator) -> None:
    async with connect(emulator) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        async with connector.audience_session(ref) as session:
            await session.add([member(1), member(2)])
        async with connector.audience_session(ref, SessionMode.REPLACE) as session:
            await session.add([member(3)])
            assert len(emulator.members(ref.vendor_id)) == 2
            with pytest.raises(VendorRequestError):
                await session.remove([member(1)])
    assert emulator.members(ref.vendor_id) == {member(3).identifiers["email"]}


async def test_closed_session_refuses_more_batches(emulator) -> None:
    async with connect(emulator) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        session = connector.audience_session(ref)
        await session.add([member(1)])
        await session.close()
        await session.close()
        with pytest.raises(PermanentError, match="closed"):
            await session.add([member(2)])
        stale = connector.audience_session(ref, state={"session_id": "ses_1"})
        with pytest.raises(VendorRequestError, match=r"409 \[session_closed\]"):
            await stale.add([member(2)])


async def test_faults_map_to_throttled_and_transient(emulator) -> None:
    emulator.retry_after = 0.25
    async with connect(emulator) as connector:
        emulator.inject("throttle", on={1})
        with pytest.raises(ThrottledError) as caught:
            await connector.check()
        assert caught.value.retry_after == 0.25
        emulator.inject("server_error", on={1})
        with pytest.raises(TransientError, match=r"503 \[unavailable\]"):
            await connector.check()
        emulator.inject("drop", on={1})
        with pytest.raises(TransientError, match="RemoteProtocolError"):
            await connector.check()
        await connector.check()


async def test_request_rate_over_the_limit_is_throttled() -> None:
    emulator = FakeEmulator(requests_per_second=2)
    async with connect(emulator) as connector:
        await connector.check()
        await connector.check()
        with pytest.raises(ThrottledError):
            await connector.check()
    assert emulator.counters["throttled"] == 1


async def test_concurrency_per_audience_is_enforced_and_measured() -> None:
    emulator = FakeEmulator(concurrency_per_audience=1, processing_seconds=0.05)
    errors: list[BaseException] = []
    async with connect(emulator) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        session = connector.audience_session(ref)
        await session.add([member(0)])

        async def add(n: int) -> None:
            try:
                await session.add([member(n)])
            except ThrottledError as exc:
                errors.append(exc)

        async with anyio.create_task_group() as group:
            group.start_soon(add, 1)
            group.start_soon(add, 2)
    assert emulator.peak_in_flight[ref.vendor_id] == 2
    assert len(errors) == 1
    assert "too_many_concurrent" in str(errors[0])


async def test_events_dedup_by_id_and_an_invalid_event_refuses_the_request(emulator) -> None:
    async with connect(emulator) as connector:
        outcomes = await connector.send_events([event(1), event(2), event(1)])
        assert [(o.key, o.status) for o in outcomes] == [
            ("evt-1", "accepted"),
            ("evt-2", "accepted"),
            ("evt-1", "accepted"),
        ]
        old = event(3, occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
        with pytest.raises(BatchRejectedError, match=r"\[invalid_event\]: event 1: .*7 days"):
            await connector.send_events([event(4), old])
        emulator.poison.add("evt-5")
        with pytest.raises(BatchRejectedError, match="event 0: event refused"):
            await connector.send_events([event(5)])
    assert emulator.state()["events"] == ["evt-1", "evt-2"]


async def test_erasure_removes_the_person_everywhere_and_says_where(emulator) -> None:
    async with connect(emulator) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        other = await connector.ensure_audience(Audience(key="other", name="Other"))
        for target in (ref, other):
            async with connector.audience_session(target) as session:
                await session.add([member(1), member(2)])
        receipt = await connector.erase_contact(
            ErasureRequest(key="c1", identifiers=dict(member(1).identifiers))
        )
        nothing = await connector.erase_contact(ErasureRequest(key="c2", identifiers={}))
    assert receipt.done
    assert receipt.actions == (
        f"removed from audience {ref.vendor_id}",
        f"removed from audience {other.vendor_id}",
    )
    assert emulator.members(ref.vendor_id) == {member(2).identifiers["email"]}
    assert not nothing.done
    assert emulator.state()["erasures"] == ["era_1"]


async def test_export_pages_through_audiences_and_members(emulator) -> None:
    async with connect(emulator) as connector:
        refs = [
            await connector.ensure_audience(Audience(key=f"a{n}", name=f"A{n}")) for n in range(3)
        ]
        async with connector.audience_session(refs[0]) as session:
            for start in range(0, 1200, 400):
                await session.add([member(n) for n in range(start, start + 400)])
        listed = await connector.list_audiences()
        exported = [m async for m in connector.export_members(refs[0])]
        later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        none_since = [m async for m in connector.export_members(refs[0], changed_since=later)]
    assert [r.key for r in listed] == ["a0", "a1", "a2"]
    assert len(exported) == 1200
    assert {m.vendor_id for m in exported} == emulator.members(refs[0].vendor_id)
    assert exported[0].identifiers == {"email": exported[0].vendor_id}
    assert none_since == []


async def test_served_over_real_http(emulator) -> None:
    with emulator.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        async with FakeConnector(FakeConnector.emulator_config(url)) as connector:
            await connector.check()
            ref = await connector.ensure_audience(AUDIENCE)
            async with connector.audience_session(ref) as session:
                await session.add([member(1)])
    assert emulator.members(ref.vendor_id) == {member(1).identifiers["email"]}


async def test_campaigns_round_trip_with_predictable_stats(emulator) -> None:
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    campaign = Campaign(
        key="spring",
        name="Spring sale",
        channel=Channel.SOCIAL,
        objective="conversions",
        budget=Budget(amount=Decimal("20"), currency="EUR", period=BudgetPeriod.LIFETIME),
        starts_at=start,
        ends_at=start + dt.timedelta(days=30),
    )
    async with connect(emulator) as connector:
        ref = await connector.ensure_audience(AUDIENCE)
        vendor_id = await connector.create_campaign(campaign, [ref])
        created = await connector.get_campaign(vendor_id)
        day = dt.date(2026, 6, 1)
        idle = await connector.campaign_stats(vendor_id, day, day)
        await connector.resume_campaign(vendor_id)
        stats = await connector.campaign_stats(vendor_id, day, day + dt.timedelta(days=2))
        await connector.resume_campaign(vendor_id, at=start + dt.timedelta(days=1))
        scheduled = await connector.get_campaign(vendor_id)
        await connector.pause_campaign(vendor_id)
        with pytest.raises(ConfigError, match="social campaigns only"):
            await connector.create_campaign(
                Campaign(key="e", name="E", channel=Channel.EMAIL, email=EMAIL_CONTENT), []
            )
        with pytest.raises(NotFoundError):
            await connector.get_campaign("cmp_404")
    assert created.model_dump(exclude={"vendor_id"}) == campaign.model_dump(
        exclude={"vendor_id", "audiences"}
    ) | {"audiences": (ref.vendor_id,)}
    assert created.vendor_id == vendor_id
    assert idle.impressions == 0
    assert (stats.impressions, stats.clicks, stats.spend, stats.currency) == (
        3000,
        60,
        Decimal("7.50"),
        "EUR",
    )
    assert stats.conversions == 4.5
    assert scheduled.status is CampaignStatus.SCHEDULED
    assert scheduled.starts_at == start + dt.timedelta(days=1)
    assert emulator.state()["campaigns"] == {vendor_id: "paused"}


async def test_campaigns_refuse_unknown_audiences(emulator) -> None:
    campaign = Campaign(key="c", name="C", channel=Channel.SOCIAL)
    ghost = AudienceRef(key="ghost", vendor_id="aud_999", name="Ghost")
    async with connect(emulator) as connector:
        with pytest.raises(VendorRequestError, match=r"unknown audiences \['aud_999'\]"):
            await connector.create_campaign(campaign, [ghost])


def test_the_testing_facade_lists_its_names_sorted() -> None:
    from freehold.core import testing

    assert testing.__all__ == sorted(testing.__all__)
    assert all(getattr(testing, name) is not None for name in testing.__all__)
