"""HTTP answers and transport failures become the right freehold errors, with safe messages."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import respx

from freehold.core._version import __version__
from freehold.core.errors import (
    AuthError,
    BatchRejectedError,
    BatchTooLargeError,
    NotFoundError,
    PermanentError,
    RowRejectedError,
    ThrottledError,
    TransientError,
    VendorRequestError,
)
from freehold.core.http import (
    ErrorKind,
    ErrorRule,
    ErrorTable,
    VendorError,
    error_for_response,
    new_client,
    parse_retry_after,
    raise_for_response,
    send,
)

BASE = "https://api.vendor.test"
pytestmark = pytest.mark.anyio


def vendor_parse(response: httpx.Response) -> VendorError:
    error = response.json()["error"]
    return VendorError(
        code=error.get("code"),
        subcode=error.get("subcode"),
        message=error.get("message"),
        retry_after=error.get("wait"),
    )


TABLE = ErrorTable(
    [
        ErrorRule(ErrorKind.THROTTLED, code="4"),
        ErrorRule(ErrorKind.AUTH, status=400, code="190"),
        ErrorRule(ErrorKind.BATCH_REJECTED, status=400, code="100", subcode="2650"),
        ErrorRule(ErrorKind.ROW_REJECTED, code="100", subcode="1"),
        ErrorRule(ErrorKind.REQUEST, code="100"),
    ]
)


async def answer(status: int, body: object = None, headers: dict[str, str] | None = None):
    with respx.mock(base_url=BASE, assert_all_called=True) as router:
        route = router.post("/v1/things").respond(status, json=body, headers=headers)
        async with new_client(base_url=BASE) as client:
            response = await client.post("/v1/things", params={"email": "ann@example.com"})
        assert route.call_count == 1
    return response


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, ThrottledError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (410, NotFoundError),
        (413, BatchTooLargeError),
        (408, TransientError),
        (425, TransientError),
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
        (400, VendorRequestError),
        (422, VendorRequestError),
    ],
)
async def test_status_alone_maps_to_the_generic_kind(status, expected) -> None:
    error = error_for_response(await answer(status))
    assert type(error) is expected
    assert str(error) == f"POST /v1/things -> {status}"


async def test_message_never_contains_the_query_string_or_body() -> None:
    response = await answer(400, {"error": {"code": "100", "message": "bad field"}})
    error = error_for_response(response, table=TABLE, parse=vendor_parse)
    assert str(error) == "POST /v1/things -> 400 [100]: bad field"
    assert "ann@example.com" not in str(error)
    assert "email=" not in str(error)


async def test_the_table_wins_over_the_status_and_first_match_wins() -> None:
    response = await answer(400, {"error": {"code": "4", "message": "too many calls"}})
    error = error_for_response(response, table=TABLE, parse=vendor_parse)
    assert isinstance(error, ThrottledError)
    assert error.vendor_code == "4"


async def test_rules_match_on_status_code_and_subcode_together() -> None:
    rejected = await answer(400, {"error": {"code": "100", "subcode": "2650"}})
    assert isinstance(
        error_for_response(rejected, table=TABLE, parse=vendor_parse), BatchRejectedError
    )
    other = await answer(400, {"error": {"code": "100", "subcode": "33"}})
    error = error_for_response(other, table=TABLE, parse=vendor_parse)
    assert type(error) is VendorRequestError
    assert error.vendor_code == "100:33"
    auth_on_500 = await answer(500, {"error": {"code": "190"}})
    assert isinstance(
        error_for_response(auth_on_500, table=TABLE, parse=vendor_parse), TransientError
    )


async def test_row_rejected_kind_is_not_permanent() -> None:
    response = await answer(400, {"error": {"code": "100", "subcode": "1"}})
    error = error_for_response(response, table=TABLE, parse=vendor_parse)
    assert isinstance(error, RowRejectedError)
    assert not isinstance(error, PermanentError)


async def test_unmatched_vendor_code_falls_back_on_the_status() -> None:
    response = await answer(401, {"error": {"code": "999"}})
    assert isinstance(error_for_response(response, table=TABLE, parse=vendor_parse), AuthError)


async def test_retry_after_comes_from_the_header() -> None:
    response = await answer(429, {"error": {}}, headers={"Retry-After": "7"})
    error = error_for_response(response)
    assert isinstance(error, ThrottledError)
    assert error.retry_after == 7.0


async def test_the_vendor_body_hint_beats_the_header() -> None:
    response = await answer(429, {"error": {"wait": 30.0}}, headers={"Retry-After": "7"})
    error = error_for_response(response, parse=vendor_parse)
    assert isinstance(error, ThrottledError)
    assert error.retry_after == 30.0


async def test_transient_errors_keep_retry_after_too() -> None:
    error = error_for_response(await answer(503, headers={"retry-after": "2"}))
    assert isinstance(error, TransientError)
    assert error.retry_after == 2.0


async def test_permanent_errors_carry_no_retry_after() -> None:
    error = error_for_response(await answer(401, headers={"retry-after": "2"}))
    assert not hasattr(error, "retry_after")


async def test_raise_for_response_passes_success_and_raises_failure() -> None:
    ok = await answer(200, {"ok": True})
    assert raise_for_response(ok) is ok
    with pytest.raises(NotFoundError, match=r"^POST /v1/things -> 404$"):
        raise_for_response(await answer(404))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after_reads_deltas_and_dates(header, seconds) -> None:
    now = dt.datetime(2026, 10, 21, 7, 28, tzinfo=dt.UTC)
    assert parse_retry_after(header, now=now) == seconds


def test_parse_retry_after_uses_the_clock_when_no_now_is_given() -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)
    value = parse_retry_after(later.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert value is not None
    assert 50 <= value <= 60


@pytest.mark.parametrize(
    ("failure", "detail"),
    [
        (httpx.ConnectTimeout("x"), "timed out"),
        (httpx.ReadTimeout("x"), "timed out"),
        (httpx.ConnectError("x"), "ConnectError"),
        (httpx.RemoteProtocolError("x"), "RemoteProtocolError"),
    ],
)
async def test_send_turns_transport_failures_into_transient_errors(failure, detail) -> None:
    with respx.mock(base_url=BASE) as router:
        router.get("/v1/me").mock(side_effect=failure)
        async with new_client(base_url=BASE) as client:
            request = client.build_request("GET", "/v1/me", params={"token": "s3cret"})
            with pytest.raises(TransientError) as caught:
                await send(client, request)
    assert str(caught.value) == f"GET /v1/me: {detail}"
    assert isinstance(caught.value.__cause__, httpx.TransportError)


async def test_send_returns_the_read_response_whatever_its_status() -> None:
    with respx.mock(base_url=BASE) as router:
        router.get("/v1/me").respond(500, json={"e": 1})
        async with new_client(base_url=BASE) as client:
            response = await send(client, client.build_request("GET", "/v1/me"))
    assert response.status_code == 500
    assert response.json() == {"e": 1}


async def test_new_client_sets_freehold_defaults_and_ignores_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    with respx.mock(base_url=BASE) as router:
        route = router.get("/v1/me").respond(200)
        async with new_client(
            base_url=BASE, headers={"authorization": "Bearer t"}, timeout=45.0
        ) as client:
            await client.get("/v1/me")
            assert client.timeout == httpx.Timeout(45.0, connect=10.0)
            assert client.trust_env is False
    sent = route.calls.last.request
    assert sent.headers["user-agent"] == f"freehold/{__version__}"
    assert sent.headers["authorization"] == "Bearer t"


def test_a_short_timeout_also_caps_connecting() -> None:
    client = new_client(base_url=BASE, timeout=2.0)
    assert client.timeout == httpx.Timeout(2.0, connect=2.0)
