"""The exact requests of customer-file audiences and their upload sessions (respx)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx
from meta_support import ACCOUNT, AUDIENCE, PROOF, TOKEN, body, graph_error, sha

from freehold.connectors.meta import MetaConfig, MetaConnector
from freehold.connectors.meta._audiences import MetaAudienceSession
from freehold.connectors.meta._graph import Graph
from freehold.core.capabilities import SessionMode
from freehold.core.errors import (
    BatchTooLargeError,
    NotFoundError,
    PermanentError,
    ThrottledError,
    VendorRequestError,
)
from freehold.core.models import Audience, AudienceRef, Member

pytestmark = pytest.mark.anyio

REF = AudienceRef(
    key="vip",
    vendor_id=AUDIENCE,
    name="VIP",
    details={"value_based": False, "customer_file_source": "USER_PROVIDED_ONLY"},
)
USERS = f"/{AUDIENCE}/users"


def members(*names: str) -> list[Member]:
    return [Member(key=name, identifiers={"email": sha(f"{name}@example.com")}) for name in names]


def answer(received: int, invalid: int = 0, samples: Any = None) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "audience_id": AUDIENCE,
            "session_id": "1",
            "num_received": received,
            "num_invalid_entries": invalid,
            "invalid_entry_samples": samples or {},
        },
    )


async def test_ensure_audience_finds_the_marked_audience_without_creating(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    listed = graph.get(f"/{ACCOUNT}/customaudiences").respond(
        json={
            "data": [
                {"id": "1", "name": "VIP", "description": "other [freehold:vip2]"},
                {"id": "2", "name": "VIP", "description": "Best buyers [freehold:vip]"},
            ]
        }
    )
    created = graph.post(f"/{ACCOUNT}/customaudiences")
    ref = await connector.ensure_audience(Audience(key="vip", name="VIP"))
    assert (ref.vendor_id, ref.key) == ("2", "vip")
    assert ref.details["value_based"] is False
    request = listed.calls.last.request
    assert dict(request.url.params) == {"fields": "id,name,description", "limit": "500"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(request.url)
    assert not created.called


async def test_ensure_audience_pages_through_then_creates_a_customer_file_audience(
    config: MetaConfig, graph: respx.MockRouter, transport: httpx.AsyncBaseTransport
) -> None:
    listed = graph.get(f"/{ACCOUNT}/customaudiences")
    listed.side_effect = [
        httpx.Response(
            200,
            json={
                "data": [{"id": "1", "name": "x", "description": None}],
                "paging": {"cursors": {"after": "CUR"}, "next": "https://graph/next"},
            },
        ),
        httpx.Response(200, json={"data": [], "paging": {"cursors": {"after": "END"}}}),
    ]
    created = graph.post(f"/{ACCOUNT}/customaudiences").respond(json={"id": "99"})
    settings = config.model_copy(update={"value_based_audiences": frozenset({"ltv"})})
    async with MetaConnector(settings, transport=transport) as connector:
        ref = await connector.ensure_audience(
            Audience(key="ltv", name="High LTV", description="Top customers")
        )
    assert ref.vendor_id == "99"
    assert ref.details["value_based"] is True
    # The engine sends a member again when its value changes, for value-based audiences only.
    assert connector.sends_value(Audience(key="ltv", name="High LTV"))
    assert not connector.sends_value(Audience(key="vip", name="VIP"))
    assert listed.calls[1].request.url.params["after"] == "CUR"
    assert body(created.calls.last.request) == {
        "name": "High LTV",
        "subtype": "CUSTOM",
        "customer_file_source": "USER_PROVIDED_ONLY",
        "description": "Top customers [freehold:ltv]",
        "is_value_based": True,
    }


async def test_a_session_numbers_its_batches_and_closes_with_the_last_batch_flag(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(USERS)
    route.side_effect = [answer(2), answer(3), answer(4)]
    async with connector.audience_session(REF) as session:
        first = await session.add(members("a", "b"))
        second = await session.add(members("c"))
    sent = [body(call.request) for call in route.calls]
    session_id = sent[0]["session"]["session_id"]
    assert sent[0] == {
        "session": {"session_id": session_id, "batch_seq": 1, "last_batch_flag": False},
        "payload": {
            "schema": ["EMAIL"],
            "data": [[sha("a@example.com")], [sha("b@example.com")]],
        },
    }
    assert sent[1]["session"] == {
        "session_id": session_id,
        "batch_seq": 2,
        "last_batch_flag": False,
    }
    assert sent[2] == {
        "session": {"session_id": session_id, "batch_seq": 3, "last_batch_flag": True},
        "payload": {"schema": ["EMAIL"], "data": [[sha("c@example.com")]]},
    }
    assert 0 < session_id < 2**63
    assert [(o.key, o.status.value) for o in first + second] == [
        ("a", "accepted"),
        ("b", "accepted"),
        ("c", "accepted"),
    ]
    assert route.calls.last.request.headers["content-type"] == "application/json"
    assert session.feedback()["num_received"] == 4


async def test_removals_are_posts_with_method_delete_in_their_own_session(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(USERS).mock(side_effect=[answer(1), answer(1), answer(1), answer(2)])
    async with connector.audience_session(REF) as session:
        await session.add(members("a"))
        await session.remove(members("z"))
    sent = [body(call.request) for call in route.calls]
    assert "method" not in sent[0]
    assert sent[1]["method"] == "DELETE"
    assert sent[1]["payload"] == {"schema": ["EMAIL"], "data": [[sha("z@example.com")]]}
    assert sent[1]["session"]["session_id"] != sent[0]["session"]["session_id"]
    assert sent[1]["session"]["batch_seq"] == 1
    closing = {s["session"]["session_id"]: s for s in sent[2:]}
    assert {s["session"]["last_batch_flag"] for s in closing.values()} == {True}
    assert len(closing) == 2
    assert all(call.request.method == "POST" for call in route.calls)


async def test_app_secret_proof_rides_in_the_query_string_and_the_token_in_a_header(
    proof_config: MetaConfig, graph: respx.MockRouter, transport: httpx.AsyncBaseTransport
) -> None:
    route = graph.post(USERS).respond(json=answer(1).json())
    async with MetaConnector(proof_config, transport=transport) as connector:
        session = connector.audience_session(REF)
        await session.add(members("a"))
        await session.close()
    request = route.calls[0].request
    assert dict(request.url.params) == {"appsecret_proof": PROOF}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in request.content.decode()


async def test_sampled_invalid_entries_are_rejected_and_the_rest_accepted(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    batch = [*members("a"), Member(key="bad", identifiers={"email": "NOT-A-DIGEST"}), *members("c")]
    graph.post(USERS).mock(
        side_effect=[answer(3, 1, {"NOT-A-DIGEST": "Invalid hash for EMAIL"}), answer(4)]
    )
    async with connector.audience_session(REF) as session:
        outcomes = await session.add(batch)
    assert [(o.key, o.status.value) for o in outcomes] == [
        ("a", "accepted"),
        ("bad", "rejected"),
        ("c", "accepted"),
    ]
    assert outcomes[1].code == "invalid_entry"
    assert outcomes[1].reason == "invalid entry: Invalid hash for EMAIL"
    assert session.feedback()["num_invalid_entries"] == 1


async def test_samples_given_as_a_list_are_matched_too(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    bad = Member(key="bad", identifiers={"email": "x" * 10})
    graph.post(USERS).mock(side_effect=[answer(2, 1, ["x" * 10]), answer(3)])
    async with connector.audience_session(REF) as session:
        outcomes = await session.add([*members("a"), bad])
    assert [o.status.value for o in outcomes] == ["accepted", "rejected"]


async def test_the_closing_batch_resends_an_accepted_row_never_a_rejected_one(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    bad = Member(key="bad", identifiers={"email": "NOT-A-DIGEST"})
    route = graph.post(USERS).mock(side_effect=[answer(2, 1, {"NOT-A-DIGEST": "bad"}), answer(3)])
    async with connector.audience_session(REF) as session:
        await session.add([*members("a"), bad])
    assert body(route.calls[1].request)["payload"]["data"] == [[sha("a@example.com")]]


async def test_num_received_zero_rejects_every_row_sent(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(USERS).mock(return_value=answer(0))
    async with connector.audience_session(REF) as session:
        outcomes = await session.add(members("a", "b"))
    assert [o.status.value for o in outcomes] == ["rejected", "rejected"]
    assert outcomes[0].code == "num_received=0"
    assert route.call_count == 1  # nothing accepted: no closing batch to send


async def test_rows_without_identifiers_are_rejected_and_never_sent(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(USERS)
    async with connector.audience_session(REF) as session:
        outcomes = await session.add([Member(key="empty", identifiers={})])
    assert [(o.status.value, o.code) for o in outcomes] == [("rejected", "not_sent")]
    assert not route.called


async def test_more_than_ten_thousand_rows_is_too_large_before_sending(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(USERS)
    session = connector.audience_session(REF)
    with pytest.raises(BatchTooLargeError):
        await session.add(members(*(str(i) for i in range(10_001))))
    assert not route.called


async def test_throttling_is_retriable_after_meta_s_own_estimate(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    usage = '{"1234567890":[{"type":"custom_audience","estimated_time_to_regain_access":2}]}'
    graph.post(USERS).respond(
        400, json=graph_error(80003, 2446079), headers={"x-business-use-case-usage": usage}
    )
    session = connector.audience_session(REF)
    with pytest.raises(ThrottledError) as caught:
        await session.add(members("a"))
    assert caught.value.retry_after == 120.0
    assert session.state["uploads"]["add"]["acknowledged"] == 0


async def test_an_unknown_audience_is_not_found(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    graph.post(USERS).respond(400, json=graph_error(100, 33))
    with pytest.raises(NotFoundError):
        await connector.audience_session(REF).add(members("a"))


async def test_the_first_batch_is_alone_in_flight_then_batches_overlap(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    log: list[tuple[str, int]] = []

    async def reply(request: httpx.Request) -> httpx.Response:
        seq = body(request)["session"]["batch_seq"]
        log.append(("start", seq))
        await asyncio.sleep(0.02)
        log.append(("end", seq))
        return answer(seq)

    graph.post(USERS).mock(side_effect=reply)
    session = connector.audience_session(REF)
    await asyncio.gather(*(session.add(members(str(i))) for i in range(3)))
    assert log[:2] == [("start", 1), ("end", 1)]
    assert log[2:4] == [("start", 2), ("start", 3)]


async def test_a_finished_session_moves_to_a_fresh_one_and_resends_the_batch(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(USERS).mock(
        side_effect=[
            answer(1),
            httpx.Response(400, json=graph_error(2650, 1870159)),
            answer(1),
            answer(2),
        ]
    )
    async with connector.audience_session(REF) as session:
        await session.add(members("a"))
        outcomes = await session.add(members("b"))
    sent = [body(call.request)["session"] for call in route.calls]
    assert outcomes[0].status.value == "accepted"
    assert sent[2]["session_id"] != sent[0]["session_id"]
    assert sent[2]["batch_seq"] == 1
    assert sent[3] == {**sent[2], "batch_seq": 2, "last_batch_flag": True}


async def test_replace_uses_usersreplace_with_one_full_schema(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(f"/{AUDIENCE}/usersreplace").mock(
        side_effect=[answer(1), answer(2), answer(3)]
    )
    async with connector.audience_session(REF, SessionMode.REPLACE) as session:
        await session.add(members("a"))
        await session.add([Member(key="p", identifiers={"phone": sha("15559876543")})])
        with pytest.raises(PermanentError):
            await session.remove(members("a"))
    sent = [body(call.request) for call in route.calls]
    schemas = {tuple(s["payload"]["schema"]) for s in sent}
    assert len(schemas) == 1
    assert next(iter(schemas))[:2] == ("EMAIL", "PHONE")
    assert [s["session"]["batch_seq"] for s in sent] == [1, 2, 3]
    assert [s["session"]["last_batch_flag"] for s in sent] == [False, False, True]


async def test_no_users_writes_while_a_replace_is_running(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    graph.post(f"/{AUDIENCE}/usersreplace").mock(side_effect=[answer(1), answer(2)])
    replace = connector.audience_session(REF, SessionMode.REPLACE)
    await replace.add(members("a"))
    with pytest.raises(VendorRequestError):
        connector.audience_session(REF)
    await replace.close()
    assert connector.audience_session(REF).mode is SessionMode.UPDATE


async def test_a_timed_out_replace_sends_the_rest_as_additions(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    replace = graph.post(f"/{AUDIENCE}/usersreplace").mock(
        side_effect=[answer(1), httpx.Response(400, json=graph_error(2650, 1870158))]
    )
    users = graph.post(USERS).mock(side_effect=[answer(1), answer(2)])
    async with connector.audience_session(REF, SessionMode.REPLACE) as session:
        await session.add(members("a"))
        outcomes = await session.add(members("b"))
        assert session.state["replace_fallback"] is True
    assert outcomes[0].status.value == "accepted"
    assert replace.call_count == 2
    sent = [body(call.request) for call in users.calls]
    assert sent[0]["payload"]["data"] == [[sha("b@example.com")] + [""] * 13]
    assert sent[0]["session"]["batch_seq"] == 1
    assert sent[1]["session"]["last_batch_flag"] is True


async def test_a_resumed_session_continues_its_numbering_and_can_close(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    route = graph.post(USERS).mock(side_effect=[answer(1), answer(2), answer(3)])
    first = connector.audience_session(REF)
    await first.add(members("a"))
    saved = first.state
    async with connector.audience_session(REF, state=saved) as resumed:
        await resumed.add(members("b"))
    sent = [body(call.request)["session"] for call in route.calls]
    assert {s["session_id"] for s in sent} == {saved["uploads"]["add"]["session_id"]}
    assert [s["batch_seq"] for s in sent] == [1, 2, 3]
    with pytest.raises(PermanentError):
        connector.audience_session(REF, SessionMode.REPLACE, state=saved)


async def test_an_old_update_session_is_rotated_before_meta_closes_it(
    config: MetaConfig, graph: respx.MockRouter, transport: httpx.AsyncBaseTransport
) -> None:
    now = [1_000_000.0]
    route = graph.post(USERS).mock(side_effect=[answer(1), answer(1), answer(2)])
    async with MetaConnector(config, transport=transport) as connector:
        session = MetaAudienceSession(
            Graph(connector.http, config),
            REF,
            SessionMode.UPDATE,
            ldu=None,
            replacing=set(),
            clock=lambda: now[0],
        )
        await session.add(members("a"))
        now[0] += 86 * 60
        await session.add(members("b"))
    sent = [body(call.request)["session"] for call in route.calls]
    assert sent[1]["session_id"] != sent[0]["session_id"]
    assert sent[1]["batch_seq"] == 1


async def test_erasure_removes_the_person_from_each_audience_it_is_given(
    connector: MetaConnector, graph: respx.MockRouter
) -> None:
    from freehold.core.capabilities import ErasureRequest

    first = graph.post("/111/users").respond(json=answer(1).json())
    second = graph.post("/222/users").respond(400, json=graph_error(100, 33))
    refs = tuple(AudienceRef(key=k, vendor_id=v, name=k) for k, v in (("a", "111"), ("b", "222")))
    receipt = await connector.erase_contact(
        ErasureRequest(key="c1", identifiers={"email": sha("m@example.com")}, audiences=refs)
    )
    assert body(first.calls.last.request) == {
        "payload": {"schema": ["EMAIL"], "data": [[sha("m@example.com")]]},
        "method": "DELETE",
    }
    assert second.called
    assert receipt.actions == ("removed from custom audience 111",)
    assert receipt.done is False
    assert any("222" in warning for warning in receipt.warnings)
