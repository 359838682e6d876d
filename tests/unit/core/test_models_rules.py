"""Neutral models validate strictly, stay frozen, and never echo personal values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from freehold.core.capabilities import ErasureRequest, ExportedMember
from freehold.core.models import (
    Audience,
    AudienceRef,
    Budget,
    Campaign,
    CampaignStatus,
    Channel,
    ClickIds,
    Consent,
    ConsentState,
    Contact,
    EmailContent,
    EmailStatus,
    Event,
    Identifiers,
    LifecycleStage,
    Member,
    Outcome,
    OutcomeStatus,
    Purpose,
)

EMAIL = "ann.lovelace@example.com"
PHONE = "+33612345678"
NOW = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)


def contact() -> Contact:
    return Contact(
        contact_id="c-1",
        identifiers=Identifiers(email=EMAIL, phone=PHONE, first_name="Ann", country="fr"),
        attributes={"plan": "gold"},
        lifecycle=LifecycleStage.CUSTOMER,
        consents={
            Purpose.EMAIL_MARKETING: Consent(
                purpose=Purpose.EMAIL_MARKETING, state=ConsentState.GRANTED, at=NOW, source="form"
            )
        },
    )


def test_validation_errors_name_the_field_but_never_show_the_value() -> None:
    with pytest.raises(ValidationError) as caught:
        Identifiers(email=EMAIL, country=EMAIL)
    text = str(caught.value)
    assert "country" in text
    assert EMAIL not in text
    assert "ann.lovelace" not in repr(caught.value.errors(include_input=False))


def test_an_unknown_field_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError, match="Extra inputs") as caught:
        Identifiers.model_validate({"email": EMAIL, "mail": EMAIL})
    assert "mail" in str(caught.value)
    assert EMAIL not in str(caught.value)


@pytest.mark.parametrize(("raw", "code"), [("fr", "FR"), (" GB ", "GB"), ("us", "US")])
def test_country_codes_are_iso_and_upper_case(raw, code) -> None:
    assert Identifiers(country=raw).country == code


@pytest.mark.parametrize("raw", ["FRA", "XX", "UK", "", "france"])
def test_unknown_country_codes_are_refused(raw) -> None:
    with pytest.raises(ValidationError, match="ISO 3166-1"):
        Identifiers(country=raw)


def test_currency_codes_are_iso_4217() -> None:
    assert Budget(amount=Decimal("12.50"), currency="eur").currency == "EUR"
    with pytest.raises(ValidationError, match="ISO 4217"):
        Budget(amount=Decimal(1), currency="EURO")
    with pytest.raises(ValidationError, match="amount"):
        Budget(amount=Decimal(0), currency="EUR")


def test_times_must_be_timezone_aware() -> None:
    naive = dt.datetime(2026, 5, 4, 12, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValidationError, match="occurred_at"):
        Event(event_id="e1", name="purchase", occurred_at=naive)
    with pytest.raises(ValidationError, match="at"):
        Consent(purpose=Purpose.ANALYTICS, state=ConsentState.DENIED, at=naive, source="x")


def test_models_are_frozen() -> None:
    person = contact()
    with pytest.raises(ValidationError, match="frozen"):
        person.contact_id = "c-2"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        person.identifiers.email = "x@example.com"  # type: ignore[misc]
    member = Member(key="k", identifiers={"email": "h"})
    with pytest.raises(AttributeError):
        member.key = "other"  # type: ignore[misc]


def test_reprs_show_which_fields_exist_never_their_values() -> None:
    person = contact()
    event = Event(
        event_id="e1",
        name="purchase",
        occurred_at=NOW,
        identifiers=person.identifiers,
        value=Decimal("9.99"),
        currency="EUR",
        client_ip="203.0.113.9",
        user_agent="Mozilla/5.0",
    )
    member = Member(
        key="row-1", identifiers={"email": EMAIL, "phone": PHONE}, attributes={"first_name": "Ann"}
    )
    shown = [
        repr(person),
        str(person),
        repr(person.identifiers),
        repr(event),
        str(event),
        repr(member),
        str(member),
        repr(ErasureRequest(key="c-1", identifiers={"email": EMAIL})),
        repr(ExportedMember(email=EMAIL, status="subscribed", fields={"first_name": "Ann"})),
    ]
    for text in shown:
        for value in (EMAIL, PHONE, "Ann", "203.0.113.9", "Mozilla"):
            assert value not in text, text
    assert "email" in repr(person)
    assert "row-1" in repr(member)
    assert "ExportedMember" in str(ExportedMember(status="cleaned"))


def test_identifiers_list_what_is_present() -> None:
    assert contact().identifiers.present() == ["email", "phone", "first_name", "country"]
    assert Identifiers().present() == []


def test_consent_state_is_unknown_until_said() -> None:
    person = contact()
    assert person.consent_state(Purpose.EMAIL_MARKETING) is ConsentState.GRANTED
    assert person.consent_state(Purpose.AD_TARGETING) is ConsentState.UNKNOWN


def test_an_event_value_needs_a_currency() -> None:
    with pytest.raises(ValidationError, match="currency is required"):
        Event(event_id="e1", name="purchase", occurred_at=NOW, value=Decimal(10))
    event = Event(event_id="e1", name="custom_thing", occurred_at=NOW)
    assert event.click_ids == ClickIds()
    assert event.action_source == "web"


@pytest.mark.parametrize("event_id", ["", "x" * 256])
def test_event_ids_are_bounded(event_id) -> None:
    with pytest.raises(ValidationError, match="event_id"):
        Event(event_id=event_id, name="purchase", occurred_at=NOW)


@pytest.mark.parametrize("key", ["VIP", "-vip", "vip customers", "a" * 65, ""])
def test_audience_keys_are_slugs(key) -> None:
    with pytest.raises(ValidationError, match="key"):
        Audience(key=key, name="VIP")


def test_audience_defaults_and_refs() -> None:
    audience = Audience(key="vip_1", name="VIP")
    assert audience.mode == "add_only"
    ref = AudienceRef(key="vip_1", vendor_id="123", name="VIP", details={"tag": 4})
    assert ref.model_dump()["details"] == {"tag": 4}


def test_email_campaigns_need_content_and_schedules_run_forward() -> None:
    with pytest.raises(ValidationError, match="needs email content"):
        Campaign(key="c", name="Spring", channel=Channel.EMAIL)
    with pytest.raises(ValidationError, match="ends_at must be after starts_at"):
        Campaign(key="c", name="Spring", channel=Channel.SOCIAL, starts_at=NOW, ends_at=NOW)
    content = EmailContent(subject="Hi", from_name="Shop", from_email="shop@example.com", html="x")
    campaign = Campaign(key="c", name="Spring", channel=Channel.EMAIL, email=content)
    assert campaign.status is CampaignStatus.PAUSED


def test_email_content_addresses_are_validated_without_echo() -> None:
    with pytest.raises(ValidationError, match="from_email") as caught:
        EmailContent(subject="Hi", from_name="Shop", from_email="not-an-address", html="x")
    assert "not-an-address" not in str(caught.value)


def test_outcome_constructors_set_the_status() -> None:
    assert Outcome.accepted("k", vendor_ref="p1").status is OutcomeStatus.ACCEPTED
    rejected = Outcome.rejected("k", "invalid email", code="E1")
    assert (rejected.status, rejected.reason, rejected.code) == ("rejected", "invalid email", "E1")
    assert Outcome.retriable("k", "busy").status is OutcomeStatus.RETRIABLE
    assert Outcome.pending("k", vendor_ref="job").vendor_ref == "job"


def test_email_status_words() -> None:
    assert [s.value for s in EmailStatus] == ["subscribed", "unsubscribed", "pending"]
