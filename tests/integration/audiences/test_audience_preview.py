"""preview: member count, a masked sample, and per destination the share it could match."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import ClassVar

import pytest

from freehold.core.audiences import AudienceKind, MemberScore, compute_audience, preview
from freehold.core.capabilities import AudienceSync, EventDelivery
from freehold.core.config import AudienceConfig
from freehold.plugins.builtin.audiences import freehold_register_audience_builders

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


class Ads(AudienceSync):  # abstract: only its class attributes are read
    name = "ads"
    identity_profile: ClassVar[str] = "meta"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset(
        {"email", "phone", "first_name", "last_name"}
    )


class Mail(AudienceSync):
    name = "mail"
    identity_profile: ClassVar[str] = "email"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset({"email"})


class Search(AudienceSync):
    name = "search"
    identity_profile: ClassVar[str] = "microsoft"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset(
        {"email", "phone", "external_id", "mobile_ad_id"}
    )


class Conversions(EventDelivery):
    name = "conversions"


DESTINATIONS = {"social_ads": Ads, "email": Mail, "capi": Conversions}


@pytest.fixture
def people(seed) -> dict[str, int]:
    pks = {
        "both": seed.contact(
            "both", lifecycle="customer", email="john.doe@example.com", phone="+33612345678"
        ),
        "mail": seed.contact("mail", lifecycle="customer", email="ann@example.org"),
        "phone": seed.contact("phone", lifecycle="customer", phone="+14155550123"),
        "none": seed.contact("none", lifecycle="customer", external_id=None),
        "other": seed.contact("other", lifecycle="fan", email="zed@example.com"),
    }
    for pk in pks.values():
        seed.event(pk, "referral", days_ago=1)
        seed.event(pk, "referral", days_ago=2)
    return pks


def builders():
    found = {}
    freehold_register_audience_builders(register=found.__setitem__)
    return found


def definitions(tmp_path) -> dict[str, AudienceConfig]:
    (tmp_path / "list.csv").write_text("contact_id\nboth\nmail\nphone\nnone\nghost\n")
    return {
        "where": AudienceConfig(where={"lifecycle": ["customer"]}),
        "sql": AudienceConfig(
            sql="SELECT contact_id FROM contacts WHERE lifecycle = 'customer' "
            "UNION ALL SELECT 'ghost'"
        ),
        "file": AudienceConfig(file="list.csv"),
        "builder": AudienceConfig(
            builder="ambassadors", params={"events": {"referral": 1}, "at_least": 2}
        ),
    }


@pytest.mark.parametrize("kind", ["where", "sql", "file"])
def test_preview_works_for_every_definition_kind(store, people, tmp_path, kind) -> None:
    config = definitions(tmp_path)[kind]
    result = preview(
        store, "k", config, DESTINATIONS, builders=builders(), now=NOW, base_dir=tmp_path
    )
    assert result.kind is AudienceKind(kind)
    assert result.members == 4
    assert result.unresolved == (0 if kind == "where" else 1)
    assert [m.contact_id for m in result.sample] == ["both", "mail", "phone", "none"]
    coverage = {c.destination: c for c in result.destinations}
    assert coverage["social_ads"].fields == ("email", "phone")
    assert coverage["social_ads"].profile == "meta"
    assert (coverage["social_ads"].usable, coverage["social_ads"].share) == (3, 0.75)
    assert (coverage["email"].usable, coverage["email"].share) == (2, 0.5)
    assert coverage["capi"].profile is None
    assert coverage["capi"].share is None


def test_preview_of_a_builder_audience_uses_the_stored_membership(store, people, tmp_path) -> None:
    config = definitions(tmp_path)["builder"]
    result = preview(store, "amb", config, DESTINATIONS, builders=builders(), now=NOW)
    assert result.kind is AudienceKind.BUILDER
    assert result.members == 5
    assert {m.segment for m in result.sample} == {"ambassador"}
    assert {m.score for m in result.sample} == {2.0}
    assert next(c for c in result.destinations if c.destination == "email").usable == 3

    compute_audience(store, "amb", config, builders=builders(), now=NOW)
    shrunk = AudienceConfig(
        builder="ambassadors",
        params={"events": {"referral": 1}, "at_least": 2.5, "margin": 0.25},
    )
    # 2 is below the new threshold, but members within the margin stay
    assert preview(store, "amb", shrunk, {}, builders=builders(), now=NOW).members == 5
    assert preview(store, "new", shrunk, {}, builders=builders(), now=NOW).members == 0


def test_preview_never_shows_a_raw_identifier(store, people, tmp_path) -> None:
    config = definitions(tmp_path)["where"]
    result = preview(store, "k", config, DESTINATIONS, now=NOW)
    first = result.sample[0]
    assert (first.email, first.phone) == ("j***@e***.com", "***78")
    text = json.dumps(dataclasses.asdict(result))
    for raw in ("john.doe", "example.com", "ann@", "612345678", "4155550123"):
        assert raw not in text


def test_preview_writes_nothing_and_honours_the_sample_size(store, people, tmp_path) -> None:
    config = definitions(tmp_path)["where"]
    result = preview(store, "k", config, {}, sample=2, now=NOW)
    assert (result.members, len(result.sample)) == (4, 2)
    assert preview(store, "k", config, {}, sample=0, now=NOW).sample == ()
    again = compute_audience(store, "k", config, builders={}, now=NOW)
    assert again.added == 4  # the previews stored nothing


def test_preview_of_an_empty_audience(store, people) -> None:
    result = preview(store, "k", AudienceConfig(where={"lifecycle": ["suspect"]}), DESTINATIONS)
    assert result.members == 0
    assert result.sample == ()
    assert all(c.share is None and c.usable == 0 for c in result.destinations)


def test_hashed_fields_need_the_profiles_digest_and_clear_fields_a_normalized_value(
    store, seed
) -> None:
    seed.contact("meta-only", lifecycle="fan", email="a@example.com", digest_profiles=("meta",))
    seed.contact("ext", lifecycle="fan", external_id="crm-1")
    seed.contact("nothing", lifecycle="fan", email="b@example.com", digest_profiles=())
    result = preview(
        store,
        "k",
        AudienceConfig(where={"lifecycle": ["fan"]}),
        {"ads": Ads, "search": Search, "email": Mail},
    )
    coverage = {c.destination: c for c in result.destinations}
    assert coverage["ads"].usable == 1  # meta digest of meta-only
    # microsoft: hashed email (no microsoft digest here), clear external_id; no mobile_ad_id
    assert coverage["search"].fields == ("email", "external_id", "phone")
    assert coverage["search"].usable == 1
    assert coverage["email"].usable == 2  # normalized emails, clear


def test_member_score_defaults() -> None:
    assert MemberScore(3) == MemberScore(3, None, None)
