"""Exact requests of Klaviyo email campaigns: create, send, schedule, pause, report (respx)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest
import respx

from freehold.connectors.klaviyo import EMULATOR_API_KEY, KlaviyoConfig, KlaviyoConnector
from freehold.connectors.klaviyo._campaigns import campaign_status
from freehold.core.errors import ConfigError, PermanentError
from freehold.core.models import (
    AudienceRef,
    Campaign,
    CampaignStatus,
    Channel,
    EmailContent,
)

pytestmark = pytest.mark.anyio

SPRING = Campaign(
    key="spring",
    name="Spring sale",
    channel=Channel.EMAIL,
    email=EmailContent(
        subject="Spring is here",
        from_name="Brand",
        from_email="news@brand.example",
        html="<p>20% off</p>",
        reply_to="help@brand.example",
        preview_text="20% off",
    ),
)
VIP = AudienceRef(key="vip", vendor_id="Y6nRLr", name="VIP")


def sent(route: respx.Route) -> object:
    return json.loads(route.calls.last.request.content)


def campaign_doc(status: str) -> dict[str, object]:
    return {"data": {"type": "campaign", "id": "C1", "attributes": {"status": status}}}


@pytest.fixture
async def reporting(api: respx.MockRouter) -> AsyncIterator[KlaviyoConnector]:
    """An open connector with a conversion metric, every request mocked on `api`."""
    config = KlaviyoConfig.model_validate(
        {"api_key": EMULATOR_API_KEY, "conversion_metric_id": "RESQ6t"}
    )
    async with KlaviyoConnector(config) as opened:
        yield opened


async def test_create_sends_the_campaign_its_message_and_the_html_as_a_template(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    created = api.post("/api/campaigns").respond(
        201,
        json={
            "data": {
                "type": "campaign",
                "id": "C1",
                "relationships": {
                    "campaign-messages": {"data": [{"type": "campaign-message", "id": "M1"}]}
                },
            }
        },
    )
    template = api.post("/api/templates").respond(
        201, json={"data": {"type": "template", "id": "T1"}}
    )
    assigned = api.post("/api/campaign-message-assign-template").respond(
        200, json={"data": {"type": "campaign-message", "id": "M1"}}
    )
    deleted = api.delete("/api/templates/T1").respond(204)

    assert await mocked.create_campaign(SPRING, [VIP]) == "C1"

    assert sent(created) == {
        "data": {
            "type": "campaign",
            "attributes": {
                "name": "Spring sale",
                "audiences": {"included": ["Y6nRLr"]},
                "send_strategy": {"method": "immediate"},
                "campaign-messages": {
                    "data": [
                        {
                            "type": "campaign-message",
                            "attributes": {
                                "definition": {
                                    "channel": "email",
                                    "label": "Spring sale",
                                    "content": {
                                        "subject": "Spring is here",
                                        "from_email": "news@brand.example",
                                        "from_label": "Brand",
                                        "preview_text": "20% off",
                                        "reply_to_email": "help@brand.example",
                                    },
                                }
                            },
                        }
                    ]
                },
            },
        }
    }
    assert created.calls.last.request.headers["content-type"] == "application/vnd.api+json"
    assert sent(template) == {
        "data": {
            "type": "template",
            "attributes": {"name": "Spring sale", "editor_type": "CODE", "html": "<p>20% off</p>"},
        }
    }
    assert sent(assigned) == {
        "data": {
            "type": "campaign-message",
            "id": "M1",
            "relationships": {"template": {"data": {"type": "template", "id": "T1"}}},
        }
    }
    assert deleted.called


@pytest.mark.parametrize(
    ("campaign", "audiences", "message"),
    [
        (SPRING, [], "at least one list"),
        (
            Campaign(key="ads", name="Ads", channel=Channel.SOCIAL),
            [VIP],
            "email campaigns",
        ),
    ],
)
async def test_create_refuses_what_klaviyo_cannot_send_before_any_call(
    api: respx.MockRouter,
    mocked: KlaviyoConnector,
    campaign: Campaign,
    audiences: list[AudienceRef],
    message: str,
) -> None:
    with pytest.raises(ConfigError, match=message):
        await mocked.create_campaign(campaign, audiences)


async def test_resume_now_sets_an_immediate_strategy_then_starts_a_send_job(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    api.get("/api/campaigns/C1").respond(200, json=campaign_doc("Draft"))
    strategy = api.patch("/api/campaigns/C1").respond(200, json=campaign_doc("Draft"))
    job = api.post("/api/campaign-send-jobs").respond(
        202, json={"data": {"type": "campaign-send-job", "id": "C1", "attributes": {}}}
    )
    await mocked.resume_campaign("C1")
    assert sent(strategy) == {
        "data": {
            "type": "campaign",
            "id": "C1",
            "attributes": {"send_strategy": {"method": "immediate"}},
        }
    }
    assert sent(job) == {"data": {"type": "campaign-send-job", "id": "C1"}}


async def test_resume_at_reverts_a_scheduled_campaign_and_schedules_it_in_utc(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    api.get("/api/campaigns/C1").respond(200, json=campaign_doc("Scheduled"))
    revert = api.patch("/api/campaign-send-jobs/C1").respond(204)
    strategy = api.patch("/api/campaigns/C1").respond(200, json=campaign_doc("Draft"))
    job = api.post("/api/campaign-send-jobs").respond(
        202, json={"data": {"type": "campaign-send-job", "id": "C1", "attributes": {}}}
    )
    paris = dt.timezone(dt.timedelta(hours=2))
    await mocked.resume_campaign("C1", at=dt.datetime(2026, 5, 1, 17, 0, tzinfo=paris))
    assert sent(revert) == {
        "data": {"type": "campaign-send-job", "id": "C1", "attributes": {"action": "revert"}}
    }
    assert sent(strategy) == {
        "data": {
            "type": "campaign",
            "id": "C1",
            "attributes": {
                "send_strategy": {
                    "method": "static",
                    "datetime": "2026-05-01T15:00:00+00:00",
                    "options": {"is_local": False},
                }
            },
        }
    }
    assert job.called


async def test_a_naive_schedule_time_is_refused_before_any_call(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    with pytest.raises(ConfigError, match="time zone"):
        await mocked.resume_campaign("C1", at=dt.datetime(2026, 5, 1, 15, 0))  # noqa: DTZ001


@pytest.mark.parametrize("status", ["Sent", "Sending", "Cancelled: No Recipients"])
async def test_a_campaign_past_draft_is_neither_resumed_nor_paused(
    api: respx.MockRouter, mocked: KlaviyoConnector, status: str
) -> None:
    api.get("/api/campaigns/C1").respond(200, json=campaign_doc(status))
    with pytest.raises(PermanentError, match="cannot be sent again"):
        await mocked.resume_campaign("C1")
    with pytest.raises(PermanentError, match="cannot be paused"):
        await mocked.pause_campaign("C1")


async def test_pause_reverts_a_scheduled_campaign_and_leaves_a_draft_alone(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    read = api.get("/api/campaigns/C1")
    read.side_effect = [
        respx.MockResponse(200, json=campaign_doc("Preparing to schedule")),
        respx.MockResponse(200, json=campaign_doc("Draft")),
    ]
    revert = api.patch("/api/campaign-send-jobs/C1").respond(204)
    await mocked.pause_campaign("C1")
    await mocked.pause_campaign("C1")
    assert revert.call_count == 1
    assert sent(revert) == {
        "data": {"type": "campaign-send-job", "id": "C1", "attributes": {"action": "revert"}}
    }


async def test_get_reads_the_campaign_its_message_and_the_template_html(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    read = api.get("/api/campaigns/C1", params={"include": "campaign-messages"}).respond(
        200,
        json={
            "data": {
                "type": "campaign",
                "id": "C1",
                "attributes": {
                    "name": "Spring sale",
                    "status": "Scheduled",
                    "send_strategy": {"method": "static", "datetime": "2026-05-01T15:00:00+00:00"},
                    "send_time": "2026-05-01T15:00:00Z",
                },
            },
            "included": [
                {
                    "type": "campaign-message",
                    "id": "M1",
                    "attributes": {
                        "definition": {
                            "channel": "email",
                            "content": {
                                "subject": "Spring is here",
                                "from_email": "news@brand.example",
                                "from_label": "Brand",
                                "reply_to_email": "help@brand.example",
                                "preview_text": "20% off",
                            },
                        }
                    },
                }
            ],
        },
    )
    api.get("/api/campaign-messages/M1/template").respond(
        200,
        json={"data": {"type": "template", "id": "T2", "attributes": {"html": "<p>20% off</p>"}}},
    )
    campaign = await mocked.get_campaign("C1")
    assert read.called
    assert campaign.status is CampaignStatus.SCHEDULED
    assert campaign.starts_at == dt.datetime(2026, 5, 1, 15, 0, tzinfo=dt.UTC)
    assert campaign.email == SPRING.email
    assert (campaign.key, campaign.vendor_id, campaign.name) == ("C1", "C1", "Spring sale")


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Draft", CampaignStatus.DRAFT),
        ("Preparing to schedule", CampaignStatus.SCHEDULED),
        ("Scheduled", CampaignStatus.SCHEDULED),
        ("Adding Recipients", CampaignStatus.SENDING),
        ("Sending", CampaignStatus.SENDING),
        ("Sent", CampaignStatus.SENT),
        ("Variations Sent", CampaignStatus.SENT),
        ("Cancelled", CampaignStatus.COMPLETED),
        ("Cancelled: Smart Sending", CampaignStatus.COMPLETED),
        ("Unknown", CampaignStatus.SENDING),
    ],
)
def test_status_words_map_onto_neutral_states(word: str, status: CampaignStatus) -> None:
    assert campaign_status(word) is status


async def test_stats_ask_one_report_for_the_days_and_sum_its_messages(
    api: respx.MockRouter, reporting: KlaviyoConnector
) -> None:
    report = api.post("/api/campaign-values-reports").respond(
        200,
        json={
            "data": {
                "type": "campaign-values-report",
                "attributes": {
                    "results": [
                        {
                            "groupings": {"campaign_id": "C1", "campaign_message_id": "M1"},
                            "statistics": {
                                "recipients": 100,
                                "opens": 40,
                                "clicks": 9,
                                "bounced": 2,
                                "unsubscribe_uniques": 1,
                                "conversions": 3,
                            },
                        },
                        {
                            "groupings": {"campaign_id": "C1", "campaign_message_id": "M2"},
                            "statistics": {"recipients": 50, "opens": 10, "conversions": 0.5},
                        },
                    ]
                },
            }
        },
    )
    stats = await reporting.campaign_stats("C1", dt.date(2026, 5, 1), dt.date(2026, 5, 7))
    assert sent(report) == {
        "data": {
            "type": "campaign-values-report",
            "attributes": {
                "statistics": [
                    "recipients",
                    "opens",
                    "clicks",
                    "bounced",
                    "unsubscribe_uniques",
                    "conversions",
                ],
                "timeframe": {
                    "start": "2026-05-01T00:00:00+00:00",
                    "end": "2026-05-08T00:00:00+00:00",
                },
                "conversion_metric_id": "RESQ6t",
                "filter": 'equals(campaign_id,"C1")',
            },
        }
    }
    assert (stats.sends, stats.opens, stats.clicks, stats.bounces, stats.unsubscribes) == (
        150,
        50,
        9,
        2,
        1,
    )
    assert stats.conversions == 3.5
    assert (stats.impressions, stats.spend) == (None, None)


async def test_stats_without_a_conversion_metric_name_the_setting_before_any_call(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    with pytest.raises(ConfigError, match="conversion_metric_id"):
        await mocked.campaign_stats("C1", dt.date(2026, 5, 1), dt.date(2026, 5, 1))


@pytest.mark.parametrize(
    ("start", "end"),
    [(dt.date(2026, 5, 2), dt.date(2026, 5, 1)), (dt.date(2025, 5, 1), dt.date(2026, 5, 1))],
    ids=["reversed", "over-a-year"],
)
async def test_stats_refuse_a_range_klaviyo_refuses(
    api: respx.MockRouter, reporting: KlaviyoConnector, start: dt.date, end: dt.date
) -> None:
    with pytest.raises(ConfigError, match="365 days"):
        await reporting.campaign_stats("C1", start, end)
