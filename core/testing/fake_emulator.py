"""The emulator of the fake vendor: a small, strict ad platform made up for tests.

It behaves like the real vendors freehold talks to, in its own shapes: bearer-token auth,
audiences found and created by name, upload sessions (update or replace), members added and
removed in batches with row and byte limits, per-row errors in a 200, whole batches refused
because of one "poison" member (for the engine's bisection), optional asynchronous jobs polled
to completion, events deduplicated by id, erasure, and throttling as 429 with `Retry-After`.

Wire shapes (every error is `{"error": {"code", "message"}}`):

- `GET  /v1/accounts/{account_id}` → `{"id", "name"}`; 404 `not_found` for another account.
- `GET  /v1/audiences?name=&limit=&cursor=` → `{"data": [{"id", "name", "key", "size"}],
  "next_cursor"}`; `POST /v1/audiences {"name", "key"}` → 201 the audience (409 `conflict`).
- `POST /v1/audiences/{id}/sessions {"mode": "update"|"replace"}` → 201 `{"id", "mode"}`;
  `POST /v1/audiences/{id}/sessions/{sid}:close` → `{"id", "status": "closed", "size"}`.
- `POST /v1/audiences/{id}/members` and `.../members:remove` with
  `{"session_id", "async", "members": [{"email", "phone", "fn", "ln", "country"}]}` (values are
  SHA-256 hex) → `{"received", "accepted", "errors": [{"index", "code", "message"}]}`, or 202
  `{"job": {"id", "status"}}` when `async` is true; `GET /v1/jobs/{id}` answers `running` for
  `job_polls` polls, then `done` with `results: [{"index", "status", "code", "message"}]`.
- `GET  /v1/audiences/{id}/members?limit=&cursor=&since=` → `{"data": [{"id", "status",
  "added_at", "identifiers"}], "next_cursor"}`.
- `POST /v1/events {"events": [...]}` → `{"received", "deduplicated"}`; one invalid event refuses
  the whole request with 400 `invalid_event` and its `index`.
- `POST /v1/erasures {"identifiers"}` → `{"id", "audiences": [ids it was removed from]}`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, ClassVar

from freehold.core.emulator import Emulator, EmulatorRequest, EmulatorResponse, json_response, route
from freehold.core.testing._fake_campaigns import FakeCampaignRoutes

__all__ = ["FAKE_ACCOUNT_ID", "FAKE_API_KEY", "FakeEmulator"]

FAKE_API_KEY = "fake-secret-key-0123456789"
"""The bearer token a fresh `FakeEmulator` accepts."""

FAKE_ACCOUNT_ID = "acct_fake_1"
"""The one account a fresh `FakeEmulator` holds."""

IDENTIFIER_KEYS = ("email", "phone", "fn", "ln", "country")
"""Wire keys of a member row, each a SHA-256 hex digest."""

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_MAX_EVENT_AGE = dt.timedelta(days=7)
_MAX_EVENT_SKEW = dt.timedelta(minutes=5)


def _error(status: int, code: str, message: str, **extra: Any) -> EmulatorResponse:  # noqa: ANN401
    return json_response({"error": {"code": code, "message": message, **extra}}, status)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class _Audience:
    id: str
    name: str
    key: str | None
    members: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class _Session:
    id: str
    audience_id: str
    mode: str
    closed: bool = False
    added: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(slots=True)
class _Job:
    id: str
    audience_id: str
    session_id: str | None
    operation: str
    rows: list[dict[str, Any]]
    results: list[dict[str, Any]]
    polls_left: int
    applied: bool = False


class FakeEmulator(FakeCampaignRoutes, Emulator):
    """The fake vendor's API, stateful and strict.

    Args:
        api_key: the bearer token it accepts.
        account_id: the account the token can see.
        max_rows: rows (members or events) per request; more is 413 `too_large`.
        max_bytes: request body size; more is 400 `too_large`.
        requests_per_second: when set, more requests within one second are throttled.
        concurrency_per_audience: when set, more member requests in flight on one audience are
            throttled (code `too_many_concurrent`); `processing_seconds` makes them overlap.
        processing_seconds: time a member request holds its audience.
        job_polls: polls a job answers `running` before it is `done`.
        retry_after: the `Retry-After` seconds of a throttled answer.
        seed: seed of the fault dice.
        latency: seconds added to every request.
        record_bodies: keep request and response bodies in `receipts`.

    Attributes:
        poison: member ids (email or phone hash) and event ids that make the whole request they
            are in refused (400 `batch_rejected`, or `invalid_event` for events).
        peak_in_flight: per audience id, the most member requests seen in flight at once.
    """

    name: ClassVar[str] = "fake"

    def __init__(
        self,
        *,
        api_key: str = FAKE_API_KEY,
        account_id: str = FAKE_ACCOUNT_ID,
        max_rows: int = 500,
        max_bytes: int = 200_000,
        requests_per_second: float | None = None,
        concurrency_per_audience: int | None = None,
        processing_seconds: float = 0.0,
        job_polls: int = 2,
        retry_after: float = 1.0,
        seed: int = 0,
        latency: float = 0.0,
        record_bodies: bool = True,
    ) -> None:
        super().__init__(seed=seed, latency=latency, record_bodies=record_bodies)
        self.api_key = api_key
        self.account_id = account_id
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.requests_per_second = requests_per_second
        self.concurrency_per_audience = concurrency_per_audience
        self.processing_seconds = processing_seconds
        self.job_polls = job_polls
        self.retry_after = retry_after
        self.poison: set[str] = set()
        self.audiences: dict[str, _Audience] = {}
        self.sessions: dict[str, _Session] = {}
        self.jobs: dict[str, _Job] = {}
        self.events: list[str] = []
        self.erasures: list[str] = []
        self.campaigns: dict[str, dict[str, Any]] = {}
        self.peak_in_flight: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._seen_events: set[str] = set()
        self._recent: deque[float] = deque()
        self._ids: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"<FakeEmulator account={self.account_id!r} audiences={len(self.audiences)}>"

    def _new_id(self, prefix: str) -> str:
        self._ids[prefix] += 1
        return f"{prefix}_{self._ids[prefix]}"

    # -- vendor hooks -------------------------------------------------------------------------

    def authenticate(self, request: EmulatorRequest) -> EmulatorResponse | None:
        """Refuse a missing or wrong bearer token with 401 `auth`; throttle past the rate."""
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "auth", "invalid or missing access token")
        if self.requests_per_second is not None:
            now = time.monotonic()
            while self._recent and now - self._recent[0] >= 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.requests_per_second:
                self.counters["throttled"] += 1
                return self.throttle_response(request)
            self._recent.append(now)
        return None

    def throttle_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer 429 `rate_limited` with `Retry-After`."""
        response = _error(429, "rate_limited", "too many requests, slow down")
        response.headers["retry-after"] = f"{self.retry_after:g}"
        return response

    def server_error_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer 503 `unavailable`."""
        return _error(503, "unavailable", "service temporarily unavailable")

    def not_found_response(self, request: EmulatorRequest) -> EmulatorResponse:
        """Answer 404 `not_found` naming the method and path."""
        return _error(404, "not_found", f"no route {request.method} {request.path}")

    def state(self) -> dict[str, Any]:
        """Return audiences (sorted member ids), event ids, sessions, jobs and erasures."""
        return {
            "audiences": {
                audience.id: {"name": audience.name, "members": sorted(audience.members)}
                for audience in self.audiences.values()
            },
            "events": list(self.events),
            "sessions": {
                session.id: {
                    "audience": session.audience_id,
                    "mode": session.mode,
                    "closed": session.closed,
                }
                for session in self.sessions.values()
            },
            "jobs": {job.id: ("done" if job.applied else "running") for job in self.jobs.values()},
            "erasures": list(self.erasures),
            "campaigns": {c["id"]: c["status"] for c in self.campaigns.values()},
        }

    def members(self, audience_id: str) -> set[str]:
        """Return the member ids (email hash, else phone hash) of one audience."""
        return set(self.audiences[audience_id].members)

    # -- account and audiences ----------------------------------------------------------------

    @route("GET", "/v1/accounts/{account_id}")
    async def get_account(self, request: EmulatorRequest) -> EmulatorResponse:
        """Return the account the token can see."""
        if request.path_params["account_id"] != self.account_id:
            return _error(404, "not_found", "account not found")
        return json_response({"id": self.account_id, "name": "Fake account"})

    @staticmethod
    def _audience_body(audience: _Audience) -> dict[str, Any]:
        return {
            "id": audience.id,
            "name": audience.name,
            "key": audience.key,
            "size": len(audience.members),
        }

    @staticmethod
    def _page(request: EmulatorRequest, items: list[Any]) -> tuple[list[Any], str | None]:
        try:
            limit = min(int(request.arg("limit") or 100), 1000)
            start = int(request.arg("cursor") or 0)
        except ValueError:
            return [], None
        page = items[start : start + limit]
        following = start + limit
        return page, (str(following) if following < len(items) else None)

    @route("GET", "/v1/audiences")
    async def list_audiences(self, request: EmulatorRequest) -> EmulatorResponse:
        """List audiences, optionally only those named `name`, a page at a time."""
        wanted = request.arg("name")
        found = [a for a in self.audiences.values() if wanted is None or a.name == wanted]
        page, following = self._page(request, found)
        return json_response(
            {"data": [self._audience_body(a) for a in page], "next_cursor": following}
        )

    @route("POST", "/v1/audiences")
    async def create_audience(self, request: EmulatorRequest) -> EmulatorResponse:
        """Create an audience; names are unique."""
        try:
            body = request.json()
            name = body["name"]
        except (ValueError, KeyError, TypeError):
            return _error(400, "invalid_request", "body must be an object with a name")
        if not isinstance(name, str) or not name.strip():
            return _error(400, "invalid_request", "name must be a non-empty string")
        if any(a.name == name for a in self.audiences.values()):
            return _error(409, "conflict", "an audience with this name exists")
        key = body.get("key")
        audience = _Audience(self._new_id("aud"), name, key if isinstance(key, str) else None)
        self.audiences[audience.id] = audience
        return json_response(self._audience_body(audience), 201)

    # -- sessions -----------------------------------------------------------------------------

    @route("POST", "/v1/audiences/{audience_id}/sessions")
    async def open_session(self, request: EmulatorRequest) -> EmulatorResponse:
        """Open an upload session in `update` or `replace` mode."""
        audience_id = request.path_params["audience_id"]
        if audience_id not in self.audiences:
            return _error(404, "not_found", "audience not found")
        try:
            mode = request.json().get("mode", "update")
        except (ValueError, AttributeError):
            return _error(400, "invalid_request", "body must be a JSON object")
        if mode not in ("update", "replace"):
            return _error(400, "invalid_request", "mode must be update or replace")
        session = _Session(self._new_id("ses"), audience_id, mode)
        self.sessions[session.id] = session
        return json_response({"id": session.id, "mode": mode}, 201)

    @route("POST", "/v1/audiences/{audience_id}/sessions/{session_id}:close")
    async def close_session(self, request: EmulatorRequest) -> EmulatorResponse:
        """Close a session; a replace session swaps the membership for what it added."""
        session = self.sessions.get(request.path_params["session_id"])
        if session is None or session.audience_id != request.path_params["audience_id"]:
            return _error(404, "not_found", "session not found")
        audience = self.audiences[session.audience_id]
        if not session.closed:
            for job in self.jobs.values():
                if job.session_id == session.id:
                    self._apply(job)
            if session.mode == "replace":
                audience.members = dict(session.added)
            session.closed = True
        return json_response({"id": session.id, "status": "closed", "size": len(audience.members)})

    # -- members ------------------------------------------------------------------------------

    @staticmethod
    def _row_error(row: Any) -> tuple[str, str] | None:  # noqa: ANN401 - any JSON
        if not isinstance(row, dict):
            return "invalid_row", "member must be an object"
        for key, value in row.items():
            if key not in IDENTIFIER_KEYS:
                return "unknown_field", f"unknown field {key!r}"
            if not isinstance(value, str) or not _HEX64.match(value):
                return "invalid_identifier", f"field {key!r} is not a SHA-256 hex digest"
        if not row.get("email") and not row.get("phone"):
            return "missing_identifier", "member needs an email or a phone hash"
        return None

    @staticmethod
    def _member_id(row: dict[str, Any]) -> str:
        return str(row.get("email") or row["phone"])

    @route("POST", "/v1/audiences/{audience_id}/members")
    async def add_members(self, request: EmulatorRequest) -> EmulatorResponse:
        """Add members to an audience within a session."""
        return await self._members(request, "add")

    @route("POST", "/v1/audiences/{audience_id}/members:remove")
    async def remove_members(self, request: EmulatorRequest) -> EmulatorResponse:
        """Remove members from an audience within a session."""
        return await self._members(request, "remove")

    async def _members(self, request: EmulatorRequest, operation: str) -> EmulatorResponse:
        audience_id = request.path_params["audience_id"]
        parsed = self._parse_members(request, audience_id)
        if isinstance(parsed, EmulatorResponse):
            return parsed
        body, session = parsed
        refused = self._refuse_members(session, operation, body["members"])
        if refused is not None:
            return refused
        return await self._hold(
            audience_id, session, operation, body["members"], is_async=bool(body.get("async"))
        )

    def _parse_members(
        self, request: EmulatorRequest, audience_id: str
    ) -> EmulatorResponse | tuple[dict[str, Any], _Session]:
        if audience_id not in self.audiences:
            return _error(404, "not_found", "audience not found")
        if len(request.body) > self.max_bytes:
            return _error(400, "too_large", f"body exceeds {self.max_bytes} bytes")
        try:
            body = request.json()
            rows, session_id = body["members"], body.get("session_id")
        except (ValueError, KeyError, TypeError, AttributeError):
            return _error(400, "invalid_request", "body must be an object with members")
        if not isinstance(rows, list) or not rows:
            return _error(400, "invalid_request", "members must be a non-empty list")
        session = self.sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None or session.audience_id != audience_id:
            return _error(400, "invalid_request", "unknown session_id")
        return body, session

    def _refuse_members(
        self, session: _Session, operation: str, rows: list[Any]
    ) -> EmulatorResponse | None:
        if len(rows) > self.max_rows:
            return _error(413, "too_large", f"more than {self.max_rows} members")
        if session.closed:
            return _error(409, "session_closed", "session is closed")
        if operation == "remove" and session.mode == "replace":
            return _error(400, "invalid_request", "a replace session only adds")
        poisoned = any(
            isinstance(row, dict) and ({row.get("email"), row.get("phone")} & self.poison)
            for row in rows
        )
        if poisoned:
            return _error(400, "batch_rejected", "the batch contains a refused member")
        return None

    async def _hold(
        self,
        audience_id: str,
        session: _Session,
        operation: str,
        rows: list[Any],
        *,
        is_async: bool,
    ) -> EmulatorResponse:
        self._in_flight[audience_id] += 1
        try:
            now_in_flight = self._in_flight[audience_id]
            self.peak_in_flight[audience_id] = max(self.peak_in_flight[audience_id], now_in_flight)
            limit = self.concurrency_per_audience
            if limit is not None and now_in_flight > limit:
                self.counters["throttled"] += 1
                response = _error(429, "too_many_concurrent", "too many requests on audience")
                response.headers["retry-after"] = f"{self.retry_after:g}"
                return response
            if self.processing_seconds:
                await asyncio.sleep(self.processing_seconds)
        finally:
            self._in_flight[audience_id] -= 1
        results: list[dict[str, Any]] = []
        for index, row in enumerate(rows):
            problem = self._row_error(row)
            if problem is None:
                results.append({"index": index, "status": "accepted"})
            else:
                code, message = problem
                results.append(
                    {"index": index, "status": "rejected", "code": code, "message": message}
                )
        job = _Job(
            self._new_id("job"),
            audience_id,
            session.id,
            operation,
            rows,
            results,
            self.job_polls,
        )
        if is_async:
            self.jobs[job.id] = job
            return json_response({"job": {"id": job.id, "status": "running"}}, 202)
        self._apply(job)
        errors = [
            {"index": r["index"], "code": r["code"], "message": r["message"]}
            for r in results
            if r["status"] == "rejected"
        ]
        return json_response(
            {"received": len(rows), "accepted": len(rows) - len(errors), "errors": errors}
        )

    def _apply(self, job: _Job) -> None:
        if job.applied:
            return
        job.applied = True
        audience = self.audiences.get(job.audience_id)
        session = self.sessions.get(job.session_id or "")
        if audience is None:
            return
        stamp = _now().isoformat()
        for row, result in zip(job.rows, job.results, strict=True):
            if result["status"] != "accepted":
                continue
            member_id = self._member_id(row)
            if job.operation == "remove":
                audience.members.pop(member_id, None)
            elif session is not None and session.mode == "replace":
                session.added[member_id] = {"identifiers": dict(row), "added_at": stamp}
            else:
                audience.members[member_id] = {"identifiers": dict(row), "added_at": stamp}

    @route("GET", "/v1/jobs/{job_id}")
    async def get_job(self, request: EmulatorRequest) -> EmulatorResponse:
        """Report a job: `running` for `job_polls` polls, then `done` with per-row results."""
        job = self.jobs.get(request.path_params["job_id"])
        if job is None:
            return _error(404, "not_found", "job not found")
        if job.polls_left > 0 and not job.applied:
            job.polls_left -= 1
            return json_response({"id": job.id, "status": "running"})
        self._apply(job)
        return json_response({"id": job.id, "status": "done", "results": job.results})

    @route("GET", "/v1/audiences/{audience_id}/members")
    async def list_members(self, request: EmulatorRequest) -> EmulatorResponse:
        """List members a page at a time, optionally only those added since `since`."""
        audience = self.audiences.get(request.path_params["audience_id"])
        if audience is None:
            return _error(404, "not_found", "audience not found")
        since_text = request.arg("since")
        try:
            since = dt.datetime.fromisoformat(since_text) if since_text else None
        except ValueError:
            return _error(400, "invalid_request", "since must be an ISO 8601 time")
        items = [
            {"id": member_id, "status": "active", **data}
            for member_id, data in sorted(audience.members.items())
            if since is None or dt.datetime.fromisoformat(data["added_at"]) >= since
        ]
        page, following = self._page(request, items)
        return json_response({"data": page, "next_cursor": following})

    # -- events and erasure -------------------------------------------------------------------

    def _event_error(self, event: Any) -> str | None:  # noqa: ANN401 - any JSON
        if not isinstance(event, dict):
            return "event must be an object"
        event_id, name, when = (
            event.get("event_id"),
            event.get("event_name"),
            event.get("event_time"),
        )
        user = event.get("user")
        moment = dt.datetime.fromtimestamp(when, dt.UTC) if isinstance(when, int) else None
        checks = (
            (isinstance(event_id, str) and bool(event_id), "event_id is required"),
            (event_id not in self.poison, "event refused"),
            (isinstance(name, str) and bool(name), "event_name is required"),
            (moment is not None, "event_time must be an integer of seconds since the epoch"),
            (moment is None or moment >= _now() - _MAX_EVENT_AGE, "event_time is over 7 days old"),
            (moment is None or moment <= _now() + _MAX_EVENT_SKEW, "event_time is in the future"),
            (isinstance(user, dict) and bool(user), "user must hold at least one identifier"),
        )
        return next((message for ok, message in checks if not ok), None)

    @route("POST", "/v1/events")
    async def send_events(self, request: EmulatorRequest) -> EmulatorResponse:
        """Receive events; one invalid event refuses the request; duplicates are counted."""
        if len(request.body) > self.max_bytes:
            return _error(400, "too_large", f"body exceeds {self.max_bytes} bytes")
        try:
            events = request.json()["events"]
        except (ValueError, KeyError, TypeError):
            return _error(400, "invalid_request", "body must be an object with events")
        if not isinstance(events, list) or not events:
            return _error(400, "invalid_request", "events must be a non-empty list")
        if len(events) > self.max_rows:
            return _error(413, "too_large", f"more than {self.max_rows} events")
        for index, event in enumerate(events):
            problem = self._event_error(event)
            if problem is not None:
                return _error(400, "invalid_event", f"event {index}: {problem}", index=index)
        duplicates = 0
        for event in events:
            if event["event_id"] in self._seen_events:
                duplicates += 1
            else:
                self._seen_events.add(event["event_id"])
                self.events.append(event["event_id"])
        return json_response({"received": len(events), "deduplicated": duplicates})

    @route("POST", "/v1/erasures")
    async def erase(self, request: EmulatorRequest) -> EmulatorResponse:
        """Remove a person (by email or phone hash) from every audience."""
        try:
            identifiers = request.json()["identifiers"]
            wanted = {identifiers.get("email"), identifiers.get("phone")} - {None}
        except (ValueError, KeyError, TypeError, AttributeError):
            return _error(400, "invalid_request", "body must be an object with identifiers")
        if not wanted:
            return _error(400, "invalid_request", "identifiers need an email or a phone hash")
        removed: list[str] = []
        for audience in self.audiences.values():
            hits = [
                member_id
                for member_id, data in audience.members.items()
                if wanted & {data["identifiers"].get("email"), data["identifiers"].get("phone")}
            ]
            for member_id in hits:
                del audience.members[member_id]
            if hits:
                removed.append(audience.id)
        erasure_id = self._new_id("era")
        self.erasures.append(erasure_id)
        return json_response({"id": erasure_id, "audiences": removed})
