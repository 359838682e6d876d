"""The Klaviyo connector passes freehold's conformance kit, in-process and over real HTTP.

Every exchange of every kit test is validated against Klaviyo's OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openapi.validate import OpenApiDocument

from freehold.connectors.klaviyo import KlaviyoConnector
from freehold.core.emulator import Emulator
from freehold.core.models import Campaign, Channel, EmailContent, EmailStatus, Member
from freehold.core.testing import ConnectorContract


class TestKlaviyoContract(ConnectorContract):
    connector_class = KlaviyoConnector

    @pytest.fixture
    def emulator(self, klaviyo_openapi: OpenApiDocument) -> Iterator[Emulator]:
        """A fresh emulator whose exchanges are validated against Klaviyo's document."""
        emulated = self.make_emulator()
        yield emulated
        klaviyo_openapi.check(emulated.receipts)

    def rejected_member(self) -> Member:
        return Member(
            key="contract-bad",
            identifiers={"email": "not-an-address@invalid"},
            email_status=EmailStatus.SUBSCRIBED,
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
