"""The Klaviyo connector passes freehold's conformance kit, in-process and over real HTTP."""

from __future__ import annotations

from freehold.connectors.klaviyo import KlaviyoConnector
from freehold.core.models import EmailStatus, Member
from freehold.core.testing import ConnectorContract


class TestKlaviyoContract(ConnectorContract):
    connector_class = KlaviyoConnector

    def rejected_member(self) -> Member:
        return Member(
            key="contract-bad",
            identifiers={"email": "not-an-address@invalid"},
            email_status=EmailStatus.SUBSCRIBED,
        )
