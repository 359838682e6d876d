"""The exact requests the Mailchimp connector sends, and how it reads the answers (respx)."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from mailchimp_support import BASE, BASIC, KEY, LIST, make_config, md5, member
from pydantic import ValidationError

from freehold.connectors.mailchimp import FORGET_WARNING, AudienceTarget, MailchimpConnector
from freehold.core.capabilities import ErasureRequest, SessionMode
from freehold.core.errors import (
    AuthError,
    BatchTooLargeError,
    ConfigError,
    PermanentError,
    ThrottledError,
    TransientError,
)
from freehold.core.models import (
    Audience,
    AudienceRef,
    Campaign,
    CampaignStatus,
    Channel,
    EmailContent,
    EmailStatus,
    Event,
    Identifiers,
)

pytestmark = pytest.mark.anyio

TAG_REF = AudienceRef(
    key="vip",
    vendor_id="7",
    name="VIP",
    details={"target": "tag", "list_id": LIST, "segment_id": 7},
)


def problem(status: int, title: str, detail: str = "", **extra: object) -> httpx.Response:
    body = {
        "type": "https://mailchimp.com/developer/marketing/docs/errors/",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": "5f7e",
        **extra,
    }
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


def sent(route) -> list[dict]:
    return [json.loads(call.request.content) for call in route.calls]


def statuses_answer(held: dict[str, list[str]]):
    """Answer the per-status member reads with the given ids."""

    def answer(request: httpx.Request) -> httpx.Response:
        ids = held.get(request.url.params["status"], [])
        return httpx.Response(
            200, json={"members": [{"id": i} for i in ids], "total_items": len(ids)}
        )

    return answer


def test_the_data_center_comes_from_the_key():
    config = make_config(api_key="0123456789abcdef0123456789abcdef-us19")
    assert MailchimpConnector(config).base_url == "https://us19.api.mailchimp.com/3.0"


def test_a_key_without_data_center_is_refused_without_showing_it():
    with pytest.raises(ValidationError) as raised:
        make_config(api_key="0123456789abcdef0123456789abcdef")
    assert "0123456789abcdef" not in str(raised.value)


async def test_check_pings_then_reads_the_list_with_basic_auth(api, mocked):
    ping = api.get("/ping").respond(json={"health_status": "Everything's Chimpy!"})
    read = api.get(f"/lists/{LIST}").respond(json={"id": LIST, "name": "Audience"})
    await mocked.check()
    request = ping.calls.last.request
    assert request.headers["authorization"] == BASIC
    assert request.url.host == "us6.api.mailchimp.com"
    assert str(read.calls.last.request.url) == f"{BASE}/lists/{LIST}?fields=id%2Cname"


async def test_a_list_the_key_cannot_see_is_a_config_error(api, mocked):
    api.get("/ping").respond(json={"health_status": "ok"})
    api.get(f"/lists/{LIST}").mock(return_value=problem(404, "Resource Not Found"))
    with pytest.raises(ConfigError, match=LIST):
        await mocked.check()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (problem(401, "API Key Invalid", "Your API key may be invalid."), AuthError),
        (problem(403, "Forbidden", "You don't have permission."), AuthError),
        (problem(429, "Too Many Requests", "Too many connections."), ThrottledError),
        (problem(503, "Service Unavailable", "Try again."), TransientError),
        (httpx.Response(403, text="Forbidden"), ThrottledError),
    ],
)
async def test_vendor_errors_map_onto_the_error_tree(api, mocked, answer, error):
    api.get("/ping").mock(return_value=answer)
    with pytest.raises(error) as raised:
        await mocked.check()
    assert KEY not in str(raised.value)
    if answer.headers.get("content-type") == "application/problem+json":
        assert raised.value.vendor_code == answer.json()["title"]


async def test_a_problem_detail_quoting_an_address_stays_out_of_the_message(api, mocked):
    api.get("/ping").mock(
        return_value=problem(
            400,
            "Invalid Resource",
            "ada@example.com looks fake or invalid",
            errors=[{"field": "email_address", "message": "bad"}],
        )
    )
    with pytest.raises(PermanentError) as raised:
        await mocked.check()
    assert "ada@example.com" not in str(raised.value)
    assert "email_address" in str(raised.value)
    assert "GET /3.0/ping -> 400" in str(raised.value)


async def test_a_tag_audience_is_found_by_exact_name_or_created(api, mocked):
    api.get(f"/lists/{LIST}").respond(json={"id": LIST, "name": "Audience"})
    search = api.get(f"/lists/{LIST}/tag-search").respond(
        json={"tags": [{"id": 3, "name": "VIP Gold"}], "total_items": 1}
    )
    create = api.post(f"/lists/{LIST}/segments").respond(json={"id": 9, "name": "VIP"})
    ref = await mocked.ensure_audience(Audience(key="vip", name="VIP"))
    assert search.calls.last.request.url.params["name"] == "VIP"
    assert sent(create) == [{"name": "VIP", "static_segment": []}]
    assert ref.vendor_id == "9"
    assert ref.details == {"target": "tag", "list_id": LIST, "segment_id": 9}


async def test_add_never_overwrites_a_held_status_and_tags_members(api, mocked):
    reads = api.get(f"/lists/{LIST}/members").mock(
        side_effect=statuses_answer({"unsubscribed": [md5("gone@example.com")]})
    )
    batch = api.post(f"/lists/{LIST}").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "new_members": [{"email_address": "a@example.com", "status": "subscribed"}],
                    "updated_members": [],
                    "errors": [
                        {
                            "email_address": "b@example.com",
                            "error": "b@example.com is already a list member.",
                            "error_code": "ERROR_CONTACT_EXISTS",
                        }
                    ],
                },
            ),
            httpx.Response(
                200,
                json={
                    "new_members": [],
                    "updated_members": [{"email_address": "b@example.com", "status": "subscribed"}],
                    "errors": [],
                },
            ),
        ]
    )
    tag = api.post(f"/lists/{LIST}/segments/7").respond(
        json={"members_added": [], "members_removed": [], "errors": [], "error_count": 0}
    )
    session = mocked.audience_session(TAG_REF)
    outcomes = await session.add(
        [
            member("1", "a@example.com", FNAME="Ada", BIRTHDAY=dt.date(1815, 12, 10), VIP=True),
            member("2", "b@example.com", EmailStatus.PENDING),
            member("3", "gone@example.com"),
        ]
    )
    assert [o.status.value for o in outcomes] == ["accepted", "accepted", "rejected"]
    assert outcomes[2].code == "vendor_unsubscribed"
    assert [c.request.url.params["status"] for c in reads.calls] == [
        "unsubscribed",
        "cleaned",
        "pending",
        "transactional",
        "archived",
    ]
    assert reads.calls[0].request.url.params["fields"] == "members.id,total_items"
    assert reads.calls[0].request.url.params["count"] == "1000"
    assert sent(batch) == [
        {
            "members": [
                {
                    "email_address": "a@example.com",
                    "status": "subscribed",
                    "merge_fields": {"FNAME": "Ada", "BIRTHDAY": "1815-12-10", "VIP": "true"},
                },
                {"email_address": "b@example.com", "status": "pending"},
            ],
            "update_existing": False,
        },
        {
            "members": [{"email_address": "b@example.com", "status": "subscribed"}],
            "update_existing": True,
        },
    ]
    assert sent(tag) == [{"members_to_add": ["a@example.com", "b@example.com"]}]


async def test_per_member_errors_become_row_outcomes_without_the_address(api, mocked):
    api.get(f"/lists/{LIST}/members").mock(side_effect=statuses_answer({}))
    errors = [
        ("bad@x.co", "bad@x.co looks fake or invalid, please enter a real email address.", ""),
        ("busy@example.com", "busy@example.com has signed up to a lot of lists very recently", ""),
        ("field@example.com", "Your merge fields were invalid.", "LNAME"),
        ("comp@example.com", "comp@example.com is in a compliance state due to unsubscribe", ""),
        (
            "gone@example.com",
            "gone@example.com was permanently deleted and cannot be re-imported.",
            "",
        ),
        ("odd@example.com", "odd@example.com: something new", ""),
    ]
    api.post(f"/lists/{LIST}").respond(
        json={
            "new_members": [],
            "updated_members": [],
            "errors": [
                {"email_address": e, "error": text, "error_code": "ERROR_GENERIC", "field": field}
                for e, text, field in errors
            ],
        }
    )
    outcomes = await mocked.audience_session(TAG_REF).add(
        [member(str(i), e) for i, (e, _, _) in enumerate(errors)]
    )
    assert [(o.status.value, o.code) for o in outcomes] == [
        ("rejected", "invalid_email"),
        ("retriable", "signup_throttled"),
        ("rejected", "invalid_merge_fields"),
        ("rejected", "compliance_state"),
        ("rejected", "forgotten_email"),
        ("rejected", "member_error"),
    ]
    assert "(field LNAME)" in (outcomes[2].reason or "")
    for (email, _, _), outcome in zip(errors, outcomes, strict=True):
        assert email not in (outcome.reason or "")


async def test_rows_without_email_or_status_are_refused_before_sending(api, mocked):
    api.get(f"/lists/{LIST}/members").mock(side_effect=statuses_answer({}))
    api.patch(f"/lists/{LIST}/members/{md5('x@example.com')}").mock(
        return_value=problem(404, "Resource Not Found")
    )
    outcomes = await mocked.audience_session(TAG_REF).add(
        [
            member("1", "", EmailStatus.SUBSCRIBED),
            member("2", "a@example.com", None),
            member("3", "x@example.com", EmailStatus.UNSUBSCRIBED),
            member("4", "X@Example.com", EmailStatus.UNSUBSCRIBED),
        ]
    )
    assert [o.code for o in outcomes] == [
        "missing_email",
        "no_email_status",
        None,
        "duplicate_in_batch",
    ]


async def test_unsubscribing_patches_only_the_status_of_held_members(api, mocked):
    api.get(f"/lists/{LIST}/members").mock(side_effect=statuses_answer({}))
    held = api.patch(f"/lists/{LIST}/members/{md5('held@example.com')}").respond(
        json={"id": md5("held@example.com"), "status": "unsubscribed"}
    )
    absent = api.patch(f"/lists/{LIST}/members/{md5('absent@example.com')}").mock(
        return_value=problem(404, "Resource Not Found")
    )
    api.post(f"/lists/{LIST}/segments/7").respond(json={"errors": []})
    outcomes = await mocked.audience_session(TAG_REF).add(
        [
            member("1", "held@example.com", EmailStatus.UNSUBSCRIBED, FNAME="Ada"),
            member("2", "absent@example.com", EmailStatus.UNSUBSCRIBED),
        ]
    )
    assert [o.status.value for o in outcomes] == ["accepted", "accepted"]
    assert sent(held) == [{"status": "unsubscribed"}]
    assert absent.called


async def test_more_than_500_members_is_split_by_the_engine(api, mocked):
    session = mocked.audience_session(TAG_REF)
    rows = [member(str(i), f"p{i}@example.com") for i in range(501)]
    with pytest.raises(BatchTooLargeError):
        await session.add(rows)
    with pytest.raises(BatchTooLargeError):
        await session.remove(rows)


async def test_removal_takes_the_tag_off_or_archives_but_never_deletes(api, mocked):
    untag = api.post(f"/lists/{LIST}/segments/7").respond(json={"errors": []})
    archive = api.delete(f"/lists/{LIST}/members/{md5('a@example.com')}").respond(204)
    gone = api.delete(f"/lists/{LIST}/members/{md5('b@example.com')}").mock(
        return_value=problem(404, "Resource Not Found")
    )
    rows = [member("1", "a@example.com"), member("2", "b@example.com")]
    assert {o.status.value for o in await mocked.audience_session(TAG_REF).remove(rows)} == {
        "accepted"
    }
    assert sent(untag) == [{"members_to_remove": ["a@example.com", "b@example.com"]}]
    list_ref = AudienceRef(key="all", vendor_id=LIST, name="All", details={"target": "list"})
    outcomes = await mocked.audience_session(list_ref).remove(rows)
    assert [o.status.value for o in outcomes] == ["accepted", "accepted"]
    assert archive.called
    assert gone.called


async def test_export_asks_for_trimmed_pages_sorted_by_change(api, mocked):
    page = api.get(f"/lists/{LIST}/members").respond(
        json={
            "members": [
                {
                    "id": md5("a@example.com"),
                    "email_address": "a@example.com",
                    "status": "cleaned",
                    "timestamp_opt": "2025-01-02T03:04:05+00:00",
                    "last_changed": "2026-02-01T00:00:00+00:00",
                    "merge_fields": {"FNAME": "Ada", "ADDRESS": {"city": "London", "zip": ""}},
                    "tags": [{"id": 1, "name": "vip"}],
                }
            ],
            "total_items": 1,
        }
    )
    ref = AudienceRef(key=LIST, vendor_id=LIST, name="All", details={"target": "list"})
    since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    (exported,) = [m async for m in mocked.export_members(ref, changed_since=since)]
    params = page.calls.last.request.url.params
    assert params["since_last_changed"] == "2026-01-01T00:00:00+00:00"
    assert "%2B00%3A00" in str(page.calls.last.request.url)
    assert (params["sort_field"], params["sort_dir"], params["count"]) == (
        "last_changed",
        "ASC",
        "1000",
    )
    assert params["fields"].startswith("total_items,members.id,members.email_address")
    assert exported.status == "cleaned"
    assert exported.email_status is None
    assert exported.consent_at == dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert exported.tags == ("vip",)
    assert exported.fields == {"FNAME": "Ada", "ADDRESS.city": "London"}


async def test_events_are_strings_only_and_a_throttle_never_replays_a_recorded_one(api, mocked):
    first = api.post(f"/lists/{LIST}/members/{md5('a@example.com')}/events").respond(204)
    busy = api.post(f"/lists/{LIST}/members/{md5('b@example.com')}/events").mock(
        return_value=problem(429, "Too Many Requests")
    )
    at = dt.datetime(2026, 3, 1, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    events = [
        Event(
            event_id=f"e{i}",
            name="purchase",
            occurred_at=at,
            identifiers=Identifiers(email=email),
            value="59.90",
            currency="EUR",
            order_id="A-1",
            properties={"items": 2, "coupon": "SPRING"},
        )
        for i, email in enumerate(["a@example.com", "b@example.com", "c@example.com"])
    ]
    with pytest.raises(ThrottledError):
        await mocked.send_events(events[1:])
    outcomes = await mocked.send_events(events)
    assert [o.status.value for o in outcomes] == ["accepted", "retriable", "retriable"]
    assert sent(first) == [
        {
            "name": "purchase",
            "properties": {
                "items": "2",
                "coupon": "SPRING",
                "value": "59.90",
                "currency": "EUR",
                "order_id": "A-1",
            },
            "occurred_at": "2026-03-01T10:00:00+00:00",
            "is_syncing": False,
        }
    ]
    assert busy.call_count == 2


async def test_a_campaign_is_created_with_its_html_and_scheduled_on_a_quarter_hour(api, mocked):
    create = api.post("/campaigns").respond(json={"id": "c0ffee0001", "status": "save"})
    content = api.put("/campaigns/c0ffee0001/content").respond(json={"html": "<p>Hi</p>"})
    schedule = api.post("/campaigns/c0ffee0001/actions/schedule").respond(204)
    campaign = Campaign(
        key="spring",
        name="Spring sale",
        channel=Channel.EMAIL,
        email=EmailContent(
            subject="Spring is here",
            from_name="Shop",
            from_email="news@shop.example",
            html="<p>Hi</p>",
            preview_text="Up to 30%",
        ),
    )
    assert await mocked.create_campaign(campaign, [TAG_REF]) == "c0ffee0001"
    assert sent(create) == [
        {
            "type": "regular",
            "recipients": {"list_id": LIST, "segment_opts": {"saved_segment_id": 7}},
            "settings": {
                "title": "Spring sale",
                "subject_line": "Spring is here",
                "from_name": "Shop",
                "reply_to": "news@shop.example",
                "preview_text": "Up to 30%",
            },
        }
    ]
    assert sent(content) == [{"html": "<p>Hi</p>"}]
    with pytest.raises(ConfigError, match=r":00, :15, :30 or :45"):
        await mocked.resume_campaign("c0ffee0001", at=dt.datetime(2026, 3, 2, 9, 10, tzinfo=dt.UTC))
    with pytest.raises(ConfigError):
        await mocked.create_campaign(campaign, [TAG_REF, TAG_REF])
    await mocked.resume_campaign("c0ffee0001", at=dt.datetime(2026, 3, 2, 10, 45, tzinfo=dt.UTC))
    assert sent(schedule) == [{"schedule_time": "2026-03-02T10:45:00+00:00"}]


async def test_pausing_unschedules_and_a_sent_campaign_cannot_pause(api, mocked):
    read = api.get("/campaigns/c1").mock(
        side_effect=[
            httpx.Response(200, json={"id": "c1", "status": "schedule"}),
            httpx.Response(200, json={"id": "c1", "status": "sent"}),
        ]
    )
    unschedule = api.post("/campaigns/c1/actions/unschedule").respond(204)
    await mocked.pause_campaign("c1")
    assert unschedule.called
    assert read.calls.last.request.url.params["fields"] == "id,status"
    with pytest.raises(PermanentError, match="sent"):
        await mocked.pause_campaign("c1")


def _campaign_answer(status: object) -> dict[str, object]:
    return {
        "id": "c1",
        "status": status,
        "send_time": "",
        "settings": {
            "title": "Spring sale",
            "subject_line": "Spring is here",
            "from_name": "Shop",
            "reply_to": "shop@example.com",
        },
    }


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("save", CampaignStatus.DRAFT),
        ("paused", CampaignStatus.PAUSED),
        ("schedule", CampaignStatus.SCHEDULED),
        ("sending", CampaignStatus.SENDING),
        ("sent", CampaignStatus.SENT),
        ("canceling", CampaignStatus.COMPLETED),
        ("canceled", CampaignStatus.COMPLETED),
        ("archived", CampaignStatus.ARCHIVED),
    ],
)
async def test_a_campaign_is_read_back_with_its_status(api, mocked, word, status):
    api.get("/campaigns/c1").respond(json=_campaign_answer(word))
    api.get("/campaigns/c1/content").respond(json={"html": "<p>Hi</p>"})
    campaign = await mocked.get_campaign("c1")
    assert campaign.status is status
    assert campaign.vendor_id == "c1"
    assert campaign.email is not None
    assert campaign.email.html == "<p>Hi</p>"


@pytest.mark.parametrize("word", ["ghost", "", None, 3])
async def test_an_unknown_campaign_status_is_a_permanent_error_not_a_draft(api, mocked, word):
    read = api.get("/campaigns/c1").respond(json=_campaign_answer(word))
    with pytest.raises(PermanentError) as caught:
        await mocked.get_campaign("c1")
    assert str(caught.value) == f"GET /campaigns/c1: unknown campaign status {word!r}"
    assert "shop@example.com" not in str(caught.value)
    assert read.call_count == 1  # the content is not read for a campaign it cannot describe


async def test_stats_are_read_from_the_report(api, mocked):
    api.get("/reports/c1").respond(
        json={
            "id": "c1",
            "emails_sent": 100,
            "unsubscribed": 2,
            "bounces": {"hard_bounces": 1, "soft_bounces": 2, "syntax_errors": 0},
            "opens": {"opens_total": 70, "unique_opens": 40},
            "clicks": {"clicks_total": 12, "unique_subscriber_clicks": 9},
        }
    )
    stats = await mocked.campaign_stats("c1", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert (stats.sends, stats.opens, stats.clicks, stats.bounces, stats.unsubscribes) == (
        100,
        70,
        12,
        3,
        2,
    )
    assert stats.impressions is None
    assert stats.spend is None


async def test_erasure_deletes_permanently_from_every_list_and_warns(api, mocked):
    digest = md5("ada@example.com")
    api.get("/lists").respond(json={"lists": [{"id": "l1"}, {"id": "l2"}], "total_items": 2})
    one = api.post(f"/lists/l1/members/{digest}/actions/delete-permanent").respond(204)
    two = api.post(f"/lists/l2/members/{digest}/actions/delete-permanent").mock(
        return_value=problem(404, "Resource Not Found")
    )
    receipt = await mocked.erase_contact(
        ErasureRequest(key="forget-1", identifiers={"email": "Ada@Example.com"})
    )
    assert one.called
    assert two.called
    assert receipt.done
    assert receipt.vendor_ref == digest
    assert receipt.actions == ("list l1: deleted permanently", "list l2: not a member")
    assert receipt.warnings == (FORGET_WARNING,)


def test_replace_sessions_are_refused():
    connector = MailchimpConnector(make_config(audience_target=AudienceTarget.TAG))
    with pytest.raises(ConfigError, match="mirror"):
        connector.audience_session(TAG_REF, SessionMode.REPLACE)
