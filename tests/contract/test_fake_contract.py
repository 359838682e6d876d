"""The in-tree fake connector passes the conformance kit, in-process and over real HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from freehold.core.models import Budget, Campaign, Channel, Event, Member
from freehold.core.testing import ConnectorContract, FakeConnector


class TestFakeContract(ConnectorContract):
    connector_class = FakeConnector

    def rejected_member(self) -> Member:
        return Member(key="contract-bad", identifiers={"email": "not-a-sha256-digest"})

    def invalid_event(self) -> Event:
        return Event(
            event_id="contract-old",
            name="purchase",
            occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30),
            contact_id="c-old",
        )

    def sample_campaign(self) -> Campaign:
        return Campaign(
            key="contract",
            name="Contract campaign",
            channel=Channel.SOCIAL,
            budget=Budget(amount=Decimal("12.50"), currency="EUR"),
        )
