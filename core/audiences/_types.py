"""The values the audience engine hands around: member scores, builders, results, previews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pydantic import JsonValue
    from sqlalchemy import Connection

__all__ = [
    "AudienceBuilder",
    "AudienceKind",
    "AudiencePreview",
    "AudienceResult",
    "DestinationCoverage",
    "MaskedMember",
    "MemberScore",
]


class AudienceKind(StrEnum):
    """How an audience is defined in `freehold.yaml`: exactly one of these keys is given."""

    WHERE = "where"
    SQL = "sql"
    FILE = "file"
    BUILDER = "builder"


@dataclass(frozen=True, slots=True)
class MemberScore:
    """One member of a computed audience.

    Attributes:
        contact_pk: the store's surrogate key of the contact.
        score: the builder's value (lifetime value, RFM cell, weighted count), kept with the
            membership so the next run can apply hysteresis; None for plain definitions.
        segment: the builder's label for the member (`champions`, `gold`), or None.
    """

    contact_pk: int
    score: float | None = None
    segment: str | None = None


@runtime_checkable
class AudienceBuilder(Protocol):
    """A computed audience: plugins register builders through `freehold_register_audience_builders`.

    An audience uses one with `builder: <name>` and `params:` in `freehold.yaml`.
    """

    name: str

    def build(
        self,
        conn: Connection,
        *,
        params: Mapping[str, JsonValue],
        previous: Mapping[int, MemberScore],
        now: dt.datetime,
    ) -> Iterable[MemberScore]:
        """Return the members of the audience as of `now`.

        Args:
            conn: a connection to the store (read it; the engine writes the membership).
            params: the audience's `params:` from `freehold.yaml`.
            previous: the current membership by contact pk, for hysteresis: a member near a
                boundary stays until it is clearly past it, so membership does not flap.
            now: the time of the computation (timezone-aware).

        Raises:
            ConfigError: `params` are invalid.
        """
        ...


@dataclass(frozen=True, slots=True)
class AudienceResult:
    """What one computation of an audience changed.

    Attributes:
        key: the audience key.
        members: members after the computation.
        added: contacts that entered.
        removed: contacts that left.
        unresolved: rows of a SQL or file definition that matched no contact.
    """

    key: str
    members: int
    added: int
    removed: int
    unresolved: int = 0


@dataclass(frozen=True, slots=True)
class MaskedMember:
    """A sample member for a preview: ids and masked identifiers, never a raw personal value.

    Attributes:
        contact_id: the brand's own id.
        email: the normalized email masked (`j***@e***.com`), or None when there is none.
        phone: the normalized phone masked to its last two digits, or None.
        lifecycle: the contact's lifecycle stage.
        score: the builder's score, if any.
        segment: the builder's segment, if any.
    """

    contact_id: str
    email: str | None
    phone: str | None
    lifecycle: str | None
    score: float | None = None
    segment: str | None = None


@dataclass(frozen=True, slots=True)
class DestinationCoverage:
    """How many members a destination could match.

    Attributes:
        destination: the destination name (role) in `freehold.yaml`.
        connector: the connector playing it.
        profile: the connector's identity profile, or None if it does not sync audiences.
        fields: the identifiers counted as usable (accepted by the vendor, matching on their own).
        usable: members with at least one of `fields` usable.
        share: `usable / members`; None when the audience is empty or the destination does not
            sync audiences.
    """

    destination: str
    connector: str
    profile: str | None
    fields: tuple[str, ...]
    usable: int
    share: float | None


@dataclass(frozen=True, slots=True)
class AudiencePreview:
    """What an audience would contain now, without writing anything.

    Attributes:
        key: the audience key.
        kind: how it is defined.
        members: how many contacts it would hold.
        unresolved: rows of a SQL or file definition that matched no contact.
        sample: a few members with masked identifiers.
        destinations: per destination, the share of members it could match.
    """

    key: str
    kind: AudienceKind
    members: int
    unresolved: int = 0
    sample: tuple[MaskedMember, ...] = ()
    destinations: tuple[DestinationCoverage, ...] = field(default=())
