"""Audiences as the brand defines them, and as a vendor holds them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, JsonValue, StringConstraints

from freehold.core.models._base import NeutralModel

__all__ = ["Audience", "AudienceRef", "SyncMode"]

_Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")]


class SyncMode(StrEnum):
    """How a destination audience follows the brand's audience.

    `add_only` never removes; `mirror` also removes members that left, but only those freehold
    itself added.
    """

    ADD_ONLY = "add_only"
    MIRROR = "mirror"


class Audience(NeutralModel):
    """A set of contacts the brand defines once and sends to several destinations."""

    key: _Key
    name: str
    description: str = ""
    definition: dict[str, JsonValue] = Field(default_factory=dict)
    destinations: tuple[str, ...] = ()
    mode: SyncMode = SyncMode.ADD_ONLY
    membership_days: int | None = Field(default=None, ge=1)


class AudienceRef(NeutralModel):
    """A vendor-side audience: the brand's key, the vendor's id, and connector-specific details.

    `details` holds what the connector needs to address it (a Mailchimp tag inside a list, a
    Meta customer-file source…), as plain JSON so the engine can persist it.
    """

    key: str
    vendor_id: str
    name: str
    details: dict[str, JsonValue] = Field(default_factory=dict)
