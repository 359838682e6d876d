"""AudienceExport on Klaviyo: lists, list members, and the changed-since read (respx, emulator)."""

from __future__ import annotations

import datetime as dt

import pytest
import respx

from freehold.connectors.klaviyo import KlaviyoConnector, KlaviyoEmulator
from freehold.connectors.klaviyo._export import exported_profile
from freehold.core.models import AudienceRef, EmailStatus

REF = AudienceRef(key="vip", vendor_id="Y6nRLr", name="VIP")
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def profile(pid: str, consent: str, *, suppression: str | None = None) -> dict[str, object]:
    marketing: dict[str, object] = {
        "consent": consent,
        "consent_timestamp": "2026-01-02T03:04:05Z",
        "last_updated": "2026-02-01T00:00:00Z",
        "suppression": (
            [{"reason": suppression, "timestamp": "2026-02-03T00:00:00Z"}] if suppression else []
        ),
    }
    return {
        "type": "profile",
        "id": pid,
        "attributes": {
            "email": f"{pid.lower()}@example.com",
            "updated": "2026-02-05T00:00:00Z",
            "properties": {"tier": "gold", "nested": {"a": 1}},
            "subscriptions": {"email": {"marketing": marketing}},
        },
    }


@pytest.mark.parametrize(
    ("consent", "suppression", "status", "email_status"),
    [
        ("SUBSCRIBED", None, "subscribed", EmailStatus.SUBSCRIBED),
        ("UNSUBSCRIBED", None, "unsubscribed", EmailStatus.UNSUBSCRIBED),
        ("NEVER_SUBSCRIBED", None, "never_subscribed", None),
        ("SUBSCRIBED", "HARD_BOUNCE", "suppressed:hard_bounce", None),
        ("SUBSCRIBED", "SPAM_COMPLAINT", "suppressed:spam_complaint", EmailStatus.UNSUBSCRIBED),
        ("SUBSCRIBED", "UNSUBSCRIBE", "suppressed:unsubscribe", EmailStatus.UNSUBSCRIBED),
    ],
)
def test_profile_maps_consent_and_suppression(
    consent: str, suppression: str | None, status: str, email_status: EmailStatus | None
) -> None:
    member = exported_profile(profile("P1", consent, suppression=suppression))
    assert (member.status, member.email_status) == (status, email_status)
    assert member.consent_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    expected = "2026-02-03" if suppression else "2026-02-01"
    assert member.changed_at is not None
    assert member.changed_at.date().isoformat() == expected
    assert member.fields == {"tier": "gold"}
    assert member.identifiers == {"email": "p1@example.com"}
    assert "example.com" not in repr(member)


@pytest.mark.anyio
async def test_export_pages_list_members_with_subscriptions(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    following = "https://a.klaviyo.com/api/lists/Y6nRLr/profiles?page%5Bcursor%5D=abc"
    first = api.get("/api/lists/Y6nRLr/profiles", params={"page[size]": "100"}).respond(
        200, json={"data": [profile("P1", "SUBSCRIBED")], "links": {"next": following}}
    )
    second = api.get(following).respond(
        200, json={"data": [profile("P2", "UNSUBSCRIBED")], "links": {"next": None}}
    )
    members = [m async for m in mocked.export_members(REF)]
    assert [m.vendor_id for m in members] == ["P1", "P2"]
    sent = first.calls.last.request.url.params
    assert sent["additional-fields[profile]"] == "subscriptions"
    assert sent["page[size]"] == "100"
    assert second.calls.last.request.url.params["page[cursor]"] == "abc"


@pytest.mark.anyio
async def test_changed_since_reads_updates_and_suppressions_once_each(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    route = api.get("/api/profiles").mock(
        side_effect=[
            respx.MockResponse(200, json={"data": [profile("P1", "UNSUBSCRIBED")]}),
            respx.MockResponse(
                200,
                json={
                    "data": [
                        profile("P1", "UNSUBSCRIBED"),
                        profile("P3", "SUBSCRIBED", suppression="HARD_BOUNCE"),
                    ]
                },
            ),
        ]
    )
    since = dt.datetime(2026, 3, 1, 13, 0, 0, 123, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    members = [m async for m in mocked.export_members(REF, changed_since=since)]
    assert [m.vendor_id for m in members] == ["P1", "P3"]
    filters = [call.request.url.params["filter"] for call in route.calls]
    assert filters == [
        "greater-than(updated,2026-03-01T12:00:00Z)",
        "greater-or-equal(subscriptions.email.marketing.suppression.timestamp,"
        "2026-03-01T12:00:00Z)",
    ]


@pytest.mark.anyio
async def test_list_audiences_pages_ten_at_a_time(
    api: respx.MockRouter, mocked: KlaviyoConnector
) -> None:
    item = {"type": "list", "id": "Y6nRLr", "attributes": {"name": "VIP"}}
    route = api.get("/api/lists", params={"page[size]": "10"}).respond(
        200, json={"data": [item], "links": {"next": None}}
    )
    refs = await mocked.list_audiences()
    assert [(r.vendor_id, r.name) for r in refs] == [("Y6nRLr", "VIP")]
    assert route.call_count == 1


@pytest.mark.anyio
async def test_emulator_export_and_changed_since(
    emulator: KlaviyoEmulator, kl: KlaviyoConnector
) -> None:
    now = [T0]
    emulator.clock = lambda: now[0]
    created = await kl.post_json(
        "/api/lists", {"data": {"type": "list", "attributes": {"name": "VIP"}}}
    )
    list_id = str(created["data"]["id"])
    ref = AudienceRef(key="vip", vendor_id=list_id, name="VIP")
    for n in range(130):
        emulator.add_profile(f"p{n}@example.com", list_id=list_id, properties={"n": n})
    emulator.add_profile("outsider@example.com")
    members = [m async for m in kl.export_members(ref)]
    assert len(members) == 130
    assert {m.email_status for m in members} == {EmailStatus.SUBSCRIBED}
    assert sorted(int(str(m.fields["n"])) for m in members) == list(range(130))
    now[0] = T0 + dt.timedelta(hours=1)
    emulator.add_profile("p3@example.com", consent="UNSUBSCRIBED", list_id=list_id)
    emulator.add_profile("p4@example.com", suppressed="HARD_BOUNCE", list_id=list_id)
    changed = [m async for m in kl.export_members(ref, changed_since=T0)]
    assert sorted((m.email, m.status, m.email_status) for m in changed) == [
        ("p3@example.com", "unsubscribed", EmailStatus.UNSUBSCRIBED),
        ("p4@example.com", "suppressed:hard_bounce", None),
    ]
    assert [r.vendor_id for r in await kl.list_audiences()] == [list_id]
