"""`where:` audiences compile to one SQL query that holds on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from freehold.core.audiences import compile_filter
from freehold.core.config import AudienceFilter
from freehold.core.errors import ConfigError
from freehold.core.store.schema import contacts

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)  # the seed fixture's reference time


def members(store, where: dict) -> set[str]:
    query = compile_filter(AudienceFilter.model_validate(where), now=NOW)
    with store.engine.connect() as conn:
        pks = conn.execute(query).scalars().all()
        ids = conn.execute(select(contacts.c.contact_id).where(contacts.c.pk.in_(pks)))
        return set(ids.scalars())


def test_lifecycle_and_granted_consent_must_both_hold(store, seed) -> None:
    seed.contact("a", lifecycle="customer", consents={"ad_targeting": "granted"})
    seed.contact("b", lifecycle="customer", consents={"ad_targeting": "denied"})
    seed.contact("c", lifecycle="prospect", consents={"ad_targeting": "granted"})
    seed.contact("d", lifecycle="customer")
    seed.contact("e", lifecycle="fan", consents={"ad_targeting": "granted", "analytics": "unknown"})
    where = {"lifecycle": ["customer", "fan"], "consent": ["ad_targeting"]}
    assert members(store, where) == {"a", "e"}
    assert members(store, {"consent": ["ad_targeting", "analytics"]}) == set()


def test_an_empty_filter_selects_everyone(store, seed) -> None:
    seed.contact("a")
    seed.contact("b", lifecycle="fan")
    assert members(store, {}) == {"a", "b"}


@pytest.fixture
def typed(seed) -> object:
    seed.contact("n10", attrs={"score": 10, "tier": "gold", "vip": True, "joined": "2024-05-01"})
    seed.contact("n2", attrs={"score": 2.5, "tier": "silver", "vip": False, "joined": "2025-01-10"})
    seed.contact("s10", attrs={"score": "10", "tier": "GOLD"})
    seed.contact("null", attrs={"score": None, "tier": None})
    seed.contact("none")
    return seed


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"score": 10}, {"n10"}),
        ({"score": "10"}, {"s10"}),
        ({"tier": "gold"}, {"n10"}),
        ({"vip": True}, {"n10"}),
        ({"vip": False}, {"n2"}),
        ({"score": {"gt": 2.5}}, {"n10"}),
        ({"score": {"gte": 2.5}}, {"n10", "n2"}),
        ({"score": {"gt": 1, "lt": 5}}, {"n2"}),
        ({"score": {"lte": 10, "ne": 10}}, {"n2"}),
        ({"tier": {"in": ["gold", "silver"]}}, {"n10", "n2"}),
        ({"tier": {"in": ["silver", None]}}, {"n2", "null", "none"}),
        ({"tier": {"not_in": ["gold", "silver"]}}, {"s10", "null", "none"}),
        ({"tier": {"not_in": ["gold", None]}}, {"n2", "s10"}),
        ({"tier": {"ne": "gold"}}, {"n2", "s10", "null", "none"}),
        ({"tier": None}, {"null", "none"}),
        ({"tier": {"eq": None}}, {"null", "none"}),
        ({"tier": {"ne": None}}, {"n10", "n2", "s10"}),
        ({"joined": {"gte": "2025-01-01"}}, {"n2"}),
        ({"score": {"in": [10, "10"]}}, {"n10", "s10"}),
        ({"score": 10, "tier": "gold"}, {"n10"}),
    ],
)
def test_attribute_comparisons_respect_json_types(store, typed, attrs, expected) -> None:
    assert members(store, {"attributes": attrs}) == expected


def test_dates_compare_as_iso_text(store, typed) -> None:
    where = AudienceFilter(attributes={"joined": {"lt": dt.date(2025, 1, 1)}})
    with store.engine.connect() as conn:
        pks = set(conn.execute(compile_filter(where, now=NOW)).scalars())
    assert len(pks) == 1


def test_ordering_a_boolean_is_a_config_error_naming_the_attribute() -> None:
    with pytest.raises(ConfigError, match=r"attributes\.vip\.gt"):
        compile_filter(
            AudienceFilter.model_validate({"attributes": {"vip": {"gt": True}}}), now=NOW
        )


@pytest.fixture
def shoppers(seed) -> object:
    recent = seed.contact("recent")
    seed.event(recent, "purchase", days_ago=5, value=40)
    seed.event(recent, "purchase", days_ago=10, value=70)
    lapsed = seed.contact("lapsed")
    seed.event(lapsed, "purchase", days_ago=200, value=500)
    once = seed.contact("once")
    seed.event(once, "purchase", days_ago=1, value=15)
    seed.event(once, "add_to_cart", days_ago=1)
    future = seed.contact("future")
    seed.event(future, "purchase", days_ago=-3, value=999)
    seed.contact("never")
    seed.event(None, "purchase", days_ago=1, value=1)  # anonymous: never anyone's
    return seed


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ([{"did": "purchase"}], {"recent", "lapsed", "once"}),
        ([{"did": "purchase", "within_days": 30}], {"recent", "once"}),
        ([{"did_not": "purchase"}], {"future", "never"}),
        ([{"did_not": "purchase", "within_days": 30}], {"lapsed", "future", "never"}),
        ([{"did": "purchase"}, {"did_not": "purchase", "within_days": 180}], {"lapsed"}),
        ([{"did": "purchase", "count_at_least": 2}], {"recent"}),
        ([{"did": "purchase", "sum_at_least": "100"}], {"recent", "lapsed"}),
        ([{"did": "purchase", "within_days": 30, "sum_at_least": 100}], {"recent"}),
        ([{"did": "purchase", "within_days": 30, "sum_at_least": 111}], set()),
        ([{"did": "add_to_cart"}, {"did": "purchase", "within_days": 7}], {"once"}),
    ],
)
def test_behaviour_rules_count_events_up_to_now(store, shoppers, rules, expected) -> None:
    assert members(store, {"behaviour": rules}) == expected


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compile_filter(AudienceFilter(), now=NOW.replace(tzinfo=None))
