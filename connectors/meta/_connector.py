"""The Meta connector: Custom Audiences, the Conversions API, campaigns and erasure."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from pydantic import JsonValue, SecretStr

from freehold.connectors.meta._audiences import (
    MAX_ROWS,
    MetaAudienceSession,
    ensure_audience,
    remove_everywhere,
)
from freehold.connectors.meta._campaigns import (
    CAMPAIGN_FIELDS,
    account_currency,
    campaign_body,
    campaign_from_node,
    read_insights,
    stats_from_insights,
)
from freehold.connectors.meta._config import MetaConfig
from freehold.connectors.meta._errors import EVENTS_ERROR_TABLE
from freehold.connectors.meta._events import MAX_EVENTS, encode_events
from freehold.connectors.meta._graph import Graph
from freehold.connectors.meta._members import ACCEPTED_IDENTIFIERS
from freehold.core.capabilities import (
    AudienceSync,
    BatchLimits,
    CampaignManagement,
    ContactErasure,
    ErasureReceipt,
    ErasureRequest,
    EventDelivery,
    SessionMode,
)
from freehold.core.connector import Connector, ConnectorConfig
from freehold.core.errors import (
    BatchRejectedError,
    BatchTooLargeError,
    ConfigError,
    NotFoundError,
)
from freehold.core.models import (
    Audience,
    AudienceRef,
    Campaign,
    CampaignStats,
    Event,
    Member,
    Outcome,
)

if TYPE_CHECKING:
    from freehold.connectors.meta.emulator import MetaEmulator

__all__ = ["MetaConnector"]

logger = logging.getLogger(__name__)


class MetaConnector(
    Connector[MetaConfig], AudienceSync, EventDelivery, CampaignManagement, ContactErasure
):
    """Meta (Facebook, Instagram) through the Marketing API and the Conversions API.

    Audiences are customer-file Custom Audiences fed through `/users` (or replaced through
    `/usersreplace`); events go to the pixel's `/events`; campaigns are created paused; erasure
    removes the person from every audience freehold manages there.
    """

    name: ClassVar[str] = "meta"
    config_model: ClassVar[type[ConnectorConfig]] = MetaConfig
    default_base_url: ClassVar[str] = "https://graph.facebook.com"
    identity_profile: ClassVar[str] = "meta"
    accepted_identifiers: ClassVar[frozenset[str]] = ACCEPTED_IDENTIFIERS
    audience_limits: ClassVar[BatchLimits] = BatchLimits(
        max_rows=MAX_ROWS,
        requests_per_second=50.0,
        concurrency_per_audience=4,
        concurrency_per_account=4,
        min_audience_size=100,
    )
    """10,000 rows a request; ~50 calls/s is the Full tier's custom_audience floor (190,000 an
    hour); Meta will not serve an audience under ~100 matched people."""
    event_limits: ClassVar[BatchLimits] = BatchLimits(
        max_rows=MAX_EVENTS,
        concurrency_per_audience=4,
        concurrency_per_account=4,
    )
    """1,000 events a request; the official SDK's batch processor runs 4 requests at once."""

    def __init__(
        self, config: MetaConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(config, transport=transport)
        self._graph: Graph | None = None
        self._replacing: set[str] = set()
        self._currency: str | None = None

    def client_headers(self) -> dict[str, str]:
        """Send the access token in the Authorization header, never in a URL."""
        return {"authorization": f"Bearer {self.config.access_token.get_secret_value()}"}

    @property
    def graph(self) -> Graph:
        """Return the Graph caller bound to the open HTTP client."""
        if self._graph is None or self._graph.client is not self.http:
            self._graph = Graph(self.http, self.config)
        return self._graph

    @property
    def _ldu(self) -> tuple[int, int] | None:
        config = self.config
        return (config.ldu_country, config.ldu_state) if config.limited_data_use else None

    async def check(self) -> None:
        """Read the ad account (and the pixel, when one is configured).

        Raises:
            AuthError: Meta refused the token.
            ConfigError: the token cannot see the ad account or the pixel.
        """
        for node in (self.config.ad_account_id, self.config.pixel_id):
            if node is None:
                continue
            try:
                await self.graph.get(self.graph.path(node), {"fields": "id"})
            except NotFoundError as exc:
                msg = f"{node} is not visible with this access token"
                raise ConfigError(msg) from exc

    @classmethod
    def emulator(cls) -> MetaEmulator:
        """Return a fresh `MetaEmulator` accepting `emulator_config`'s credentials."""
        from freehold.connectors.meta.emulator import MetaEmulator  # noqa: PLC0415

        return MetaEmulator()

    @classmethod
    def emulator_config(cls, base_url: str) -> MetaConfig:
        """Return a config for a fresh `MetaEmulator` served at `base_url`."""
        from freehold.connectors.meta.emulator import (  # noqa: PLC0415
            EMULATOR_ACCESS_TOKEN,
            EMULATOR_AD_ACCOUNT,
            EMULATOR_PIXEL,
        )

        settings: dict[str, Any] = {
            "api_base_url": base_url,
            "access_token": SecretStr(EMULATOR_ACCESS_TOKEN),
            "ad_account_id": EMULATOR_AD_ACCOUNT,
            "pixel_id": EMULATOR_PIXEL,
        }
        return MetaConfig(**settings)

    # -- AudienceSync ---------------------------------------------------------------------------

    async def ensure_audience(self, audience: Audience) -> AudienceRef:
        """Find the customer-file audience freehold made for `audience`, or create it."""
        return await ensure_audience(self.graph, self.config, audience)

    def sends_value(self, audience: Audience) -> bool:
        """Say whether `audience` is value-based (listed in `value_based_audiences`)."""
        return audience.key in self.config.value_based_audiences

    def audience_session(
        self,
        ref: AudienceRef,
        mode: SessionMode = SessionMode.UPDATE,
        *,
        state: dict[str, JsonValue] | None = None,
    ) -> MetaAudienceSession:
        """Open (or resume from `state`) an upload session on `ref`."""
        return MetaAudienceSession(
            self.graph, ref, mode, ldu=self._ldu, replacing=self._replacing, state=state
        )

    # -- EventDelivery --------------------------------------------------------------------------

    async def send_events(self, events: Sequence[Event]) -> list[Outcome]:
        """Send `events` to the pixel in one request, after checking each one.

        Events Meta would refuse are rejected here, so they cannot spoil the request. A single
        event Meta still refuses is a rejected outcome.

        Raises:
            BatchTooLargeError: more than 1,000 events.
            BatchRejectedError: Meta refused the request because of some event in it.
            ConfigError: no `pixel_id` is configured.
        """
        if len(events) > MAX_EVENTS:
            msg = f"{len(events)} events exceed Meta's {MAX_EVENTS} a request"
            raise BatchTooLargeError(msg)
        pixel = self.config.pixel_id
        if pixel is None:
            msg = "the Meta destination needs pixel_id to send events"
            raise ConfigError(msg)
        wire, positions, refused = encode_events(events, self.config, dt.datetime.now(dt.UTC))
        outcomes: list[Outcome | None] = [None] * len(events)
        for index, reason in refused.items():
            outcomes[index] = Outcome.rejected(events[index].event_id, reason, code="not_sent")
        if wire:
            await self._post_events(pixel, events, wire, positions, outcomes)
        return [outcome for outcome in outcomes if outcome is not None]

    async def _post_events(
        self,
        pixel: str,
        events: Sequence[Event],
        wire: list[dict[str, Any]],
        positions: list[int],
        outcomes: list[Outcome | None],
    ) -> None:
        body: dict[str, Any] = {"data": wire}
        if self.config.test_event_code:
            body["test_event_code"] = self.config.test_event_code
        try:
            answer = await self.graph.post(
                self.graph.path(pixel, "events"), body, table=EVENTS_ERROR_TABLE
            )
        except BatchRejectedError as exc:
            if len(wire) > 1:
                raise
            only = events[positions[0]].event_id
            outcomes[positions[0]] = Outcome.rejected(only, str(exc), code=exc.vendor_code)
            return
        received = answer.get("events_received")
        trace = answer.get("fbtrace_id")
        for index in positions:
            event_id = events[index].event_id
            if received == len(wire):
                outcomes[index] = Outcome.accepted(event_id, vendor_ref=trace)
            else:
                outcomes[index] = Outcome.retriable(
                    event_id, f"Meta acknowledged {received} of {len(wire)} events"
                )

    # -- CampaignManagement ---------------------------------------------------------------------

    async def _account_currency(self) -> str:
        if self._currency is None:
            self._currency = await account_currency(self.graph, self.config)
        return self._currency

    async def create_campaign(self, campaign: Campaign, audiences: Sequence[AudienceRef]) -> str:
        """Create `campaign` (paused unless it asks to be active); return Meta's campaign id."""
        currency = await self._account_currency() if campaign.budget else None
        body = campaign_body(campaign, self.config, account_currency=currency, audiences=audiences)
        created = await self.graph.post(
            self.graph.path(self.config.ad_account_id, "campaigns"), body
        )
        logger.info("created Meta campaign %s for %s", created.get("id"), campaign.key)
        return str(created["id"])

    async def get_campaign(self, vendor_id: str) -> Campaign:
        """Read a campaign back in neutral form (keyed by its Meta id)."""
        node = await self.graph.get(self.graph.path(vendor_id), {"fields": CAMPAIGN_FIELDS})
        return campaign_from_node(node, account_currency=await self._account_currency())

    async def pause_campaign(self, vendor_id: str) -> None:
        """Set the campaign's status to PAUSED."""
        await self.graph.post(self.graph.path(vendor_id), {"status": "PAUSED"})

    async def resume_campaign(self, vendor_id: str, *, at: dt.datetime | None = None) -> None:
        """Set the campaign's status to ACTIVE (starting at `at`, when given)."""
        body: dict[str, Any] = {"status": "ACTIVE"}
        if at is not None:
            body["start_time"] = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
        await self.graph.post(self.graph.path(vendor_id), body)

    async def campaign_stats(self, vendor_id: str, start: dt.date, end: dt.date) -> CampaignStats:
        """Return impressions, clicks, spend and conversions for the inclusive date range."""
        rows = await read_insights(self.graph, vendor_id, start, end)
        return stats_from_insights(
            rows,
            vendor_id=vendor_id,
            start=start,
            end=end,
            conversion_types=self.config.conversion_action_types,
            account_currency=None if rows else await self._account_currency(),
        )

    # -- ContactErasure -------------------------------------------------------------------------

    async def erase_contact(self, request: ErasureRequest) -> ErasureReceipt:
        """Remove the person from every audience the ledger says holds them.

        Meta keeps no profile freehold could delete, and events already sent through the
        Conversions API cannot be recalled: the receipt says so.
        """
        member = Member(key=request.key, identifiers=request.identifiers)
        actions, warnings = await remove_everywhere(
            self.graph, member, request.audiences, ldu=self._ldu
        )
        notes = (
            *warnings,
            "Meta holds no contact record to delete; Conversions API events already sent "
            "cannot be recalled",
        )
        return ErasureReceipt(
            key=request.key,
            done=not warnings,
            actions=tuple(actions),
            vendor_ref=self.config.ad_account_id,
            warnings=notes,
        )
