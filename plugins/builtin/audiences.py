"""Computed audiences that ship with freehold: RFM segments, lifetime-value tiers, ambassadors.

Each builder reads the store's events in one aggregate SQL query and applies hysteresis
(`freehold.core.audiences.Band`) against the current membership, so a contact near a boundary
does not flap between runs. An audience uses one with `builder:` and `params:` in
`freehold.yaml`; `docs/audiences.md` documents every parameter.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import ColumnElement, Float, case, func, select, type_coerce

from freehold.core.audiences import Band, MemberScore
from freehold.core.errors import ConfigError
from freehold.core.store.schema import events
from freehold.plugins._markers import hookimpl

if TYPE_CHECKING:
    from pydantic import JsonValue
    from sqlalchemy import Connection

    from freehold.plugins.hookspecs import AudienceBuilderRegistrar

__all__ = [
    "AmbassadorsBuilder",
    "LtvTierBuilder",
    "RfmBuilder",
    "RfmSegment",
    "freehold_register_audience_builders",
]


@hookimpl
def freehold_register_audience_builders(register: AudienceBuilderRegistrar) -> None:
    """Register `rfm`, `ltv_tier` and `ambassadors`."""
    register("rfm", RfmBuilder())
    register("ltv_tier", LtvTierBuilder())
    register("ambassadors", AmbassadorsBuilder())


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


_ParamsT = TypeVar("_ParamsT", bound=_Params)


def _parse(model: type[_ParamsT], builder: str, params: Mapping[str, JsonValue]) -> _ParamsT:
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'params'}: {error['msg']}"
            for error in exc.errors()
        )
        msg = f"builder {builder!r}: {problems}"
        raise ConfigError(msg) from exc


def _window(
    names: list[str], *, now: dt.datetime, within_days: int | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        events.c.name.in_(names),
        events.c.contact_pk.is_not(None),
        events.c.occurred_at <= now,
    ]
    if within_days is not None:
        conditions.append(events.c.occurred_at >= now - dt.timedelta(days=within_days))
    return conditions


# -- RFM -------------------------------------------------------------------------------------


class RfmSegment(StrEnum):
    """The segments of the classic RFM grid (recency against frequency-and-monetary)."""

    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALISTS = "potential_loyalists"
    NEW = "new"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANT_LOSE = "cant_lose"
    HIBERNATING = "hibernating"


_QUINTILES = 5

_RFM_GRID: dict[RfmSegment, tuple[tuple[int, int], tuple[int, int]]] = {
    RfmSegment.CHAMPIONS: ((5, 5), (4, 5)),
    RfmSegment.LOYAL: ((3, 4), (4, 5)),
    RfmSegment.POTENTIAL_LOYALISTS: ((4, 5), (2, 3)),
    RfmSegment.NEW: ((5, 5), (1, 1)),
    RfmSegment.PROMISING: ((4, 4), (1, 1)),
    RfmSegment.NEED_ATTENTION: ((3, 3), (3, 3)),
    RfmSegment.ABOUT_TO_SLEEP: ((3, 3), (1, 2)),
    RfmSegment.AT_RISK: ((1, 2), (3, 4)),
    RfmSegment.CANT_LOSE: ((1, 2), (5, 5)),
    RfmSegment.HIBERNATING: ((1, 2), (1, 2)),
}
"""Segment → (recency quintiles, frequency-and-monetary quintiles), inclusive; a partition."""


def _quintile_band(low: int, high: int) -> Band:
    return Band(
        low=(low - 1) / _QUINTILES if low > 1 else None,
        high=high / _QUINTILES if high < _QUINTILES else None,
    )


def _quintile(rank: float) -> int:
    return min(_QUINTILES, math.floor(rank * _QUINTILES) + 1)


class _RfmParams(_Params):
    segment: RfmSegment
    event: str = "purchase"
    within_days: int | None = Field(default=None, ge=1)
    margin: float = Field(default=0.05, ge=0, lt=0.5)


class RfmBuilder:
    """RFM segments from purchase events: recency, frequency and monetary value as quintiles.

    Every contact with a qualifying event gets three percentile ranks in [0, 1]: recency of the
    last event, number of events and sum of their value. Recency against the mean of frequency
    and monetary places the contact on the classic grid (`RfmSegment`). A current member stays
    in its segment while its ranks are within `margin` of the segment's edges.

    Params: `segment` (required), `event` (default `purchase`), `within_days` (default: all
    history), `margin` (default 0.05, in rank units). The score is the RFM cell (`R*100 + F*10 +
    M`, each 1 to 5).
    """

    name = "rfm"

    def build(
        self,
        conn: Connection,
        *,
        params: Mapping[str, JsonValue],
        previous: Mapping[int, MemberScore],
        now: dt.datetime,
    ) -> Iterator[MemberScore]:
        """Yield the members of the segment named in `params` (see the class docstring)."""
        options = _parse(_RfmParams, self.name, params)
        recency_range, value_range = _RFM_GRID[options.segment]
        recency_band = _quintile_band(*recency_range)
        value_band = _quintile_band(*value_range)
        window = _window([options.event], now=now, within_days=options.within_days)
        totals = (
            select(
                events.c.contact_pk.label("pk"),
                func.max(events.c.occurred_at).label("last_at"),
                func.count().label("times"),
                type_coerce(func.coalesce(func.sum(events.c.value), 0), Float).label("total"),
            )
            .where(*window)
            .group_by(events.c.contact_pk)
            .subquery()
        )
        ranked = select(
            totals.c.pk,
            func.percent_rank(type_=Float).over(order_by=totals.c.last_at),
            func.percent_rank(type_=Float).over(order_by=totals.c.times),
            func.percent_rank(type_=Float).over(order_by=totals.c.total),
        )
        slack = options.margin
        for pk, recency, frequency, monetary in conn.execute(ranked):
            value = (frequency + monetary) / 2
            member = pk in previous
            if recency_band.admits(
                recency, member=member, slack_low=slack, slack_high=slack
            ) and value_band.admits(value, member=member, slack_low=slack, slack_high=slack):
                cell = _quintile(recency) * 100 + _quintile(frequency) * 10 + _quintile(monetary)
                yield MemberScore(pk, float(cell), options.segment.value)


# -- Lifetime-value tiers --------------------------------------------------------------------


class _LtvParams(_Params):
    tier: str
    thresholds: dict[str, float] = Field(
        default_factory=lambda: {"gold": 1000.0, "silver": 500.0, "bronze": 100.0}
    )
    event: str = "purchase"
    within_days: int | None = Field(default=None, ge=1)
    currency: str | None = None
    margin: float = Field(default=0.1, ge=0, lt=1)

    @model_validator(mode="after")
    def _tier_is_known(self) -> Self:
        if self.tier not in self.thresholds:
            msg = f"tier must be one of {', '.join(sorted(self.thresholds))}"
            raise ValueError(msg)
        if any(bound < 0 for bound in self.thresholds.values()):
            msg = "thresholds must not be negative"
            raise ValueError(msg)
        return self


class LtvTierBuilder:
    """Lifetime-value tiers: the sum of purchase value per contact, banded by thresholds.

    A tier spans from its threshold to the next higher one. A contact enters at the tier's
    threshold and, once a member, leaves only below `threshold * (1 - margin)`; reaching the
    next tier's threshold moves it up at once (it enters the higher tier in the same run).

    Params: `tier` (required), `thresholds` (tier → lower bound; default gold 1000, silver
    500, bronze 100), `event` (default `purchase`), `within_days` (default: all history),
    `currency` (only events in that currency; default: every value, so a store with several
    currencies should set it), `margin` (default 0.1). The score is the contact's total.
    """

    name = "ltv_tier"

    def build(
        self,
        conn: Connection,
        *,
        params: Mapping[str, JsonValue],
        previous: Mapping[int, MemberScore],
        now: dt.datetime,
    ) -> Iterator[MemberScore]:
        """Yield the members of the tier named in `params` (see the class docstring)."""
        options = _parse(_LtvParams, self.name, params)
        low = options.thresholds[options.tier]
        higher = [bound for bound in options.thresholds.values() if bound > low]
        band = Band(low=low, high=min(higher) if higher else None)
        conditions = _window([options.event], now=now, within_days=options.within_days)
        if options.currency is not None:
            conditions.append(events.c.currency == options.currency.upper())
        total = type_coerce(func.coalesce(func.sum(events.c.value), 0), Float)
        candidates = (
            select(events.c.contact_pk, total)
            .where(*conditions)
            .group_by(events.c.contact_pk)
            .having(total >= low * (1 - options.margin))
        )
        for pk, value in conn.execute(candidates):
            if band.admits(value, member=pk in previous, slack_low=low * options.margin):
                yield MemberScore(pk, float(value), options.tier)


# -- Ambassadors -----------------------------------------------------------------------------


class _AmbassadorParams(_Params):
    events: dict[str, float] = Field(
        default_factory=lambda: {"referral": 3.0, "review": 2.0, "share": 1.0}, min_length=1
    )
    at_least: float = Field(default=6.0, gt=0)
    within_days: int | None = Field(default=365, ge=1)
    margin: float = Field(default=0.25, ge=0, lt=1)


class AmbassadorsBuilder:
    """Ambassadors: contacts whose weighted count of referrals, reviews and shares is high.

    Each event counts its weight; a contact enters when the sum over the window reaches
    `at_least` and, once a member, leaves only below `at_least * (1 - margin)`.

    Params: `events` (event name → weight; default referral 3, review 2, share 1), `at_least`
    (default 6), `within_days` (default 365; null for all history), `margin` (default 0.25).
    The score is the weighted count.
    """

    name = "ambassadors"

    def build(
        self,
        conn: Connection,
        *,
        params: Mapping[str, JsonValue],
        previous: Mapping[int, MemberScore],
        now: dt.datetime,
    ) -> Iterator[MemberScore]:
        """Yield the ambassadors (see the class docstring)."""
        options = _parse(_AmbassadorParams, self.name, params)
        weight = case(
            *((events.c.name == name, weight) for name, weight in options.events.items()),
            else_=0.0,
        )
        score = type_coerce(func.sum(weight), Float)
        band = Band(low=options.at_least)
        candidates = (
            select(events.c.contact_pk, score)
            .where(*_window(list(options.events), now=now, within_days=options.within_days))
            .group_by(events.c.contact_pk)
            .having(score >= options.at_least * (1 - options.margin))
        )
        for pk, value in conn.execute(candidates):
            if band.admits(
                value, member=pk in previous, slack_low=options.at_least * options.margin
            ):
                yield MemberScore(pk, float(value), "ambassador")
