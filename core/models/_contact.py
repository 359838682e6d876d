"""Contacts, their identifiers, lifecycle stage and consent per purpose."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from freehold.core.models._base import CountryCode, NeutralModel

__all__ = [
    "AttributeValue",
    "Consent",
    "ConsentState",
    "Contact",
    "Identifiers",
    "LifecycleStage",
    "Purpose",
]

AttributeValue = str | int | float | bool | dt.date | dt.datetime | None
"""The types a custom attribute may hold."""

_Text = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class Purpose(StrEnum):
    """What a piece of personal data may be used for; consent is given per purpose."""

    EMAIL_MARKETING = "email_marketing"
    AD_TARGETING = "ad_targeting"
    AD_MEASUREMENT = "ad_measurement"
    ANALYTICS = "analytics"


class ConsentState(StrEnum):
    """A person's answer for one purpose. Unknown never leaves unless a destination opts in."""

    GRANTED = "granted"
    DENIED = "denied"
    UNKNOWN = "unknown"


class LifecycleStage(StrEnum):
    """Where a contact stands with the brand, from first touch to advocate."""

    SUSPECT = "suspect"
    PROSPECT = "prospect"
    CUSTOMER = "customer"
    FAN = "fan"
    AMBASSADOR = "ambassador"


class Consent(NeutralModel):
    """One consent statement: the state for a purpose, when it was given, and where it came from."""

    purpose: Purpose
    state: ConsentState
    at: AwareDatetime
    source: _Text


class Identifiers(NeutralModel):
    """The ways a vendor can recognise a person, as received (normalization happens in identity).

    The repr lists only which identifiers are present, never their values.
    """

    email: _Text | None = None
    phone: _Text | None = None
    first_name: _Text | None = None
    last_name: _Text | None = None
    city: _Text | None = None
    region: _Text | None = None
    postal_code: _Text | None = None
    country: CountryCode | None = None
    date_of_birth: dt.date | None = None
    gender: _Text | None = None
    external_id: _Text | None = None
    mobile_ad_id: _Text | None = None

    def present(self) -> list[str]:
        """Return the names of the identifiers that have a value."""
        return [name for name, value in self if value is not None]

    def __repr__(self) -> str:
        return f"Identifiers(present={self.present()})"

    __str__ = __repr__


class Contact(NeutralModel):
    """A person the brand knows, keyed by the brand's own id.

    The repr shows the id, the stage and which identifiers, attributes and consents exist; no
    personal value.
    """

    contact_id: _Text
    identifiers: Identifiers = Field(default_factory=Identifiers)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    lifecycle: LifecycleStage | None = None
    consents: dict[Purpose, Consent] = Field(default_factory=dict)

    def consent_state(self, purpose: Purpose) -> ConsentState:
        """Return the current state for `purpose`; unknown when nothing was ever said."""
        consent = self.consents.get(purpose)
        return consent.state if consent else ConsentState.UNKNOWN

    def __repr__(self) -> str:
        return (
            f"Contact(contact_id={self.contact_id!r}, lifecycle={self.lifecycle}, "
            f"identifiers={self.identifiers.present()}, attributes={sorted(self.attributes)}, "
            f"consents={ {p.value: c.state.value for p, c in self.consents.items()} })"
        )

    __str__ = __repr__
