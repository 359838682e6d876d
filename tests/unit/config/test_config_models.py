"""The config models validate what freehold.yaml may say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import SecretStr, ValidationError

from freehold.core.config import (
    AudienceConfig,
    AudienceFilter,
    BehaviourRule,
    Comparison,
    DestinationConfig,
    EventRoute,
    ImportKind,
    ImportMapping,
    ProjectConfig,
    SyncSettings,
)
from freehold.core.connector import ConnectorConfig


def _message(exc_info) -> str:
    return " | ".join(error["msg"] for error in exc_info.value.errors())


def test_comparison_accepts_in_by_alias_and_tracks_given_operators():
    comparison = Comparison.model_validate({"in": ["FR", "BE"], "eq": None})
    assert comparison.in_ == ["FR", "BE"]
    assert comparison.model_fields_set == {"in_", "eq"}
    assert Comparison(gte=dt.date(2024, 1, 1)).gte == dt.date(2024, 1, 1)


def test_comparison_needs_an_operator():
    with pytest.raises(ValidationError) as caught:
        Comparison.model_validate({})
    assert "give at least one of eq, ne, gt, gte, lt, lte, in, not_in" in _message(caught)


def test_attribute_tests_are_scalars_or_comparisons():
    where = AudienceFilter.model_validate(
        {"attributes": {"vip": True, "age": {"gt": 30}, "city": None, "score": 1.5}}
    )
    assert where.attributes["vip"] is True
    assert isinstance(where.attributes["age"], Comparison)
    assert where.attributes["city"] is None
    with pytest.raises(ValidationError) as caught:
        AudienceFilter.model_validate({"attributes": {"tags": ["a"]}})
    assert _message(caught) == "Value error, expected a string, number, boolean or date"


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ({}, "give exactly one of did, did_not"),
        ({"did": "purchase", "did_not": "refund"}, "give exactly one of did, did_not"),
        ({"did_not": "purchase", "count_at_least": 2}, "apply to did, not did_not"),
        ({"did": "purchase", "within_days": 0}, "greater than or equal to 1"),
    ],
)
def test_behaviour_rules_are_checked(rule, error):
    with pytest.raises(ValidationError) as caught:
        BehaviourRule.model_validate(rule)
    assert error in _message(caught)


def test_behaviour_rule_sums_are_exact():
    rule = BehaviourRule(did="purchase", sum_at_least="500.10", within_days=365)
    assert rule.sum_at_least == Decimal("500.10")


@pytest.mark.parametrize(
    ("audience", "error"),
    [
        ({}, "found: none"),
        ({"sql": "select 1", "file": "a.csv"}, "found: sql, file"),
        ({"sql": "select 1", "params": {"k": 1}}, "params apply only to a builder audience"),
        ({"sql": "select 1", "membership_days": 0}, "greater than or equal to 1"),
    ],
)
def test_audiences_need_exactly_one_definition(audience, error):
    with pytest.raises(ValidationError) as caught:
        AudienceConfig.model_validate(audience)
    assert error in _message(caught)


def test_a_builder_audience_takes_params():
    audience = AudienceConfig(builder="rfm", params={"segments": ["champions"]}, to=["ads"])
    assert audience.params == {"segments": ["champions"]}
    assert audience.mode == "add_only"


@pytest.mark.parametrize(
    ("kind", "columns", "bad"),
    [
        (
            "contacts",
            {
                "id": "contact_id",
                "mail": "email",
                "tel": "phone",
                "dob": "date_of_birth",
                "stage": "lifecycle",
                "plan": "attributes.plan",
                "nl": "consent.email_marketing",
                "when": "consent_at",
                "src": "consent_source",
            },
            None,
        ),
        ("contacts", {"x": "consent.spam", "y": "attributes.", "z": "gclid"}, "'x', 'y', 'z'"),
        (
            "events",
            {
                "id": "event_id",
                "n": "name",
                "t": "occurred_at",
                "g": "gclid",
                "p": "properties.sku",
            },
            None,
        ),
        ("events", {"x": "lifecycle", "y": "properties"}, "'x', 'y'"),
    ],
)
def test_import_mappings_know_their_targets(kind, columns, bad):
    if bad is None:
        assert ImportMapping(kind=ImportKind(kind), columns=columns).columns == columns
        return
    with pytest.raises(ValidationError) as caught:
        ImportMapping.model_validate({"kind": kind, "columns": columns})
    assert f"unknown {kind} target for column(s) {bad}" in _message(caught)


def test_names_event_routes_and_sync_are_bounded():
    with pytest.raises(ValidationError, match="lowercase letters"):
        ProjectConfig.model_validate({"audiences": {"VIP Customers": {"sql": "select 1"}}})
    with pytest.raises(ValidationError):
        EventRoute(to=[])
    with pytest.raises(ValidationError):
        SyncSettings(max_removal_share=1.5)


def test_destination_settings_serialize_as_their_connector_config():
    class MailConfig(ConnectorConfig):
        api_key: SecretStr
        list_id: str

    destination = DestinationConfig(
        connector="mail", settings=MailConfig(api_key=SecretStr("k-123456"), list_id="abc")
    )
    dumped = destination.model_dump(mode="json")
    assert dumped["settings"]["list_id"] == "abc"
    assert dumped["settings"]["api_key"] == "**********"
    assert "k-123456" not in repr(destination)


def test_project_defaults():
    config = ProjectConfig()
    assert config.store == "sqlite:///freehold.db"
    assert (config.destinations, config.audiences, config.events, config.imports) == (
        {},
        {},
        {},
        {},
    )
