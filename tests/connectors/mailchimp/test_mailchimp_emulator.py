"""The emulator enforces what Mailchimp enforces (driven with raw HTTP, validated by OpenAPI)."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from mailchimp_support import BASE, BASIC, LIST, md5

from freehold.connectors.mailchimp import MailchimpEmulator

pytestmark = pytest.mark.anyio


def client(
    emulator: MailchimpEmulator, *, auth: str = BASIC, base: str = BASE
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base, transport=emulator.transport(), headers={"authorization": auth}
    )


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"anyone:{key}".encode()).decode()


async def batch(http: httpx.AsyncClient, *members: dict, update: bool = False) -> dict:
    answer = await http.post(
        f"/lists/{LIST}", json={"members": list(members), "update_existing": update}
    )
    assert answer.status_code == 200
    return answer.json()


@pytest.mark.parametrize(
    ("auth", "base", "title"),
    [
        ("", BASE, "API Key Missing"),
        (basic("0123456789abcdef0123456789abcdef-us6"), BASE, "API Key Invalid"),
        (BASIC, "https://us9.api.mailchimp.com/3.0", "API Key Invalid"),
    ],
)
async def test_a_missing_wrong_or_misplaced_key_is_401_problem_json(emulator, auth, base, title):
    async with client(emulator, auth=auth, base=base) as http:
        answer = await http.get("/ping")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["title"] == title


async def test_any_user_name_works_with_the_right_key(emulator):
    async with client(emulator, auth=basic(emulator.api_keys.copy().pop())) as http:
        assert (await http.get("/ping")).json() == {"health_status": "Everything's Chimpy!"}


async def test_an_eleventh_simultaneous_connection_is_throttled(emulator):
    emulator.latency = 0.05
    async with client(emulator) as http:
        answers = await asyncio.gather(*(http.get("/ping") for _ in range(11)))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) == 10
    assert codes.count(429) == 1
    throttled = next(a for a in answers if a.status_code == 429)
    assert throttled.json()["title"] == "Too Many Requests"
    assert "retry-after" not in throttled.headers
    assert emulator.peak_in_flight == 11


async def test_batches_and_pages_have_mailchimps_caps(emulator, off_document):
    members = [{"email_address": f"p{i}@example.com", "status": "subscribed"} for i in range(501)]
    async with client(emulator) as http:
        with off_document():
            too_many = await http.post(f"/lists/{LIST}", json={"members": members})
            too_big_page = await http.get(f"/lists/{LIST}/members", params={"count": "1001"})
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["field"] == "members"
    assert too_big_page.status_code == 400


async def test_existing_members_are_errors_of_a_create_only_batch(emulator):
    emulator.add_member("ada@example.com")
    async with client(emulator) as http:
        answer = await batch(
            http,
            {"email_address": "ada@example.com", "status": "subscribed"},
            {"email_address": "new@example.com", "status": "pending"},
            {"email_address": "not-an-address", "status": "subscribed"},
        )
    assert answer["total_created"] == 1
    assert [e["error_code"] for e in answer["errors"]] == ["ERROR_CONTACT_EXISTS", "ERROR_GENERIC"]
    assert emulator.member("new@example.com").status == "pending"
    assert emulator.confirmation_emails == [md5("new@example.com")]


async def test_an_unsubscribed_member_cannot_be_resubscribed_but_pending_asks_again(emulator):
    emulator.add_member("gone@example.com", "unsubscribed")
    emulator.add_member("bounced@example.com", "cleaned")
    async with client(emulator) as http:
        subscribed = await batch(
            http,
            {"email_address": "gone@example.com", "status": "subscribed"},
            {"email_address": "bounced@example.com", "status": "pending"},
            update=True,
        )
        patched = await http.patch(
            f"/lists/{LIST}/members/{md5('gone@example.com')}", json={"status": "subscribed"}
        )
        pending = await batch(
            http, {"email_address": "gone@example.com", "status": "pending"}, update=True
        )
    assert all("compliance state" in e["error"] for e in subscribed["errors"])
    assert patched.json()["title"] == "Member In Compliance State"
    assert pending["total_updated"] == 1
    assert emulator.confirmation_emails == [md5("gone@example.com")]


async def test_a_permanently_deleted_address_can_never_come_back(emulator):
    emulator.add_member("ada@example.com")
    async with client(emulator) as http:
        erased = await http.post(
            f"/lists/{LIST}/members/{md5('ada@example.com')}/actions/delete-permanent"
        )
        again = await batch(http, {"email_address": "Ada@Example.com", "status": "subscribed"})
    assert erased.status_code == 204
    assert emulator.member("ada@example.com") is None
    assert again["total_created"] == 0
    assert "permanently deleted" in again["errors"][0]["error"]


async def test_archived_members_keep_their_status_and_leave_listings(emulator):
    emulator.add_member("gone@example.com", "unsubscribed")
    async with client(emulator) as http:
        archived = await http.delete(f"/lists/{LIST}/members/{md5('gone@example.com')}")
        listing = await http.get(f"/lists/{LIST}/members")
        only_archived = await http.get(f"/lists/{LIST}/members", params={"status": "archived"})
        readd = await batch(http, {"email_address": "gone@example.com", "status": "subscribed"})
    assert archived.status_code == 204
    assert listing.json()["total_items"] == 0
    assert only_archived.json()["members"][0]["status"] == "archived"
    assert "compliance state" in readd["errors"][0]["error"]


async def test_pages_trim_fields_and_filter_by_change(emulator, clock):
    for i in range(3):
        emulator.add_member(f"p{i}@example.com")
        clock.advance(minutes=1)
    async with client(emulator) as http:
        page = await http.get(
            f"/lists/{LIST}/members",
            params={
                "count": "2",
                "offset": "1",
                "fields": "members.email_address,total_items",
                "since_last_changed": "2026-03-02T09:00:30+00:00",
            },
        )
    assert page.json() == {"members": [{"email_address": "p2@example.com"}], "total_items": 2}


async def test_event_names_and_properties_follow_mailchimps_rules(emulator, off_document):
    emulator.add_member("ada@example.com")
    path = f"/lists/{LIST}/members/{md5('ada@example.com')}/events"
    async with client(emulator) as http:
        short = await http.post(path, json={"name": "x"})
        with off_document():
            numeric = await http.post(path, json={"name": "order", "properties": {"total": 5}})
        absent = await http.post(
            f"/lists/{LIST}/members/{md5('nobody@example.com')}/events", json={"name": "order"}
        )
        fine = await http.post(path, json={"name": "order", "properties": {"total": "5"}})
    assert (short.status_code, numeric.status_code, absent.status_code) == (400, 400, 404)
    assert fine.status_code == 204
    assert emulator.member("ada@example.com").events[0]["properties"] == {"total": "5"}


async def test_static_segment_changes_report_addresses_not_on_the_list(emulator):
    emulator.add_member("ada@example.com")
    async with client(emulator) as http:
        created = (
            await http.post(f"/lists/{LIST}/segments", json={"name": "vip", "static_segment": []})
        ).json()
        changed = await http.post(
            f"/lists/{LIST}/segments/{created['id']}",
            json={"members_to_add": ["ada@example.com", "ghost@example.com"]},
        )
        found = await http.get(f"/lists/{LIST}/tag-search", params={"name": "VI"})
    assert changed.json()["total_added"] == 1
    assert changed.json()["errors"][0]["email_addresses"] == ["ghost@example.com"]
    assert found.json()["tags"] == [{"id": created["id"], "name": "vip"}]
    assert emulator.tag_members("vip") == {"ada@example.com"}


async def test_schedules_fall_on_quarter_hours_and_sends_reach_subscribers_only(emulator):
    emulator.add_member("ada@example.com")
    emulator.add_member("gone@example.com", "unsubscribed")
    emulator.add_member("wait@example.com", "pending")
    async with client(emulator) as http:
        campaign = (
            await http.post(
                "/campaigns",
                json={
                    "type": "regular",
                    "recipients": {"list_id": LIST},
                    "settings": {
                        "subject_line": "Hi",
                        "from_name": "Shop",
                        "reply_to": "s@shop.example",
                    },
                },
            )
        ).json()
        early = await http.post(f"/campaigns/{campaign['id']}/actions/send")
        await http.put(f"/campaigns/{campaign['id']}/content", json={"html": "<p>Hi</p>"})
        odd = await http.post(
            f"/campaigns/{campaign['id']}/actions/schedule",
            json={"schedule_time": "2026-03-02T10:10:00+00:00"},
        )
        sent = await http.post(f"/campaigns/{campaign['id']}/actions/send")
        report = await http.get(f"/reports/{campaign['id']}")
    assert early.json()["detail"] == "Your Campaign is not ready to send."
    assert odd.status_code == 400
    assert sent.status_code == 204
    assert emulator.campaigns[campaign["id"]].sent_to == {md5("ada@example.com")}
    assert report.json()["emails_sent"] == 1
