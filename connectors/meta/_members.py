"""Encode audience members as Meta's multi-key `payload` rows, fast.

A `Member` arrives prepared by the `meta` identity profile: per neutral field, the SHA-256 hex
digest (fields Meta wants hashed), the normalized clear value (mobile ad id; external id as the
profile leaves it) and, for the date of birth, `YYYYMMDD`, which is split here into the hashed
DOBY/DOBM/DOBD keys. Rows are built as lists in one fixed column order and the whole body is
serialized by a single `json.dumps` call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from freehold.core.identity import sha256_hex
from freehold.core.models import Member

__all__ = [
    "ACCEPTED_IDENTIFIERS",
    "FIELD_KEYS",
    "EncodedBatch",
    "RowLayout",
    "encode_members",
    "full_layout",
]

FIELD_KEYS: tuple[tuple[str, str], ...] = (
    ("email", "EMAIL"),
    ("phone", "PHONE"),
    ("first_name", "FN"),
    ("last_name", "LN"),
    ("city", "CT"),
    ("region", "ST"),
    ("postal_code", "ZIP"),
    ("country", "COUNTRY"),
    ("gender", "GEN"),
    ("external_id", "EXTERN_ID"),
    ("mobile_ad_id", "MADID"),
)
"""Neutral identifier field → Meta multi-key schema key, in the order columns are sent."""

_DOB_FIELD = "date_of_birth"
_DOB_KEYS = ("DOBY", "DOBM", "DOBD")
_DOB_LENGTH = 8
_VALUE_KEY = "LOOKALIKE_VALUE"
_LDU_KEYS = (
    "DATA_PROCESSING_OPTIONS",
    "DATA_PROCESSING_OPTIONS_COUNTRY",
    "DATA_PROCESSING_OPTIONS_STATE",
)

_WEAK_FIELDS = frozenset({"country", "gender"})
"""Fields that help matching but cannot identify a person alone."""

ACCEPTED_IDENTIFIERS: frozenset[str] = frozenset([field for field, _ in FIELD_KEYS] + [_DOB_FIELD])
"""The neutral identifier fields Meta can match a person on."""


@cache
def _hashed(part: str) -> str:
    """Return the SHA-256 hex of a date part (a few hundred distinct values: cached)."""
    return sha256_hex(part)


def _dob_cells(value: str | None) -> list[str] | None:
    """Split `YYYYMMDD` into hashed DOBY, DOBM, DOBD; None when the value is not that shape."""
    if value is None or len(value) != _DOB_LENGTH or not value.isdigit():
        return None
    return [_hashed(value[:4]), _hashed(value[4:6]), _hashed(value[6:])]


@dataclass(frozen=True, slots=True)
class RowLayout:
    """The columns of one request: identifier fields in order, then date of birth, value, LDU.

    `schema` is the list sent as `payload.schema`; a replace session keeps one layout for all its
    batches, as Meta requires.
    """

    fields: tuple[str, ...]
    dob: bool
    value: bool
    ldu: tuple[int, int] | None

    @property
    def schema(self) -> list[str]:
        """Return `payload.schema` for this layout."""
        keys = dict(FIELD_KEYS)
        schema = [keys[field] for field in self.fields]
        if self.dob:
            schema.extend(_DOB_KEYS)
        if self.value:
            schema.append(_VALUE_KEY)
        if self.ldu is not None:
            schema.extend(_LDU_KEYS)
        return schema

    def to_json(self) -> dict[str, Any]:
        """Return the layout as plain JSON (for a session's persisted state)."""
        return {
            "fields": list(self.fields),
            "dob": self.dob,
            "value": self.value,
            "ldu": list(self.ldu) if self.ldu else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RowLayout:
        """Rebuild a layout from `to_json()` output."""
        ldu = data.get("ldu")
        return cls(
            fields=tuple(data["fields"]),
            dob=bool(data["dob"]),
            value=bool(data["value"]),
            ldu=(int(ldu[0]), int(ldu[1])) if ldu else None,
        )


def full_layout(*, value: bool, ldu: tuple[int, int] | None) -> RowLayout:
    """Return the layout with every column Meta accepts (for replace sessions)."""
    return RowLayout(tuple(field for field, _ in FIELD_KEYS), dob=True, value=value, ldu=ldu)


def _layout_for(
    members: Sequence[Member], *, value: bool, ldu: tuple[int, int] | None
) -> RowLayout:
    present: set[str] = set()
    for member in members:
        present.update(member.identifiers)
    fields = tuple(field for field, _ in FIELD_KEYS if field in present)
    return RowLayout(fields, dob=_DOB_FIELD in present, value=value, ldu=ldu)


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """A batch ready to send: the layout, the rows, and which members were left out and why.

    `positions[i]` is the index in the original batch of `rows[i]`; `skipped` maps an original
    index to the reason it was not sent.
    """

    layout: RowLayout
    rows: list[list[Any]]
    positions: list[int]
    skipped: dict[int, str]


def encode_members(
    members: Sequence[Member],
    *,
    value_based: bool,
    ldu: tuple[int, int] | None,
    layout: RowLayout | None = None,
) -> EncodedBatch:
    """Build the multi-key rows for `members` (one list per member, columns as `layout`).

    Without a `layout`, the columns are those present in the batch. A member with no
    identifier Meta can match, or (for a value-based audience) without a non-negative value, is
    skipped with a reason rather than sent.
    """
    layout = layout or _layout_for(members, value=value_based, ldu=ldu)
    fields = layout.fields
    strong = [i for i, field in enumerate(fields) if field not in _WEAK_FIELDS]
    # A row is sendable when a strong column is filled; with no weak column, any filled cell is.
    only_strong = len(strong) == len(fields)
    pick = itemgetter(*strong) if len(strong) > 1 else None
    ldu_cells: list[Any] = [["LDU"], ldu[0], ldu[1]] if ldu is not None else []
    blanks = [""] * len(fields)
    dob_wanted, value_wanted = layout.dob, layout.value
    rows: list[list[Any]] = []
    positions: list[int] = []
    skipped: dict[int, str] = {}
    for index, member in enumerate(members):
        ids = member.identifiers
        row: list[Any] = list(map(ids.get, fields, blanks))
        if only_strong:
            matchable = any(row)
        elif pick is not None:
            matchable = any(pick(row))
        else:
            matchable = bool(strong) and bool(row[strong[0]])
        if dob_wanted:
            dob = _dob_cells(ids.get(_DOB_FIELD))
            row.extend(dob or ("", "", ""))
            matchable = matchable or dob is not None
        if not matchable:
            skipped[index] = "no identifier Meta can match on"
            continue
        if value_wanted:
            if member.value is None or member.value < 0:
                skipped[index] = "a value-based audience needs a non-negative value"
                continue
            row.append(member.value)
        if ldu_cells:
            row.extend(ldu_cells)
        rows.append(row)
        positions.append(index)
    return EncodedBatch(layout=layout, rows=rows, positions=positions, skipped=skipped)
