"""The connector base: capabilities read from classes, the HTTP client's life, sessions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import httpx
import pytest
from pydantic import JsonValue, SecretStr, ValidationError

from freehold.core.capabilities import (
    AudienceSession,
    AudienceSync,
    BatchLimits,
    CapabilityName,
    ContactErasure,
    ErasureReceipt,
    ErasureRequest,
    EventDelivery,
    SessionMode,
)
from freehold.core.connector import Connector, ConnectorConfig
from freehold.core.models import Audience, AudienceRef, Event, Member, Outcome, Purpose

pytestmark = pytest.mark.anyio


class AcmeConfig(ConnectorConfig):
    api_key: SecretStr


class Session(AudienceSession):
    def __init__(self, ref: AudienceRef) -> None:
        self.ref = ref
        self.mode = SessionMode.UPDATE
        self.closed = 0

    @property
    def state(self) -> dict[str, JsonValue]:
        return {}

    async def add(self, batch: Sequence[Member]) -> list[Outcome]:
        return [Outcome.accepted(m.key) for m in batch]

    async def remove(self, batch: Sequence[Member]) -> list[Outcome]:
        return [Outcome.accepted(m.key) for m in batch]

    async def close(self) -> None:
        self.closed += 1


class Acme(Connector[AcmeConfig], AudienceSync, ContactErasure):
    name: ClassVar[str] = "acme"
    config_model: ClassVar[type[ConnectorConfig]] = AcmeConfig
    default_base_url: ClassVar[str] = "https://api.acme.test"
    audience_limits: ClassVar[BatchLimits] = BatchLimits(max_rows=100)
    identity_profile: ClassVar[str] = "meta"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset({"email"})

    def client_headers(self) -> dict[str, str]:
        return {"x-api-key": self.config.api_key.get_secret_value()}

    async def check(self) -> None:
        (await self.http.get("/me")).raise_for_status()

    async def ensure_audience(self, audience: Audience) -> AudienceRef:
        return AudienceRef(key=audience.key, vendor_id="1", name=audience.name)

    def audience_session(self, ref, mode=SessionMode.UPDATE, *, state=None) -> Session:
        return Session(ref)

    async def erase_contact(self, request: ErasureRequest) -> ErasureReceipt:
        return ErasureReceipt(key=request.key, done=True)


class Events(Connector[ConnectorConfig], EventDelivery):
    name: ClassVar[str] = "events"
    config_model: ClassVar[type[ConnectorConfig]] = ConnectorConfig
    default_base_url: ClassVar[str] = "https://events.test"
    event_limits: ClassVar[BatchLimits] = BatchLimits(max_rows=1000)

    async def check(self) -> None:
        return None

    async def send_events(self, events: Sequence[Event]) -> list[Outcome]:
        return []


def test_capabilities_are_read_from_the_base_classes() -> None:
    assert Acme.capabilities() == {CapabilityName.AUDIENCE_SYNC, CapabilityName.CONTACT_ERASURE}
    assert Events.capabilities() == {CapabilityName.EVENT_DELIVERY}
    assert Events.event_purpose is Purpose.AD_MEASUREMENT
    assert Acme.audience_purpose is Purpose.AD_TARGETING


def test_capability_names_are_stable_words() -> None:
    assert sorted(CapabilityName) == [
        "audience_export",
        "audience_sync",
        "campaign_management",
        "contact_erasure",
        "event_delivery",
    ]


async def test_the_client_exists_only_inside_the_context_and_uses_the_transport() -> None:
    seen: list[httpx.Request] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    connector = Acme(AcmeConfig(api_key=SecretStr("k-123")), transport=httpx.MockTransport(vendor))
    with pytest.raises(RuntimeError, match="Acme is not open: use 'async with connector:'"):
        _ = connector.http
    async with connector as opened:
        assert opened is connector
        await connector.check()
        client = connector.http
    assert client.is_closed
    with pytest.raises(RuntimeError):
        _ = connector.http
    assert str(seen[0].url) == "https://api.acme.test/me"
    assert seen[0].headers["x-api-key"] == "k-123"
    assert seen[0].headers["user-agent"].startswith("freehold/")


async def test_the_client_is_closed_even_when_the_body_fails() -> None:
    connector = Events(ConnectorConfig())
    clients: list[httpx.AsyncClient] = []

    async def fail_inside() -> None:
        async with connector:
            clients.append(connector.http)
            msg = "boom"
            raise ValueError(msg)

    with pytest.raises(ValueError, match="boom"):
        await fail_inside()
    assert clients[0].is_closed


def test_api_base_url_overrides_the_vendor_host() -> None:
    config = AcmeConfig(api_key=SecretStr("k"), api_base_url="http://127.0.0.1:8123/")
    assert Acme(config).base_url == "http://127.0.0.1:8123"
    assert Acme(AcmeConfig(api_key=SecretStr("k"))).base_url == "https://api.acme.test"


async def test_the_configured_timeout_reaches_the_client() -> None:
    async with Events(ConnectorConfig(timeout_seconds=4)) as connector:
        assert connector.http.timeout.read == 4


def test_connector_config_is_frozen_strict_and_silent() -> None:
    config = AcmeConfig(api_key=SecretStr("k-123"))
    with pytest.raises(ValidationError, match="frozen"):
        config.timeout_seconds = 1  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs") as caught:
        AcmeConfig.model_validate({"api_key": "k-123", "token": "t-456"})
    assert "t-456" not in str(caught.value)
    with pytest.raises(ValidationError, match="timeout_seconds"):
        ConnectorConfig(timeout_seconds=0)
    assert "k-123" not in repr(config)


def test_a_connector_without_an_emulator_says_so() -> None:
    assert Acme.emulator() is None
    assert Acme.emulator_config("http://x") is None
    assert repr(Acme(AcmeConfig(api_key=SecretStr("k-123")))) == "<Acme name='acme'>"


async def test_a_session_closes_on_success_only_and_polls_nothing_by_default() -> None:
    ref = AudienceRef(key="a", vendor_id="1", name="A")
    async with Session(ref) as session:
        assert await session.poll() == []
    assert session.closed == 1
    failing = Session(ref)

    async def fail_inside() -> None:
        async with failing:
            msg = "stop"
            raise ValueError(msg)

    with pytest.raises(ValueError, match="stop"):
        await fail_inside()
    assert failing.closed == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"max_rows": 0},
        {"max_rows": 1, "max_bytes": 0},
        {"max_rows": 1, "requests_per_second": 0},
        {"max_rows": 1, "concurrency_per_audience": 0},
        {"max_rows": 1, "unknown": 3},
    ],
)
def test_batch_limits_refuse_nonsense(fields) -> None:
    with pytest.raises(ValidationError):
        BatchLimits(**fields)


def test_batch_limits_default_to_one_request_at_a_time() -> None:
    limits = BatchLimits(max_rows=10)
    assert (limits.concurrency_per_audience, limits.concurrency_per_account) == (1, 1)
    assert limits.max_bytes is None
