"""The consent gate and the email-role rules of `freehold.core.consent`."""

from __future__ import annotations

import datetime as dt

import pytest

from freehold.core.consent import (
    DropReason,
    consent_drop_reason,
    email_status_for,
    narrow,
)
from freehold.core.models import Consent, ConsentState, Contact, EmailStatus, Purpose


@pytest.mark.parametrize(
    ("state", "send_unknown", "expected"),
    [
        (ConsentState.GRANTED, False, None),
        (ConsentState.GRANTED, True, None),
        (ConsentState.DENIED, False, DropReason.CONSENT_DENIED),
        (ConsentState.DENIED, True, DropReason.CONSENT_DENIED),
        (ConsentState.UNKNOWN, False, DropReason.CONSENT_UNKNOWN),
        (None, False, DropReason.CONSENT_UNKNOWN),
        (ConsentState.UNKNOWN, True, None),
        (None, True, None),
        ("granted", False, None),
    ],
)
def test_only_granted_leaves_unless_the_destination_sends_unknown(state, send_unknown, expected):
    assert consent_drop_reason(state, send_unknown_consent=send_unknown) == expected


def test_denied_never_leaves_even_when_unknown_is_sent():
    assert consent_drop_reason("denied", send_unknown_consent=True) is DropReason.CONSENT_DENIED


@pytest.mark.parametrize(
    ("state", "held", "double_opt_in", "expected"),
    [
        (ConsentState.GRANTED, False, False, EmailStatus.SUBSCRIBED),
        (ConsentState.GRANTED, True, True, EmailStatus.SUBSCRIBED),
        (ConsentState.DENIED, True, False, EmailStatus.UNSUBSCRIBED),
        (ConsentState.DENIED, False, False, DropReason.CONSENT_DENIED),
        (ConsentState.DENIED, False, True, DropReason.CONSENT_DENIED),
        (ConsentState.UNKNOWN, False, False, DropReason.CONSENT_UNKNOWN),
        (None, True, False, DropReason.CONSENT_UNKNOWN),
        (ConsentState.UNKNOWN, False, True, EmailStatus.PENDING),
        (None, True, True, EmailStatus.PENDING),
    ],
)
def test_email_status_follows_consent_and_what_the_vendor_holds(
    state, held, double_opt_in, expected
):
    assert email_status_for(state, held=held, double_opt_in=double_opt_in) == expected


def _contact(contact_id: str) -> Contact:
    consent = Consent(
        purpose=Purpose.AD_TARGETING,
        state=ConsentState.GRANTED,
        at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        source="test",
    )
    return Contact(contact_id=contact_id, consents={Purpose.AD_TARGETING: consent})


def test_a_filter_can_narrow_but_never_widen():
    offered = [_contact("a"), _contact("b"), _contact("c")]
    kept = [_contact("b"), _contact("zzz-not-offered")]
    assert narrow(offered, kept) == {"b"}


def test_a_filter_that_keeps_everyone_keeps_only_what_was_offered():
    offered = [_contact("a"), _contact("b")]
    assert narrow(offered, offered) == {"a", "b"}
    assert narrow(offered, []) == set()
