"""`ConnectorContract`: the conformance tests every connector's test suite inherits.

A connector's tests subclass it in a few lines and get, against the connector's own emulator,
in-process and served over real HTTP on 127.0.0.1:

```python
from freehold.core.testing import ConnectorContract
from freehold_acme import AcmeConnector


class TestAcmeContract(ConnectorContract):
    connector_class = AcmeConnector

    def rejected_member(self) -> Member:  # a row the vendor refuses, to check row outcomes
        return Member(key="bad", identifiers={"email": "not-a-digest"})
```

What it checks: the name is a slug; the config model has a JSON schema and keeps secrets in
`SecretStr`; secrets never show in a repr, a str, an error or a log record; each capability
declares its limits; `check()` passes with the emulator's credentials and raises `AuthError`
with a wrong secret; throttling is retriable (with `retry_after` when the vendor sends one),
server errors, timeouts and dropped connections are `TransientError`; a refused row is a
`rejected` outcome; an audience session adds and removes members as the emulator sees them;
events get one outcome each; erasure removes a member; a campaign is created held (a paid one
paused, an email one a draft), started, held again (an email one by unscheduling it) and has
statistics.

Hooks to override (all optional when the connector's `emulator()` and `emulator_config()` are
implemented): `make_emulator`, `make_config`, `wrong_secret_config`, `sample_members`,
`member_identity`, `emulator_members`, `rejected_member`, `sample_events`, `invalid_event`,
`sample_campaign`.
`modes` limits the ways the emulator is reached.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from ipaddress import IPv4Address
from typing import Any, ClassVar

import anyio
import httpx
import pytest
from pydantic import BaseModel, SecretStr

from freehold.core.capabilities import (
    AudienceExport,
    AudienceSession,
    AudienceSync,
    BatchLimits,
    CampaignManagement,
    ContactErasure,
    ErasureRequest,
    EventDelivery,
)
from freehold.core.connector import Connector, ConnectorConfig
from freehold.core.emulator import Emulator, EmulatorRequest
from freehold.core.errors import (
    AuthError,
    BatchRejectedError,
    RetriableError,
    ThrottledError,
    TransientError,
)
from freehold.core.identity import get_profile, hash_identifier, normalize
from freehold.core.models import (
    Audience,
    AudienceRef,
    Campaign,
    CampaignStats,
    CampaignStatus,
    Channel,
    EmailStatus,
    Event,
    Identifiers,
    Member,
    Outcome,
    OutcomeStatus,
    Purpose,
)

__all__ = ["ConnectorContract", "ContractEndpoint"]

IN_PROCESS = "in_process"
SERVED = "served"
_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_SECRET_NAME = re.compile(r"(key|token|secret|password|credential)", re.IGNORECASE)
_WRONG_SECRET = "freehold-contract-wrong-secret"  # noqa: S105 - a deliberately wrong credential
_POLLS = 50
_HELD = frozenset({CampaignStatus.DRAFT, CampaignStatus.PAUSED})
"""Campaign states in which nothing goes out until `resume_campaign`."""


@dataclass(frozen=True, slots=True)
class ContractEndpoint:
    """How one contract test reaches the emulator.

    Attributes:
        mode: `in_process` (through `transport`) or `served` (real HTTP at `base_url`).
        base_url: the emulator's root URL.
        config: a config the emulator accepts.
        transport: the in-process transport, or None when served.
    """

    mode: str
    base_url: str
    config: ConnectorConfig
    transport: httpx.AsyncBaseTransport | None


def _explain(outcomes: Sequence[Outcome]) -> str:
    """Describe outcomes with the vendor's code and reason for those not accepted."""
    return ", ".join(
        f"{o.key}: {o.status.value}"
        + ("" if o.status is OutcomeStatus.ACCEPTED else f" [{o.code}] {o.reason}")
        for o in outcomes
    )


def _secret_fields(model: type[BaseModel]) -> list[str]:
    """Return the names of fields whose annotation mentions `SecretStr`."""
    return [
        name
        for name, info in model.model_fields.items()
        if "SecretStr" in repr(info.annotation) or info.annotation is SecretStr
    ]


def _secret_values(model: BaseModel) -> list[str]:
    """Return every secret value in `model`, nested models included."""
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found.extend(_secret_values(value))
    return found


class _Capture(logging.Handler):
    """Keeps every record emitted while a contract check runs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class ConnectorContract:
    """Conformance tests a connector's test class inherits; set `connector_class`.

    Class attributes:
        connector_class: the connector under test.
        modes: how to reach the emulator: `in_process`, `served` (real HTTP), or both.
        expects_retry_after: whether a throttled answer must carry `retry_after`; None reads it
            from the emulator's `throttle_response` (`Retry-After` header present or not).
        contract_audience: the audience the session checks create at the emulator.
    """

    connector_class: ClassVar[type[Connector[Any]]]
    modes: ClassVar[tuple[str, ...]] = (IN_PROCESS, SERVED)
    expects_retry_after: ClassVar[bool | None] = None
    contract_audience: ClassVar[Audience] = Audience(
        key="freehold_contract", name="freehold contract kit"
    )

    # -- hooks --------------------------------------------------------------------------------

    def make_emulator(self) -> Emulator:
        """Return a fresh emulator; the default is `connector_class.emulator()`."""
        emulator = self.connector_class.emulator()
        assert emulator is not None, (
            f"{self.connector_class.__name__}.emulator() returned None: ship an emulator or "
            "override make_emulator()"
        )
        return emulator

    def make_config(self, emulator: Emulator, base_url: str) -> ConnectorConfig:
        """Return a config `emulator` accepts at `base_url`; default `emulator_config()`."""
        config = self.connector_class.emulator_config(base_url)
        assert config is not None, (
            f"{self.connector_class.__name__}.emulator_config() returned None: implement it or "
            "override make_config()"
        )
        return config

    def wrong_secret_config(self, config: ConnectorConfig) -> ConnectorConfig | None:
        """Return `config` with every top-level `SecretStr` replaced by a wrong one.

        None (no secret field) skips the wrong-credential checks; override for nested secrets.
        """
        fields = _secret_fields(type(config))
        if not fields:
            return None
        return config.model_copy(update=dict.fromkeys(fields, SecretStr(_WRONG_SECRET)))

    def sample_members(self, n: int) -> list[Member]:
        """Return `n` valid members as the connector's identity profile prepares them.

        Each has an email (a SHA-256 digest or the clear address, as the profile says) and, for
        email destinations (`audience_purpose` is `email_marketing`), the status `subscribed`.
        """
        sync = self.connector_class
        profile = get_profile(getattr(sync, "identity_profile", "meta"))
        email_audience = getattr(sync, "audience_purpose", None) is Purpose.EMAIL_MARKETING
        members = []
        for i in range(n):
            raw = f"contract{i}@example.com"
            prepared = (
                hash_identifier("email", raw, profile)
                if "email" in profile.hashed
                else normalize("email", raw, profile)
            )
            assert prepared is not None, f"the {profile.name!r} profile refused a sample email"
            members.append(
                Member(
                    key=f"contract-{i}",
                    identifiers={"email": prepared},
                    email_status=EmailStatus.SUBSCRIBED if email_audience else None,
                )
            )
        return members

    def member_identity(self, member: Member) -> str:
        """Return how `emulator_members` names `member`; the default is its email identifier."""
        return member.identifiers["email"]

    def emulator_members(self, emulator: Emulator, ref: AudienceRef) -> set[str]:
        """Return the members the emulator holds in `ref`, named as `member_identity` names them.

        The default reads `emulator.state()["audiences"][ref.vendor_id]["members"]`.
        """
        audiences = emulator.state().get("audiences", {})
        assert ref.vendor_id in audiences, (
            f"emulator state has no audience {ref.vendor_id!r}: override emulator_members()"
        )
        return set(audiences[ref.vendor_id]["members"])

    def rejected_member(self) -> Member | None:
        """Return a member the vendor refuses row by row; None skips the row-outcome check."""
        return None

    def sample_events(self, n: int) -> list[Event]:
        """Return `n` valid web purchases with an email, a contact id, browser and order data."""
        now = dt.datetime.now(dt.UTC)
        return [
            Event(
                event_id=f"contract-event-{i}",
                name="purchase",
                occurred_at=now - dt.timedelta(minutes=i + 1),
                contact_id=f"contract-contact-{i}",
                identifiers=Identifiers(email=f"contract{i}@example.com", country="FR"),
                client_ip=IPv4Address("203.0.113.7"),
                user_agent="Mozilla/5.0 (freehold contract kit)",
                source_url="https://shop.example/checkout",
                value=Decimal("19.90"),
                currency="EUR",
                order_id=f"contract-order-{i}",
            )
            for i in range(n)
        ]

    def invalid_event(self) -> Event | None:
        """Return an event the vendor refuses; None skips that check."""
        return None

    def sample_campaign(self) -> Campaign | None:
        """Return a campaign the vendor accepts; None skips the campaign round trip.

        A paid campaign is created `paused`; an email campaign (channel `email`) is created as a
        `draft` and must accept a schedule time on a whole hour a day ahead.
        """
        return None

    # -- fixtures -----------------------------------------------------------------------------

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Run every test that reaches the emulator once per mode in `modes`."""
        if "endpoint" in metafunc.fixturenames:
            metafunc.parametrize("transport_mode", self.modes)

    @pytest.fixture
    def anyio_backend(self) -> str:
        """Run the contract's async tests on asyncio."""
        return "asyncio"

    @pytest.fixture
    def emulator(self) -> Emulator:
        """Return a fresh emulator for one test."""
        return self.make_emulator()

    @pytest.fixture
    def endpoint(self, emulator: Emulator, transport_mode: str) -> Iterator[ContractEndpoint]:
        """Reach `emulator` in-process or over real HTTP on 127.0.0.1."""
        if transport_mode == SERVED:
            with emulator.serve() as url:
                yield ContractEndpoint(SERVED, url, self.make_config(emulator, url), None)
            return
        url = "http://emulator.invalid"
        config = self.make_config(emulator, url)
        yield ContractEndpoint(IN_PROCESS, url, config, emulator.transport())

    # -- helpers ------------------------------------------------------------------------------

    def connect(
        self, endpoint: ContractEndpoint, *, config: ConnectorConfig | None = None
    ) -> Connector[Any]:
        """Return an unopened connector for `endpoint` (use it with `async with`)."""
        return self.connector_class(config or endpoint.config, transport=endpoint.transport)

    @staticmethod
    async def raised(call: Callable[[], Awaitable[object]]) -> BaseException | None:
        """Await `call()` and return what it raised, or None."""
        try:
            await call()
        except Exception as exc:  # the caller judges what was raised
            return exc
        return None

    @staticmethod
    async def settle(session: AudienceSession, outcomes: Sequence[Outcome]) -> list[Outcome]:
        """Poll `session` until no outcome is pending, keeping the batch's order."""
        by_key = {o.key: o for o in outcomes}
        for _ in range(_POLLS):
            if all(o.status is not OutcomeStatus.PENDING for o in by_key.values()):
                break
            for resolved in await session.poll():
                by_key[resolved.key] = resolved
            await anyio.sleep(0.01)
        still = [o.key for o in by_key.values() if o.status is OutcomeStatus.PENDING]
        assert not still, f"rows {still} still pending after {_POLLS} polls of the session"
        return [by_key[o.key] for o in outcomes]

    @staticmethod
    def _assert_no_secret(text: str, what: str, secrets: list[str]) -> None:
        """Fail without showing `text`: an assertion rewrite would print the secret."""
        if any(secret in text for secret in secrets):
            pytest.fail(f"{what} contains a secret value", pytrace=False)

    def _secrets(self, endpoint: ContractEndpoint) -> list[str]:
        secrets = _secret_values(endpoint.config)
        wrong = self.wrong_secret_config(endpoint.config)
        return [*secrets, *(_secret_values(wrong) if wrong else [])]

    def _require_sync(self) -> None:
        if not issubclass(self.connector_class, AudienceSync):
            pytest.skip(f"{self.connector_class.__name__} does not implement AudienceSync")

    # -- static declarations ------------------------------------------------------------------

    def test_name_is_a_slug(self) -> None:
        """The name is the `connector:` value and the entry-point name: a short slug."""
        name = getattr(self.connector_class, "name", None)
        assert isinstance(name, str), f"{self.connector_class.__name__}.name is not set"
        assert _SLUG.match(name), (
            f"connector name {name!r} must be a lower-case slug matching {_SLUG.pattern}"
        )

    def test_config_model_has_a_schema_and_secret_fields(self) -> None:
        """The config is a `ConnectorConfig` with a JSON schema; secret-like fields are secret."""
        model = self.connector_class.config_model
        assert issubclass(model, ConnectorConfig), (
            f"config_model {model.__name__} must subclass ConnectorConfig"
        )
        schema = model.model_json_schema()
        assert schema.get("type") == "object", "config JSON schema is not an object"
        for name, info in model.model_fields.items():
            if _SECRET_NAME.search(name) and info.annotation in (str, str | None):
                pytest.fail(f"config field {name!r} looks secret but is a plain str: use SecretStr")
        for name in _secret_fields(model):
            shown = json.dumps(schema["properties"][name])
            assert "password" in shown, (
                f"config field {name!r} is not shown as a password in the JSON schema"
            )

    def test_capabilities_declare_their_limits(self, emulator: Emulator) -> None:
        """Each capability declares what the engine must respect."""
        caps = self.connector_class.capabilities()
        assert caps, f"{self.connector_class.__name__} implements no capability"
        connector = self.connector_class(self.make_config(emulator, "http://emulator.invalid"))
        if isinstance(connector, AudienceSync):
            assert isinstance(connector.audience_limits, BatchLimits), (
                "AudienceSync needs audience_limits: BatchLimits"
            )
            assert isinstance(connector.identity_profile, str), (
                "AudienceSync needs identity_profile"
            )
            assert connector.identity_profile, "AudienceSync needs identity_profile"
            unknown = set(connector.accepted_identifiers) - set(Identifiers.model_fields)
            assert connector.accepted_identifiers, "accepted_identifiers is empty"
            assert not unknown, f"accepted_identifiers names unknown fields {sorted(unknown)}"
            assert isinstance(connector.audience_purpose, Purpose)
        if isinstance(connector, EventDelivery):
            assert isinstance(connector.event_limits, BatchLimits), (
                "EventDelivery needs event_limits: BatchLimits"
            )
            assert isinstance(connector.event_purpose, Purpose)

    def test_secrets_stay_out_of_repr_str_and_dumps(self, emulator: Emulator) -> None:
        """No repr, str or JSON dump of the config or the connector shows a secret."""
        config = self.make_config(emulator, "http://emulator.invalid")
        secrets = _secret_values(config)
        connector = self.connector_class(config)
        for what, text in (
            ("repr(config)", repr(config)),
            ("str(config)", str(config)),
            ("config.model_dump_json()", config.model_dump_json()),
            ("repr(connector)", repr(connector)),
            ("str(connector)", str(connector)),
        ):
            self._assert_no_secret(text, what, secrets)

    # -- against the emulator -----------------------------------------------------------------

    @pytest.mark.anyio
    async def test_check_passes_with_the_emulator_credentials(
        self, endpoint: ContractEndpoint
    ) -> None:
        """`check()` succeeds against the emulator with the config it accepts."""
        async with self.connect(endpoint) as connector:
            error = await self.raised(connector.check)
        assert error is None, f"check() raised {type(error).__name__}: {error}"

    @pytest.mark.anyio
    async def test_wrong_secret_is_an_auth_error(self, endpoint: ContractEndpoint) -> None:
        """`check()` with a wrong secret raises `AuthError`, and its message shows no secret."""
        wrong = self.wrong_secret_config(endpoint.config)
        if wrong is None:
            pytest.skip("the config has no SecretStr field to get wrong")
        async with self.connect(endpoint, config=wrong) as connector:
            error = await self.raised(connector.check)
        assert isinstance(error, AuthError), (
            f"check() with a wrong secret raised {type(error).__name__}: {error}; expected "
            "AuthError (map the vendor's auth answer to ErrorKind.AUTH)"
        )
        self._assert_no_secret(str(error), "the AuthError message", self._secrets(endpoint))

    @pytest.mark.anyio
    async def test_throttling_is_retriable(
        self, endpoint: ContractEndpoint, emulator: Emulator
    ) -> None:
        """The vendor's throttling answer is a `RetriableError`, with `retry_after` if sent."""
        emulator.inject("throttle", on={1})
        async with self.connect(endpoint) as connector:
            error = await self.raised(connector.check)
        assert isinstance(error, RetriableError), (
            f"a throttled check() raised {type(error).__name__}: {error}; expected ThrottledError"
        )
        assert isinstance(error, ThrottledError), (
            f"a throttled check() raised {type(error).__name__}, a RetriableError but not a "
            "ThrottledError: the pacer would not slow down"
        )
        expects = self.expects_retry_after
        if expects is None:
            probe = EmulatorRequest("GET", "/", {}, {}, b"")
            headers = {k.lower() for k in emulator.throttle_response(probe).headers}
            expects = "retry-after" in headers
        if expects:
            assert error.retry_after is not None, (
                "the vendor said how long to wait but ThrottledError.retry_after is None"
            )

    @pytest.mark.anyio
    async def test_server_error_is_transient(
        self, endpoint: ContractEndpoint, emulator: Emulator
    ) -> None:
        """A server error answer is a `TransientError`."""
        emulator.inject("server_error", on={1})
        async with self.connect(endpoint) as connector:
            error = await self.raised(connector.check)
        assert isinstance(error, TransientError), (
            f"a 5xx on check() raised {type(error).__name__}: {error}; expected TransientError"
        )

    @pytest.mark.anyio
    async def test_dropped_connection_is_transient(
        self, endpoint: ContractEndpoint, emulator: Emulator
    ) -> None:
        """A connection dropped mid-answer is a `TransientError` (use `freehold.core.http.send`)."""
        emulator.inject("drop", on={1})
        async with self.connect(endpoint) as connector:
            error = await self.raised(connector.check)
        assert isinstance(error, TransientError), (
            f"a dropped connection raised {type(error).__name__}: {error}; expected "
            "TransientError (send requests through freehold.core.http.send)"
        )

    @pytest.mark.anyio
    async def test_timeout_is_transient(
        self, endpoint: ContractEndpoint, emulator: Emulator
    ) -> None:
        """A request that outlives the configured timeout is a `TransientError`."""
        emulator.inject("timeout", on={1}, seconds=1.0)
        config = endpoint.config.model_copy(update={"timeout_seconds": 0.2})
        async with self.connect(endpoint, config=config) as connector:
            error = await self.raised(connector.check)
        assert isinstance(error, TransientError), (
            f"a timed-out check() raised {type(error).__name__}: {error}; expected TransientError"
        )

    @pytest.mark.anyio
    async def test_rejected_row_is_a_rejected_outcome(self, endpoint: ContractEndpoint) -> None:
        """A row the vendor refuses is a `rejected` outcome; the others in its batch go through."""
        self._require_sync()
        bad = self.rejected_member()
        if bad is None:
            pytest.skip("rejected_member() gives no row the vendor refuses")
        good = self.sample_members(2)
        batch = [good[0], bad, good[1]]
        async with self.connect(endpoint) as connector:
            assert isinstance(connector, AudienceSync)
            ref = await connector.ensure_audience(self.contract_audience)
            async with connector.audience_session(ref) as session:
                outcomes = await self.settle(session, await session.add(batch))
        statuses = [(o.key, o.status.value) for o in outcomes]
        expected = [(good[0].key, "accepted"), (bad.key, "rejected"), (good[1].key, "accepted")]
        assert statuses == expected, (
            f"outcomes {statuses}, expected {expected} ({_explain(outcomes)})"
        )
        refused = outcomes[1]
        assert refused.reason, "a rejected outcome needs the vendor's reason"
        for value in bad.identifiers.values():
            assert value not in (refused.reason or ""), "the rejection reason echoes the row"

    @pytest.mark.anyio
    async def test_audience_session_adds_and_removes(
        self, endpoint: ContractEndpoint, emulator: Emulator
    ) -> None:
        """Members added then removed in sessions are what the emulator ends up holding."""
        self._require_sync()
        members = self.sample_members(3)
        ids = [self.member_identity(m) for m in members]
        async with self.connect(endpoint) as connector:
            assert isinstance(connector, AudienceSync)
            ref = await connector.ensure_audience(self.contract_audience)
            again = await connector.ensure_audience(self.contract_audience)
            assert again.vendor_id == ref.vendor_id, "ensure_audience() created a second audience"
            session = connector.audience_session(ref)
            added = await self.settle(session, await session.add(members))
            json.dumps(session.state)
            await session.close()
            await session.close()
            assert [(o.key, o.status.value) for o in added] == [
                (m.key, "accepted") for m in members
            ], f"adding valid members gave {_explain(added)}"
            held = self.emulator_members(emulator, ref)
            assert held == set(ids), f"emulator holds {len(held)} members, expected {len(ids)}"
            async with connector.audience_session(ref) as session:
                removed = await self.settle(session, await session.remove(members[:1]))
            assert [(o.key, o.status.value) for o in removed] == [(members[0].key, "accepted")]
            held = self.emulator_members(emulator, ref)
            assert held == set(ids[1:]), "the removed member is still held, or others went too"
            if isinstance(connector, AudienceExport):
                listed = {r.vendor_id for r in await connector.list_audiences()}
                assert ref.vendor_id in listed, "list_audiences() misses the audience"
                exported = [m async for m in connector.export_members(ref)]
                assert len(exported) >= len(ids[1:]), "export_members() misses members"
            if isinstance(connector, ContactErasure):
                receipt = await connector.erase_contact(
                    ErasureRequest(
                        key="contract-erasure",
                        identifiers=dict(members[1].identifiers),
                        audiences=(ref,),
                    )
                )
                assert receipt.key == "contract-erasure", "the receipt is not keyed by the request"
                if receipt.done:
                    assert ids[1] not in self.emulator_members(emulator, ref), (
                        "erase_contact() said done but the member is still held"
                    )

    @pytest.mark.anyio
    async def test_events_get_one_outcome_each(self, endpoint: ContractEndpoint) -> None:
        """Each event gets one outcome keyed by its `event_id`; an invalid one is refused."""
        if not issubclass(self.connector_class, EventDelivery):
            pytest.skip(f"{self.connector_class.__name__} does not implement EventDelivery")
        events = self.sample_events(3)
        async with self.connect(endpoint) as connector:
            assert isinstance(connector, EventDelivery)
            outcomes = await connector.send_events(events)
            keys = [(o.key, o.status.value) for o in outcomes]
            assert keys == [(e.event_id, "accepted") for e in events], (
                f"valid events gave {_explain(outcomes)}"
            )
            bad = self.invalid_event()
            if bad is None:
                return
            refused: list[Outcome] = []

            async def send_bad() -> None:
                refused.extend(await connector.send_events([events[0], bad]))

            error = await self.raised(send_bad)
        if error is not None:
            assert isinstance(error, BatchRejectedError), (
                f"an invalid event raised {type(error).__name__}: {error}; expected "
                "BatchRejectedError or a rejected outcome"
            )
        else:
            assert [o.status.value for o in refused][1] == "rejected", (
                "an invalid event was neither refused whole nor rejected as a row"
            )

    @pytest.mark.anyio
    async def test_campaign_round_trip(self, endpoint: ContractEndpoint) -> None:
        """A campaign is created held, read back, started, held again, and has statistics.

        Held means nothing goes out until `resume_campaign`: a paid campaign is `paused`, an
        email campaign a `draft`. A paid campaign resumes and pauses. An email campaign cannot
        pause a send, so it is scheduled a day ahead (`scheduled`), paused (unscheduled: held
        again), then sent (`sending` or `sent`) before its statistics are read.
        """
        if not issubclass(self.connector_class, CampaignManagement):
            pytest.skip(f"{self.connector_class.__name__} does not implement CampaignManagement")
        campaign = self.sample_campaign()
        if campaign is None:
            pytest.skip("sample_campaign() gives no campaign to create")
        email = campaign.channel is Channel.EMAIL
        created_as = CampaignStatus.DRAFT if email else CampaignStatus.PAUSED
        async with self.connect(endpoint) as connector:
            assert isinstance(connector, CampaignManagement)
            refs: list[AudienceRef] = []
            if isinstance(connector, AudienceSync):
                refs.append(await connector.ensure_audience(self.contract_audience))
            vendor_id = await connector.create_campaign(campaign, refs)
            read = await connector.get_campaign(vendor_id)
            assert read.vendor_id == vendor_id, "get_campaign() lost the vendor id"
            assert read.name == campaign.name, "get_campaign() changed the name"
            assert read.status is created_as, (
                f"a new {campaign.channel.value} campaign must be created "
                f"{created_as.value}, it is {read.status.value}"
            )
            if email:
                await self._email_round_trip(connector, vendor_id)
            else:
                await connector.resume_campaign(vendor_id)
                resumed = (await connector.get_campaign(vendor_id)).status
                assert resumed not in _HELD, f"resume_campaign() left it {resumed.value}"
                await connector.pause_campaign(vendor_id)
                paused = (await connector.get_campaign(vendor_id)).status
                assert paused is CampaignStatus.PAUSED, "pause_campaign() did not pause it"
            today = dt.datetime.now(dt.UTC).date()
            stats = await connector.campaign_stats(vendor_id, today, today)
        assert isinstance(stats, CampaignStats)
        assert stats.vendor_id == vendor_id, "campaign_stats() is not keyed by the campaign"

    @staticmethod
    async def _email_round_trip(connector: CampaignManagement, vendor_id: str) -> None:
        """Schedule, unschedule, then send an email campaign (see `test_campaign_round_trip`)."""
        hour = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
        at = hour + dt.timedelta(days=1, hours=1)
        await connector.resume_campaign(vendor_id, at=at)
        scheduled = await connector.get_campaign(vendor_id)
        assert scheduled.status is CampaignStatus.SCHEDULED, (
            f"resume_campaign(at=...) must schedule an email campaign, it is "
            f"{scheduled.status.value}"
        )
        assert scheduled.starts_at == at, (
            f"the campaign reads back starting at {scheduled.starts_at}, it was scheduled at {at}"
        )
        await connector.pause_campaign(vendor_id)
        held = (await connector.get_campaign(vendor_id)).status
        assert held in _HELD, (
            f"pause_campaign() must unschedule a scheduled email campaign, it is {held.value}"
        )
        await connector.resume_campaign(vendor_id)
        sent = (await connector.get_campaign(vendor_id)).status
        assert sent in (CampaignStatus.SENDING, CampaignStatus.SENT), (
            f"resume_campaign() must send an email campaign now, it is {sent.value}"
        )

    @pytest.mark.anyio
    async def test_secrets_never_reach_the_logs(
        self, endpoint: ContractEndpoint, emulator: Emulator
    ) -> None:
        """With every logger at DEBUG, no record of a check, a failure or a batch shows a secret."""
        capture = _Capture()
        root = logging.getLogger()
        level = root.level
        root.addHandler(capture)
        root.setLevel(logging.DEBUG)
        try:
            async with self.connect(endpoint) as connector:
                await self.raised(connector.check)
                emulator.inject("server_error", on={1})
                await self.raised(connector.check)
                if isinstance(connector, AudienceSync):
                    ref = await connector.ensure_audience(self.contract_audience)
                    async with connector.audience_session(ref) as session:
                        await self.settle(session, await session.add(self.sample_members(2)))
            wrong = self.wrong_secret_config(endpoint.config)
            if wrong is not None:
                async with self.connect(endpoint, config=wrong) as connector:
                    await self.raised(connector.check)
        finally:
            root.removeHandler(capture)
            root.setLevel(level)
        secrets = self._secrets(endpoint)
        for record in capture.records:
            text = f"{record.getMessage()} {record.exc_text or ''} {record.__dict__}"
            self._assert_no_secret(text, f"a log record of {record.name!r}", secrets)
