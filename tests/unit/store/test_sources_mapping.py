"""Column mappings: targets, automatic mapping, typed values, precise rejections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.core.errors import ConfigError
from freehold.core.models import ConsentState, LifecycleStage, Purpose
from freehold.core.sources import ColumnMapping, ImportKind, SourceRow, Target, parse_target
from freehold.core.store import ContactRecord, EventRecord, Rejection

CONTACTS = ImportKind.CONTACTS
EVENTS = ImportKind.EVENTS


def test_targets_cover_the_contract() -> None:
    assert parse_target("email", CONTACTS) == Target("identifier", "email")
    assert parse_target("attributes.ltv:float", CONTACTS) == Target("attribute", "ltv", "float")
    assert parse_target("consent.ad_targeting", CONTACTS) == Target("consent", "ad_targeting")
    assert parse_target("consent_at", CONTACTS) == Target("consent_at")
    assert parse_target("gclid", EVENTS) == Target("click_id", "gclid")
    assert parse_target("properties.coupon", EVENTS) == Target("property", "coupon")
    for bad, kind in [("consent.spam", CONTACTS), ("gclid", CONTACTS), ("lifecycle", EVENTS)]:
        with pytest.raises(ValueError, match="unknown"):
            parse_target(bad, kind)


def test_a_bad_mapping_lists_every_problem() -> None:
    with pytest.raises(ConfigError) as caught:
        ColumnMapping(CONTACTS, {"Mail": "e-mail", "Tier": "attributes.tier:money", "ok": "phone"})
    assert "'Mail'" in str(caught.value)
    assert "'Tier'" in str(caught.value)
    assert "'ok'" not in str(caught.value)


def test_explicit_columns_win_and_other_target_named_columns_map_themselves() -> None:
    mapping = ColumnMapping(CONTACTS, {"E-mail": "email"})
    assert mapping.target("E-mail") == Target("identifier", "email")
    assert mapping.target("email") is None  # the target is already fed
    assert mapping.target("phone") == Target("identifier", "phone")
    assert mapping.target("shoe size") is None
    assert mapping.ignored == {"email", "shoe size"}
    assert ColumnMapping(CONTACTS, auto=False).target("phone") is None


def _row(**values: object) -> SourceRow:
    return SourceRow(7, values)


def test_a_csv_row_becomes_a_typed_contact_record() -> None:
    mapping = ColumnMapping(CONTACTS, {"Opt-in": "consent.email_marketing", "zip": "postal_code"})
    record = mapping.to_contact(
        _row(
            contact_id=" 42 ",
            email=" Ada@Example.com ",
            zip="01234",
            lifecycle="Customer",
            **{
                "Opt-in": "yes",
                "consent.ad_targeting": "",
                "consent_at": "2024-05-01T10:00:00",
                "attributes.orders": "12",
                "attributes.code": "007",
                "attributes.vip": "true",
                "attributes.ltv:float": "10",
            },
        ),
        text_values=True,
    )
    assert isinstance(record, ContactRecord)
    assert record.contact_id == "42"
    assert record.identifiers == {"email": " Ada@Example.com ", "postal_code": "01234"}
    assert record.lifecycle is LifecycleStage.CUSTOMER
    assert record.consents == {Purpose.EMAIL_MARKETING: ConsentState.GRANTED}
    assert record.consent_at == dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)
    assert record.attributes == {"orders": 12, "code": "007", "vip": True, "ltv": 10.0}
    assert record.row == 7


def test_non_text_sources_keep_their_types_and_spell_numbers_as_identifiers() -> None:
    mapping = ColumnMapping(CONTACTS)
    record = mapping.to_contact(
        _row(phone=33612345678, date_of_birth=dt.date(1990, 2, 3), **{"attributes.score": 4.5}),
        text_values=False,
    )
    assert isinstance(record, ContactRecord)
    assert record.identifiers == {"phone": "33612345678", "date_of_birth": "1990-02-03"}
    assert record.attributes == {"score": 4.5}


def test_every_bad_cell_is_a_rejection_naming_the_column_never_the_value() -> None:
    mapping = ColumnMapping(CONTACTS)
    out = mapping.to_contact(
        _row(
            email="ada@example.com",
            lifecycle="vip-secret",
            **{"consent.email_marketing": "maybe-secret", "consent_at": "yesterday-secret"},
        ),
        text_values=True,
    )
    assert isinstance(out, list)
    assert {(r.row, r.field) for r in out} == {
        (7, "lifecycle"),
        (7, "consent.email_marketing"),
        (7, "consent_at"),
    }
    assert all("secret" not in r.reason for r in out)


def test_an_unreadable_row_is_rejected_with_its_reason() -> None:
    mapping = ColumnMapping(CONTACTS)
    assert mapping.to_contact(SourceRow(3, {}, "not valid JSON"), text_values=False) == [
        Rejection(3, None, "not valid JSON")
    ]


def test_an_event_row_is_validated_as_an_event() -> None:
    mapping = ColumnMapping(EVENTS, {"ts": "occurred_at", "amount": "value"})
    record = mapping.to_event(
        _row(
            event_id="o-1",
            name="purchase",
            ts="2024-03-01T09:00:00+01:00",
            amount="19.90",
            currency="eur",
            email="Ada@example.com",
            gclid="abc",
            items='[{"item_id": "sku-1", "quantity": 2}]',
            **{"properties.coupon": "SPRING"},
        ),
        text_values=True,
    )
    assert isinstance(record, EventRecord)
    assert record.occurred_at == dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)
    assert record.value == Decimal("19.90")
    assert record.currency == "EUR"
    assert record.identifiers == {"email": "Ada@example.com"}
    assert record.click_ids == {"gclid": "abc"}
    assert record.items == [{"item_id": "sku-1", "quantity": 2}]
    assert record.properties == {"coupon": "SPRING"}


def test_event_rejections_name_the_file_columns() -> None:
    mapping = ColumnMapping(EVENTS, {"ts": "occurred_at", "amount": "value"})
    out = mapping.to_event(_row(name="purchase", ts="2024-03-01", amount="12"), text_values=True)
    assert isinstance(out, list)
    assert [(r.row, r.field, r.reason) for r in out] == [(7, "event_id", "event_id is required")]
    no_currency = mapping.to_event(
        _row(event_id="e", name="purchase", ts="2024-03-01", amount="12"), text_values=True
    )
    assert isinstance(no_currency, list)
    assert [(r.field, r.reason) for r in no_currency] == [
        (None, "currency is required when value is set")
    ]
    bad = mapping.to_event(
        _row(event_id="e", name="x", ts="2024-03-01", amount="lots", currency="EUR"),
        text_values=True,
    )
    assert isinstance(bad, list)
    assert [r.field for r in bad] == ["amount"]
    assert "lots" not in bad[0].reason
