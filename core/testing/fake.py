"""The fake connector: a complete, honest connector for a made-up vendor, for tests.

It drives `FakeEmulator` the way a real connector drives its vendor: one error table, upload
sessions whose ids live in the session state, optional asynchronous jobs answered `pending`
and resolved by `poll()`, per-row rejections, events with deduplication ids, erasure, export
and campaigns. The engine's tests use it to exercise batching, pacing, retries, bisection,
pending outcomes and resumption without any real vendor; `ConnectorContract` uses it as the
reference.

Members arrive prepared by the `meta` identity profile: every identifier a SHA-256 hex digest.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from typing import Any, ClassVar

import httpx
from pydantic import Field, JsonValue, SecretStr

from freehold.core.capabilities import (
    AudienceExport,
    AudienceSession,
    AudienceSync,
    BatchLimits,
    ContactErasure,
    ErasureReceipt,
    ErasureRequest,
    EventDelivery,
    ExportedMember,
    SessionMode,
)
from freehold.core.connector import Connector, ConnectorConfig
from freehold.core.errors import ConfigError, FreeholdError, NotFoundError, PermanentError
from freehold.core.http import (
    ErrorKind,
    ErrorRule,
    ErrorTable,
    VendorError,
    raise_for_response,
    send,
)
from freehold.core.models import (
    Audience,
    AudienceRef,
    Event,
    Member,
    Outcome,
    Outcomes,
    OutcomeStatus,
)
from freehold.core.testing._fake_campaigns import FakeCampaigns
from freehold.core.testing.fake_emulator import FAKE_ACCOUNT_ID, FAKE_API_KEY, FakeEmulator

__all__ = [
    "FAKE_ERRORS",
    "FakeConfig",
    "FakeConnector",
    "FakeSession",
    "fake_config",
    "parse_fake_error",
]

logger = logging.getLogger(__name__)

FAKE_ERRORS = ErrorTable(
    [
        ErrorRule(ErrorKind.AUTH, code="auth", note="missing or wrong bearer token"),
        ErrorRule(ErrorKind.THROTTLED, code="rate_limited", note="429 with Retry-After"),
        ErrorRule(ErrorKind.THROTTLED, code="too_many_concurrent", note="too many in flight"),
        ErrorRule(ErrorKind.TOO_LARGE, code="too_large", note="rows (413) or bytes (400)"),
        ErrorRule(ErrorKind.BATCH_REJECTED, code="batch_rejected", note="a refused member"),
        ErrorRule(ErrorKind.BATCH_REJECTED, code="invalid_event", note="one invalid event"),
        ErrorRule(ErrorKind.NOT_FOUND, code="not_found"),
        ErrorRule(ErrorKind.TRANSIENT, code="unavailable", note="503"),
        ErrorRule(ErrorKind.REQUEST, code="session_closed"),
        ErrorRule(ErrorKind.REQUEST, code="conflict"),
        ErrorRule(ErrorKind.REQUEST, code="invalid_request"),
    ]
)
"""The fake vendor's error codes, consulted before the generic status mapping."""

_WIRE_KEYS = {
    "email": "email",
    "phone": "phone",
    "first_name": "fn",
    "last_name": "ln",
    "country": "country",
}


def parse_fake_error(response: httpx.Response) -> VendorError:
    """Read `{"error": {"code", "message"}}` from a fake vendor error answer."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return VendorError()
    if not isinstance(error, dict):
        return VendorError()
    code, message = error.get("code"), error.get("message")
    return VendorError(
        code=str(code) if code is not None else None,
        message=str(message) if message is not None else None,
    )


def _sha256(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


class FakeConfig(ConnectorConfig):
    """Settings of the fake vendor; the limits are settings so tests can narrow them."""

    api_key: SecretStr = Field(description="Bearer token.")
    account_id: str = Field(min_length=1, description="The account the token works on.")
    max_rows: int = Field(default=500, ge=1, description="Rows per request.")
    max_bytes: int = Field(default=200_000, ge=1, description="Request body bytes.")
    requests_per_second: float = Field(default=50, gt=0, description="Steady request rate.")
    concurrency_per_audience: int = Field(default=2, ge=1)
    concurrency_per_account: int = Field(default=4, ge=1)
    async_jobs: bool = Field(default=False, description="Upload members as asynchronous jobs.")


class FakeConnector(
    Connector[FakeConfig],
    AudienceSync,
    AudienceExport,
    EventDelivery,
    ContactErasure,
    FakeCampaigns,
):
    """The fake vendor's connector.

    The declared limits come from the config, so `audience_limits` and `event_limits` are read
    from the instance: `FakeConnector(FakeConfig(..., max_rows=10)).audience_limits.max_rows`.
    """

    name: ClassVar[str] = "fake"
    config_model: ClassVar[type[ConnectorConfig]] = FakeConfig
    default_base_url: ClassVar[str] = "https://api.fake-vendor.invalid"
    identity_profile: ClassVar[str] = "meta"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset(_WIRE_KEYS)
    audience_limits: ClassVar[BatchLimits] = BatchLimits(
        max_rows=500,
        max_bytes=200_000,
        requests_per_second=50,
        concurrency_per_audience=2,
        concurrency_per_account=4,
    )
    event_limits: ClassVar[BatchLimits] = audience_limits
    error_table: ClassVar[ErrorTable] = FAKE_ERRORS

    def __init__(
        self, config: FakeConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(config, transport=transport)
        limits = BatchLimits(
            max_rows=config.max_rows,
            max_bytes=config.max_bytes,
            requests_per_second=config.requests_per_second,
            concurrency_per_audience=config.concurrency_per_audience,
            concurrency_per_account=config.concurrency_per_account,
        )
        # Limits are class-level declarations; the fake narrows them per instance from config.
        vars(self)["audience_limits"] = limits
        vars(self)["event_limits"] = limits

    def client_headers(self) -> dict[str, str]:
        """Send the token as a bearer header (never in the query string)."""
        return {"authorization": f"Bearer {self.config.api_key.get_secret_value()}"}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,  # noqa: ANN401 - any JSON document
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request and map any failure through `error_table`."""
        built = self.http.build_request(method, path, json=json, params=params)
        response = await send(self.http, built)
        return raise_for_response(response, table=self.error_table, parse=parse_fake_error)

    async def check(self) -> None:
        """Read the configured account.

        Raises:
            AuthError: the token is wrong.
            ConfigError: the token cannot see the account.
        """
        try:
            await self.request("GET", f"/v1/accounts/{self.config.account_id}")
        except NotFoundError as exc:
            msg = f"account {self.config.account_id!r} is not visible with this token"
            raise ConfigError(msg) from exc

    @classmethod
    def emulator(cls) -> FakeEmulator:
        """Return a fresh `FakeEmulator` that accepts `emulator_config`'s credentials."""
        return FakeEmulator()

    @classmethod
    def emulator_config(cls, base_url: str) -> FakeConfig:
        """Return a config for a fresh `FakeEmulator` served at `base_url`."""
        return fake_config(base_url)

    # -- AudienceSync -------------------------------------------------------------------------

    async def ensure_audience(self, audience: Audience) -> AudienceRef:
        """Find the vendor audience named like `audience`, or create it."""
        found = await self.request("GET", "/v1/audiences", params={"name": audience.name})
        for item in found.json()["data"]:
            return AudienceRef(key=audience.key, vendor_id=item["id"], name=item["name"])
        created = await self.request(
            "POST", "/v1/audiences", json={"name": audience.name, "key": audience.key}
        )
        body = created.json()
        return AudienceRef(key=audience.key, vendor_id=body["id"], name=body["name"])

    def audience_session(
        self,
        ref: AudienceRef,
        mode: SessionMode = SessionMode.UPDATE,
        *,
        state: dict[str, JsonValue] | None = None,
    ) -> FakeSession:
        """Open (or resume, from `state`) an upload session on `ref`."""
        return FakeSession(self, ref, mode, state=state)

    # -- AudienceExport -----------------------------------------------------------------------

    async def list_audiences(self) -> list[AudienceRef]:
        """Return every audience of the account."""
        refs: list[AudienceRef] = []
        cursor: str | None = "0"
        while cursor is not None:
            page = (
                await self.request(
                    "GET", "/v1/audiences", params={"limit": "100", "cursor": cursor}
                )
            ).json()
            refs.extend(
                AudienceRef(key=item["key"] or item["id"], vendor_id=item["id"], name=item["name"])
                for item in page["data"]
            )
            cursor = page["next_cursor"]
        return refs

    async def export_members(
        self, ref: AudienceRef, *, changed_since: dt.datetime | None = None
    ) -> AsyncIterator[ExportedMember]:
        """Stream the members of `ref` (hashes only: the vendor never held more)."""
        params = {"limit": "500", "cursor": "0"}
        if changed_since is not None:
            params["since"] = changed_since.isoformat()
        cursor: str | None = "0"
        while cursor is not None:
            params["cursor"] = cursor
            page = (
                await self.request("GET", f"/v1/audiences/{ref.vendor_id}/members", params=params)
            ).json()
            for item in page["data"]:
                neutral = {
                    name: item["identifiers"][wire]
                    for name, wire in _WIRE_KEYS.items()
                    if wire in item["identifiers"]
                }
                yield ExportedMember(
                    identifiers=neutral,
                    vendor_id=item["id"],
                    status=item["status"],
                    changed_at=dt.datetime.fromisoformat(item["added_at"]),
                )
            cursor = page["next_cursor"]

    # -- EventDelivery ------------------------------------------------------------------------

    @staticmethod
    def encode_event(event: Event) -> dict[str, Any]:
        """Return the wire form of `event` (identifiers hashed, click ids in clear)."""
        user: dict[str, str] = {}
        if event.identifiers is not None:
            if event.identifiers.email:
                user["em"] = _sha256(event.identifiers.email)
            if event.identifiers.phone:
                user["ph"] = _sha256(event.identifiers.phone)
        if event.contact_id:
            user["external_id"] = _sha256(event.contact_id)
        if event.click_ids.fbc:
            user["fbc"] = event.click_ids.fbc
        wire: dict[str, Any] = {
            "event_id": event.event_id,
            "event_name": event.name,
            "event_time": int(event.occurred_at.timestamp()),
            "action_source": event.action_source.value,
            "user": user,
        }
        if event.value is not None:
            wire["custom"] = {"value": str(event.value), "currency": event.currency}
        if event.order_id:
            wire["order_id"] = event.order_id
        return wire

    async def send_events(self, events: Sequence[Event]) -> list[Outcome]:
        """Send `events` in one request; all accepted, or the whole request refused.

        Raises:
            BatchRejectedError: one event was invalid (the vendor names its index).
        """
        await self.request(
            "POST", "/v1/events", json={"events": [self.encode_event(e) for e in events]}
        )
        return [Outcome.accepted(event.event_id) for event in events]

    # -- ContactErasure -----------------------------------------------------------------------

    async def erase_contact(self, request: ErasureRequest) -> ErasureReceipt:
        """Remove the person from every audience of the account."""
        wire = {_WIRE_KEYS[k]: v for k, v in request.identifiers.items() if k in ("email", "phone")}
        if not wire:
            return ErasureReceipt(
                key=request.key, done=False, warnings=("no email or phone hash to erase by",)
            )
        body = (await self.request("POST", "/v1/erasures", json={"identifiers": wire})).json()
        actions = tuple(f"removed from audience {audience_id}" for audience_id in body["audiences"])
        return ErasureReceipt(key=request.key, done=True, actions=actions, vendor_ref=body["id"])


class FakeSession(AudienceSession):
    """An upload session on one fake audience; its state is the session id and open jobs.

    `state` is `{"session_id": str | None, "closed": bool, "jobs": {job_id: [row keys]}}`.
    Batches may be sent concurrently: the first ones to arrive share one vendor session.
    """

    def __init__(
        self,
        connector: FakeConnector,
        ref: AudienceRef,
        mode: SessionMode,
        *,
        state: dict[str, JsonValue] | None = None,
    ) -> None:
        self.connector = connector
        self.ref = ref
        self.mode = SessionMode(mode)
        saved = state or {}
        session_id = saved.get("session_id")
        jobs = saved.get("jobs")
        self._session_id = session_id if isinstance(session_id, str) else None
        self._closed = saved.get("closed") is True
        self._jobs: dict[str, list[str]] = {
            str(job_id): [str(key) for key in keys]
            for job_id, keys in (jobs.items() if isinstance(jobs, dict) else [])
            if isinstance(keys, list)
        }
        self._counts: Counter[str] = Counter()
        self._opening = asyncio.Lock()

    def __repr__(self) -> str:
        return (
            f"<FakeSession audience={self.ref.vendor_id!r} session={self._session_id!r} "
            f"jobs={len(self._jobs)}>"
        )

    @property
    def state(self) -> dict[str, JsonValue]:
        """Return the vendor session id, whether it is closed, and the keys of open jobs."""
        jobs: dict[str, JsonValue] = {job_id: list(keys) for job_id, keys in self._jobs.items()}
        return {"session_id": self._session_id, "closed": self._closed, "jobs": jobs}

    def feedback(self) -> dict[str, JsonValue]:
        """Return rows sent, accepted and rejected in this process, and jobs still open."""
        return {
            "session_id": self._session_id,
            "sent": self._counts["sent"],
            "accepted": self._counts["accepted"],
            "rejected": self._counts["rejected"],
            "open_jobs": len(self._jobs),
        }

    def _count(self, outcomes: Outcomes) -> Outcomes:
        for status, rows in outcomes.counts().items():
            if status is not OutcomeStatus.PENDING:
                self._counts[status.value] += rows
        return outcomes

    async def _session(self) -> str:
        """Return the vendor session id, opening the session once for all concurrent batches.

        Without the lock, batches racing on the first request would each open a session, and
        a replace session's close would swap in only what was added through the last one.
        """
        if self._closed:
            msg = f"session on audience {self.ref.vendor_id} is closed"
            raise PermanentError(msg)
        session_id = self._session_id
        if session_id is None:
            async with self._opening:
                session_id = self._session_id
                if session_id is None:
                    opened = await self.connector.request(
                        "POST",
                        f"/v1/audiences/{self.ref.vendor_id}/sessions",
                        json={"mode": self.mode.value},
                    )
                    session_id = self._session_id = str(opened.json()["id"])
        return session_id

    async def add(self, batch: Sequence[Member]) -> Outcomes:
        """Add `batch`; one outcome per member, keyed by the member key."""
        return await self._send(batch, f"/v1/audiences/{self.ref.vendor_id}/members")

    async def remove(self, batch: Sequence[Member]) -> Outcomes:
        """Remove `batch`; members the audience does not hold are accepted."""
        return await self._send(batch, f"/v1/audiences/{self.ref.vendor_id}/members:remove")

    async def _send(self, batch: Sequence[Member], path: str) -> Outcomes:
        session_id = await self._session()
        rows = [
            {_WIRE_KEYS[k]: v for k, v in member.identifiers.items() if k in _WIRE_KEYS}
            for member in batch
        ]
        body: dict[str, Any] = {"session_id": session_id, "members": rows}
        if self.connector.config.async_jobs:
            body["async"] = True
        response = await self.connector.request("POST", path, json=body)
        self._counts["sent"] += len(batch)
        answer = response.json()
        if response.status_code == 202:
            job_id = str(answer["job"]["id"])
            self._jobs[job_id] = [member.key for member in batch]
            return Outcomes(self._jobs[job_id], OutcomeStatus.PENDING, vendor_ref=job_id)
        keys = [member.key for member in batch]
        return self._count(_outcomes(keys, answer["errors"]))

    async def poll(self) -> list[Outcome]:
        """Ask every open job once; return the outcomes of those that finished.

        A job leaves `state` only when its outcomes are in the returned list. When reading a
        job fails, the outcomes of the jobs already found finished are returned and the failed
        job, like those not asked yet, stays open for the next poll; the error is raised only
        when no job had finished. A poll that raises hands the engine nothing, so raising after
        gathering outcomes would drop them.

        Raises:
            FreeholdError: the first job read failed before any job was found finished.
        """
        finished: list[tuple[str, Outcomes]] = []
        try:
            for job_id, keys in list(self._jobs.items()):
                answer = (await self.connector.request("GET", f"/v1/jobs/{job_id}")).json()
                if answer["status"] != "done":
                    continue
                errors = [r for r in answer["results"] if r["status"] != "accepted"]
                finished.append((job_id, _outcomes(keys, errors)))
        except FreeholdError as exc:
            if not finished:
                raise
            logger.warning(
                "fake audience %s: a job read failed (%s); returning %d finished jobs, "
                "the others are asked again on the next poll",
                self.ref.vendor_id,
                exc,
                len(finished),
            )
        resolved: list[Outcome] = []
        for job_id, outcomes in finished:
            if self._jobs.pop(job_id, None) is not None:  # not already returned by another poll
                resolved.extend(self._count(outcomes))
        return resolved

    async def close(self) -> None:
        """Close the vendor session (a replace session swaps the membership then); idempotent."""
        if self._closed:
            return
        if self._session_id is not None:
            await self.connector.request(
                "POST", f"/v1/audiences/{self.ref.vendor_id}/sessions/{self._session_id}:close"
            )
        self._closed = True


def _outcomes(keys: list[str], errors: list[dict[str, Any]]) -> Outcomes:
    """All accepted but the rows the vendor listed as errors (by index)."""
    rejected = {
        error["index"]: Outcome.rejected(
            keys[error["index"]], str(error.get("message", "rejected")), code=error.get("code")
        )
        for error in errors
    }
    return Outcomes(keys, exceptions=rejected)


def fake_config(base_url: str, **overrides: Any) -> FakeConfig:  # noqa: ANN401
    """Return a `FakeConfig` that a fresh `FakeEmulator` accepts, served at `base_url`."""
    settings: dict[str, Any] = {
        "api_key": SecretStr(FAKE_API_KEY),
        "account_id": FAKE_ACCOUNT_ID,
        "api_base_url": base_url,
        **overrides,
    }
    return FakeConfig.model_validate(settings)
