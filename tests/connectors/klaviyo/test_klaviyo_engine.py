"""The email role end to end on Klaviyo: file import, audience, consent read-back and sync.

Contacts enter through the real import path (a CSV with consent columns), audiences are
computed from attributes, and `SyncEngine` syncs them to the Klaviyo emulator. The central
promise: a person who unsubscribed at Klaviyo, or whom Klaviyo suppresses, stays so through
every path: a sync, a re-sync after a changed attribute, a mirror removal, and an import saying
"subscribed". Nothing freehold sends may subscribe them again (Klaviyo's subscribe call would
lift the suppression).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openapi.validate import OpenApiDocument
from sqlalchemy import select

from freehold.connectors.klaviyo import KlaviyoConnector, KlaviyoEmulator
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
FIELDS = {"first_name": "first_name", "plan": "plan"}
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
SUBSCRIBE_JOBS = "/api/profile-subscription-bulk-create-jobs"


class Clock:
    """The emulator's clock: starts at the wall clock (read-back remembers wall-clock times)."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emulator(klaviyo_openapi: OpenApiDocument, clock: Clock) -> Iterator[KlaviyoEmulator]:
    emulated = KlaviyoEmulator(clock=clock, limits=False)
    yield emulated
    klaviyo_openapi.check(emulated.receipts)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


@pytest.fixture
def project(tmp_path: Path, store: Store, emulator: KlaviyoEmulator, clock: Clock) -> Project:
    return Project(tmp_path, store, emulator, clock)


class Project:
    """A brand's store, its VIP audience and its `email` destination played by Klaviyo."""

    def __init__(self, folder: Path, store: Store, emulator: KlaviyoEmulator, clock: Clock) -> None:
        self.folder = folder
        self.store = store
        self.emulator = emulator
        self.clock = clock
        self.files = 0
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

    async def sync(self, mode: SyncMode = SyncMode.MIRROR, *, double_opt_in: bool = True):
        compute_audience(
            self.store,
            "vip",
            AudienceConfig(where=AudienceFilter(attributes={"tier": "vip"})),
            builders={},
            now=self.clock.now,
        )
        connector = KlaviyoConnector(
            KlaviyoConnector.emulator_config("https://a.klaviyo.com"),
            transport=self.emulator.transport(),
        )
        target = SyncTarget(
            audience=Audience(key="vip", name="VIP", mode=mode),
            destination="email",
            connector=connector,
            connector_name="klaviyo",
            account="klaviyo:emulator",
            double_opt_in=double_opt_in,
            fields=FIELDS,
        )
        return await self.engine.sync([target])

    def vip(self) -> set[str]:
        (list_id,) = self.emulator.lists
        return self.emulator.list_members(list_id)

    def properties(self, email: str) -> dict[str, object]:
        (profile,) = [p for p in self.emulator.profiles.values() if p.email == email]
        return dict(profile.properties)

    def subscriptions_of(self, email: str) -> int:
        """Return how many subscription jobs freehold sent for `email`."""
        count = 0
        for receipt in self.emulator.receipts:
            if receipt.method == "POST" and receipt.path == SUBSCRIBE_JOBS:
                profiles = json.loads(receipt.body)["data"]["attributes"]["profiles"]["data"]
                count += email in {p["attributes"]["email"] for p in profiles}
        return count

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


async def test_a_sync_sends_consented_members_with_their_properties(project: Project) -> None:
    project.import_rows(
        [person(1), person(2), person(3, consent="denied"), person(4, consent="unknown")]
    )
    report = await project.sync(SyncMode.ADD_ONLY, double_opt_in=False)
    assert report.ok
    assert project.vip() == {"person1@example.com", "person2@example.com"}
    assert project.properties("person1@example.com") == {"first_name": "P1", "plan": "basic"}
    assert project.emulator.consent_of("person1@example.com") == "SUBSCRIBED"
    assert project.emulator.consent_of("person3@example.com") is None


@pytest.mark.parametrize(
    ("consent", "suppressed", "held", "code"),
    [
        ("UNSUBSCRIBED", None, "UNSUBSCRIBED", "vendor_unsubscribed"),
        ("SUBSCRIBED", "USER_SUPPRESSED", "SUPPRESSED", "vendor_suppressed"),
    ],
    ids=["unsubscribed", "suppressed"],
)
async def test_an_unsubscribed_or_suppressed_person_stays_so_through_every_path(
    project: Project, consent: str, suppressed: str | None, held: str, code: str
) -> None:
    emulator = project.emulator
    email = "person2@example.com"
    project.import_rows([person(i) for i in range(1, 7)])  # one removal stays under 20 %
    await project.sync()
    assert emulator.consent_of(email) == "SUBSCRIBED"
    assert email in project.vip()
    assert project.subscriptions_of(email) == 1

    project.clock.advance(days=1)
    emulator.add_profile(email, consent=consent, suppressed=suppressed)
    await project.sync()
    assert emulator.consent_of(email) == held
    assert project.consent("c2") == "denied"

    project.clock.advance(days=1)
    project.import_rows([person(1, plan="gold"), person(2, plan="gold", first_name="Two")])
    await project.sync()
    assert project.properties("person1@example.com")["plan"] == "gold"
    assert emulator.consent_of(email) == held

    project.clock.advance(days=1)
    project.import_rows([person(2, tier="regular")])
    await project.sync()
    assert email not in project.vip()
    assert emulator.consent_of(email) == held

    stale = T0
    fresh = (project.clock.now + dt.timedelta(hours=1)).isoformat()
    for at in (stale, fresh):
        project.import_rows([person(2, consent="granted", at=at)])
        report = await project.sync()
        assert emulator.consent_of(email) == held
    (target,) = report.targets
    assert project.consent("c2") == "granted"
    assert target.rejected == {code: 1}
    assert email not in project.vip()
    assert project.subscriptions_of(email) == 1
