"""Settled members at their edges: settling may save reads, never change what a sync does.

The oracle is the planner with settling off (a pass-through plugin filter turns it off): for
every mix of changes below, the settled plan must hold the same figures and the same rows. The
other tests pin the guarantees around it: a write committed while planning, destination
settings that change what leaves, vendor unsubscribes read back, rejected rows, identifier
changes whose old key is refused, and runs that stop between batches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, ClassVar

import pytest
from sqlalchemy import select, update
from sync_fakes import FAST_RETRY, make_target
from sync_seed import Seeder, audience, email_digest, email_of

from freehold.core.capabilities import (
    AudienceExport,
    AudienceSession,
    AudienceSync,
    BatchLimits,
    ExportedMember,
    SessionMode,
)
from freehold.core.errors import PermanentError
from freehold.core.identity import normalize
from freehold.core.models import (
    Audience,
    AudienceRef,
    EmailStatus,
    LifecycleStage,
    Member,
    Outcome,
    Purpose,
    SyncMode,
)
from freehold.core.store import ContactRecord, Store
from freehold.core.store.schema import contacts, ledger
from freehold.core.sync import (
    PlanOptions,
    SyncEngine,
    SyncOptions,
    SyncTarget,
    TargetPlan,
    _planner,
)

pytestmark = pytest.mark.anyio


# -- an in-memory vendor that keeps what it was sent ---------------------------------------------


class MemoryAds(AudienceSync, AudienceExport):
    """A vendor audience held in memory: member id → (email status, attributes) as sent.

    `poison` ids are answered rejected; `stop_after` batches, it stops the run (a permanent
    error) before applying the next; `unsubscribed` is what its export reports as unsubscribed.
    """

    identity_profile: ClassVar[str] = "meta"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset({"email", "phone"})
    audience_purpose: ClassVar[Purpose] = Purpose.AD_TARGETING
    audience_limits: ClassVar[BatchLimits] = BatchLimits(max_rows=100)

    def __init__(self) -> None:
        self.members: dict[str, tuple[str | None, dict[str, Any]]] = {}
        self.poison: set[str] = set()
        self.stop_after: int | None = None
        self.batches = 0
        self.unsubscribed: dict[str, dt.datetime] = {}

    @staticmethod
    def member_id(member: Member) -> str:
        return member.identifiers.get("email") or member.identifiers["phone"]

    async def ensure_audience(self, audience: Audience) -> AudienceRef:
        return AudienceRef(key=audience.key, vendor_id="list_1", name=audience.name)

    def audience_session(
        self,
        ref: AudienceRef,
        mode: SessionMode = SessionMode.UPDATE,
        *,
        state: dict[str, Any] | None = None,
    ) -> AudienceSession:
        return _MemorySession(self, ref, mode)

    async def list_audiences(self) -> list[AudienceRef]:
        return []

    async def export_members(
        self, ref: AudienceRef, *, changed_since: dt.datetime | None = None
    ) -> AsyncIterator[ExportedMember]:
        for email, at in self.unsubscribed.items():
            yield ExportedMember(
                email=email,
                status="unsubscribed",
                email_status=EmailStatus.UNSUBSCRIBED,
                changed_at=at,
            )


class MemoryEmail(MemoryAds):
    """The same vendor as an email platform (clear, normalized emails; email consent)."""

    identity_profile: ClassVar[str] = "email"
    accepted_identifiers: ClassVar[frozenset[str]] = frozenset({"email"})
    audience_purpose: ClassVar[Purpose] = Purpose.EMAIL_MARKETING


class _MemorySession(AudienceSession):
    def __init__(self, vendor: MemoryAds, ref: AudienceRef, mode: SessionMode) -> None:
        self.vendor = vendor
        self.ref = ref
        self.mode = mode

    @property
    def state(self) -> dict[str, Any]:
        return {}

    def _begin(self) -> None:
        vendor = self.vendor
        if vendor.stop_after is not None and vendor.batches >= vendor.stop_after:
            msg = "the vendor went away"
            raise PermanentError(msg)
        vendor.batches += 1

    async def add(self, batch: Sequence[Member]) -> Sequence[Outcome]:
        def hold(member_id: str, member: Member) -> None:
            status = member.email_status.value if member.email_status else None
            self.vendor.members[member_id] = (status, dict(member.attributes))

        return self._answer(batch, hold)

    async def remove(self, batch: Sequence[Member]) -> Sequence[Outcome]:
        return self._answer(batch, lambda member_id, _: self.vendor.members.pop(member_id, None))

    def _answer(
        self, batch: Sequence[Member], apply: Callable[[str, Member], object]
    ) -> list[Outcome]:
        """Apply each member of a batch, rejecting the vendor's poison ones; one outcome each."""
        self._begin()
        outcomes = []
        for member in batch:
            member_id = self.vendor.member_id(member)
            if member_id in self.vendor.poison:
                outcomes.append(Outcome.rejected(member.key, "refused", code="refused"))
                continue
            apply(member_id, member)
            outcomes.append(Outcome.accepted(member.key))
        return outcomes

    async def close(self) -> None:
        return None


# -- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest) -> Store:
    """The sync tests' store on SQLite, and an empty one on PostgreSQL."""
    fixture = "store" if request.param == "sqlite" else "pg_store"
    return request.getfixturevalue(fixture)


def _normalize_email(value: str) -> str | None:
    return normalize("email", value, "email")


def _keep_all(_destination: str, _audience: str | None, offered: Sequence[Any]) -> Sequence[Any]:
    return offered


def _engine(store: Store, *, look_at_everyone: bool = False) -> SyncEngine:
    """The engine; with `look_at_everyone` a pass-through plugin filter turns settling off."""
    return SyncEngine(
        store,
        options=SyncOptions(retry=FAST_RETRY, poll_interval=0.005, poll_timeout=10),
        normalize_email=_normalize_email,
        contact_filter=_keep_all if look_at_everyone else None,
    )


def _plan(engine: SyncEngine, target: SyncTarget, **options: Any) -> TargetPlan:
    (plan,) = engine.plan([target], options=PlanOptions(**options))
    plan.close()
    return plan


def _rows(engine: SyncEngine, target: SyncTarget) -> tuple[TargetPlan, dict[str, list[Any]]]:
    (plan,) = engine.plan([target])
    try:
        rows = {
            name: sorted(
                (row for chunk in spool.chunks() for row in chunk),
                key=lambda row: (row[0], row[1], row[2]),
            )
            for name, spool in (("removals", plan.removals), ("additions", plan.additions))
        }
    finally:
        plan.close()
    return plan, rows


def _same_plan_with_and_without_settling(store: Store, target: Callable[[], SyncTarget]) -> int:
    """Assert settling changes no figure and no row of the plan; return how many settled."""
    settled, settled_rows = _rows(_engine(store), target())
    looked, looked_rows = _rows(_engine(store, look_at_everyone=True), target())
    assert looked.settled == 0
    assert settled.summary() == looked.summary()
    assert settled_rows == looked_rows
    return settled.settled


def _age_ledger(store: Store, pks: Sequence[int], days: int) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with store.begin() as conn:
        conn.execute(update(ledger).where(ledger.c.contact_pk.in_(pks)).values(refreshed_at=old))


def _stamp_ledger(store: Store, pk: int, **values: Any) -> None:
    with store.begin() as conn:
        conn.execute(update(ledger).where(ledger.c.contact_pk == pk).values(**values))


def _ledger_revisions(store: Store) -> dict[int, int | None]:
    with store.engine.connect() as conn:
        return dict(conn.execute(select(ledger.c.contact_pk, ledger.c.revision)).all())


def _revisions(store: Store) -> dict[int, int]:
    with store.engine.connect() as conn:
        return dict(conn.execute(select(contacts.c.pk, contacts.c.revision)).all())


# -- settling never changes the plan -------------------------------------------------------------


async def test_an_ad_plan_is_the_same_with_settling_as_without(any_store):
    """Mirror, refreshes, a field mapping: every kind of change against the full comparison.

    A guarantee no other test pins: settled plans were only checked for their own figures.
    """
    seed = Seeder(any_store)
    seed.contacts(range(1, 41))
    seed.contacts(range(41, 44), consent=None)
    for pk in range(1, 11):
        seed.attribute(pk, "tier", "silver")
    seed.audience("vip", range(1, 44))
    vendor = MemoryAds()
    vendor.poison = {email_digest(9)}

    def target() -> SyncTarget:
        aud = audience("vip", mode=SyncMode.MIRROR, days=30)
        fields = {"tier": "tier", "lifecycle": "stage", "first_name": "name"}
        return make_target(vendor, aud, fields=fields)

    assert (await _engine(any_store).sync([target()])).targets[0].rejected == {"refused": 1}
    vendor.poison = set()
    seed.attribute(3, "tier", "gold")  # update
    seed.change_email(4, generation=1)  # identifier change
    seed.consent([5], "denied")  # consent withdrawn: removed
    seed.drop_identifiers(6)  # nothing usable left: removed
    seed.contacts(range(44, 47))  # new members
    seed.audience("vip", [pk for pk in range(1, 47) if pk != 7])  # 7 left: removed (mirror)
    _age_ledger(any_store, [8], days=29)  # due for a refresh
    _stamp_ledger(any_store, 10, revision=None, basis=None)  # a row from before revisions
    _stamp_ledger(any_store, 11, basis="another")  # planned under other settings
    seed.consent([12], "granted")  # a revision without any change
    seed.consent([13], "denied", purpose="email_marketing")  # another purpose's consent
    imported = [
        ContactRecord(contact_id="c14", lifecycle=LifecycleStage.CUSTOMER),
        ContactRecord(contact_id="c15", identifiers={"first_name": " Ada "}),
    ]
    any_store.upsert_contacts(imported, source="crm")  # the store's own writer
    # Held: 1..40 but the rejected 9; looked at: 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15.
    assert _same_plan_with_and_without_settling(any_store, target) == 27

    report = await _engine(any_store).sync([target()])
    assert report.ok
    assert _same_plan_with_and_without_settling(any_store, target) == 39
    assert _plan(_engine(any_store), target()).to_send == 0
    assert vendor.members[email_digest(3)][1] == {"tier": "gold"}
    assert email_digest(4) not in vendor.members
    assert email_digest(4, 1) in vendor.members
    assert not {email_digest(pk) for pk in (5, 6, 7)} & set(vendor.members)
    assert vendor.members[email_digest(14)][1] == {"stage": "customer"}
    assert vendor.members[email_digest(15)][1] == {"name": "Ada"}


async def test_an_email_plan_is_the_same_with_settling_as_without(any_store):
    """Statuses from consent and holding, unsubscribes of add-only leavers, pending.

    A guarantee no other test pins for email destinations, whose status depends on holding.
    """
    seed = Seeder(any_store)
    seed.contacts(range(1, 21))
    seed.contacts(range(21, 24), consent=None)
    seed.audience("vip", range(1, 24))
    vendor = MemoryEmail()

    def target() -> SyncTarget:
        return make_target(vendor, destination="email", fields={"tier": "tier"})

    assert (await _engine(any_store).sync([target()])).ok
    seed.consent([3], "denied", purpose="email_marketing")  # held: sent as unsubscribed
    seed.consent([4], "denied", purpose="email_marketing")
    seed.contacts(range(24, 26))
    seed.audience("vip", [pk for pk in range(1, 26) if pk not in (4, 5)])  # 4, 5 left (add-only)
    seed.change_email(6, generation=1)
    seed.attribute(7, "tier", "gold")
    _stamp_ledger(any_store, 8, revision=None)
    assert _same_plan_with_and_without_settling(any_store, target) == 14

    assert (await _engine(any_store).sync([target()])).ok
    assert vendor.members[email_of(3)][0] == EmailStatus.UNSUBSCRIBED.value
    assert vendor.members[email_of(4)][0] == EmailStatus.UNSUBSCRIBED.value
    assert vendor.members[email_of(7)] == ("subscribed", {"tier": "gold"})
    assert _same_plan_with_and_without_settling(any_store, target) == 20
    assert _plan(_engine(any_store), target()).to_send == 0

    def pending() -> SyncTarget:
        return make_target(vendor, destination="email", double_opt_in=True)

    # Other settings: every member looked at once, the unknown ones now sent as pending.
    assert _same_plan_with_and_without_settling(any_store, pending) == 0
    assert (await _engine(any_store).sync([pending()])).ok
    assert vendor.members[email_of(21)][0] == EmailStatus.PENDING.value
    assert _same_plan_with_and_without_settling(any_store, pending) == 23  # leavers: looked at


# -- a write committed while the planner reads ---------------------------------------------------


async def test_an_import_committed_while_planning_is_read_whole_or_not_at_all(
    any_store, monkeypatch
):
    """The planner's streams are separate queries: they must read one snapshot of the store.

    Otherwise (PostgreSQL's READ COMMITTED) a member settled when the mapped fields were read
    and changed before the members were read is sent without its fields, and its ledger row
    carries the new revision: settled on stale data for good. Failed on PostgreSQL until the
    planner read in one REPEATABLE READ transaction.
    """
    seed = Seeder(any_store)
    seed.contacts(range(1, 11))
    seed.audience("vip", range(1, 11))
    for pk in range(1, 11):
        seed.attribute(pk, "tier", "silver")
    vendor = MemoryAds()

    def target() -> SyncTarget:
        return make_target(vendor, fields={"tier": "tier"})

    assert (await _engine(any_store).sync([target()])).ok
    real = _planner.ledger_rows

    def racing(*args: Any, **kwargs: Any) -> Iterator[Sequence[Any]]:
        # The field streams have run; an import commits before the ledger and members are read.
        record = ContactRecord(contact_id="c5", attributes={"tier": "gold"})
        any_store.upsert_contacts([record], source="crm")
        yield from real(*args, **kwargs)

    monkeypatch.setattr(_planner, "ledger_rows", racing)
    assert (await _engine(any_store).sync([target()])).ok
    monkeypatch.undo()
    assert vendor.members[email_digest(5)][1] in ({"tier": "silver"}, {"tier": "gold"})
    assert (await _engine(any_store).sync([target()])).ok
    assert vendor.members[email_digest(5)][1] == {"tier": "gold"}
    assert _same_plan_with_and_without_settling(any_store, target) == 10


# -- destination settings ------------------------------------------------------------------------


def _phone_only(vendor: MemoryAds) -> MemoryAds:
    vars(vendor)["accepted_identifiers"] = frozenset({"phone"})
    return vendor


def _expiring(vendor: MemoryAds) -> MemoryAds:
    vars(vendor)["audience_limits"] = BatchLimits(max_rows=100, membership_days=30)
    return vendor


@pytest.mark.parametrize(
    ("before", "after", "planned"),
    [
        pytest.param(
            {"send_unknown_consent": True}, {}, {"remove": 3}, id="unknown-consent-turned-off"
        ),
        pytest.param({}, {"fields": {"tier": "tier"}}, {"update": 5}, id="field-mapped"),
        pytest.param({}, {"connector": _phone_only}, {"change": 5}, id="identifier-dropped"),
        pytest.param({}, {"connector": _expiring}, {"refresh": 5}, id="vendor-declares-expiry"),
        pytest.param(
            {"aud": audience("vip", days=90)},
            {"aud": audience("vip", days=90), "connector": _expiring},
            {"refresh": 5},
            id="vendor-expiry-shorter-than-the-audience's",
        ),
        pytest.param(
            {}, {"aud": audience("vip", mode=SyncMode.MIRROR)}, {"remove": 1}, id="mode-mirror"
        ),
    ],
)
async def test_settings_that_change_what_leaves_reach_the_vendor(store, before, after, planned):
    """Settled under one destination setting, every member is looked at under another.

    A guarantee: test_sync_settled covers one setting (unknown consent turned on, no change).
    """
    seed = Seeder(store)
    seed.contacts(range(1, 6), phone=True)
    seed.contacts(range(6, 9), consent=None, phone=True)
    seed.contacts([9], phone=True)
    seed.audience("vip", range(1, 10))
    for pk in range(1, 10):
        seed.attribute(pk, "tier", "silver")
    vendor = MemoryAds()
    if before.get("send_unknown_consent"):
        vendor.poison = {email_digest(9)}  # 9 stays out, so the removal share stays small

    def target(settings: dict[str, Any]) -> SyncTarget:
        settings = dict(settings)
        connector = settings.pop("connector", lambda v: v)(vendor)
        return make_target(connector, settings.pop("aud", None), **settings)

    assert (await _engine(store).sync([target(before)])).targets[0].accepted >= 5
    _age_ledger(store, list(range(1, 10)), days=28)
    seed.audience("vip", range(2, 10))  # 1 left the audience (add-only: kept)
    assert _plan(_engine(store), target(before)).to_send == 0
    allow = PlanOptions(allow_large_removal=True)
    plan = _plan(_engine(store), target(after), allow_large_removal=True)
    assert {kind: n for kind, n in plan.counts.items() if n} == planned
    assert (await _engine(store).sync([target(after)], options=allow)).ok
    assert _plan(_engine(store), target(after)).to_send == 0


# -- vendor unsubscribes, rejections, refused old keys, stopped runs -----------------------------


async def test_an_unsubscribe_read_back_from_the_vendor_unsettles_the_member(any_store):
    """A settled email member the vendor reports unsubscribed is sent as unsubscribed, once.

    A guarantee no other test pins: read-back tests plan from a ledger without revisions.
    """
    seed = Seeder(any_store)
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    vendor = MemoryEmail()

    def target() -> SyncTarget:
        return make_target(vendor, destination="email")

    assert (await _engine(any_store).sync([target()])).ok
    assert _plan(_engine(any_store), target()).settled == 5
    vendor.unsubscribed = {email_of(2).upper(): dt.datetime.now(dt.UTC)}
    report = await _engine(any_store).sync([target()])
    assert report.ok
    assert report.targets[0].planned["update"] == 1
    assert vendor.members[email_of(2)][0] == EmailStatus.UNSUBSCRIBED.value
    # Read back again (the same statement): nothing changes, everyone settles.
    report = await _engine(any_store).sync([target()])
    assert report.targets[0].to_send == 0
    assert _plan(_engine(any_store), target()).settled == 5


async def test_a_rejected_update_is_not_settled_and_is_sent_again_on_request(store):
    """The vendor refused a held member's new data: dropped as rejected_unchanged each run.

    A guarantee no other test pins: the ledger keeps the old revision, so it is never settled.
    """
    seed = Seeder(store)
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    vendor = MemoryAds()

    def target() -> SyncTarget:
        return make_target(vendor, fields={"tier": "tier"})

    assert (await _engine(store).sync([target()])).ok
    vendor.poison = {email_digest(3)}
    seed.attribute(3, "tier", "gold")
    report = await _engine(store).sync([target()])
    assert report.targets[0].rejected == {"refused": 1}
    plan = _plan(_engine(store), target())
    assert (plan.settled, plan.dropped, plan.to_send) == (4, {"rejected_unchanged": 1}, 0)
    assert _plan(_engine(store), target(), retry_rejected=True).counts["update"] == 1
    vendor.poison = set()
    await _engine(store).sync([target()], options=PlanOptions(retry_rejected=True))
    assert vendor.members[email_digest(3)][1] == {"tier": "gold"}
    assert _plan(_engine(store), target()).settled == 5


async def test_an_identifier_change_is_not_settled_until_the_old_key_is_removed(store):
    """A guarantee no other test pins: a refused removal keeps the old row, never settled."""
    seed = Seeder(store)
    seed.contacts(range(1, 6))
    seed.audience("vip", range(1, 6))
    vendor = MemoryAds()
    assert (await _engine(store).sync([make_target(vendor)])).ok
    vendor.poison = {email_digest(2)}  # the vendor refuses to remove the old key
    seed.change_email(2, generation=1)
    report = await _engine(store).sync([make_target(vendor)])
    assert not report.ok
    assert email_digest(2, 1) not in vendor.members  # the new key is held back
    plan = _plan(_engine(store), make_target(vendor))
    assert (plan.settled, plan.counts["change"]) == (4, 1)
    vendor.poison = set()
    assert (await _engine(store).sync([make_target(vendor)])).ok
    assert email_digest(2) not in vendor.members
    assert email_digest(2, 1) in vendor.members
    assert _plan(_engine(store), make_target(vendor)).settled == 5


async def test_a_run_stopped_between_batches_stamps_only_what_the_vendor_took(any_store):
    """Ledger rows carry the contact's revision only for data the vendor acknowledged.

    A guarantee no other test pins (the kill -9 test syncs unchanged contacts once).
    """
    seed = Seeder(any_store)
    seed.contacts(range(1, 31))
    seed.audience("vip", range(1, 31))
    vendor = MemoryAds()
    vars(vendor)["audience_limits"] = BatchLimits(max_rows=5)

    def target() -> SyncTarget:
        return make_target(vendor, fields={"tier": "tier"})

    assert (await _engine(any_store).sync([target()])).ok
    for pk in range(1, 31):
        seed.attribute(pk, "tier", "gold")
    vendor.batches, vendor.stop_after = 0, 2
    report = await _engine(any_store).sync([target()])
    assert not report.ok
    revisions, stamped = _revisions(any_store), _ledger_revisions(any_store)
    current = {pk for pk, revision in stamped.items() if revision == revisions[pk]}
    assert len(current) == 10
    assert {vendor.members[email_digest(pk)][1]["tier"] for pk in current} == {"gold"}
    vendor.stop_after = None
    assert (await _engine(any_store).sync([target()])).targets[0].planned["update"] == 20
    assert {attrs["tier"] for _status, attrs in vendor.members.values()} == {"gold"}
    assert _plan(_engine(any_store), target()).settled == 30
