"""The Mailchimp connector passes freehold's conformance kit, in-process and over real HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from mailchimp_support import member
from openapi.validate import OpenApiDocument

from freehold.connectors.mailchimp import MailchimpConnector, MailchimpEmulator
from freehold.core.emulator import Emulator
from freehold.core.models import (
    AudienceRef,
    Campaign,
    Channel,
    EmailContent,
    Event,
    Identifiers,
    Member,
)
from freehold.core.testing import ConnectorContract

CONTRACT_EMAILS = [f"contract{i}@example.com" for i in range(5)]


class TestMailchimpContract(ConnectorContract):
    connector_class = MailchimpConnector

    @pytest.fixture
    def emulator(self, mailchimp_openapi: OpenApiDocument) -> Iterator[Emulator]:
        """A fresh emulator whose exchanges are validated against Mailchimp's document."""
        emulated = self.make_emulator()
        yield emulated
        mailchimp_openapi.check(emulated.receipts)

    def make_emulator(self) -> MailchimpEmulator:
        emulated = MailchimpEmulator()
        for email in CONTRACT_EMAILS:
            emulated.add_member(email)
        return emulated

    def sample_members(self, n: int) -> list[Member]:
        return [member(f"contract-{i}", CONTRACT_EMAILS[i]) for i in range(n)]

    def emulator_members(self, emulator: Emulator, ref: AudienceRef) -> set[str]:
        assert isinstance(emulator, MailchimpEmulator)
        return emulator.tag_members(ref.name)

    def rejected_member(self) -> Member:
        return member("contract-bad", "not-an-address@invalid")

    def invalid_event(self) -> Event:
        return Event(
            event_id="contract-bad-event",
            name="x",
            occurred_at=dt.datetime.now(dt.UTC),
            identifiers=Identifiers(email=CONTRACT_EMAILS[0]),
        )

    def sample_campaign(self) -> Campaign:
        return Campaign(
            key="contract-campaign",
            name="freehold contract campaign",
            channel=Channel.EMAIL,
            email=EmailContent(
                subject="Contract",
                from_name="freehold",
                from_email="news@example.com",
                html="<p>contract</p>",
            ),
        )
