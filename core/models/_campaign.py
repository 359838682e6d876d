"""Campaigns and the neutral statistics read back from any channel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, EmailStr, Field, model_validator

from freehold.core.models._base import CurrencyCode, NeutralModel

__all__ = [
    "Budget",
    "BudgetPeriod",
    "Campaign",
    "CampaignStats",
    "CampaignStatus",
    "Channel",
    "EmailContent",
]


class Channel(StrEnum):
    """The kind of medium a campaign runs on."""

    EMAIL = "email"
    SOCIAL = "social"
    SEARCH = "search"


class CampaignStatus(StrEnum):
    """Neutral campaign states; connectors map their vendor's states onto these."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    PAUSED = "paused"
    SENDING = "sending"
    SENT = "sent"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class BudgetPeriod(StrEnum):
    """Whether a budget is spent per day or over the campaign's life."""

    DAILY = "daily"
    LIFETIME = "lifetime"


class Budget(NeutralModel):
    """A spending cap in a currency's major unit (`12.50` EUR)."""

    amount: Decimal = Field(gt=0)
    currency: CurrencyCode
    period: BudgetPeriod = BudgetPeriod.DAILY


class EmailContent(NeutralModel):
    """What an email campaign says and who it comes from."""

    subject: str = Field(min_length=1, max_length=998)
    from_name: str = Field(min_length=1)
    from_email: EmailStr
    html: str = Field(min_length=1)
    reply_to: EmailStr | None = None
    preview_text: str | None = None


class Campaign(NeutralModel):
    """A campaign the brand runs on one destination.

    Paid campaigns are created `paused` unless asked otherwise, so nothing spends by surprise.
    """

    key: str = Field(min_length=1)
    name: str = Field(min_length=1)
    channel: Channel
    objective: str | None = None
    status: CampaignStatus = CampaignStatus.PAUSED
    budget: Budget | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    audiences: tuple[str, ...] = ()
    email: EmailContent | None = None
    vendor_id: str | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> Self:
        if self.channel is Channel.EMAIL and self.email is None:
            msg = "an email campaign needs email content"
            raise ValueError(msg)
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            msg = "ends_at must be after starts_at"
            raise ValueError(msg)
        return self


class CampaignStats(NeutralModel):
    """Neutral statistics for one campaign over an inclusive date range.

    A metric the channel does not have is None, not zero.
    """

    vendor_id: str
    start: dt.date
    end: dt.date
    impressions: int | None = None
    clicks: int | None = None
    spend: Decimal | None = None
    currency: CurrencyCode | None = None
    conversions: float | None = None
    sends: int | None = None
    opens: int | None = None
    bounces: int | None = None
    unsubscribes: int | None = None
