"""Normalize and hash identifiers in bulk: one column at a time, each distinct value once.

Columns with few distinct values (names, cities, regions, postal codes, countries, genders,
dates of birth) are normalized and hashed once per distinct value (per value and country where
the country matters). Columns of unique values (emails, phones, ids) go straight through their
rule; phones then rely on the shape cache in `_phone`. Nothing here compiles a pattern or builds
a library object per row.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import compress, repeat
from operator import attrgetter, is_not
from typing import NamedTuple, cast

from freehold.core.identity._api import apply_rule, as_text, contact_region
from freehold.core.identity._fields import DropReason, Hashing
from freehold.core.identity._profiles import Profile, resolve_field, resolve_profile
from freehold.core.identity._rules import Rule
from freehold.core.identity._text import is_digest
from freehold.core.models import Identifiers

__all__ = ["FieldResult", "IdentityBatch", "normalize_contacts"]

_REPEATING = frozenset(
    {
        "first_name",
        "last_name",
        "city",
        "region",
        "postal_code",
        "country",
        "gender",
        "date_of_birth",
    }
)
"""Fields whose values repeat across contacts: normalized and hashed once per distinct value."""

_BY_COUNTRY = frozenset({"phone", "region", "postal_code"})
"""Fields whose rule depends on the contact's country."""

_DIGEST_LENGTH = 64

_Result = str | DropReason | None
"""A rule's outcome for one row; None when the row had no value at all."""


class FieldResult(NamedTuple):
    """One row's outcome for one field: the normalized value, or why there is none."""

    value: str | None
    reason: DropReason | None


def _digest(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) == _DIGEST_LENGTH and is_digest(value):
        return value
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


class IdentityBatch:
    """Identifiers of many contacts normalized for one profile.

    Attributes:
        profile: the profile used.
        rows: how many contacts went in.
        values: per field the profile uses, one entry per contact: the normalized value (or a
            digest the input already carried, for a hashed field), or None when unusable.
        dropped: per field, how many contacts had no usable value, by reason (`empty` counts
            missing values too), so `rows == usable + sum(dropped)` for every field.
        rejected: per field, row index → reason, for rows that had a value the rule refused
            (blank values included; missing ones not).

    The lists are shared, not copied: treat them as read-only. The repr shows counts only.
    """

    __slots__ = ("_digests", "dropped", "profile", "rejected", "rows", "values")

    def __init__(
        self,
        *,
        profile: Profile,
        rows: int,
        values: Mapping[str, list[str | None]],
        dropped: Mapping[str, Counter[DropReason]],
        rejected: Mapping[str, dict[int, DropReason]],
    ) -> None:
        self.profile = profile
        self.rows = rows
        self.values = values
        self.dropped = dropped
        self.rejected = rejected
        self._digests: dict[str, list[str | None]] = {}

    def usable(self, field: str) -> int:
        """Return how many contacts have a usable value for `field`."""
        return self.rows - sum(self.dropped[resolve_field(field)].values())

    def digests(self, field: str) -> list[str | None]:
        """Return, per contact, the SHA-256 hex digest of `field` as the profile sends it.

        Computed once per field, in bulk, then cached. A value the input already carried as a
        digest is kept as it is. For a field the profile sends in clear, or does not use, every
        entry is None: there is no digest to send.

        Raises:
            ConfigError: `field` is not a neutral identifier field.
        """
        name = resolve_field(field)
        cached = self._digests.get(name)
        if cached is not None:
            return cached
        if self.profile.hashed_fields.get(name) is not Hashing.HASH:
            return [None] * self.rows
        values = self.values[name]
        if name in _REPEATING:
            table = {value: _digest(value) for value in set(values)}
            digests = list(map(table.__getitem__, values))
        else:
            sha256 = hashlib.sha256
            digests = [
                None
                if value is None
                else value
                if len(value) == _DIGEST_LENGTH and is_digest(value)
                else sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
                for value in values
            ]
        self._digests[name] = digests
        return digests

    def row(self, index: int) -> dict[str, str]:
        """Return what a connector sends for contact `index`: digests where the profile hashes.

        Fields without a usable value are left out.
        """
        out: dict[str, str] = {}
        for name, how in self.profile.hashed_fields.items():
            value = self.values[name][index]
            if value is None:
                continue
            if how is Hashing.HASH:
                cached = self._digests.get(name)
                digest = cached[index] if cached is not None else _digest(value)
                out[name] = digest or value
            else:
                out[name] = value
        return out

    def results(self) -> list[dict[str, FieldResult]]:
        """Return, per contact, every field that had a value: the normalized value or the reason.

        Missing fields are left out; a blank or refused value appears with its reason.
        """
        out: list[dict[str, FieldResult]] = [{} for _ in range(self.rows)]
        for name in self.profile.fields:
            for index, value in enumerate(self.values[name]):
                if value is not None:
                    out[index][name] = FieldResult(value, None)
            for index, reason in self.rejected[name].items():
                out[index][name] = FieldResult(None, reason)
        return out

    def __repr__(self) -> str:
        usable = {name: self.usable(name) for name in self.profile.fields}
        return f"IdentityBatch(profile={self.profile.name!r}, rows={self.rows}, usable={usable})"

    __str__ = __repr__


def _columns(
    rows: list[Identifiers | Mapping[str, object]], names: Iterable[str]
) -> dict[str, list[object]]:
    if all(type(row) is dict for row in rows):
        dicts = cast("list[dict[str, object]]", rows)
        return {name: [row.get(name) for row in dicts] for name in names}
    if all(isinstance(row, Identifiers) for row in rows):
        return {name: list(map(attrgetter(name), rows)) for name in names}
    columns: dict[str, list[object]] = {name: [] for name in names}
    for row in rows:
        for name, column in columns.items():
            column.append(row.get(name) if isinstance(row, Mapping) else getattr(row, name, None))
    return columns


def _as_texts(column: list[object]) -> list[str | None]:
    """Return the column with every value as text (None kept), copying only when needed."""
    if set(map(type, column)) <= {str, type(None)}:
        return cast("list[str | None]", column)
    return [None if value is None else as_text(value) for value in column]


def _outcomes(
    rule: Rule, column: list[str | None], regions: list[str | None], *, name: str, hashed: bool
) -> list[_Result]:
    def one(value: str | None, region: str | None) -> _Result:
        if value is None:
            return None
        return apply_rule(rule, value, region, hashed=hashed)

    if name in _REPEATING:
        if name in _BY_COUNTRY:
            keys = list(zip(column, regions, strict=True))
            by_key = {key: one(*key) for key in set(keys)}
            return list(map(by_key.__getitem__, keys))
        by_value = {value: one(value, None) for value in set(column)}
        return list(map(by_value.__getitem__, column))
    if name in _BY_COUNTRY:
        return list(map(one, column, regions))
    return list(map(one, column, repeat(None)))


def normalize_contacts(
    contacts: Iterable[Identifiers | Mapping[str, object]], profile: str | Profile
) -> IdentityBatch:
    """Normalize the identifiers of many contacts for one profile, in bulk.

    Never raises on a value: unusable ones are counted with a reason.

    Args:
        contacts: `Identifiers` models or plain mappings of neutral field → raw value (text;
            a `datetime.date` for `date_of_birth` is accepted too). Each row's `country` is its
            default region for phone numbers and switches the US rules, as in `normalize`.
        profile: a profile or its name.

    Returns:
        The batch: per field, normalized values, drop counts and refused rows.

    Raises:
        ConfigError: unknown profile name.
    """
    chosen = resolve_profile(profile)
    rows = list(contacts)
    count = len(rows)
    columns = _columns(rows, {*chosen.fields, "country"})
    countries = columns["country"]
    region_of = {value: contact_region(value) for value in set(_as_texts(countries))}
    regions = list(map(region_of.__getitem__, _as_texts(countries)))
    values: dict[str, list[str | None]] = {}
    dropped: dict[str, Counter[DropReason]] = {}
    rejected: dict[str, dict[int, DropReason]] = {}
    for name, how, rule in chosen.entries():
        outcomes = _outcomes(
            rule, _as_texts(columns[name]), regions, name=name, hashed=how is Hashing.HASH
        )
        failed = list(compress(range(count), map(is_not, map(type, outcomes), repeat(str))))
        reasons: Counter[DropReason] = Counter()
        refused: dict[int, DropReason] = {}
        for index in failed:
            outcome = outcomes[index]
            if isinstance(outcome, DropReason):
                reasons[outcome] += 1
                refused[index] = outcome
            else:
                reasons[DropReason.EMPTY] += 1
        if failed:
            values[name] = [outcome if type(outcome) is str else None for outcome in outcomes]
        else:
            values[name] = outcomes
        dropped[name] = reasons
        rejected[name] = refused
    return IdentityBatch(
        profile=chosen, rows=count, values=values, dropped=dropped, rejected=rejected
    )
