"""The Meta emulator enforces Meta's rules and answers in Meta's shapes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from meta_support import sha

from freehold.connectors.meta.emulator import (
    EMULATOR_ACCESS_TOKEN,
    EMULATOR_AD_ACCOUNT,
    EMULATOR_PIXEL,
    MetaEmulator,
)

pytestmark = pytest.mark.anyio

V = "/v26.0"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emu(clock: Clock) -> MetaEmulator:
    return MetaEmulator(clock=clock)


@pytest.fixture
async def client(emu: MetaEmulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"authorization": f"Bearer {EMULATOR_ACCESS_TOKEN}"}
    async with httpx.AsyncClient(
        transport=emu.transport(), base_url="http://emu.invalid", headers=headers
    ) as opened:
        yield opened


async def make_audience(client: httpx.AsyncClient, **extra: Any) -> str:
    created = await client.post(
        f"{V}/{EMULATOR_AD_ACCOUNT}/customaudiences",
        json={
            "name": "VIP",
            "subtype": "CUSTOM",
            "customer_file_source": "USER_PROVIDED_ONLY",
            **extra,
        },
    )
    assert created.status_code == 200, created.text
    return str(created.json()["id"])


def error(response: httpx.Response) -> tuple[int, int | None, int | None]:
    err = response.json()["error"]
    return response.status_code, err["code"], err.get("error_subcode")


def users(rows: list[list[Any]], schema: list[str] | None = None, **session: Any) -> dict[str, Any]:
    sent: dict[str, Any] = {"payload": {"schema": schema or ["EMAIL"], "data": rows}}
    if session:
        sent["session"] = {"last_batch_flag": False, **session}
    return sent


# -- auth -------------------------------------------------------------------------------------


async def test_a_missing_or_wrong_token_is_refused_as_graph_does(emu: MetaEmulator) -> None:
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://e") as bare:
        assert error(await bare.get(f"{V}/{EMULATOR_AD_ACCOUNT}"))[:2] == (400, 104)
        wrong = await bare.get(f"{V}/{EMULATOR_AD_ACCOUNT}", params={"access_token": "nope"})
        assert error(wrong)[:2] == (400, 190)
        fine = await bare.get(
            f"{V}/{EMULATOR_AD_ACCOUNT}", params={"access_token": EMULATOR_ACCESS_TOKEN}
        )
        assert fine.json()["id"] == EMULATOR_AD_ACCOUNT


async def test_appsecret_proof_is_required_when_the_app_has_a_secret() -> None:
    emu = MetaEmulator(app_secret="s3cret")
    proof = hmac.new(b"s3cret", EMULATOR_ACCESS_TOKEN.encode(), hashlib.sha256).hexdigest()
    headers = {"authorization": f"Bearer {EMULATOR_ACCESS_TOKEN}"}
    async with httpx.AsyncClient(
        transport=emu.transport(), base_url="http://e", headers=headers
    ) as client:
        path = f"{V}/{EMULATOR_AD_ACCOUNT}"
        assert error(await client.get(path))[:2] == (400, 100)
        assert error(await client.get(path, params={"appsecret_proof": "0" * 64}))[:2] == (400, 100)
        assert (await client.get(path, params={"appsecret_proof": proof})).status_code == 200


async def test_old_api_versions_are_refused(client: httpx.AsyncClient) -> None:
    assert error(await client.get(f"/v12.0/{EMULATOR_AD_ACCOUNT}"))[:2] == (400, 2635)


# -- /users -----------------------------------------------------------------------------------


async def test_the_sdk_s_form_encoding_is_accepted(
    client: httpx.AsyncClient, emu: MetaEmulator
) -> None:
    audience = await make_audience(client)
    payload = {"schema": ["EMAIL", "PHONE"], "data": [[sha("a"), sha("1")], [sha("b"), ""]]}
    form = {
        "payload": json.dumps(payload, sort_keys=True, separators=(",", ":")),
        "session": json.dumps({"session_id": 7, "batch_seq": 1, "last_batch_flag": True}),
    }
    answer = await client.post(f"{V}/{audience}/users", data=form)
    assert answer.json() == {
        "audience_id": audience,
        "session_id": "7",
        "num_received": 2,
        "num_invalid_entries": 0,
        "invalid_entry_samples": {},
    }
    assert emu.audience_hashes(audience) == {sha("a"), sha("b")}
    assert emu.audience_hashes(audience, "PHONE") == {sha("1")}


async def test_removal_by_delete_query_string_or_post_method_delete(
    client: httpx.AsyncClient, emu: MetaEmulator
) -> None:
    audience = await make_audience(client)
    await client.post(f"{V}/{audience}/users", json=users([[sha("a")], [sha("b")], [sha("c")]]))
    payload = json.dumps({"schema": "EMAIL_SHA256", "data": [sha("a")]})
    deleted = await client.delete(f"{V}/{audience}/users", params={"payload": payload})
    assert deleted.json()["num_received"] == 1
    posted = await client.post(
        f"{V}/{audience}/users", json={**users([[sha("b")]]), "method": "DELETE"}
    )
    assert posted.status_code == 200
    assert emu.audience_hashes(audience) == {sha("c")}


async def test_invalid_rows_are_counted_and_sampled_without_echoing_reasons(
    client: httpx.AsyncClient, emu: MetaEmulator
) -> None:
    audience = await make_audience(client)
    rows = [[sha("a"), ""], ["Mary@Example.com", ""], ["", ""], [sha("d"), "not-hex"]]
    answer = (
        await client.post(f"{V}/{audience}/users", json=users(rows, ["EMAIL", "PHONE"]))
    ).json()
    assert answer["num_received"] == 4
    assert answer["num_invalid_entries"] == 3
    assert answer["invalid_entry_samples"] == {
        "Mary@Example.com": "invalid value for EMAIL",
        "not-hex": "invalid value for PHONE",
    }
    assert emu.audience_hashes(audience) == {sha("a")}


async def test_more_than_ten_thousand_rows_or_a_misaligned_row_is_refused(
    client: httpx.AsyncClient,
) -> None:
    audience = await make_audience(client)
    big = await client.post(f"{V}/{audience}/users", json=users([[sha("a")]] * 10_001))
    assert error(big)[:2] == (400, 100)
    crooked = await client.post(f"{V}/{audience}/users", json=users([[sha("a"), sha("b")]]))
    assert error(crooked)[:2] == (400, 100)
    unknown = await client.post(f"{V}/{audience}/users", json=users([["x"]], ["SHOE_SIZE"]))
    assert error(unknown)[:2] == (400, 100)


async def test_num_received_is_cumulative_and_a_finished_session_takes_no_more(
    client: httpx.AsyncClient,
) -> None:
    audience = await make_audience(client)
    path = f"{V}/{audience}/users"
    first = await client.post(path, json=users([[sha("a")], [sha("b")]], session_id=5, batch_seq=1))
    second = await client.post(
        path, json=users([[sha("c")]], session_id=5, batch_seq=2, last_batch_flag=True)
    )
    assert (first.json()["num_received"], second.json()["num_received"]) == (2, 3)
    late = await client.post(path, json=users([[sha("d")]], session_id=5, batch_seq=3))
    assert error(late) == (400, 2650, 1870159)
    sessions = (await client.get(f"{V}/{audience}/sessions")).json()["data"]
    assert sessions[0]["stage"] == "finished"
    assert sessions[0]["num_received"] == "3"


async def test_a_session_closes_ninety_minutes_after_its_first_batch(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    audience = await make_audience(client)
    path = f"{V}/{audience}/users"
    await client.post(path, json=users([[sha("a")]], session_id=9, batch_seq=1))
    clock.now += 91 * 60
    late = await client.post(path, json=users([[sha("b")]], session_id=9, batch_seq=2))
    assert error(late) == (400, 2650, 1870158)


async def test_a_flagged_audience_blocks_uploads(
    client: httpx.AsyncClient, emu: MetaEmulator
) -> None:
    audience = await make_audience(client)
    emu.flag_audience(audience)
    answer = await client.post(f"{V}/{audience}/users", json=users([[sha("a")]]))
    assert error(answer) == (400, 100, 1713230)


async def test_value_based_audiences_take_lookalike_value_only(client: httpx.AsyncClient) -> None:
    audience = await make_audience(client, is_value_based=True)
    path = f"{V}/{audience}/users"
    plain = await client.post(path, json=users([[sha("a")]]))
    assert error(plain)[:2] == (400, 100)
    valued = await client.post(path, json=users([[sha("a"), 44.5]], ["EMAIL", "LOOKALIKE_VALUE"]))
    assert valued.json()["num_invalid_entries"] == 0


async def test_unknown_objects_and_paths_answer_like_graph(client: httpx.AsyncClient) -> None:
    assert error(await client.post(f"{V}/404/users", json=users([[sha("a")]]))) == (400, 100, 33)
    assert error(await client.get(f"{V}/x/y/z"))[:2] == (400, 2500)


# -- /usersreplace ----------------------------------------------------------------------------


async def test_replace_swaps_membership_when_the_last_batch_arrives(
    client: httpx.AsyncClient, emu: MetaEmulator
) -> None:
    audience = await make_audience(client)
    await client.post(f"{V}/{audience}/users", json=users([[sha("old")]]))
    path = f"{V}/{audience}/usersreplace"
    first = await client.post(path, json=users([[sha("a")]], session_id=3, batch_seq=1))
    assert first.json()["num_received"] == 1
    assert "account_id" in first.json()
    node = (await client.get(f"{V}/{audience}", params={"fields": "operation_status"})).json()
    assert node["operation_status"]["description"] == "replace_in_progress"
    blocked = await client.post(f"{V}/{audience}/users", json=users([[sha("x")]]))
    assert error(blocked) == (400, 2650, 1870145)
    other = await client.post(path, json=users([[sha("z")]], session_id=4, batch_seq=1))
    assert error(other) == (400, 2650, 1870145)
    assert emu.audience_hashes(audience) == {sha("old")}
    await client.post(
        path, json=users([[sha("b")]], session_id=3, batch_seq=7, last_batch_flag=True)
    )
    assert emu.audience_hashes(audience) == {sha("a"), sha("b")}
    again = await client.post(path, json=users([[sha("c")]], session_id=3, batch_seq=8))
    assert error(again) == (400, 2650, 1870159)


async def test_replace_needs_batch_one_first_and_one_schema(client: httpx.AsyncClient) -> None:
    audience = await make_audience(client)
    path = f"{V}/{audience}/usersreplace"
    orphan = await client.post(path, json=users([[sha("a")]], session_id=3, batch_seq=2))
    assert error(orphan) == (400, 2650, 1870147)
    await client.post(path, json=users([[sha("a")]], session_id=3, batch_seq=1))
    changed = await client.post(
        path, json=users([[sha("a"), ""]], ["EMAIL", "PHONE"], session_id=3, batch_seq=2)
    )
    assert error(changed)[:2] == (400, 100)


async def test_resending_batch_one_restarts_the_replace(
    client: httpx.AsyncClient, emu: MetaEmulator
) -> None:
    audience = await make_audience(client)
    path = f"{V}/{audience}/usersreplace"
    await client.post(path, json=users([[sha("a")]], session_id=3, batch_seq=1))
    await client.post(path, json=users([[sha("b")]], session_id=3, batch_seq=1))
    await client.post(
        path, json=users([[sha("c")]], session_id=3, batch_seq=2, last_batch_flag=True)
    )
    assert emu.audience_hashes(audience) == {sha("b"), sha("c")}


async def test_a_replace_times_out_after_ninety_minutes_keeping_what_was_sent(
    client: httpx.AsyncClient, emu: MetaEmulator, clock: Clock
) -> None:
    audience = await make_audience(client)
    path = f"{V}/{audience}/usersreplace"
    await client.post(path, json=users([[sha("a")]], session_id=3, batch_seq=1))
    clock.now += 91 * 60
    late = await client.post(path, json=users([[sha("b")]], session_id=3, batch_seq=2))
    assert error(late) == (400, 2650, 1870158)
    assert emu.audience_hashes(audience) == {sha("a")}
    added = await client.post(f"{V}/{audience}/users", json=users([[sha("b")]]))
    assert added.status_code == 200


# -- /events ----------------------------------------------------------------------------------


def event(**changes: Any) -> dict[str, Any]:
    sent = {
        "event_name": "Purchase",
        "event_time": int(time.time()) - 60,
        "event_id": "ord-1",
        "action_source": "website",
        "event_source_url": "https://shop.example/thanks",
        "user_data": {"em": [sha("mary@example.com")], "client_user_agent": "Mozilla/5.0"},
        "custom_data": {"value": 129.5, "currency": "usd"},
    }
    sent.update(changes)
    return sent


async def test_events_are_received_and_deduplicated_by_name_and_id(
    client: httpx.AsyncClient, emu: MetaEmulator
) -> None:
    path = f"{V}/{EMULATOR_PIXEL}/events"
    answer = await client.post(path, json={"data": [event(), event(event_id="ord-2")]})
    assert answer.json()["events_received"] == 2
    await client.post(path, json={"data": [event()]})
    pixel = emu.state()["pixels"][EMULATOR_PIXEL]
    assert [e["event_id"] for e in pixel["events"]] == ["ord-1", "ord-2"]
    assert [e["event_id"] for e in pixel["deduplicated"]] == ["ord-1"]


async def test_test_events_are_kept_apart(client: httpx.AsyncClient, emu: MetaEmulator) -> None:
    form = {"data": json.dumps([json.dumps(event())]), "test_event_code": "TEST123"}
    answer = await client.post(f"{V}/{EMULATOR_PIXEL}/events", data=form)
    assert answer.json()["events_received"] == 1
    pixel = emu.state()["pixels"][EMULATOR_PIXEL]
    assert pixel["events"] == []
    assert len(pixel["test_events"]["TEST123"]) == 1


@pytest.mark.parametrize(
    ("changes", "subcode", "where"),
    [
        ({"event_time": int(time.time()) - 8 * 86400}, 2804003, "['event_time']"),
        ({"user_data": {"em": ["mary@example.com"], "client_user_agent": "x"}}, 2804016, "['em']"),
        ({"event_time": None}, 2804019, "['event_time']"),
        ({"action_source": "carrier_pigeon"}, 2804019, "['action_source']"),
        ({"event_source_url": None}, 2804019, "['event_source_url']"),
        ({"user_data": {"em": [sha("m")]}}, 2804019, "['client_user_agent']"),
        ({"user_data": {"fbc": "nope", "client_user_agent": "x"}}, 2804019, "['fbc']"),
        (
            {"user_data": {"client_ip_address": "999.1.1.1", "client_user_agent": "x"}},
            2804019,
            "ip",
        ),
        ({"user_data": {}}, 2804019, "['user_data']"),
    ],
)
async def test_one_invalid_event_rejects_the_whole_request(
    client: httpx.AsyncClient, emu: MetaEmulator, changes: dict[str, Any], subcode: int, where: str
) -> None:
    bad = {k: v for k, v in event(event_id="bad", **changes).items() if v is not None}
    answer = await client.post(f"{V}/{EMULATOR_PIXEL}/events", json={"data": [event(), bad]})
    assert error(answer) == (400, 100, subcode)
    message = answer.json()["error"]["error_user_msg"]
    assert "$['data'][1]" in message
    assert where.replace("ip", "client_ip_address") in message
    assert "mary@example.com" not in message
    assert emu.state()["pixels"][EMULATOR_PIXEL]["events"] == []


async def test_more_than_a_thousand_events_is_refused(client: httpx.AsyncClient) -> None:
    answer = await client.post(f"{V}/{EMULATOR_PIXEL}/events", json={"data": [event()] * 1001})
    assert error(answer)[:2] == (400, 100)


# -- campaigns and insights -------------------------------------------------------------------


async def test_campaign_create_enforces_meta_s_rules(client: httpx.AsyncClient) -> None:
    path = f"{V}/{EMULATOR_AD_ACCOUNT}/campaigns"
    base = {"name": "c", "objective": "OUTCOME_TRAFFIC", "status": "PAUSED"}
    no_categories = await client.post(path, json={**base, "is_adset_budget_sharing_enabled": False})
    assert error(no_categories)[:2] == (400, 100)
    no_sharing = await client.post(path, json={**base, "special_ad_categories": []})
    assert "is_adset_budget_sharing_enabled" in no_sharing.json()["error"]["message"]
    legacy = await client.post(
        path,
        json={
            **base,
            "objective": "LINK_CLICKS",
            "special_ad_categories": [],
            "is_adset_budget_sharing_enabled": False,
        },
    )
    assert error(legacy)[:2] == (400, 100)
    both = await client.post(
        path,
        json={**base, "special_ad_categories": [], "daily_budget": "100", "lifetime_budget": "100"},
    )
    assert error(both)[:2] == (400, 100)
    made = await client.post(
        path, data={**base, "special_ad_categories": "[]", "daily_budget": "1250"}
    )
    assert made.status_code == 200
    campaign_id = made.json()["id"]
    paused = await client.post(f"{V}/{campaign_id}", json={"status": "ACTIVE"})
    assert paused.json() == {"success": True}
    read = await client.get(f"{V}/{campaign_id}", params={"fields": "status,daily_budget"})
    assert read.json() == {"id": campaign_id, "status": "ACTIVE", "daily_budget": "1250"}


async def test_insights_sum_the_days_in_the_range(
    client: httpx.AsyncClient, emu: MetaEmulator
) -> None:
    made = await client.post(
        f"{V}/{EMULATOR_AD_ACCOUNT}/campaigns",
        json={
            "name": "c",
            "objective": "OUTCOME_SALES",
            "special_ad_categories": [],
            "is_adset_budget_sharing_enabled": False,
        },
    )
    campaign_id = made.json()["id"]
    for day in (1, 2, 9):
        emu.set_insights(
            campaign_id,
            dt.date(2026, 11, day),
            impressions=100,
            clicks=5,
            spend="1.5",
            actions={"offsite_conversion.fb_pixel_purchase": 1},
        )
    window = json.dumps({"since": "2026-11-01", "until": "2026-11-05"})
    rows = (await client.get(f"{V}/{campaign_id}/insights", params={"time_range": window})).json()
    assert rows["data"][0]["impressions"] == "200"
    assert rows["data"][0]["spend"] == "3.0"
    assert rows["data"][0]["actions"] == [
        {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "2"}
    ]


# -- faults -----------------------------------------------------------------------------------


async def test_throttling_is_http_400_with_a_use_case_code_and_usage_header(
    client: httpx.AsyncClient,
) -> None:
    emu = MetaEmulator(regain_minutes=4)
    emu.inject("throttle", on={1, 2})
    headers = {"authorization": f"Bearer {EMULATOR_ACCESS_TOKEN}"}
    async with httpx.AsyncClient(
        transport=emu.transport(), base_url="http://e", headers=headers
    ) as other:
        audience_call = await other.post(f"{V}/123/users", json=users([[sha("a")]]))
        account_call = await other.get(f"{V}/{EMULATOR_AD_ACCOUNT}")
    assert error(audience_call) == (400, 80003, 2446079)
    assert error(account_call) == (400, 80004, 2446079)
    usage = json.loads(audience_call.headers["x-business-use-case-usage"])
    (entry,) = usage[EMULATOR_AD_ACCOUNT.removeprefix("act_")]
    assert (entry["type"], entry["estimated_time_to_regain_access"]) == ("custom_audience", 4)
    assert "retry-after" not in audience_call.headers


async def test_server_errors_are_transient_graph_errors(
    client: httpx.AsyncClient, emu: MetaEmulator
) -> None:
    emu.inject("server_error", on={1})
    answer = await client.get(f"{V}/{EMULATOR_AD_ACCOUNT}")
    assert answer.status_code == 500
    assert answer.json()["error"]["is_transient"] is True


@pytest.mark.parametrize(
    "bad",
    [
        sha("x").upper(),
        sha("x")[:62] + "  ",
        sha("x")[:63] + "g",
        sha("x")[:63],
        sha("x") + "0",
        "é" * 64,
    ],
    ids=["upper", "spaces", "not-hex", "short", "long", "non-ascii"],
)
async def test_column_checks_catch_every_malformed_digest(
    client: httpx.AsyncClient, emu: MetaEmulator, bad: str
) -> None:
    audience = await make_audience(client)
    rows = [[sha(str(i))] for i in range(50)] + [[bad]] + [[""]]
    answer = (await client.post(f"{V}/{audience}/users", json=users(rows))).json()
    assert answer["num_invalid_entries"] == 2
    assert list(answer["invalid_entry_samples"]) == [bad]
    assert len(emu.audience_hashes(audience)) == 50


async def test_a_failed_or_timed_out_replace_leaves_the_audience_in_replace_error(
    client: httpx.AsyncClient, emu: MetaEmulator, clock: Clock
) -> None:
    audience = await make_audience(client)
    path = f"{V}/{audience}/usersreplace"

    async def status() -> str:
        node = await client.get(f"{V}/{audience}", params={"fields": "operation_status"})
        return str(node.json()["operation_status"]["description"])

    await client.post(path, json=users([[sha("a")]], session_id=3, batch_seq=1))
    emu.fail_replace(audience)
    failed = await client.post(path, json=users([[sha("b")]], session_id=3, batch_seq=2))
    assert error(failed) == (400, 2650, 1870148)
    assert await status() == "replace_error"
    assert emu.audience_hashes(audience) == {sha("a")}
    await client.post(path, json=users([[sha("c")]], session_id=4, batch_seq=1))
    clock.now += 91 * 60
    await client.post(path, json=users([[sha("d")]], session_id=4, batch_seq=2))
    assert await status() == "replace_error"
    await client.post(
        path, json=users([[sha("e")]], session_id=5, batch_seq=1, last_batch_flag=True)
    )
    assert await status() == "normal"
    assert emu.audience_hashes(audience) == {sha("e")}
