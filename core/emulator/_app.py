"""The emulator base: a stateful fake vendor API written once as an ASGI app."""

from __future__ import annotations

import asyncio
import contextvars
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import httpx

from freehold.core.emulator._faults import Fault, FaultSwitch
from freehold.core.emulator._messages import EmulatorRequest, EmulatorResponse, json_response

__all__ = ["Emulator", "Receipt", "route"]

Handler = Callable[[Any, EmulatorRequest], Awaitable[EmulatorResponse]]
HandlerT = TypeVar("HandlerT", bound=Handler)

_ROUTE_ATTR = "__emulator_route__"
_PARAM = re.compile(r"\{(\w+)\}")


def route(method: str, pattern: str) -> Callable[[HandlerT], HandlerT]:
    """Mark an emulator method as the handler of `method` on `pattern` (`/{list_id}/members`)."""

    def mark(handler: HandlerT) -> HandlerT:
        routes: list[tuple[str, str]] = getattr(handler, _ROUTE_ATTR, [])
        routes.append((method.upper(), pattern))
        setattr(handler, _ROUTE_ATTR, routes)
        return handler

    return mark


def _compile(pattern: str) -> re.Pattern[str]:
    regex = _PARAM.sub(
        lambda m: f"(?P<{m.group(1)}>[^/]+)",
        re.escape(pattern).replace(r"\{", "{").replace(r"\}", "}"),
    )
    return re.compile(f"^{regex}/?$")


@dataclass(frozen=True, slots=True)
class Receipt:
    """One exchange as the emulator saw it, for assertions and OpenAPI validation."""

    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    body: bytes
    status: int
    response_body: bytes
    response_type: str


class _Dropped(Exception):  # noqa: N818 - internal signal, never escapes the emulator
    """Raised inside the app to drop the connection mid-response."""


class _TimedOut(Exception):  # noqa: N818 - internal signal, never escapes the emulator
    """Raised inside the app, in-process only, where a served emulator would stall."""


_IN_PROCESS: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "freehold_emulator_in_process", default=False
)


class Emulator:
    """Base of every vendor emulator.

    Subclasses mark async handler methods with `@route(method, pattern)`, keep their vendor
    state as attributes, and override `authenticate`, `throttle_response` and
    `server_error_response` to answer in the vendor's own shapes, and `state` to dump what
    tests assert on.

    One instance serves in-process (`transport()`) or on 127.0.0.1 over real HTTP (`serve()`).
    `inject()` switches faults on; `requests`, `counters` and `receipts` record traffic.
    """

    name: ClassVar[str] = "emulator"
    _routes: ClassVar[list[tuple[str, re.Pattern[str], str]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init_subclass__(**kwargs)
        routes: list[tuple[str, re.Pattern[str], str]] = []
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                for method, pattern in getattr(value, _ROUTE_ATTR, []):
                    routes.append((method, _compile(pattern), attr))
        cls._routes = routes

    def __init__(self, *, seed: int = 0, latency: float = 0.0, record_bodies: bool = True) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - fault dice, not cryptography
        self.latency = latency
        self.record_bodies = record_bodies
        self.faults: list[FaultSwitch] = []
        self.counters: Counter[str] = Counter()
        self.receipts: list[Receipt] = []
        self.requests = 0
        self._lock = threading.Lock()

    # -- vendor hooks -------------------------------------------------------------------------

    def authenticate(self, request: EmulatorRequest) -> EmulatorResponse | None:
        """Return an error response when the request's credentials are wrong; None when fine."""
        return None

    def throttle_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Return the vendor's own throttling answer."""
        return json_response({"error": "rate limited"}, 429, {"retry-after": "1"})

    def server_error_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Return the vendor's own server-error answer."""
        return json_response({"error": "internal error"}, 500)

    def not_found_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Return the answer for a path no route matches."""
        return json_response({"error": f"no route {request.method} {request.path}"}, 404)

    def state(self) -> dict[str, Any]:
        """Return the vendor state as plain data, for assertions."""
        return {}

    # -- faults -------------------------------------------------------------------------------

    def inject(
        self,
        fault: Fault | str,
        *,
        rate: float = 0.0,
        on: set[int] | frozenset[int] = frozenset(),
        path: str | None = None,
        seconds: float = 0.0,
    ) -> FaultSwitch:
        """Switch a fault on for a share of requests or for chosen request numbers."""
        switch = FaultSwitch(Fault(fault), rate=rate, on=frozenset(on), path=path, seconds=seconds)
        self.faults.append(switch)
        return switch

    def clear_faults(self) -> None:
        """Switch every fault off."""
        self.faults.clear()

    def _fired(self, path: str) -> list[FaultSwitch]:
        with self._lock:
            return [switch for switch in self.faults if switch.fires(path, self.rng)]

    # -- dispatch -----------------------------------------------------------------------------

    async def handle(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer one request: auth, injected faults, then the matching route."""
        with self._lock:
            self.requests += 1
        fired = self._fired(request.path)
        delay = self.latency + sum(s.seconds for s in fired if s.fault is Fault.LATENCY)
        if delay:
            await asyncio.sleep(delay)
        for switch in fired:
            if switch.fault is Fault.TIMEOUT:
                self.counters["timeout"] += 1
                if _IN_PROCESS.get():
                    raise _TimedOut
                await asyncio.sleep(switch.seconds or 3600)
                return self.server_error_response(request)
            if switch.fault is Fault.DROP:
                self.counters["dropped"] += 1
                raise _Dropped
            if switch.fault is Fault.THROTTLE:
                self.counters["throttled"] += 1
                return self.throttle_response(request)
            if switch.fault is Fault.SERVER_ERROR:
                self.counters["server_error"] += 1
                return self.server_error_response(request)
        denied = self.authenticate(request)
        if denied is not None:
            return denied
        for method, pattern, attr in self._routes:
            if method != request.method:
                continue
            match = pattern.match(request.path)
            if match:
                request.path_params = match.groupdict()
                self.counters[attr] += 1
                handler: Handler = getattr(type(self), attr)
                return await handler(self, request)
        return self.not_found_response(request)

    def record(self, request: EmulatorRequest, response: EmulatorResponse, body: bytes) -> None:
        """Append one exchange to `receipts` (bodies only when `record_bodies`)."""
        receipt = Receipt(
            method=request.method,
            path=request.path,
            query=request.query,
            content_type=request.content_type,
            body=request.body if self.record_bodies else b"",
            status=response.status,
            response_body=body if self.record_bodies else b"",
            response_type=response.media_type,
        )
        with self._lock:
            self.receipts.append(receipt)

    # -- ASGI ---------------------------------------------------------------------------------

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        """Serve as an ASGI application (lifespan events are acknowledged and ignored)."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        from urllib.parse import parse_qs  # noqa: PLC0415 - keep the module import light

        request = EmulatorRequest(
            method=scope["method"],
            path=scope["path"],
            query=parse_qs(scope.get("query_string", b"").decode(), keep_blank_values=True),
            headers={k.decode().lower(): v.decode() for k, v in scope.get("headers", [])},
            body=b"".join(chunks),
        )
        try:
            response = await self.handle(request)
        except _Dropped:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"100")],
                }
            )
            msg = "emulator dropped the connection on purpose"
            raise ConnectionResetError(msg) from None
        body = response.encoded()
        self.record(request, response, body)
        headers = [(b"content-type", response.media_type.encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in response.headers.items()]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    # -- ways to reach it ---------------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """Return an in-process transport; timeouts and drops surface as httpx errors."""
        return _EmulatorTransport(self)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve over real HTTP on `host` in a background thread; yield the base URL."""
        import socket  # noqa: PLC0415

        import uvicorn  # noqa: PLC0415 - only needed when serving

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        bound_port = sock.getsockname()[1]
        config = uvicorn.Config(
            self, log_level="critical", access_log=False, lifespan="off", timeout_keep_alive=30
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                msg = "emulator server did not start"
                raise RuntimeError(msg)
            time.sleep(0.01)
        try:
            yield f"http://{host}:{bound_port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()


class _EmulatorTransport(httpx.AsyncBaseTransport):
    """Calls the emulator in-process, turning its drop and timeout faults into httpx errors.

    A timeout fault raises `httpx.ReadTimeout` at once instead of stalling, and only on the
    requests its switch fires for.
    """

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        emulated = EmulatorRequest(
            method=request.method,
            path=request.url.path,
            query={k: request.url.params.get_list(k) for k in request.url.params},
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        token = _IN_PROCESS.set(True)
        try:
            response = await self._emulator.handle(emulated)
        except _Dropped:
            msg = "emulator dropped the connection"
            raise httpx.RemoteProtocolError(msg, request=request) from None
        except _TimedOut:
            msg = "emulator timed out"
            raise httpx.ReadTimeout(msg, request=request) from None
        finally:
            _IN_PROCESS.reset(token)
        content = response.encoded()
        self._emulator.record(emulated, response, content)
        headers = {"content-type": response.media_type, **response.headers}
        return httpx.Response(response.status, headers=headers, content=content, request=request)
