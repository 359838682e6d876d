"""Behavioural events: what a person did, when, and the ids that tie it to an ad click."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from ipaddress import IPv4Address, IPv6Address
from typing import Annotated, Self

from pydantic import AwareDatetime, Field, JsonValue, StringConstraints, model_validator

from freehold.core.models._base import CurrencyCode, NeutralModel
from freehold.core.models._contact import Identifiers

__all__ = ["ActionSource", "ClickIds", "Event", "EventItem", "EventName"]

_Id = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class EventName(StrEnum):
    """Neutral event names that connectors map onto vendor standard events.

    Any other name is allowed on an `Event`; connectors send it as a custom event.
    """

    PAGE_VIEW = "page_view"
    VIEW_ITEM = "view_item"
    SEARCH = "search"
    ADD_TO_CART = "add_to_cart"
    BEGIN_CHECKOUT = "begin_checkout"
    ADD_PAYMENT_INFO = "add_payment_info"
    PURCHASE = "purchase"
    LEAD = "lead"
    SIGN_UP = "sign_up"
    SUBSCRIBE = "subscribe"
    START_TRIAL = "start_trial"
    CONTACT = "contact"
    REFERRAL = "referral"
    REVIEW = "review"
    SHARE = "share"


class ActionSource(StrEnum):
    """Where the action happened."""

    WEB = "web"
    APP = "app"
    STORE = "store"
    CRM = "crm"
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    OTHER = "other"


class ClickIds(NeutralModel):
    """Ad click and browser ids captured with the event; they are sent in clear, never hashed."""

    fbc: _Id | None = None
    fbp: _Id | None = None
    gclid: _Id | None = None
    gbraid: _Id | None = None
    wbraid: _Id | None = None
    msclkid: _Id | None = None


class EventItem(NeutralModel):
    """One line of an order or cart."""

    item_id: _Id
    quantity: int = Field(default=1, ge=1)
    price: Decimal | None = None
    name: str | None = None


class Event(NeutralModel):
    """Something a person did, keyed by `event_id` for deduplication across every path.

    `value` requires `currency`. The person is `contact_id` (known to the store) or
    `identifiers` (not yet resolved), or both.
    """

    event_id: _Id
    name: _Id
    occurred_at: AwareDatetime
    contact_id: _Id | None = None
    identifiers: Identifiers | None = None
    click_ids: ClickIds = Field(default_factory=ClickIds)
    client_ip: IPv4Address | IPv6Address | None = None
    user_agent: str | None = None
    source_url: str | None = None
    action_source: ActionSource = ActionSource.WEB
    value: Decimal | None = None
    currency: CurrencyCode | None = None
    order_id: _Id | None = None
    items: tuple[EventItem, ...] = ()
    properties: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _value_needs_currency(self) -> Self:
        if self.value is not None and self.currency is None:
            msg = "currency is required when value is set"
            raise ValueError(msg)
        return self

    def __repr__(self) -> str:
        return (
            f"Event(event_id={self.event_id!r}, name={self.name!r}, "
            f"occurred_at={self.occurred_at.isoformat()}, contact_id={self.contact_id!r})"
        )

    __str__ = __repr__
