"""Email campaigns against the Klaviyo emulator: who receives them, schedules, pauses, reports.

The emulator here runs on a settable clock and without rate limits (the report endpoint allows
two calls a minute); every exchange is still validated against Klaviyo's OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
from openapi.validate import OpenApiDocument

from freehold.connectors.klaviyo import KlaviyoConnector, KlaviyoEmulator
from freehold.core.errors import ConfigError, PermanentError, VendorRequestError
from freehold.core.models import (
    Audience,
    AudienceRef,
    Campaign,
    CampaignStatus,
    Channel,
    EmailContent,
)

pytestmark = pytest.mark.anyio

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
SPRING = Campaign(
    key="spring",
    name="Spring sale",
    channel=Channel.EMAIL,
    email=EmailContent(
        subject="Spring", from_name="Shop", from_email="news@shop.example", html="<p>Hi</p>"
    ),
)


class Clock:
    """The emulator's clock: starts at START, moves when told."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(klaviyo_openapi: OpenApiDocument, clock: Clock) -> Iterator[KlaviyoEmulator]:
    emulated = KlaviyoEmulator(clock=clock, limits=False)
    yield emulated
    klaviyo_openapi.check(emulated.receipts)


@pytest.fixture
async def kl(emulator: KlaviyoEmulator) -> AsyncIterator[KlaviyoConnector]:
    config = KlaviyoConnector.emulator_config("https://a.klaviyo.com")
    async with KlaviyoConnector(config, transport=emulator.transport()) as opened:
        yield opened


async def vip_list(kl: KlaviyoConnector, emulator: KlaviyoEmulator) -> AudienceRef:
    ref = await kl.ensure_audience(Audience(key="vip", name="VIP"))
    emulator.add_profile("ada@example.com", list_id=ref.vendor_id)
    emulator.add_profile("bob@example.com", consent="UNSUBSCRIBED", list_id=ref.vendor_id)
    emulator.add_profile("cy@example.com", suppressed="HARD_BOUNCE", list_id=ref.vendor_id)
    emulator.add_profile("outsider@example.com")
    return ref


async def test_a_campaign_reaches_subscribed_list_members_only_and_reports_stats(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator, clock: Clock
) -> None:
    ref = await vip_list(kl, emulator)
    campaign_id = await kl.create_campaign(SPRING, [ref])
    draft = await kl.get_campaign(campaign_id)
    assert (draft.status, draft.name, draft.email) == (
        CampaignStatus.DRAFT,
        "Spring sale",
        SPRING.email,
    )
    assert list(emulator.templates) == [emulator.campaigns[campaign_id].template_id]
    await kl.resume_campaign(campaign_id)
    assert (await kl.get_campaign(campaign_id)).status is CampaignStatus.SENT
    record = emulator.campaigns[campaign_id]
    assert {emulator.profiles[p].email for p in record.sent_to} == {"ada@example.com"}
    emulator.record_activity(campaign_id, opens=3, clicks=1, conversions=1)
    today = clock.now.date()
    stats = await kl.campaign_stats(campaign_id, today, today)
    assert (stats.sends, stats.opens, stats.clicks, stats.bounces, stats.conversions) == (
        1,
        3,
        1,
        0,
        1.0,
    )
    before = await kl.campaign_stats(
        campaign_id, today - dt.timedelta(days=3), today - dt.timedelta(days=1)
    )
    assert (before.sends, before.opens) == (0, 0)


async def test_a_scheduled_campaign_is_sent_once_its_time_passes(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator, clock: Clock
) -> None:
    ref = await vip_list(kl, emulator)
    campaign_id = await kl.create_campaign(SPRING, [ref])
    at = START + dt.timedelta(days=1)
    await kl.resume_campaign(campaign_id, at=at)
    scheduled = await kl.get_campaign(campaign_id)
    assert (scheduled.status, scheduled.starts_at) == (CampaignStatus.SCHEDULED, at)
    assert emulator.campaigns[campaign_id].sent_to == set()
    clock.now = at + dt.timedelta(minutes=1)
    sent = await kl.get_campaign(campaign_id)
    assert (sent.status, sent.starts_at) == (CampaignStatus.SENT, at)
    assert len(emulator.campaigns[campaign_id].sent_to) == 1


async def test_pausing_unschedules_and_resuming_reschedules(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator
) -> None:
    ref = await vip_list(kl, emulator)
    campaign_id = await kl.create_campaign(SPRING, [ref])
    await kl.resume_campaign(campaign_id, at=START + dt.timedelta(days=1))
    await kl.pause_campaign(campaign_id)
    paused = await kl.get_campaign(campaign_id)
    assert (paused.status, paused.starts_at) == (CampaignStatus.DRAFT, START + dt.timedelta(days=1))
    await kl.resume_campaign(campaign_id, at=START + dt.timedelta(days=2))
    await kl.resume_campaign(campaign_id, at=START + dt.timedelta(days=3))
    again = await kl.get_campaign(campaign_id)
    assert (again.status, again.starts_at) == (
        CampaignStatus.SCHEDULED,
        START + dt.timedelta(days=3),
    )
    assert emulator.campaigns[campaign_id].sent_to == set()


async def test_a_sent_campaign_cannot_be_paused_or_sent_again(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator
) -> None:
    ref = await vip_list(kl, emulator)
    campaign_id = await kl.create_campaign(SPRING, [ref])
    await kl.resume_campaign(campaign_id)
    with pytest.raises(PermanentError, match="cannot be paused"):
        await kl.pause_campaign(campaign_id)
    with pytest.raises(PermanentError, match="cannot be sent again"):
        await kl.resume_campaign(campaign_id)
    assert len(emulator.campaigns[campaign_id].sent_to) == 1


async def test_a_schedule_time_in_the_past_is_refused_by_klaviyo(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator
) -> None:
    ref = await vip_list(kl, emulator)
    campaign_id = await kl.create_campaign(SPRING, [ref])
    with pytest.raises(VendorRequestError, match="must be in the future"):
        await kl.resume_campaign(campaign_id, at=START - dt.timedelta(hours=1))
    assert emulator.state()["campaigns"] == {campaign_id: "Draft"}


async def test_an_unknown_list_is_refused_when_the_campaign_is_created(
    kl: KlaviyoConnector, emulator: KlaviyoEmulator
) -> None:
    ghost = AudienceRef(key="ghost", vendor_id="NOPE00", name="ghost")
    with pytest.raises(VendorRequestError, match="audiences"):
        await kl.create_campaign(SPRING, [ghost])
    assert emulator.campaigns == {}


async def test_stats_need_a_conversion_metric_klaviyo_knows(
    emulator: KlaviyoEmulator, kl: KlaviyoConnector
) -> None:
    ref = await vip_list(kl, emulator)
    campaign_id = await kl.create_campaign(SPRING, [ref])
    day = START.date()
    base = kl.config.model_copy(update={"conversion_metric_id": None})
    async with KlaviyoConnector(base, transport=emulator.transport()) as unset:
        with pytest.raises(ConfigError, match="conversion_metric_id"):
            await unset.campaign_stats(campaign_id, day, day)
    wrong = base.model_copy(update={"conversion_metric_id": "NOSUCH"})
    async with KlaviyoConnector(wrong, transport=emulator.transport()) as unknown:
        with pytest.raises(VendorRequestError, match="conversion_metric_id"):
            await unknown.campaign_stats(campaign_id, day, day)
