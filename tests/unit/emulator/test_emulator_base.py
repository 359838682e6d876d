"""The emulator base: routing, auth, faults by rate and by schedule, records, bodies, serving."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import httpx
import pytest

from freehold.core.emulator import (
    Emulator,
    EmulatorRequest,
    EmulatorResponse,
    Fault,
    FaultSwitch,
    json_response,
    route,
)

pytestmark = pytest.mark.anyio


class Shop(Emulator):
    """A tiny vendor: lists with members, a form endpoint, a token."""

    name: ClassVar[str] = "shop"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lists: dict[str, list[str]] = {}

    def authenticate(self, request: EmulatorRequest) -> EmulatorResponse | None:
        if request.headers.get("x-token") != "good":
            return json_response({"error": "bad token"}, 401)
        return None

    def state(self) -> dict[str, Any]:
        return {"lists": {k: sorted(v) for k, v in self.lists.items()}}

    @route("GET", "/lists/{list_id}/members")
    async def members(self, request: EmulatorRequest) -> EmulatorResponse:
        members = self.lists.get(request.path_params["list_id"])
        if members is None:
            return json_response({"error": "no list"}, 404)
        return json_response({"members": members, "query": request.query})

    @route("POST", "/lists/{list_id}/members")
    async def add(self, request: EmulatorRequest) -> EmulatorResponse:
        self.lists.setdefault(request.path_params["list_id"], []).append(request.data()["id"])
        return json_response({"ok": True}, 201)

    @route("POST", "/echo")
    @route("PUT", "/echo")
    async def echo(self, request: EmulatorRequest) -> EmulatorResponse:
        return json_response({"method": request.method, "data": request.data()})

    @route("GET", "/raw")
    async def raw(self, request: EmulatorRequest) -> EmulatorResponse:
        return EmulatorResponse(200, b"plain", {"x-extra": "1"}, "text/plain")


class LoudShop(Shop):
    """A subclass inherits its parent's routes and adds its own."""

    @route("GET", "/health")
    async def health(self, request: EmulatorRequest) -> EmulatorResponse:
        return json_response({"ok": True})


def client(emulator: Emulator, *, base_url: str = "http://shop.test") -> httpx.AsyncClient:
    transport = emulator.transport() if base_url == "http://shop.test" else None
    return httpx.AsyncClient(
        base_url=base_url, transport=transport, headers={"x-token": "good"}, trust_env=False
    )


async def test_routes_match_methods_and_path_params() -> None:
    shop = Shop()
    async with client(shop) as http:
        created = await http.post("/lists/L1/members", json={"id": "a"})
        listed = await http.get("/lists/L1/members/", params=[("tag", "x"), ("tag", "y")])
        missing = await http.get("/lists/L2/members")
        wrong_method = await http.delete("/lists/L1/members")
    assert created.status_code == 201
    assert listed.json() == {"members": ["a"], "query": {"tag": ["x", "y"]}}
    assert missing.status_code == 404
    assert wrong_method.status_code == 404
    assert wrong_method.json() == {"error": "no route DELETE /lists/L1/members"}
    assert shop.state() == {"lists": {"L1": ["a"]}}
    assert shop.counters["add"] == 1
    assert shop.counters["members"] == 2
    assert shop.requests == 4


async def test_one_handler_serves_several_routes_and_subclasses_inherit_them() -> None:
    shop = LoudShop()
    async with client(shop) as http:
        post = await http.post("/echo", json={"a": 1})
        put = await http.put("/echo", json={"a": 2})
        health = await http.get("/health")
        inherited = await http.post("/lists/L1/members", json={"id": "b"})
    assert post.json() == {"method": "POST", "data": {"a": 1}}
    assert put.json() == {"method": "PUT", "data": {"a": 2}}
    assert health.json() == {"ok": True}
    assert inherited.status_code == 201
    assert {attr for _, _, attr in Shop._routes} == {"members", "add", "echo", "raw"}


async def test_authentication_runs_before_the_route() -> None:
    shop = Shop()
    async with httpx.AsyncClient(base_url="http://shop.test", transport=shop.transport()) as http:
        denied = await http.post("/lists/L1/members", json={"id": "a"})
    assert denied.status_code == 401
    assert shop.lists == {}
    assert shop.counters["add"] == 0


async def test_form_and_json_bodies_are_both_read() -> None:
    shop = Shop()
    async with client(shop) as http:
        form = await http.post("/echo", data={"id": "x", "tag": "vip"})
        repeated = await http.post(
            "/echo",
            content=b"tag=a&tag=b&empty=",
            headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        as_json = await http.post("/echo", json={"id": "y", "n": [1, 2]})
    assert form.json()["data"] == {"id": "x", "tag": "vip"}
    assert repeated.json()["data"] == {"tag": "b", "empty": ""}
    assert as_json.json()["data"] == {"id": "y", "n": [1, 2]}


def test_request_helpers() -> None:
    request = EmulatorRequest(
        "GET", "/x", {"a": ["1", "2"]}, {"content-type": "Application/JSON; charset=x"}, b""
    )
    assert request.content_type == "application/json"
    assert request.arg("a") == "1"
    assert request.arg("b", "none") == "none"
    assert request.json() is None
    with pytest.raises(ValueError, match="Expecting"):
        EmulatorRequest("POST", "/x", {}, {}, b"{oops").json()


def test_responses_encode_json_bytes_or_nothing() -> None:
    assert json_response({"a": [1, 2]}).encoded() == b'{"a":[1,2]}'
    assert EmulatorResponse(204).encoded() == b""
    assert EmulatorResponse(200, b"raw").encoded() == b"raw"
    problem = json_response({}, 400, media_type="application/problem+json")
    assert problem.media_type == "application/problem+json"


async def test_receipts_record_each_exchange_and_can_leave_bodies_out() -> None:
    shop = Shop()
    quiet = Shop(record_bodies=False)
    for emulator in (shop, quiet):
        async with client(emulator) as http:
            await http.post("/lists/L1/members?src=t", json={"id": "a"})
            await http.get("/raw")
    first, second = shop.receipts
    assert (first.method, first.path, first.query, first.status) == (
        "POST",
        "/lists/L1/members",
        {"src": ["t"]},
        201,
    )
    assert first.content_type == "application/json"
    assert first.body == b'{"id":"a"}'
    assert first.response_body == b'{"ok":true}'
    assert (second.response_type, second.response_body) == ("text/plain", b"plain")
    assert [r.body for r in quiet.receipts] == [b"", b""]
    assert [r.response_body for r in quiet.receipts] == [b"", b""]
    assert [r.status for r in quiet.receipts] == [201, 200]


async def test_raw_responses_keep_their_headers() -> None:
    async with client(Shop()) as http:
        response = await http.get("/raw")
    assert response.headers["x-extra"] == "1"
    assert response.headers["content-type"] == "text/plain"
    assert response.content == b"plain"


async def test_faults_fire_on_scheduled_request_numbers() -> None:
    shop = Shop()
    shop.inject("throttle", on={2, 4})
    shop.inject(Fault.SERVER_ERROR, on={5})
    async with client(shop) as http:
        statuses = [(await http.get("/raw")).status_code for _ in range(6)]
    assert statuses == [200, 429, 200, 429, 500, 200]
    assert shop.counters["throttled"] == 2
    assert shop.counters["server_error"] == 1
    assert shop.counters["raw"] == 3


async def test_default_throttle_answer_has_retry_after() -> None:
    shop = Shop()
    shop.inject("throttle", on={1})
    async with client(shop) as http:
        response = await http.get("/raw")
    assert response.headers["retry-after"] == "1"


async def test_schedules_count_from_injection_and_only_on_matching_paths() -> None:
    shop = Shop()
    async with client(shop) as http:
        await http.get("/raw")
        switch = shop.inject("server_error", on={2}, path=r"^/lists/")
        statuses = [
            (await http.get("/raw")).status_code,
            (await http.post("/lists/L/members", json={"id": "a"})).status_code,
            (await http.get("/raw")).status_code,
            (await http.get("/lists/L/members")).status_code,
        ]
    assert statuses == [200, 201, 200, 500]
    assert switch.seen == 2


async def test_faults_fire_by_rate_reproducibly_with_a_seed() -> None:
    runs = []
    for seed in (7, 7, 8):
        shop = Shop(seed=seed)
        shop.inject("throttle", rate=0.3)
        async with client(shop) as http:
            runs.append([(await http.get("/raw")).status_code for _ in range(200)])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert 30 <= runs[0].count(429) <= 90


async def test_rate_one_always_fires_and_clear_faults_switches_everything_off() -> None:
    shop = Shop()
    shop.inject("server_error", rate=1.0)
    async with client(shop) as http:
        assert (await http.get("/raw")).status_code == 500
        shop.clear_faults()
        assert (await http.get("/raw")).status_code == 200


def test_a_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="rate must be between 0 and 1"):
        FaultSwitch(Fault.THROTTLE, rate=1.5)
    with pytest.raises(ValueError, match="'melt'"):
        Shop().inject("melt")


async def test_in_process_drop_and_timeout_surface_as_httpx_errors() -> None:
    shop = Shop()
    shop.inject("drop", on={1})
    shop.inject("timeout", on={2})
    async with client(shop) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/raw")
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/raw")
        assert (await http.get("/raw")).status_code == 200
    assert [r.status for r in shop.receipts] == [200]
    assert shop.counters["dropped"] == 1
    assert shop.counters["timeout"] == 1


async def test_a_scheduled_timeout_does_not_cut_slow_requests_before_it_fires() -> None:
    shop = Shop(latency=0.08)
    shop.inject("timeout", on={3})
    async with client(shop) as http:
        first = await http.get("/raw")
    assert first.status_code == 200


async def test_latency_is_added_globally_and_by_fault() -> None:
    shop = Shop(latency=0.02)
    shop.inject("latency", on={2}, seconds=0.1)
    async with client(shop) as http:
        times = []
        for _ in range(2):
            started = time.monotonic()
            await http.get("/raw")
            times.append(time.monotonic() - started)
    assert times[0] >= 0.02
    assert times[1] >= 0.12


async def test_served_over_real_http_with_faults() -> None:
    shop = Shop()
    with shop.serve() as url:
        assert url.startswith("http://127.0.0.1:")
        async with client(shop, base_url=url) as http:
            created = await http.post("/lists/L1/members", data={"id": "f"})
            listed = await http.get("/lists/L1/members", params={"q": "1"})
            shop.inject("throttle", on={1})
            throttled = await http.get("/raw")
            shop.inject("drop", on={1})
            with pytest.raises(httpx.RemoteProtocolError):
                await http.get("/raw")
        async with httpx.AsyncClient(base_url=url, timeout=0.2, trust_env=False) as slow:
            shop.inject("timeout", on={1}, seconds=0.6)
            with pytest.raises(httpx.ReadTimeout):
                await slow.get("/raw", headers={"x-token": "good"})
    assert created.status_code == 201
    assert listed.json() == {"members": ["f"], "query": {"q": ["1"]}}
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "1")
    assert shop.state() == {"lists": {"L1": ["f"]}}
    assert shop.receipts[0].content_type == "application/x-www-form-urlencoded"


def test_serving_stops_cleanly_and_the_port_is_released() -> None:
    shop = Shop()
    with shop.serve() as url:
        response = httpx.get(f"{url}/raw", headers={"x-token": "good"}, trust_env=False)
        assert response.status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/raw", trust_env=False, timeout=1)


async def test_the_app_acknowledges_lifespan_events() -> None:
    shop = Shop()
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return inbox.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await shop({"type": "lifespan"}, receive, send)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
