"""The Meta connector passes the conformance kit against its emulator, in-process and served."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from pydantic import SecretStr

from freehold.connectors.meta import MetaConfig, MetaConnector
from freehold.connectors.meta.emulator import MetaEmulator
from freehold.core.connector import ConnectorConfig
from freehold.core.emulator import Emulator
from freehold.core.models import Budget, Campaign, Channel, Event, Identifiers, Member
from freehold.core.testing import ConnectorContract


class TestMetaContract(ConnectorContract):
    connector_class = MetaConnector

    def rejected_member(self) -> Member:
        return Member(key="contract-bad", identifiers={"email": "not-a-sha256-digest"})

    def sample_events(self, n: int) -> list[Event]:
        now = dt.datetime.now(dt.UTC)
        return [
            Event(
                event_id=f"contract-event-{i}",
                name="purchase",
                occurred_at=now - dt.timedelta(minutes=i + 1),
                contact_id=f"contract-contact-{i}",
                identifiers=Identifiers(email=f"contract{i}@example.com"),
                user_agent="Mozilla/5.0",
                source_url="https://shop.example/thanks",
            )
            for i in range(n)
        ]

    def invalid_event(self) -> Event:
        return self.sample_events(1)[0].model_copy(
            update={
                "event_id": "contract-old",
                "occurred_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=8),
            }
        )

    def sample_campaign(self) -> Campaign:
        return Campaign(
            key="contract",
            name="Contract campaign",
            channel=Channel.SOCIAL,
            objective="traffic",
            budget=Budget(amount=Decimal("12.50"), currency="USD"),
        )


class TestMetaContractWithAppSecret(TestMetaContract):
    """The same kit when the app requires `appsecret_proof` on every call."""

    modes: ClassVar[tuple[str, ...]] = ("in_process",)

    def make_emulator(self) -> Emulator:
        return MetaEmulator(app_secret="contract-app-secret")

    def make_config(self, emulator: Emulator, base_url: str) -> ConnectorConfig:
        config = MetaConnector.emulator_config(base_url)
        assert isinstance(config, MetaConfig)
        return config.model_copy(update={"app_secret": SecretStr("contract-app-secret")})

    def wrong_secret_config(self, config: ConnectorConfig) -> ConnectorConfig | None:
        """Get only the app secret wrong: the proof no longer matches the (right) token."""
        return config.model_copy(update={"app_secret": SecretStr("wrong-app-secret")})
