"""The neutral model: contacts, consent, audiences, events, campaigns and per-row outcomes."""

from __future__ import annotations

from freehold.core.models._audience import Audience, AudienceRef, SyncMode
from freehold.core.models._base import CountryCode, CurrencyCode, NeutralModel
from freehold.core.models._campaign import (
    Budget,
    BudgetPeriod,
    Campaign,
    CampaignStats,
    CampaignStatus,
    Channel,
    EmailContent,
)
from freehold.core.models._contact import (
    AttributeValue,
    Consent,
    ConsentState,
    Contact,
    Identifiers,
    LifecycleStage,
    Purpose,
)
from freehold.core.models._event import ActionSource, ClickIds, Event, EventItem, EventName
from freehold.core.models._member import EmailStatus, Member
from freehold.core.models._outcome import Outcome, Outcomes, OutcomeStatus

__all__ = [
    "ActionSource",
    "AttributeValue",
    "Audience",
    "AudienceRef",
    "Budget",
    "BudgetPeriod",
    "Campaign",
    "CampaignStats",
    "CampaignStatus",
    "Channel",
    "ClickIds",
    "Consent",
    "ConsentState",
    "Contact",
    "CountryCode",
    "CurrencyCode",
    "EmailContent",
    "EmailStatus",
    "Event",
    "EventItem",
    "EventName",
    "Identifiers",
    "LifecycleStage",
    "Member",
    "NeutralModel",
    "Outcome",
    "OutcomeStatus",
    "Outcomes",
    "Purpose",
    "SyncMode",
]
