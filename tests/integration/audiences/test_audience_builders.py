"""The built-in computed audiences: RFM segments, lifetime-value tiers, ambassadors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from freehold.core.audiences import AudienceBuilder, MemberScore, compute_audience
from freehold.core.config import AudienceConfig
from freehold.core.errors import ConfigError
from freehold.core.store.schema import audience_members, audiences, contacts
from freehold.plugins.builtin.audiences import RfmSegment, freehold_register_audience_builders

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def builders() -> dict[str, AudienceBuilder]:
    found: dict[str, AudienceBuilder] = {}
    freehold_register_audience_builders(register=found.__setitem__)
    return found


def test_the_plugin_registers_three_builders_following_the_protocol(builders) -> None:
    assert sorted(builders) == ["ambassadors", "ltv_tier", "rfm"]
    for name, builder in builders.items():
        assert isinstance(builder, AudienceBuilder)
        assert builder.name == name


def build(store, builder, params, *, previous=None, now=NOW) -> dict[int, MemberScore]:
    with store.engine.connect() as conn:
        members = builder.build(conn, params=params, previous=previous or {}, now=now)
        return {member.contact_pk: member for member in members}


def members_of(store, key: str) -> dict[str, tuple[float | None, str | None]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(contacts.c.contact_id, audience_members.c.score, audience_members.c.segment)
            .join(audience_members, audience_members.c.contact_pk == contacts.c.pk)
            .join(audiences, audiences.c.pk == audience_members.c.audience_pk)
            .where(audiences.c.key == key)
        )
        return {contact_id: (score, segment) for contact_id, score, segment in rows}


# -- RFM -------------------------------------------------------------------------------------


@pytest.fixture
def ladder(seed) -> list[int]:
    """Eleven buyers c0..c10 whose recency, frequency and monetary ranks are all i/10."""
    pks = [seed.contact(f"c{i}") for i in range(11)]
    seed.events(
        [(pk, "purchase", 100 - 10 * i + k, 10) for i, pk in enumerate(pks) for k in range(i + 1)]
    )
    seed.event(pks[0], "page_view", days_ago=0)
    return pks


def test_rfm_places_every_buyer_in_exactly_one_segment(store, ladder, builders) -> None:
    placed: dict[int, str] = {}
    for segment in RfmSegment:
        for pk in build(store, builders["rfm"], {"segment": segment.value}):
            assert pk not in placed, f"{pk} in {placed.get(pk)} and {segment}"
            placed[pk] = segment.value
    assert set(placed) == set(ladder)
    by_index = [placed[pk] for pk in ladder]
    assert by_index == [
        "hibernating",
        "hibernating",
        "hibernating",
        "hibernating",
        "need_attention",
        "need_attention",
        "loyal",
        "loyal",
        "champions",
        "champions",
        "champions",
    ]


def test_rfm_scores_are_rfm_cells(store, ladder, builders) -> None:
    champions = build(store, builders["rfm"], {"segment": "champions"})
    assert champions[ladder[10]] == MemberScore(ladder[10], 555.0, "champions")
    assert champions[ladder[8]].score == 555.0


def test_rfm_keeps_a_member_within_the_margin_and_refuses_a_newcomer(
    store, ladder, builders
) -> None:
    params = {"segment": "champions", "margin": 0.15}
    c7 = ladder[7]  # ranks 0.7: one step below the champions' recency edge (0.8)
    assert c7 not in build(store, builders["rfm"], params)
    kept = build(store, builders["rfm"], params, previous={c7: MemberScore(c7, 555.0, "champions")})
    assert c7 in kept
    c6 = ladder[6]  # ranks 0.6: past the margin, leaves
    left = build(store, builders["rfm"], params, previous={c6: MemberScore(c6, 555.0, "champions")})
    assert c6 not in left


def test_rfm_window_and_event_name_are_params(store, ladder, builders) -> None:
    recent = build(store, builders["rfm"], {"segment": "champions", "within_days": 45})
    # only c6..c10 bought within 45 days; c10 stays on top
    assert ladder[10] in recent
    assert not set(ladder[:6]) & set(recent)
    assert build(store, builders["rfm"], {"segment": "champions", "event": "refund"}) == {}


def test_rfm_refuses_an_unknown_segment(store, builders) -> None:
    with pytest.raises(ConfigError, match=r"builder 'rfm': segment"):
        build(store, builders["rfm"], {"segment": "vip"})
    with pytest.raises(ConfigError, match=r"builder 'rfm': colour: Extra inputs"):
        build(store, builders["rfm"], {"segment": "new", "colour": "red"})


# -- Lifetime-value tiers --------------------------------------------------------------------


@pytest.fixture
def spenders(seed) -> dict[str, int]:
    pks = {}
    for contact_id, total in [("g", 1200), ("s", 600), ("edge", 980), ("b", 150), ("n", 50)]:
        pk = seed.contact(contact_id)
        seed.event(pk, "purchase", days_ago=30, value=total / 2)
        seed.event(pk, "purchase", days_ago=400, value=total / 2)
        pks[contact_id] = pk
    usd = seed.contact("usd")
    seed.event(usd, "purchase", days_ago=3, value=5000, currency="USD")
    pks["usd"] = usd
    return pks


def ids(store, members: dict[int, MemberScore]) -> set[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(contacts.c.contact_id).where(contacts.c.pk.in_(list(members))))
        return set(rows.scalars())


def test_ltv_tiers_band_total_purchase_value(store, spenders, builders) -> None:
    ltv = builders["ltv_tier"]
    eur = {"currency": "eur"}
    assert ids(store, build(store, ltv, {"tier": "gold", **eur})) == {"g"}
    assert ids(store, build(store, ltv, {"tier": "silver", **eur})) == {"s", "edge"}
    assert ids(store, build(store, ltv, {"tier": "bronze", **eur})) == {"b"}
    assert ids(store, build(store, ltv, {"tier": "gold"})) == {"g", "usd"}
    gold = build(store, ltv, {"tier": "gold", **eur})
    assert gold[spenders["g"]] == MemberScore(spenders["g"], 1200.0, "gold")
    recent = build(store, ltv, {"tier": "bronze", "within_days": 365, **eur})
    assert ids(store, recent) == {"s", "edge"}  # the last year only: s 300, edge 490


def test_ltv_custom_thresholds(store, spenders, builders) -> None:
    params = {"tier": "top", "thresholds": {"top": 900, "rest": 0}, "currency": "EUR"}
    assert ids(store, build(store, builders["ltv_tier"], params)) == {"g", "edge"}


def test_ltv_member_stays_until_below_the_margin_and_promotion_is_immediate(
    store, seed, builders
) -> None:
    pk = seed.contact("x")
    seed.event(pk, "purchase", days_ago=10, value=1050)
    gold = AudienceConfig(builder="ltv_tier", params={"tier": "gold"})
    silver = AudienceConfig(builder="ltv_tier", params={"tier": "silver"})

    def run() -> tuple[bool, bool]:
        compute_audience(store, "gold", gold, builders=builders, now=NOW)
        compute_audience(store, "silver", silver, builders=builders, now=NOW)
        return "x" in members_of(store, "gold"), "x" in members_of(store, "silver")

    assert run() == (True, False)
    seed.event(pk, "purchase", days_ago=5, value=-100)  # 950: within 10 % of gold's 1000
    assert run() == (True, True)
    assert members_of(store, "gold")["x"] == (950.0, "gold")
    seed.event(pk, "purchase", days_ago=4, value=-100)  # 850: below 900, leaves gold
    assert run() == (False, True)
    seed.event(pk, "purchase", days_ago=3, value=160)  # 1010: promoted, leaves silver at once
    assert run() == (True, False)


def test_ltv_refuses_a_tier_without_threshold(store, builders) -> None:
    with pytest.raises(ConfigError, match="tier must be one of bronze, gold, silver"):
        build(store, builders["ltv_tier"], {"tier": "platinum"})
    with pytest.raises(ConfigError, match="thresholds must not be negative"):
        build(store, builders["ltv_tier"], {"tier": "a", "thresholds": {"a": -1}})


# -- Ambassadors -----------------------------------------------------------------------------


def test_ambassadors_weigh_referrals_reviews_and_shares_with_hysteresis(
    store, seed, builders
) -> None:
    a = seed.contact("a")
    seed.event(a, "referral", days_ago=10)
    seed.event(a, "review", days_ago=20)
    seed.event(a, "share", days_ago=300)  # 3 + 2 + 1 = 6: enters
    b = seed.contact("b")
    seed.event(b, "referral", days_ago=10)
    seed.event(b, "review", days_ago=20)  # 5: not enough to enter
    seed.event(b, "purchase", days_ago=1, value=10)
    config = AudienceConfig(builder="ambassadors")

    compute_audience(store, "amb", config, builders=builders, now=NOW)
    assert members_of(store, "amb") == {"a": (6.0, "ambassador")}

    later = NOW + dt.timedelta(days=70)  # a's share leaves the window: 5, within the margin
    compute_audience(store, "amb", config, builders=builders, now=later)
    assert members_of(store, "amb") == {"a": (5.0, "ambassador")}

    much_later = NOW + dt.timedelta(days=350)  # a's review leaves too: 3, below 4.5
    result = compute_audience(store, "amb", config, builders=builders, now=much_later)
    assert (result.members, result.removed) == (0, 1)


def test_ambassadors_params(store, seed, builders) -> None:
    a = seed.contact("a")
    seed.event(a, "share", days_ago=500)
    params = {"events": {"share": 1}, "at_least": 1, "within_days": None}
    assert set(build(store, builders["ambassadors"], params)) == {a}
    with pytest.raises(ConfigError, match=r"builder 'ambassadors': at_least"):
        build(store, builders["ambassadors"], {"at_least": 0})
