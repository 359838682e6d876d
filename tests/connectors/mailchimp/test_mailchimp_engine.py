"""The email role end to end: file import, audience, consent read-back and sync to Mailchimp.

Contacts enter through the real import path (a CSV with consent columns), audiences are
computed from attributes, and `SyncEngine` syncs them to the Mailchimp emulator. The central
promise: a person who unsubscribed at Mailchimp stays unsubscribed through every path: a sync,
a re-sync after a changed attribute, a mirror removal, and an import saying "subscribed".
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from mailchimp_support import Clock, make_config
from sqlalchemy import select

from freehold.connectors.mailchimp import AudienceTarget, MailchimpConnector, MailchimpEmulator
from freehold.core.audiences import compute_audience
from freehold.core.config import AudienceConfig, AudienceFilter
from freehold.core.identity import normalize
from freehold.core.models import Audience, SyncMode
from freehold.core.retry import RetryPolicy
from freehold.core.sources import ColumnMapping, ImportKind, import_source, open_source
from freehold.core.store import Store
from freehold.core.store.schema import consent_current, contacts
from freehold.core.sync import SyncEngine, SyncOptions, SyncTarget

pytestmark = pytest.mark.anyio

FAST = SyncOptions(
    retry=RetryPolicy(max_attempts=3, initial_wait=0.001, max_wait=0.01, max_total_seconds=5),
    poll_interval=0.005,
    poll_timeout=2,
)
FIELDS = {"first_name": "FNAME", "plan": "PLAN"}
HEADER = [
    "contact_id",
    "email",
    "first_name",
    "attributes.tier",
    "attributes.plan",
    "consent.email_marketing",
    "consent_at",
]
T0 = "2026-01-01T00:00:00+00:00"


@pytest.fixture
def clock() -> Clock:
    """The emulator's clock starts at the wall clock: read-back remembers wall-clock times."""
    return Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


@pytest.fixture
def project(tmp_path: Path, store: Store, emulator: MailchimpEmulator, clock):
    return Project(tmp_path, store, emulator, clock)


class Project:
    """A brand's store, its VIP audience and its `email` destination played by Mailchimp."""

    def __init__(self, folder: Path, store: Store, emulator: MailchimpEmulator, clock) -> None:
        self.folder = folder
        self.store = store
        self.emulator = emulator
        self.clock = clock
        self.files = 0
        emulator.add_merge_field("PLAN")
        self.engine = SyncEngine(
            store, options=FAST, normalize_email=lambda e: normalize("email", e, "email")
        )

    def import_rows(self, rows: list[list[str]]) -> None:
        self.files += 1
        path = self.folder / f"contacts-{self.files}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
        summary = import_source(
            self.store,
            open_source(path),
            ColumnMapping(ImportKind.CONTACTS),
            rejects_path=self.folder / f"rejects-{self.files}.csv",
        )
        assert summary.rejected == 0

    def compute(self) -> None:
        compute_audience(
            self.store,
            "vip",
            AudienceConfig(where=AudienceFilter(attributes={"tier": "vip"})),
            builders={},
            now=self.clock.now,
        )

    async def sync(self, mode: SyncMode = SyncMode.ADD_ONLY, *, double_opt_in: bool = False):
        self.compute()
        connector = MailchimpConnector(
            make_config(audience_target=AudienceTarget.TAG),
            transport=self.emulator.transport(),
        )
        target = SyncTarget(
            audience=Audience(key="vip", name="VIP", mode=mode),
            destination="email",
            connector=connector,
            connector_name="mailchimp",
            account="mailchimp:us6",
            double_opt_in=double_opt_in,
            fields=FIELDS,
        )
        return await self.engine.sync([target])

    def status(self, email: str) -> str | None:
        found = self.emulator.member(email)
        return found.status if found else None

    def consent(self, contact_id: str) -> str | None:
        with self.store.engine.connect() as conn:
            return conn.execute(
                select(consent_current.c.state)
                .join(contacts, contacts.c.pk == consent_current.c.contact_pk)
                .where(
                    contacts.c.contact_id == contact_id,
                    consent_current.c.purpose == "email_marketing",
                )
            ).scalar_one_or_none()


def person(i: int, *, consent: str = "granted", at: str = T0, **overrides: str) -> list[str]:
    values = {
        "contact_id": f"c{i}",
        "email": f"Person{i}@Example.com",
        "first_name": f"P{i}",
        "tier": "vip",
        "plan": "basic",
        "consent": consent,
        "at": at,
        **overrides,
    }
    return [
        values["contact_id"],
        values["email"],
        values["first_name"],
        values["tier"],
        values["plan"],
        values["consent"],
        values["at"],
    ]


async def test_a_sync_sends_consented_members_with_their_merge_fields(project):
    project.import_rows(
        [person(1), person(2), person(3, consent="denied"), person(4, consent="unknown")]
    )
    report = await project.sync()
    assert report.ok
    assert project.emulator.tag_members("VIP") == {"person1@example.com", "person2@example.com"}
    assert project.emulator.member("person1@example.com").merge_fields == {
        "FNAME": "P1",
        "PLAN": "basic",
    }
    assert project.status("person3@example.com") is None
    assert project.status("person4@example.com") is None
    before = len(project.emulator.receipts)
    await project.sync()
    sent = [r for r in project.emulator.receipts[before:] if r.method != "GET"]
    assert sent == []


async def test_unknown_consent_with_double_opt_in_goes_pending_and_asks_once(project):
    project.import_rows([person(1, consent="unknown")])
    await project.sync(double_opt_in=True)
    assert project.status("person1@example.com") == "pending"
    assert len(project.emulator.confirmation_emails) == 1


async def test_the_vendors_unsubscribe_is_read_back_as_denied(project):
    project.import_rows([person(1), person(2)])
    await project.sync()
    project.clock.advance(days=1)
    project.emulator.unsubscribe("person2@example.com")
    await project.sync()
    assert project.consent("c2") == "denied"
    assert project.consent("c1") == "granted"


async def test_an_unsubscribed_person_stays_unsubscribed_through_every_path(project):
    emulator = project.emulator
    email = "person2@example.com"
    project.import_rows([person(i) for i in range(1, 7)])
    await project.sync(SyncMode.MIRROR, double_opt_in=True)
    assert project.status(email) == "subscribed"

    project.clock.advance(days=1)
    emulator.unsubscribe(email)
    await project.sync(SyncMode.MIRROR, double_opt_in=True)
    assert project.status(email) == "unsubscribed"

    project.clock.advance(days=1)
    project.import_rows([person(1, plan="gold"), person(2, plan="gold", first_name="Two")])
    await project.sync(SyncMode.MIRROR, double_opt_in=True)
    assert emulator.member("person1@example.com").merge_fields["PLAN"] == "gold"
    assert project.status(email) == "unsubscribed"

    project.clock.advance(days=1)
    project.import_rows([person(2, tier="regular")])
    await project.sync(SyncMode.MIRROR, double_opt_in=True)
    assert email not in emulator.tag_members("VIP")
    assert project.status(email) == "unsubscribed"

    stale = T0
    fresh = (project.clock.now + dt.timedelta(hours=1)).isoformat()
    for at in (stale, fresh):
        project.import_rows([person(2, consent="granted", at=at)])
        report = await project.sync(SyncMode.MIRROR, double_opt_in=True)
        assert project.status(email) == "unsubscribed"
    (target,) = report.targets
    assert project.consent("c2") == "granted"
    assert target.rejected == {"vendor_unsubscribed": 1}
    assert emulator.confirmation_emails == []
