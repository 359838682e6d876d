"""Identity resolution and merge on the way in: the import path of contacts, set-based per chunk.

One call handles one chunk of records in the caller's transaction, with a fixed number of
queries whatever the chunk size: normalize every identifier in bulk, look every key up once
per key kind, resolve records to contacts in memory (records of the same chunk resolve to each
other), merge, then write with executemany.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, select

from freehold.core.models import ConsentState, LifecycleStage, Purpose
from freehold.core.store._consent import CURRENT_KEYS, CURRENT_UPDATE, HISTORY_KEYS
from freehold.core.store._identity import NormalizedChunk, digest_rows, normalize_rows
from freehold.core.store._meta import tombstone_digest
from freehold.core.store._records import IDENTIFIER_FIELDS, KEY_FIELDS, Rejection, UpsertResult
from freehold.core.store._sql import bulk_insert, chunked, insert_ignore, select_in, upsert
from freehold.core.store.schema import (
    attributes,
    consent_current,
    consent_history,
    contacts,
    digests,
    identifiers,
    tombstones,
    utcnow,
)

if TYPE_CHECKING:
    from pydantic import JsonValue

    from freehold.core.store._records import ContactRecord

__all__ = ["ContactKey", "lookup_keys", "new_contact_ids", "record_keys", "upsert_contacts"]

logger = logging.getLogger(__name__)

ContactKey = tuple[str, str]
"""(kind, value): kind is `contact_id` or a key identifier field; value normalized."""

_NO_KEY = "no usable identity key (contact_id, external_id, email or phone)"
_FIELDS = frozenset(IDENTIFIER_FIELDS)
_VALUE: dict[object, str] = {
    member: member.value for enum in (Purpose, ConsentState, LifecycleStage) for member in enum
}
"""Enum member → its text, without the enum machinery's per-access cost."""


_Identifier = tuple[str, str | None, str | None]
"""(raw, normalized, drop reason) of one stored identifier: a plain tuple, made per value."""


@dataclass(slots=True)
class _Slot:
    """A contact being resolved in this chunk: its stored state, then the merged one."""

    pk: int | None
    contact_id: str
    lifecycle: str | None = None
    identifiers: dict[str, _Identifier] = field(default_factory=dict)
    attributes: dict[str, JsonValue] = field(default_factory=dict)
    consents: dict[str, tuple[str, dt.datetime, str]] = field(default_factory=dict)
    changed_contact: bool = False
    changed_identifiers: set[str] = field(default_factory=set)
    changed_attributes: set[str] = field(default_factory=set)
    changed_consents: set[str] = field(default_factory=set)
    history: list[tuple[str, str, dt.datetime, str]] = field(default_factory=list)


def record_keys(
    records: Sequence[ContactRecord], normalized: NormalizedChunk
) -> list[list[ContactKey]]:
    """Return the keys each record can match on, in resolution order.

    A record naming a field that is not an identifier gets none (it is rejected).
    """
    columns = [
        (kind, column) for kind in KEY_FIELDS if (column := normalized.values.get(kind)) is not None
    ]
    out: list[list[ContactKey]] = []
    for index, record in enumerate(records):
        keys: list[ContactKey] = []
        if _FIELDS.issuperset(record.identifiers):
            contact_id = record.contact_id.strip() if record.contact_id else None
            if contact_id:
                keys.append(("contact_id", contact_id))
            for kind, column in columns:
                value = column[index]
                if value:
                    keys.append((kind, value))
        out.append(keys)
    return out


def lookup_keys(connection: Connection, keys: set[ContactKey]) -> dict[ContactKey, int]:
    """Find the stored contact of each key: one query per key kind and 5,000 values.

    When several contacts share a normalized identifier, the oldest (lowest pk) wins.
    """
    by_kind: dict[str, set[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, set()).add(value)
    found: dict[ContactKey, int] = {}
    for kind, values in by_kind.items():
        if kind == "contact_id":
            rows = select_in(
                connection, contacts, ("contact_id", "pk"), key="contact_id", values=sorted(values)
            )
        else:
            rows = select_in(
                connection,
                identifiers,
                ("normalized", "contact_pk"),
                key="normalized",
                values=sorted(values),
                equal={"field": kind},
            )
        for value, pk in rows:
            key = (kind, value)
            if key not in found or pk < found[key]:
                found[key] = pk
    return found


def _erased(
    connection: Connection, salt: str, keys_per_record: Sequence[list[ContactKey]]
) -> set[int]:
    """Return the indexes of records one of whose identifier keys matches a tombstone."""
    if connection.scalar(select(tombstones.c.digest).limit(1)) is None:
        return set()
    digest_of: dict[str, list[int]] = {}
    for index, keys in enumerate(keys_per_record):
        for kind, value in keys:
            if kind != "contact_id":
                digest_of.setdefault(tombstone_digest(salt, kind, value), []).append(index)
    erased: set[int] = set()
    for batch in chunked(sorted(digest_of)):
        for digest in connection.scalars(
            select(tombstones.c.digest).where(tombstones.c.digest.in_(batch))
        ):
            erased.update(digest_of[digest])
    return erased


def _load_state(connection: Connection, slots: dict[int, _Slot]) -> None:
    """Fill each existing slot with its stored lifecycle, identifiers, attributes, consents."""
    for batch in chunked(sorted(slots)):
        for pk, lifecycle in connection.execute(
            select(contacts.c.pk, contacts.c.lifecycle).where(contacts.c.pk.in_(batch))
        ):
            slots[pk].lifecycle = lifecycle
        for pk, name, raw, normalized, reason in connection.execute(
            select(
                identifiers.c.contact_pk,
                identifiers.c.field,
                identifiers.c.raw,
                identifiers.c.normalized,
                identifiers.c.drop_reason,
            ).where(identifiers.c.contact_pk.in_(batch))
        ):
            slots[pk].identifiers[name] = (raw, normalized, reason)
        for pk, name, value in connection.execute(
            select(attributes.c.contact_pk, attributes.c.name, attributes.c.value).where(
                attributes.c.contact_pk.in_(batch)
            )
        ):
            slots[pk].attributes[name] = value
        for pk, purpose, state, at, source in connection.execute(
            select(
                consent_current.c.contact_pk,
                consent_current.c.purpose,
                consent_current.c.state,
                consent_current.c.at,
                consent_current.c.source,
            ).where(consent_current.c.contact_pk.in_(batch))
        ):
            slots[pk].consents[purpose] = (state, at, source)


def _merge_identifiers(
    slot: _Slot,
    record: ContactRecord,
    normalized: NormalizedChunk,
    index: int,
    unusable: Counter[str],
) -> bool:
    changed = False
    stored_identifiers = slot.identifiers
    values = normalized.values
    for name, raw in record.identifiers.items():
        if not raw or raw.isspace():
            continue
        column = values.get(name)
        usable = None if column is None else column[index]
        if usable is None:
            unusable[name] += 1
        stored = stored_identifiers.get(name)
        if stored is not None and (
            (usable is not None and usable == stored[1]) or (usable is None and stored[0] == raw)
        ):
            continue
        refused = normalized.reasons.get(name) if usable is None else None
        stored_identifiers[name] = (raw, usable, None if refused is None else refused.get(index))
        slot.changed_identifiers.add(name)
        changed = True
    return changed


def _merge_consents(slot: _Slot, record: ContactRecord, *, source: str, now: dt.datetime) -> bool:
    changed = False
    consent_source = record.consent_source or source
    at = record.consent_at
    for purpose_enum, state_enum in record.consents.items():
        purpose, state = _VALUE[purpose_enum], _VALUE[state_enum]
        current = slot.consents.get(purpose)
        if at is not None:
            statement = (state, at, consent_source)
            if current == statement:
                continue  # the current statement: already in the history
            slot.history.append((purpose, *statement))
            if current is None or at > current[1]:
                changed = changed or current is None or current[0] != state
                slot.consents[purpose] = statement
                slot.changed_consents.add(purpose)
        elif current is None or current[0] != state:
            slot.history.append((purpose, state, now, consent_source))
            slot.consents[purpose] = (state, now, consent_source)
            slot.changed_consents.add(purpose)
            changed = True
    return changed


def _merge(
    slot: _Slot,
    record: ContactRecord,
    normalized: NormalizedChunk,
    index: int,
    *,
    source: str,
    now: dt.datetime,
    unusable: Counter[str],
) -> bool:
    """Apply record `index` to its contact; return True when anything changed.

    The record's non-empty values win; consent statements keep their own time, and the most
    recent one per purpose becomes current. Unusable identifiers are counted into `unusable`.
    """
    changed = _merge_identifiers(slot, record, normalized, index, unusable)
    for name, value in record.attributes.items():
        if value is None or (name in slot.attributes and slot.attributes[name] == value):
            continue
        slot.attributes[name] = value
        slot.changed_attributes.add(name)
        changed = True
    if record.lifecycle is not None and _VALUE[record.lifecycle] != slot.lifecycle:
        slot.lifecycle = _VALUE[record.lifecycle]
        slot.changed_contact = True
        changed = True
    if record.consents:
        changed = _merge_consents(slot, record, source=source, now=now) or changed
    return changed


def _first_problem(record: ContactRecord, normalized: NormalizedChunk, index: int) -> Rejection:
    unknown = sorted(set(record.identifiers) - _FIELDS)
    if unknown:
        return Rejection(record.row, unknown[0], "not an identifier field")
    for kind in KEY_FIELDS:
        reason = normalized.reason(kind, index)
        if reason is not None:
            return Rejection(record.row, kind, f"unusable {kind}: {reason}")
    return Rejection(record.row, None, _NO_KEY)


@dataclass(slots=True)
class _Resolution:
    assignment: list[_Slot | None]
    new: list[_Slot] = field(default_factory=list)
    existing: dict[int, _Slot] = field(default_factory=dict)


def _resolve(
    records: Sequence[ContactRecord],
    keys_per_record: Sequence[list[ContactKey]],
    stored: Mapping[ContactKey, int],
    skip: set[int],
) -> _Resolution:
    """Assign each record to a contact slot.

    The slot is an earlier record's of the same chunk or a stored contact (by the first key
    that matches, in resolution order), else a new contact.
    """
    resolution = _Resolution(assignment=[None] * len(records))
    slot_of_key: dict[ContactKey, _Slot] = {}
    for index, keys in enumerate(keys_per_record):
        if index in skip or not keys:
            continue
        slot = None
        for key in keys:
            slot = slot_of_key.get(key)
            if slot is not None:
                break
            pk = stored.get(key)
            if pk is not None:
                slot = resolution.existing.get(pk)
                if slot is None:
                    slot = resolution.existing[pk] = _Slot(pk=pk, contact_id="")
                break
        if slot is None:
            slot = _Slot(pk=None, contact_id=keys[0][1] if keys[0][0] == "contact_id" else "")
            resolution.new.append(slot)
        for key in keys:
            slot_of_key.setdefault(key, slot)
        resolution.assignment[index] = slot
    unnamed = [slot for slot in resolution.new if not slot.contact_id]
    for slot, contact_id in zip(unnamed, new_contact_ids(len(unnamed)), strict=True):
        slot.contact_id = contact_id
    return resolution


_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)
"""The version (4) and variant (RFC 4122) bits, set as `uuid.UUID(bytes=..., version=4)` does."""


def new_contact_ids(count: int) -> list[str]:
    """Return `count` new contact ids: `c_` and the hex of a random (version 4) UUID.

    The same ids as `f"c_{uuid.uuid4().hex}"`, from the same source (`os.urandom`), drawn for
    the whole chunk at once: one system call and no `UUID` object per id.
    """
    data = os.urandom(16 * count)
    of = int.from_bytes
    return [
        f"c_{of(data[at : at + 16]) & _UUID4_CLEAR | _UUID4_SET:032x}"
        for at in range(0, 16 * count, 16)
    ]


def upsert_contacts(
    connection: Connection,
    records: Sequence[ContactRecord],
    *,
    source: str,
    salt: str,
) -> UpsertResult:
    """Resolve, merge and write one chunk of contact records in `connection`'s transaction."""
    result = UpsertResult(contact_pks=[None] * len(records))
    if not records:
        return result
    now = utcnow()
    normalized = normalize_rows([record.identifiers for record in records])
    keys_per_record = record_keys(records, normalized)
    erased = _erased(connection, salt, keys_per_record)
    result.skipped_erased = len(erased)
    result.erased = sorted(erased)
    for index, keys in enumerate(keys_per_record):
        if not keys and index not in erased:
            result.rejected.append(_first_problem(records[index], normalized, index))
    stored = lookup_keys(connection, {key for keys in keys_per_record for key in keys})
    resolution = _resolve(records, keys_per_record, stored, erased)
    _load_state(connection, resolution.existing)

    counted_new: set[int] = set()
    for index, slot in enumerate(resolution.assignment):
        if slot is None:
            continue
        record = records[index]
        changed = _merge(
            slot, record, normalized, index, source=source, now=now, unusable=result.unusable
        )
        if slot.pk is None and id(slot) not in counted_new:
            counted_new.add(id(slot))
            result.new += 1
        elif changed:
            result.merged += 1
        else:
            result.unchanged += 1

    _insert_new(connection, resolution.new, now=now)
    _write(connection, resolution.new, list(resolution.existing.values()), now=now)
    result.contact_pks = [slot.pk if slot else None for slot in resolution.assignment]
    logger.debug(
        "contacts chunk: %d new, %d merged, %d unchanged, %d rejected, %d erased",
        result.new,
        result.merged,
        result.unchanged,
        len(result.rejected),
        result.skipped_erased,
    )
    return result


def _insert_new(connection: Connection, slots: list[_Slot], *, now: dt.datetime) -> None:
    """Insert new contacts in bulk, then read their pks back by contact id (one query per 5,000)."""
    if not slots:
        return
    bulk_insert(
        connection,
        contacts,
        ("contact_id", "lifecycle", "created_at", "updated_at"),
        [(slot.contact_id, slot.lifecycle, now, now) for slot in slots],
    )
    by_id = {slot.contact_id: slot for slot in slots}
    for contact_id, pk in select_in(
        connection, contacts, ("contact_id", "pk"), key="contact_id", values=list(by_id)
    ):
        by_id[contact_id].pk = pk


def _write(
    connection: Connection, new: list[_Slot], existing: list[_Slot], *, now: dt.datetime
) -> None:
    """Write what changed: plain inserts for new contacts, upserts for existing ones."""
    changed = [slot for slot in existing if _has_changes(slot)]
    contact_updates = [
        {"b_pk": slot.pk, "b_lifecycle": slot.lifecycle, "b_updated_at": now} for slot in changed
    ]
    if contact_updates:
        connection.execute(
            contacts.update()
            .where(contacts.c.pk == bindparam("b_pk"))
            .values(
                lifecycle=bindparam("b_lifecycle"),
                updated_at=bindparam("b_updated_at"),
                revision=contacts.c.revision + 1,
            ),
            contact_updates,
        )
    bulk_insert(
        connection,
        identifiers,
        ("contact_pk", "field", "raw", "normalized", "drop_reason", "updated_at"),
        [
            (slot.pk, name, raw, normalized, reason, now)
            for slot in new
            for name, (raw, normalized, reason) in slot.identifiers.items()
        ],
    )
    upsert(
        connection,
        identifiers,
        _identifier_rows(changed, now=now),
        keys=("contact_pk", "field"),
        update=("raw", "normalized", "drop_reason", "updated_at"),
    )
    bulk_insert(
        connection,
        attributes,
        ("contact_pk", "name", "value"),
        [(slot.pk, name, value) for slot in new for name, value in slot.attributes.items()],
    )
    upsert(
        connection,
        attributes,
        _attribute_rows(changed),
        keys=("contact_pk", "name"),
        update=("value",),
    )
    bulk_insert(
        connection,
        consent_current,
        ("contact_pk", "purpose", "state", "at", "source"),
        [
            (slot.pk, purpose, state, at, origin)
            for slot in new
            for purpose, (state, at, origin) in slot.consents.items()
        ],
    )
    upsert(
        connection,
        consent_current,
        _consent_rows(changed),
        keys=CURRENT_KEYS,
        update=CURRENT_UPDATE,
    )
    bulk_insert(
        connection,
        consent_history,
        ("contact_pk", "purpose", "state", "at", "source", "recorded_at"),
        [(slot.pk, *statement, now) for slot in new for statement in slot.history],
    )
    history = [
        {
            "contact_pk": slot.pk,
            "purpose": purpose,
            "state": state,
            "at": at,
            "source": origin,
            "recorded_at": now,
        }
        for slot in changed
        for purpose, state, at, origin in slot.history
    ]
    insert_ignore(connection, consent_history, history, keys=HISTORY_KEYS)
    _write_digests(connection, new, [slot for slot in changed if slot.changed_identifiers])


def _has_changes(slot: _Slot) -> bool:
    return bool(
        slot.changed_contact
        or slot.changed_identifiers
        or slot.changed_attributes
        or slot.changed_consents
        or slot.history
    )


def _identifier_rows(slots: list[_Slot], *, now: dt.datetime) -> list[dict[str, object]]:
    return [
        {
            "contact_pk": slot.pk,
            "field": name,
            "raw": raw,
            "normalized": normalized,
            "drop_reason": reason,
            "updated_at": now,
        }
        for slot in slots
        for name, (raw, normalized, reason) in slot.identifiers.items()
        if name in slot.changed_identifiers
    ]


def _attribute_rows(slots: list[_Slot]) -> list[dict[str, object]]:
    return [
        {"contact_pk": slot.pk, "name": name, "value": value}
        for slot in slots
        for name, value in slot.attributes.items()
        if name in slot.changed_attributes
    ]


def _consent_rows(slots: list[_Slot]) -> list[dict[str, object]]:
    return [
        {"contact_pk": slot.pk, "purpose": purpose, "state": state, "at": at, "source": origin}
        for slot in slots
        for purpose, (state, at, origin) in slot.consents.items()
        if purpose in slot.changed_consents
    ]


def _write_digests(connection: Connection, new: list[_Slot], changed: list[_Slot]) -> None:
    """Recompute the digests of every contact whose identifiers changed, in one bulk pass."""
    slots = [*new, *changed]
    if not slots:
        return
    for batch in chunked([slot.pk for slot in changed]):
        connection.execute(digests.delete().where(digests.c.contact_pk.in_(batch)))
    raw_rows = [{name: value[0] for name, value in slot.identifiers.items()} for slot in slots]
    rows = digest_rows([slot.pk for slot in slots], raw_rows)
    bulk_insert(connection, digests, ("contact_pk", "profile", "field", "digest"), rows)
