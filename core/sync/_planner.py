"""The planner: desired membership against the ledger, in one streamed pass.

For one audience x destination the planner merges, by contact pk, the audience's members
(with their consent for the destination's purpose), their prepared identifiers, the mapped
fields and the ledger (what the vendor acknowledged). Each member is dropped with a reason,
left alone, or planned as an add, an update, an identifier change or a refresh; each held
member no longer wanted is planned as a removal. Nothing is sent.

`member_key` (the ledger's `member_key`) is a digest of everything sent for a member: its
prepared identifiers, its email status and its mapped fields. A different key means the row
changed; comparing the identifiers the ledger says were `sent` tells an identifier change
(remove the old key, add the new) from an update (send again under the same identifiers).

Held members whose contact has not changed since their ledger row was written (same
`revision`), planned under the same `basis` and not due for a refresh are settled: the
database leaves them out of every stream and the plan only counts them. The basis is a
fingerprint of everything else a member's row depends on: the destination's identity profile,
accepted identifiers, field mapping and consent settings, and the planner's own rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import JsonValue
from sqlalchemy import Connection, select

from freehold.core import identity
from freehold.core._version import __version__
from freehold.core.consent import (
    ContactFilter,
    DropReason,
    consent_drop_reason,
    email_status_for,
    narrow,
)
from freehold.core.errors import ConfigError
from freehold.core.models import AudienceRef, ConsentState, Contact, EmailStatus, SyncMode
from freehold.core.store.schema import audiences, contacts
from freehold.core.sync._plan import PlanKind, PlanRow, RowSpool, SyncTarget, TargetPlan
from freehold.core.sync._reader import (
    Grouped,
    Holder,
    Settled,
    fetch_sent,
    field_streams,
    held_count,
    holding_run,
    ledger_rows,
    member_rows,
    rejected_keys,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["PlanOptions", "member_key", "plan_target"]

logger = logging.getLogger(__name__)

_FILTER_CHUNK = 1_000
_RULES = 1
"""The planner's rules version (member keys, consent gates): part of every plan's basis."""
_CLEAR_PROFILE = "email"
"""The profile whose identifiers leave in clear (normalized), read from `identifiers`."""

_ADD = PlanKind.ADD.value
_UPDATE = PlanKind.UPDATE.value
_CHANGE = PlanKind.CHANGE.value
_REFRESH = PlanKind.REFRESH.value
_REMOVE = PlanKind.REMOVE.value
_UNSUBSCRIBED = EmailStatus.UNSUBSCRIBED.value
_VALUES = 4
"""Where the prepared identifiers start in a member row (after pk, state, score, revision)."""


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to plan.

    Attributes:
        retry_rejected: plan again rows the vendor rejected even when they did not change.
        max_removal_share: a plan removing more than this share of the held audience is
            refused (`TargetPlan.refused`).
        allow_large_removal: accept such a plan anyway.
        now: the planning time (refresh deadlines); defaults to now.
    """

    retry_rejected: bool = False
    max_removal_share: float = 0.2
    allow_large_removal: bool = False
    now: dt.datetime | None = None


def member_key(
    identifiers: Mapping[str, str],
    attributes: Mapping[str, JsonValue] | None = None,
    email_status: str | None = None,
    value: float | None = None,
) -> str:
    """Return the digest of what is sent for a member (the ledger's `member_key`).

    BLAKE2b-128 (hex) over the identifiers in field order, the email status, the mapped
    fields and the value (where the destination sends one); it reveals none of them.
    """
    ordered = {name: identifiers[name] for name in sorted(identifiers)}
    return _key(ordered, attributes, email_status, value)


def _key(
    ordered: Mapping[str, str],
    attributes: Mapping[str, JsonValue] | None,
    email_status: str | None,
    value: float | None = None,
) -> str:
    """`member_key` of identifiers already in field order (the planner's hot path)."""
    text = "\x1f".join([f"{name}={prepared}" for name, prepared in ordered.items()])
    if email_status is not None:
        text += f"\x1e{email_status}"
    if attributes:
        text += "\x1e" + json.dumps(attributes, sort_keys=True, separators=(",", ":"), default=str)
    if value is not None:
        text += f"\x1d{value!r}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class _Profile:
    """Which accepted fields come hashed from `digests` and which in clear from `identifiers`.

    Clear values are stored in the neutral normalization (the `email` profile's); for another
    vendor profile they pass through that profile's rule on the way out. `layout` says, in
    field order, where each field's value sits in a member row and whether it is converted.
    """

    def __init__(self, target: SyncTarget) -> None:
        connector = target.connector
        self.name = connector.identity_profile
        self.profile = identity.get_profile(self.name)
        accepted = frozenset(connector.accepted_identifiers) & frozenset(self.profile.fields)
        if self.name == _CLEAR_PROFILE:
            hashed: frozenset[str] = frozenset()
            clear = accepted
        else:
            hashed = accepted & self.profile.hashed
            clear = accepted & self.profile.clear
        self.hashed = tuple(sorted(hashed))
        self.clear = tuple(sorted(clear))
        converted = self.name != _CLEAR_PROFILE
        first = _VALUES
        columns = {name: (first + index, False) for index, name in enumerate(self.hashed)}
        columns.update(
            {name: (first + len(self.hashed) + i, converted) for i, name in enumerate(self.clear)}
        )
        self.layout = tuple((name, *columns[name]) for name in sorted(columns))

    def prepare(self, row: Sequence[Any]) -> dict[str, str]:
        """Return the prepared identifiers of one member row, in field order."""
        prepared: dict[str, str] = {}
        for name, column, converted in self.layout:
            value = row[column]
            if value is None:
                continue
            if converted:
                value = identity.normalize(name, value, self.profile)
                if value is None:
                    continue
            prepared[name] = value
        return prepared


def _refresh_before(target: SyncTarget, now: dt.datetime) -> dt.datetime | None:
    """Return the refresh deadline: members refreshed before it are sent again."""
    spans = [
        days
        for days in (
            target.audience.membership_days,
            target.connector.audience_limits.membership_days,
        )
        if days is not None
    ]
    if not spans:
        return None
    lifespan = min(spans)
    margin = max(1, lifespan // 10)
    return now - dt.timedelta(days=max(0, lifespan - margin))


def _basis(target: SyncTarget, profile: _Profile, *, sends_value: bool) -> str:
    """Return the fingerprint of what a member's row depends on besides the contact's data."""
    parts = [
        f"rules={_RULES}",
        f"freehold={__version__}",
        f"profile={profile.name}",
        f"hashed={','.join(profile.hashed)}",
        f"clear={','.join(profile.clear)}",
        f"fields={json.dumps(sorted(target.fields.items()))}",
        f"purpose={target.purpose.value}",
        f"email={target.is_email}",
        f"double_opt_in={target.double_opt_in}",
        f"send_unknown_consent={target.send_unknown_consent}",
        f"value={sends_value}",
    ]
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


def _clean(value: Any) -> JsonValue:  # noqa: ANN401 - attribute JSON of any shape
    if isinstance(value, str):
        return value.strip()
    if value is None or isinstance(value, int | float | bool | list | dict):
        return value
    return str(value)


def _audience_pk(conn: Connection, key: str) -> int:
    pk = conn.execute(select(audiences.c.pk).where(audiences.c.key == key)).scalar_one_or_none()
    if pk is None:
        msg = f"audience {key!r} has no computed membership yet: compute it before planning"
        raise ConfigError(msg)
    return int(pk)


def _excluded_by_plugins(
    conn: Connection,
    target: SyncTarget,
    audience_pk: int,
    contact_filter: ContactFilter,
    load_contacts: Callable[[Sequence[int]], list[Contact]],
) -> set[int]:
    """Return the pks of members (past the consent gate) that some plugin filter left out."""
    passing = [
        pk
        for pk, state, *_rest in member_rows(conn, audience_pk, target.purpose.value)
        if _may_leave(target, state)
    ]
    excluded: set[int] = set()
    for start in range(0, len(passing), _FILTER_CHUNK):
        chunk = passing[start : start + _FILTER_CHUNK]
        ids = dict(
            conn.execute(
                select(contacts.c.pk, contacts.c.contact_id).where(contacts.c.pk.in_(chunk))
            ).all()
        )
        offered = load_contacts(chunk)
        kept = narrow(offered, contact_filter(target.destination, target.audience.key, offered))
        excluded.update(pk for pk in chunk if ids.get(pk) not in kept)
    return excluded


def _may_leave(target: SyncTarget, state: str | None) -> bool:
    if target.is_email:
        verdict = email_status_for(state, held=True, double_opt_in=target.double_opt_in)
        return not isinstance(verdict, DropReason)
    return consent_drop_reason(state, send_unknown_consent=target.send_unknown_consent) is None


class _Merge:
    """The single pass over members and ledger; fills a `TargetPlan`."""

    def __init__(
        self,
        plan: TargetPlan,
        options: PlanOptions,
        excluded: set[int],
        profile: _Profile,
        *,
        sends_value: bool,
    ) -> None:
        self.plan = plan
        self.target = plan.target
        self.options = options
        self.excluded = excluded
        self.profile = profile
        self.removal_pks: list[int] = []
        self.unsubscribe_pks: list[int] = []
        self.differs = RowSpool()
        self.field_groups: list[Grouped] = []
        self.rejected: dict[int, str] = {}
        self.sends_value = sends_value

    def not_member(self, pk: int, state: str | None) -> None:
        """Decide for a member the vendor holds that is no longer in the audience."""
        target = self.target
        if target.audience.mode is SyncMode.MIRROR:
            self.removal_pks.append(pk)
        elif target.is_email:
            if state == ConsentState.DENIED:
                self.unsubscribe_pks.append(pk)
        elif consent_drop_reason(state, send_unknown_consent=target.send_unknown_consent):
            self.removal_pks.append(pk)

    def run(
        self,
        members: Iterable[Sequence[Any]],
        held_rows: Iterable[Sequence[Any]],
        field_groups: list[Grouped],
        rejected: dict[int, str],
    ) -> None:
        """Merge the member stream with the ledger stream, deciding each member once."""
        self.field_groups = field_groups
        self.rejected = rejected
        plan = self.plan
        held_iter = iter(held_rows)
        held = next(held_iter, None)
        for row in members:
            pk = row[0]
            while held is not None and held[0] < pk:
                plan.held += 1
                self.not_member(held[0], held[3])
                held = next(held_iter, None)
            held_row = None
            if held is not None and held[0] == pk:
                plan.held += 1
                held_row = held
                held = next(held_iter, None)
            plan.members += 1
            self.member(row, held_row)
        while held is not None:
            plan.held += 1
            self.not_member(held[0], held[3])
            held = next(held_iter, None)

    def _drop(self, reason: DropReason, pk: int, *, remove: bool) -> None:
        self.plan.dropped[reason.value] += 1
        if remove:
            self.removal_pks.append(pk)

    def _gate(self, pk: int, state: str | None, *, held: bool) -> tuple[bool, str | None]:
        """Return whether the member may leave and, for email, the status it leaves with."""
        target = self.target
        if target.is_email:
            verdict = email_status_for(state, held=held, double_opt_in=target.double_opt_in)
            if isinstance(verdict, DropReason):
                self._drop(verdict, pk, remove=False)
                return False, None
            status: str | None = verdict.value
        else:
            reason = consent_drop_reason(state, send_unknown_consent=target.send_unknown_consent)
            if reason is not None:
                self._drop(reason, pk, remove=held)
                return False, None
            status = None
        if pk in self.excluded:
            self._drop(DropReason.FILTERED, pk, remove=held)
            return False, None
        return True, status

    def member(self, row: Sequence[Any], held_row: Sequence[Any] | None) -> None:
        """Decide for one audience member (a member row): drop, leave alone, or plan it."""
        pk, state, score, revision = row[0], row[1], row[2], row[3]
        leaves, status = self._gate(pk, state, held=held_row is not None)
        if not leaves:
            return
        prepared = self.profile.prepare(row)
        if not prepared:
            self._drop(DropReason.NO_IDENTIFIER, pk, remove=held_row is not None)
            return
        attrs: dict[str, JsonValue] = {}
        if self.field_groups:
            raw: dict[str, Any] = {}
            for group in self.field_groups:
                group.take(pk, raw)
            fields = self.target.fields
            attrs = {fields[name]: _clean(value) for name, value in raw.items()}
        value = float(score) if score is not None else None
        key = _key(prepared, attrs, status, value if self.sends_value else None)
        plan = self.plan
        if held_row is not None and held_row[1] == key:
            plan.eligible += 1
            if held_row[2]:
                plan.counts[_REFRESH] += 1
                plan.additions.append((_REFRESH, pk, key, prepared, attrs, status, value, revision))
            else:
                plan.unchanged += 1
                if held_row[4] != revision or held_row[5] != plan.basis:
                    plan.confirmed.extend((pk, revision))
            return
        if not self.options.retry_rejected and self.rejected.get(pk) == key:
            self._drop(DropReason.REJECTED_UNCHANGED, pk, remove=False)
            return
        plan.eligible += 1
        planned: PlanRow = (_ADD, pk, key, prepared, attrs, status, value, revision)
        if held_row is None:
            plan.counts[_ADD] += 1
            plan.additions.append(planned)
        else:
            self.differs.append(planned)

    def resolve(self, conn: Connection) -> None:
        """Turn changed rows into updates or identifier changes; read what removals address."""
        plan, target = self.plan, self.target
        audience_key, destination = target.audience.key, target.destination
        for chunk in self.differs.chunks():
            sent = {
                pk: (old_key, ids)
                for pk, old_key, ids in fetch_sent(
                    conn, audience_key, destination, [row[1] for row in chunk]
                )
            }
            for _kind, pk, key, prepared, attrs, status, value, revision in chunk:
                old_key, old_ids = sent[pk]
                planned = (pk, key, prepared, attrs, status, value, revision)
                if old_ids == prepared:
                    plan.counts[_UPDATE] += 1
                    plan.additions.append((_UPDATE, *planned))
                else:
                    plan.counts[_CHANGE] += 1
                    plan.removals.append((_CHANGE, pk, old_key, old_ids, {}, None, None, None))
                    plan.additions.append((_CHANGE, *planned))
        self.differs.close()
        for pk, old_key, old_ids in fetch_sent(conn, audience_key, destination, self.removal_pks):
            plan.counts[_REMOVE] += 1
            plan.removals.append((_REMOVE, pk, old_key, old_ids, {}, None, None, None))
        for pk, old_key, old_ids in fetch_sent(
            conn, audience_key, destination, self.unsubscribe_pks
        ):
            key = member_key(old_ids, None, _UNSUBSCRIBED)
            if key != old_key:
                plan.counts[_UPDATE] += 1
                plan.additions.append((_UPDATE, pk, key, old_ids, {}, _UNSUBSCRIBED, None, None))


def plan_target(
    engine: Engine,
    target: SyncTarget,
    *,
    options: PlanOptions | None = None,
    contact_filter: ContactFilter | None = None,
    load_contacts: Callable[[Sequence[int]], list[Contact]] | None = None,
    audience_ref: AudienceRef | None = None,
) -> TargetPlan:
    """Plan one audience x destination against the ledger; nothing is sent.

    Args:
        engine: the store's engine.
        target: the audience, destination and connector.
        options: rejected-row retries, the large-removal guard, the planning time.
        contact_filter: the plugins' narrowing filter, when any plugin filters contacts.
        load_contacts: loads neutral contacts by pk (the store's `load_contacts`); needed with
            `contact_filter`.
        audience_ref: the vendor audience the sync will write to, when the vendor was asked
            (a sync does; `freehold plan` does not): a ledger acknowledged by another vendor
            audience (deleted and made again, or another account) is started again.

    Raises:
        ConfigError: the audience has never been computed into the store.
    """
    options = options or PlanOptions()
    now = options.now or dt.datetime.now(dt.UTC)
    plan = TargetPlan(target, audience_ref=audience_ref)
    profile = _Profile(target)
    sends_value = target.connector.sends_value(target.audience)
    plan.basis = _basis(target, profile, sends_value=sends_value)
    purpose = target.purpose.value
    audience_key, destination = target.audience.key, target.destination
    stale_before = _refresh_before(target, now)
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            # The streams are separate queries, read together: they must see one snapshot, or
            # a member changed between two of them is planned from half old, half new data
            # under its new revision, and then settled on it. SQLite's transaction is one
            # snapshot already; PostgreSQL's default (READ COMMITTED) takes one per statement.
            conn.execution_options(isolation_level="REPEATABLE READ")
        audience_pk = _audience_pk(conn, audience_key)
        held = held_count(conn, audience_key, destination)
        holder = holding_run(conn, audience_key, destination) if held else None
        restart = _restart(holder, target, audience_ref, held)
        plan.restarts = restart is not None
        excluded: set[int] = set()
        settled: Settled | None = None
        if contact_filter is not None and load_contacts is not None:
            excluded = _excluded_by_plugins(
                conn, target, audience_pk, contact_filter, load_contacts
            )
        # Every member is looked at when a plugin filter may leave anyone out on any ground,
        # when the vendor takes members' values (audience scores carry no revision), or when
        # the ledger belongs to another vendor.
        elif not sends_value and not plan.restarts:
            settled = Settled(audience_pk, audience_key, destination, plan.basis, stale_before)
        # A ledger acknowledged by another vendor audience (another connector, or an audience
        # deleted and made again) says nothing of what this one holds: the plan starts from an
        # empty ledger, and the sync drops the old one when its run starts.
        rejected = {} if plan.restarts else rejected_keys(conn, audience_key, destination)
        plan.rejected = set(rejected)
        merge = _Merge(plan, options, excluded, profile, sends_value=sends_value)
        merge.run(
            member_rows(
                conn,
                audience_pk,
                purpose,
                profile=profile.name,
                hashed=profile.hashed,
                clear=profile.clear,
                settled=settled,
            ),
            iter(())
            if plan.restarts
            else ledger_rows(
                conn,
                audience_key,
                destination,
                purpose=purpose,
                stale_before=stale_before,
                settled=settled,
            ),
            [
                Grouped(stream)
                for stream in field_streams(conn, audience_pk, target.fields, settled=settled)
            ],
            rejected,
        )
        merge.resolve(conn)
    if restart is not None:
        plan.warnings.append(restart)
    else:
        plan.settled = held - plan.held
        plan.held = held
        plan.members += plan.settled
        plan.eligible += plan.settled
        plan.unchanged += plan.settled
    _judge(plan, options)
    logger.debug(
        "planned %s: %d members (%d settled), %d eligible, %d held, %s, dropped %s",
        target.label,
        plan.members,
        plan.settled,
        plan.eligible,
        plan.held,
        dict(plan.counts),
        dict(plan.dropped),
    )
    return plan


def _restart(
    holder: Holder | None, target: SyncTarget, ref: AudienceRef | None, held: int
) -> str | None:
    """Say why the ledger no longer describes the destination's vendor audience, if it does not.

    Runs from before vendor audiences were recorded, and plans made without asking the vendor,
    compare connectors only.
    """
    if holder is None:
        return None
    name = target.connector_name
    if holder.connector is not None and holder.connector != name:
        return (
            f"the {held} members the ledger holds were acknowledged through {holder.connector}; "
            f"this destination now uses {name}: the sync starts the ledger again and sends "
            f"every member to {name} ({holder.connector} keeps its copy)"
        )
    if ref is not None and holder.vendor_audience not in (None, ref.vendor_id):
        return (
            f"the {held} members the ledger holds were acknowledged by {name} audience "
            f"{holder.vendor_audience}; {name} now answers with audience {ref.vendor_id} (the "
            f"audience was deleted, or the account changed): the sync starts the ledger again "
            f"and sends every member to it"
        )
    return None


def _judge(plan: TargetPlan, options: PlanOptions) -> None:
    """Flag an audience below the vendor's minimum size; refuse a large removal."""
    minimum = plan.target.connector.audience_limits.min_audience_size
    if minimum is not None and plan.eligible < minimum:
        plan.warnings.append(
            f"{plan.eligible} sendable members: below the vendor's minimum audience size of "
            f"{minimum}; the vendor may not serve it"
        )
    share = plan.removal_share
    if share > options.max_removal_share:
        message = (
            f"would remove {plan.counts[_REMOVE]} of {plan.held} members ({share:.0%}), above "
            f"the {options.max_removal_share:.0%} limit"
        )
        if options.allow_large_removal:
            plan.warnings.append(f"{message}; allowed by --allow-large-removal")
        else:
            plan.refused = f"{message}: review the plan, then pass --allow-large-removal"
