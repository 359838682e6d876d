"""AudienceSync against the Klaviyo emulator: import jobs, list membership, consent rules."""

from __future__ import annotations

import pytest

from freehold.connectors.klaviyo import KlaviyoConnector, KlaviyoEmulator
from freehold.core.capabilities import SessionMode
from freehold.core.errors import BatchTooLargeError, ConfigError, ThrottledError
from freehold.core.models import Audience, EmailStatus, Member, OutcomeStatus

AUDIENCE = Audience(key="vip", name="VIP")


def member(key: str, email: str, status: EmailStatus | None = EmailStatus.SUBSCRIBED) -> Member:
    return Member(
        key=key, identifiers={"email": email}, email_status=status, attributes={"tier": "gold"}
    )


@pytest.mark.anyio
async def test_add_is_pending_on_the_import_job_until_polled(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator
) -> None:
    ref = await kl.ensure_audience(AUDIENCE)
    session = kl.audience_session(ref)
    first = await session.add([member("a", "a@example.com"), member("b", "bad@invalid")])
    assert [o.status for o in first] == [OutcomeStatus.PENDING, OutcomeStatus.PENDING]
    jobs = session.state["jobs"]
    assert isinstance(jobs, dict)
    assert list(jobs.values()) == [["a", "b"]]
    assert emulator.list_members(ref.vendor_id) == set()
    resolved = {o.key: o for o in await session.poll()}
    assert resolved["a"].status is OutcomeStatus.ACCEPTED
    assert resolved["b"].status is OutcomeStatus.REJECTED
    assert resolved["b"].code == "invalid"
    assert "bad@" not in (resolved["b"].reason or "")
    assert emulator.list_members(ref.vendor_id) == {"a@example.com"}
    assert emulator.consent_of("a@example.com") == "SUBSCRIBED"
    assert session.state["jobs"] == {}
    assert await session.poll() == []


@pytest.mark.anyio
async def test_properties_follow_the_declared_mapping(
    connect: object, emulator: KlaviyoEmulator
) -> None:
    assert callable(connect)
    async with connect(properties={"tier": "loyalty_tier"}) as kl:
        ref = await kl.ensure_audience(AUDIENCE)
        session = kl.audience_session(ref)
        await session.add([member("a", "a@example.com")])
        await session.poll()
    (profile,) = emulator.profiles.values()
    assert profile.properties == {"loyalty_tier": "gold"}


@pytest.mark.anyio
async def test_unsubscribed_stays_unsubscribed(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator
) -> None:
    emulator.add_profile("gone@example.com", consent="UNSUBSCRIBED")
    emulator.add_profile("bounced@example.com", consent="SUBSCRIBED", suppressed="HARD_BOUNCE")
    ref = await kl.ensure_audience(AUDIENCE)
    session = kl.audience_session(ref)
    outcomes = await session.add(
        [
            member("gone", "gone@example.com"),
            member("bounced", "bounced@example.com", EmailStatus.PENDING),
        ]
    )
    assert [(o.status, o.code) for o in outcomes] == [
        (OutcomeStatus.REJECTED, "vendor_unsubscribed"),
        (OutcomeStatus.REJECTED, "vendor_suppressed"),
    ]
    assert emulator.consent_of("gone@example.com") == "UNSUBSCRIBED"
    assert emulator.consent_of("bounced@example.com") == "SUPPRESSED"
    assert emulator.counters["subscribe"] == 0


@pytest.mark.anyio
async def test_unsubscribe_reaches_held_profiles_only(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator
) -> None:
    emulator.add_profile("held@example.com")
    ref = await kl.ensure_audience(AUDIENCE)
    session = kl.audience_session(ref)
    await session.add(
        [
            member("held", "held@example.com", EmailStatus.UNSUBSCRIBED),
            member("new", "new@example.com", EmailStatus.UNSUBSCRIBED),
        ]
    )
    assert emulator.consent_of("held@example.com") == "UNSUBSCRIBED"
    assert emulator.counters["unsubscribe"] == 1
    assert emulator.counters["subscribe"] == 0


@pytest.mark.anyio
async def test_already_subscribed_is_not_subscribed_again(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator
) -> None:
    emulator.add_profile("on@example.com", consent="SUBSCRIBED")
    ref = await kl.ensure_audience(AUDIENCE)
    session = kl.audience_session(ref)
    await session.add([member("on", "on@example.com", EmailStatus.PENDING)])
    assert emulator.counters["subscribe"] == 0


@pytest.mark.anyio
async def test_remove_takes_profiles_off_the_list_only(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator
) -> None:
    ref = await kl.ensure_audience(AUDIENCE)
    session = kl.audience_session(ref)
    await session.add([member("a", "a@example.com"), member("b", "b@example.com")])
    await session.poll()
    outcomes = await session.remove([member("a", "a@example.com"), member("x", "x@example.com")])
    assert [o.status for o in outcomes] == [OutcomeStatus.ACCEPTED, OutcomeStatus.ACCEPTED]
    assert emulator.list_members(ref.vendor_id) == {"b@example.com"}
    assert emulator.consent_of("a@example.com") == "SUBSCRIBED"


@pytest.mark.anyio
async def test_ensure_audience_finds_the_list_by_name(kl: KlaviyoConnector) -> None:
    first = await kl.ensure_audience(AUDIENCE)
    again = await kl.ensure_audience(AUDIENCE)
    assert first.vendor_id == again.vendor_id
    assert len(first.vendor_id) == 6


@pytest.mark.anyio
async def test_replace_mode_and_oversized_batches_are_refused(kl: KlaviyoConnector) -> None:
    ref = await kl.ensure_audience(AUDIENCE)
    with pytest.raises(ConfigError):
        kl.audience_session(ref, SessionMode.REPLACE)
    session = kl.audience_session(ref)
    with pytest.raises(BatchTooLargeError):
        await session.remove([member(str(i), f"{i}@example.com") for i in range(1001)])


@pytest.mark.anyio
async def test_burst_limit_throttles_with_retry_after(kl: KlaviyoConnector) -> None:
    await kl.check()
    with pytest.raises(ThrottledError) as raised:
        await kl.check()
    assert raised.value.retry_after == 1.0
    assert raised.value.vendor_code == "throttled"
