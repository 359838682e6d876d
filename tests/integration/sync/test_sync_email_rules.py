"""Email destinations: statuses from consent, and the vendor's unsubscribes read back first."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest
from sqlalchemy import insert, select, update
from sync_fakes import connect, make_target
from sync_seed import audience, email_of

from freehold.core.capabilities import AudienceExport, ExportedMember
from freehold.core.consent import read_back_email_consent
from freehold.core.identity import normalize
from freehold.core.models import AudienceRef, EmailStatus, Purpose, SyncMode
from freehold.core.store.schema import consent_current, consent_history, identifiers, ledger
from freehold.core.sync import member_key
from freehold.core.testing import FakeConnector

pytestmark = pytest.mark.anyio


class EmailFake(FakeConnector):
    """The fake connector declared as an email destination (clear, normalized emails)."""

    identity_profile: ClassVar[str] = "email"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset({"email"})
    audience_purpose: ClassVar[Purpose] = Purpose.EMAIL_MARKETING


def _email_target(emulator, aud=None, **kw):
    connector = EmailFake(connect(emulator).config, transport=emulator.transport())
    return make_target(connector, aud, destination="email", **kw)


def _rows(plan):
    return {row[1]: row for chunk in plan.additions.chunks() for row in chunk}


def _hold(store, pk: int, status: str = "subscribed") -> None:
    """Record in the ledger that the email vendor holds contact `pk`."""
    now = dt.datetime.now(dt.UTC)
    sent = {"email": email_of(pk)}
    with store.begin() as conn:
        conn.execute(
            insert(ledger).values(
                audience_key="vip",
                destination="email",
                contact_pk=pk,
                member_key=member_key(sent, {}, status),
                sent=sent,
                acknowledged_at=now,
                refreshed_at=now,
            )
        )


def test_granted_is_subscribed_and_denied_or_unknown_is_not_sent(seed, emulator, engine):
    seed.contacts(range(1, 4))
    seed.contacts(range(4, 6), consent="denied")
    seed.contacts([6], consent=None)
    seed.audience("vip", range(1, 7))
    (plan,) = engine.plan([_email_target(emulator)])
    rows = _rows(plan)
    assert set(rows) == {1, 2, 3}
    assert {row[5] for row in rows.values()} == {EmailStatus.SUBSCRIBED.value}
    assert rows[1][3] == {"email": email_of(1)}
    assert plan.dropped == {"consent_denied": 2, "consent_unknown": 1}
    plan.close()


def test_double_opt_in_sends_unknown_consent_as_pending(seed, emulator, engine):
    seed.contacts([1], consent=None)
    seed.contacts([2], consent="denied")
    seed.audience("vip", [1, 2])
    (plan,) = engine.plan([_email_target(emulator, double_opt_in=True)])
    rows = _rows(plan)
    assert set(rows) == {1}
    assert rows[1][5] == EmailStatus.PENDING.value
    plan.close()


def test_denied_is_sent_as_unsubscribed_only_to_a_vendor_that_holds_the_member(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 4), consent="denied")
    seed.audience("vip", range(1, 4))
    _hold(store, 2)
    (plan,) = engine.plan([_email_target(emulator)])
    rows = _rows(plan)
    assert set(rows) == {2}
    assert rows[2][0] == "update"
    assert rows[2][5] == EmailStatus.UNSUBSCRIBED.value
    assert plan.counts["remove"] == 0
    assert plan.dropped == {"consent_denied": 2}
    plan.close()


def test_a_held_member_who_left_an_add_only_audience_and_said_no_is_unsubscribed(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 3), consent="denied")
    seed.audience("vip", [])
    _hold(store, 1)
    (plan,) = engine.plan([_email_target(emulator)])
    assert _rows(plan)[1][5] == EmailStatus.UNSUBSCRIBED.value
    plan.close()
    (plan,) = engine.plan([_email_target(emulator, audience("vip", mode=SyncMode.MIRROR))])
    assert plan.counts["remove"] == 1
    assert len(plan.additions) == 0
    plan.close()


class _Vendor(AudienceExport):
    """An email vendor's export: some unsubscribed, cleaned or subscribed members."""

    def __init__(self, members: list[ExportedMember]) -> None:
        self.members = members
        self.asked: list[dt.datetime | None] = []

    async def list_audiences(self) -> list[AudienceRef]:
        return []

    async def export_members(
        self, ref: AudienceRef, *, changed_since: dt.datetime | None = None
    ) -> AsyncIterator[ExportedMember]:
        self.asked.append(changed_since)
        for member in self.members:
            yield member


async def test_vendor_unsubscribes_are_recorded_as_denied_before_planning(
    store, seed, emulator, engine
):
    seed.contacts(range(1, 5))
    seed.audience("vip", range(1, 5))
    at = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    vendor = _Vendor(
        [
            ExportedMember(
                email="  Person2@Example.COM ",
                status="unsubscribed",
                email_status=EmailStatus.UNSUBSCRIBED,
                changed_at=at,
            ),
            ExportedMember(email=email_of(3), status="cleaned", email_status=None, changed_at=at),
            ExportedMember(
                email=email_of(4), status="subscribed", email_status=EmailStatus.SUBSCRIBED
            ),
            ExportedMember(email="stranger@example.org", status="unsubscribed"),
        ]
    )
    ref = AudienceRef(key="vip", vendor_id="list_1", name="vip")

    def normalize_email(value):
        return normalize("email", value, "email")

    result = await read_back_email_consent(
        store,
        vendor,
        ref,
        destination="email",
        connector_name="fake",
        normalize_email=normalize_email,
    )
    assert (result.seen, result.recorded, result.unmatched) == (4, 2, 1)
    with store.engine.connect() as conn:
        current = dict(
            conn.execute(
                select(consent_current.c.contact_pk, consent_current.c.state).where(
                    consent_current.c.purpose == "email_marketing"
                )
            ).all()
        )
        sources = set(
            conn.execute(
                select(consent_history.c.source).where(consent_history.c.state == "denied")
            ).scalars()
        )
    assert current == {1: "granted", 2: "denied", 3: "denied", 4: "granted"}
    assert sources == {"email:fake"}
    (plan,) = engine.plan([_email_target(emulator)])
    assert set(_rows(plan)) == {1, 4}
    plan.close()

    await read_back_email_consent(
        store,
        vendor,
        ref,
        destination="email",
        connector_name="fake",
        normalize_email=normalize_email,
    )
    assert vendor.asked[0] is None
    assert vendor.asked[1] is not None


async def test_an_unsubscribe_reaches_every_contact_sharing_the_address(store, seed, emulator):
    # The store may hold two contacts with one email (an import never merges two existing
    # contacts); the person who unsubscribed the address speaks for both.
    seed.contacts(range(1, 3))
    with store.begin() as conn:
        conn.execute(
            update(identifiers)
            .where(identifiers.c.contact_pk == 2, identifiers.c.field == "email")
            .values(raw=email_of(1), normalized=email_of(1))
        )
    vendor = _Vendor([ExportedMember(email=email_of(1), status="unsubscribed", email_status=None)])
    result = await read_back_email_consent(
        store,
        vendor,
        AudienceRef(key="vip", vendor_id="list_1", name="vip"),
        destination="email",
        connector_name="fake",
        normalize_email=lambda value: normalize("email", value, "email"),
    )
    assert (result.seen, result.recorded, result.unmatched) == (1, 2, 0)
    with store.engine.connect() as conn:
        states = conn.execute(
            select(consent_current.c.contact_pk, consent_current.c.state).where(
                consent_current.c.purpose == "email_marketing"
            )
        ).all()
    assert sorted(states) == [(1, "denied"), (2, "denied")]
