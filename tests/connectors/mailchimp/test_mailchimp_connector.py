"""The Mailchimp connector against its emulator: audiences, consent safety, export, events,
campaigns and erasure (every exchange validated against Mailchimp's OpenAPI document)."""

from __future__ import annotations

import datetime as dt

import pytest
from mailchimp_support import LIST, md5, member

from freehold.connectors.mailchimp import AudienceTarget
from freehold.core.capabilities import ErasureRequest
from freehold.core.errors import ConfigError, NotFoundError
from freehold.core.models import (
    Audience,
    Campaign,
    CampaignStatus,
    Channel,
    EmailContent,
    EmailStatus,
    Event,
    Identifiers,
)

pytestmark = pytest.mark.anyio

VIP = Audience(key="vip", name="VIP customers")


def status_of(emulator, email: str) -> str | None:
    found = emulator.member(email)
    return found.status if found else None


async def test_a_tag_audience_is_created_once_and_holds_what_was_added(mc, emulator):
    ref = await mc.ensure_audience(VIP)
    assert (await mc.ensure_audience(VIP)).vendor_id == ref.vendor_id
    async with mc.audience_session(ref) as session:
        outcomes = await session.add(
            [member("1", "Ada@Example.com", FNAME="Ada"), member("2", "bob@example.com")]
        )
    assert {o.status.value for o in outcomes} == {"accepted"}
    assert outcomes[0].vendor_ref == md5("ada@example.com")
    assert emulator.tag_members("VIP customers") == {"ada@example.com", "bob@example.com"}
    assert emulator.member("ada@example.com").merge_fields == {"FNAME": "Ada"}


async def test_audience_names_and_static_segments_come_from_config(connect, emulator):
    async with connect(
        audience_target=AudienceTarget.STATIC_SEGMENT, audience_names={"vip": "Gold"}
    ) as connector:
        ref = await connector.ensure_audience(VIP)
        assert (await connector.ensure_audience(VIP)).vendor_id == ref.vendor_id
    assert ref.name == "Gold"
    assert emulator.state()["lists"][LIST]["tags"] == {"Gold": int(ref.vendor_id)}


async def test_list_target_uses_the_list_and_a_missing_list_is_a_config_error(connect):
    async with connect(audience_target=AudienceTarget.LIST) as connector:
        ref = await connector.ensure_audience(VIP)
        assert ref.vendor_id == LIST
    async with connect(
        audience_target=AudienceTarget.LIST, audience_names={"vip": "ffffffffff"}
    ) as connector:
        with pytest.raises(ConfigError, match="ffffffffff"):
            await connector.ensure_audience(VIP)


async def test_a_vendor_side_unsubscribe_or_bounce_is_never_undone(mc, emulator):
    emulator.add_member("gone@example.com")
    emulator.add_member("bounced@example.com")
    emulator.unsubscribe("gone@example.com")
    emulator.bounce("bounced@example.com")
    ref = await mc.ensure_audience(VIP)
    async with mc.audience_session(ref) as session:
        outcomes = await session.add(
            [
                member("1", "gone@example.com"),
                member("2", "bounced@example.com", EmailStatus.PENDING),
            ]
        )
        outcomes += await session.add(
            [member("3", "GONE@example.com", EmailStatus.PENDING, FNAME="New")]
        )
    assert [(o.status.value, o.code) for o in outcomes] == [
        ("rejected", "vendor_unsubscribed"),
        ("rejected", "vendor_cleaned"),
        ("rejected", "vendor_unsubscribed"),
    ]
    assert status_of(emulator, "gone@example.com") == "unsubscribed"
    assert status_of(emulator, "bounced@example.com") == "cleaned"
    assert emulator.confirmation_emails == []
    assert emulator.member("gone@example.com").merge_fields == {}


async def test_pending_never_downgrades_a_subscriber_and_asks_only_new_people(mc, emulator):
    emulator.add_member("fan@example.com")
    ref = await mc.ensure_audience(VIP)
    async with mc.audience_session(ref) as session:
        outcomes = await session.add(
            [
                member("1", "fan@example.com", EmailStatus.PENDING, FNAME="Fan"),
                member("2", "new@example.com", EmailStatus.PENDING),
            ]
        )
    assert [o.status.value for o in outcomes] == ["accepted", "accepted"]
    assert status_of(emulator, "fan@example.com") == "subscribed"
    assert emulator.member("fan@example.com").merge_fields == {"FNAME": "Fan"}
    assert status_of(emulator, "new@example.com") == "pending"
    assert emulator.confirmation_emails == [md5("new@example.com")]


async def test_granted_consent_confirms_pending_and_transactional_members(mc, emulator):
    emulator.add_member("wait@example.com", "pending")
    emulator.add_member("buyer@example.com", "transactional")
    ref = await mc.ensure_audience(VIP)
    async with mc.audience_session(ref) as session:
        await session.add([member("1", "wait@example.com"), member("2", "buyer@example.com")])
    assert status_of(emulator, "wait@example.com") == "subscribed"
    assert status_of(emulator, "buyer@example.com") == "subscribed"


async def test_an_archived_member_comes_back_only_with_consent(mc, emulator):
    emulator.add_member("was-fan@example.com")
    emulator.add_member("was-gone@example.com", "unsubscribed")
    emulator.add_member("unknown@example.com")
    for email in ("was-fan@example.com", "was-gone@example.com", "unknown@example.com"):
        record = emulator.member(email)
        record.archived_status, record.status = record.status, "archived"
    ref = await mc.ensure_audience(VIP)
    async with mc.audience_session(ref) as session:
        outcomes = await session.add(
            [
                member("1", "was-fan@example.com"),
                member("2", "was-gone@example.com"),
                member("3", "unknown@example.com", EmailStatus.PENDING),
            ]
        )
    assert [(o.status.value, o.code) for o in outcomes] == [
        ("accepted", None),
        ("rejected", "compliance_state"),
        ("rejected", "vendor_archived"),
    ]
    assert status_of(emulator, "was-fan@example.com") == "subscribed"
    assert emulator.confirmation_emails == []


async def test_denied_consent_unsubscribes_held_members_and_creates_nobody(mc, emulator):
    emulator.add_member("fan@example.com")
    ref = await mc.ensure_audience(VIP)
    async with mc.audience_session(ref) as session:
        outcomes = await session.add(
            [
                member("1", "fan@example.com", EmailStatus.UNSUBSCRIBED),
                member("2", "stranger@example.com", EmailStatus.UNSUBSCRIBED),
            ]
        )
    assert [o.status.value for o in outcomes] == ["accepted", "accepted"]
    assert status_of(emulator, "fan@example.com") == "unsubscribed"
    assert emulator.member("stranger@example.com") is None


async def test_mirror_removal_untags_or_archives_and_never_deletes(connect, emulator):
    emulator.add_member("ada@example.com")
    async with connect() as connector:
        ref = await connector.ensure_audience(VIP)
        async with connector.audience_session(ref) as session:
            await session.add([member("1", "ada@example.com")])
            await session.remove([member("1", "ada@example.com")])
    assert emulator.tag_members("VIP customers") == set()
    assert status_of(emulator, "ada@example.com") == "subscribed"
    async with connect(audience_target=AudienceTarget.LIST) as connector:
        ref = await connector.ensure_audience(VIP)
        async with connector.audience_session(ref) as session:
            outcomes = await session.remove(
                [member("1", "ada@example.com"), member("2", "ghost@example.com")]
            )
    assert [o.status.value for o in outcomes] == ["accepted", "accepted"]
    assert status_of(emulator, "ada@example.com") == "archived"
    assert emulator.state()["lists"][LIST]["forgotten"] == []


async def test_member_tags_are_added_through_static_segments(mc, emulator):
    ref = await mc.ensure_audience(VIP)
    session = mc.audience_session(ref)
    await session.add(
        [
            member("1", "ada@example.com", tags=("newsletter", "ltv-gold")),
            member("2", "bob@example.com", tags=("newsletter",)),
        ]
    )
    assert set(session.state["tag_ids"]) == {"newsletter", "ltv-gold"}
    assert emulator.tag_members("newsletter") == {"ada@example.com", "bob@example.com"}
    assert emulator.tag_members("ltv-gold") == {"ada@example.com"}
    resumed = mc.audience_session(ref, state=session.state)
    before = len(emulator.receipts)
    await resumed.add([member("3", "cy@example.com", tags=("newsletter",))])
    assert not any(r.path.endswith("/tag-search") for r in emulator.receipts[before:])


async def test_export_pages_through_every_member_and_reads_changes_since(mc, emulator, clock):
    for i in range(1203):
        emulator.add_member(f"p{i}@example.com", merge_fields={"FNAME": f"P{i}"})
    clock.advance(hours=1)
    checkpoint = clock.now
    clock.advance(minutes=5)
    emulator.unsubscribe("p7@example.com")
    emulator.bounce("p8@example.com")
    (list_ref,) = [r for r in await mc.list_audiences() if r.vendor_id == LIST]
    everyone = [m async for m in mc.export_members(list_ref)]
    assert len(everyone) == 1203
    assert len({m.vendor_id for m in everyone}) == 1203
    changed = {
        m.email: m for m in [m async for m in mc.export_members(list_ref, changed_since=checkpoint)]
    }
    assert set(changed) == {"p7@example.com", "p8@example.com"}
    assert changed["p7@example.com"].email_status is EmailStatus.UNSUBSCRIBED
    assert changed["p8@example.com"].status == "cleaned"
    assert changed["p8@example.com"].email_status is None
    assert changed["p7@example.com"].changed_at == clock.now
    assert changed["p7@example.com"].fields == {"FNAME": "P7"}
    pages = [r for r in emulator.receipts if r.path.endswith("/members") and r.method == "GET"]
    assert {r.query["count"][0] for r in pages} == {"1000"}


async def test_a_tag_export_includes_its_unsubscribed_members(mc, emulator):
    ref = await mc.ensure_audience(VIP)
    async with mc.audience_session(ref) as session:
        await session.add([member("1", "ada@example.com"), member("2", "bob@example.com")])
    emulator.unsubscribe("bob@example.com")
    exported = {m.email: m.status async for m in mc.export_members(ref)}
    assert exported == {"ada@example.com": "subscribed", "bob@example.com": "unsubscribed"}
    assert {m.tags async for m in mc.export_members(ref)} == {("VIP customers",)}


async def test_member_events_land_on_the_member(mc, emulator, clock):
    emulator.add_member("ada@example.com")
    events = [
        Event(
            event_id="e1",
            name="purchase",
            occurred_at=clock.now,
            identifiers=Identifiers(email="Ada@Example.com"),
            value="12.50",
            currency="EUR",
        ),
        Event(event_id="e2", name="purchase", occurred_at=clock.now, contact_id="c9"),
        Event(
            event_id="e3",
            name="a name far longer than thirty characters",
            occurred_at=clock.now,
            identifiers=Identifiers(email="ada@example.com"),
        ),
        Event(
            event_id="e4",
            name="purchase",
            occurred_at=clock.now,
            identifiers=Identifiers(email="nobody@example.com"),
        ),
    ]
    outcomes = await mc.send_events(events)
    assert [(o.status.value, o.code) for o in outcomes] == [
        ("accepted", None),
        ("rejected", "missing_email"),
        ("rejected", "invalid_event_name"),
        ("rejected", "member_not_found"),
    ]
    (recorded,) = emulator.member("ada@example.com").events
    assert recorded["properties"] == {"value": "12.50", "currency": "EUR"}


async def test_a_campaign_goes_to_the_tags_subscribers_only_and_reports_stats(mc, emulator, clock):
    ref = await mc.ensure_audience(VIP)
    async with mc.audience_session(ref) as session:
        await session.add([member("1", "ada@example.com"), member("2", "bob@example.com")])
    emulator.add_member("outsider@example.com")
    emulator.unsubscribe("bob@example.com")
    campaign = Campaign(
        key="spring",
        name="Spring sale",
        channel=Channel.EMAIL,
        email=EmailContent(
            subject="Spring", from_name="Shop", from_email="news@shop.example", html="<p>Hi</p>"
        ),
    )
    campaign_id = await mc.create_campaign(campaign, [ref])
    draft = await mc.get_campaign(campaign_id)
    assert (draft.status, draft.name, draft.email.html) == (
        CampaignStatus.DRAFT,
        "Spring sale",
        "<p>Hi</p>",
    )
    with pytest.raises(NotFoundError):
        await mc.campaign_stats(campaign_id, clock.now.date(), clock.now.date())
    await mc.resume_campaign(campaign_id)
    assert (await mc.get_campaign(campaign_id)).status is CampaignStatus.SENT
    assert emulator.campaigns[campaign_id].sent_to == {md5("ada@example.com")}
    emulator.record_activity(campaign_id, opens=3, clicks=1, hard_bounces=0, unsubscribes=0)
    stats = await mc.campaign_stats(campaign_id, clock.now.date(), clock.now.date())
    assert (stats.sends, stats.opens, stats.clicks) == (1, 3, 1)


async def test_a_scheduled_campaign_can_be_unscheduled(mc, emulator, clock):
    campaign = Campaign(
        key="later",
        name="Later",
        channel=Channel.EMAIL,
        email=EmailContent(
            subject="Soon", from_name="Shop", from_email="news@shop.example", html="<p>Soon</p>"
        ),
    )
    ref = await mc.ensure_audience(VIP)
    campaign_id = await mc.create_campaign(campaign, [ref])
    await mc.resume_campaign(campaign_id, at=clock.now + dt.timedelta(days=1, minutes=15))
    scheduled = await mc.get_campaign(campaign_id)
    assert scheduled.status is CampaignStatus.SCHEDULED
    assert scheduled.starts_at == clock.now + dt.timedelta(days=1, minutes=15)
    await mc.pause_campaign(campaign_id)
    assert (await mc.get_campaign(campaign_id)).status is CampaignStatus.DRAFT


async def test_erasure_is_permanent_and_the_address_can_never_be_re_added(mc, emulator):
    ref = await mc.ensure_audience(VIP)
    async with mc.audience_session(ref) as session:
        await session.add([member("1", "ada@example.com")])
    receipt = await mc.erase_contact(
        ErasureRequest(key="forget-ada", identifiers={"email": "ada@example.com"}, audiences=(ref,))
    )
    assert receipt.done
    assert receipt.actions == (f"list {LIST}: deleted permanently",)
    assert "never" in receipt.warnings[0]
    assert emulator.member("ada@example.com") is None
    async with mc.audience_session(ref) as session:
        (again,) = await session.add([member("1", "ada@example.com")])
    assert (again.status.value, again.code) == ("rejected", "forgotten_email")
    nobody = await mc.erase_contact(ErasureRequest(key="x", identifiers={"phone": "+15550100"}))
    assert not nobody.done
