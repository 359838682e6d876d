"""Normalize and hash identifiers in bulk: one column at a time, each distinct value once.

A column whose values repeat (names, cities, postal codes, countries, genders...; decided on a
sample, so an unusual data set still takes the cheap path) is normalized and later hashed once per
distinct value (per value and country where the country matters). A column of unique values
(emails, phones, ids) goes straight through its rule, one call per row; phones then rely on the
shape cache in `_phone`. Passes over the rows are kept few, since on large inputs each pass costs
about as much as the work done in it. Nothing here compiles a pattern or builds a library object
per row.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import compress, repeat
from operator import attrgetter, is_
from typing import NamedTuple, TypeVar, cast

from freehold.core.identity import _rules as rules
from freehold.core.identity._api import apply_rule, as_text, contact_region
from freehold.core.identity._fields import DropReason, Hashing
from freehold.core.identity._profiles import Profile, resolve_field, resolve_profile
from freehold.core.identity._rules import Rule
from freehold.core.identity._text import is_digest
from freehold.core.models import Identifiers

__all__ = ["FieldResult", "IdentityBatch", "digest_profiles", "normalize_contacts"]

_BY_COUNTRY = frozenset({"phone", "region", "postal_code"})
"""Fields whose rule depends on the contact's country."""

_CHUNK = 8192
"""Rows processed together; the first chunk holding a field decides whether to memoize it."""

_FEW_DISTINCT = 0.2
"""Memoize a column when at most this share of its values are (estimated) distinct."""

_DIGEST_LENGTH = 64

_K = TypeVar("_K")

_Result = str | DropReason | None
"""A rule's outcome for one row; None when the row had no value at all."""


class FieldResult(NamedTuple):
    """One row's outcome for one field: the normalized value, or why there is none."""

    value: str | None
    reason: DropReason | None


def _digest_of(value: str) -> str:
    if len(value) == _DIGEST_LENGTH and is_digest(value):
        return value
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _digest(value: str | None) -> str | None:
    return None if value is None else _digest_of(value)


def _digest_column(values: list[str | None], kept: set[str | None] | None) -> list[str | None]:
    """Digest every value of a column; once per distinct value when `kept` lists them."""
    if kept is not None:
        table = {value: _digest(value) for value in kept}
        table[None] = None
        return list(map(table.__getitem__, values))
    sha256 = hashlib.sha256
    return [
        None
        if value is None
        else value
        if len(value) == _DIGEST_LENGTH and is_digest(value)
        else sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        for value in values
    ]


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

    __slots__ = ("_digests", "_distinct", "dropped", "profile", "rejected", "rows", "values")

    def __init__(
        self,
        *,
        profile: Profile,
        rows: int,
        values: Mapping[str, list[str | None]],
        dropped: Mapping[str, Counter[DropReason]],
        rejected: Mapping[str, dict[int, DropReason]],
        distinct: Mapping[str, set[str | None]] | None = None,
    ) -> None:
        self.profile = profile
        self.rows = rows
        self.values = values
        self.dropped = dropped
        self.rejected = rejected
        self._digests: dict[str, list[str | None]] = {}
        self._distinct = distinct or {}

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
        digests = _digest_column(self.values[name], self._distinct.get(name))
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
                digest = cached[index] if cached is not None else None
                out[name] = digest if digest is not None else _digest_of(value)
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
    rows: list[Identifiers | Mapping[str, object]], names: Sequence[str]
) -> dict[str, list[object] | None]:
    """Return each named column, or None for a column no row has a value in."""
    columns: dict[str, list[object] | None]
    if all(type(row) is dict for row in rows):
        dicts = cast("list[dict[str, object]]", rows)
        present = set().union(*dicts)
        columns = {
            name: list(map(dict.get, dicts, repeat(name))) if name in present else None
            for name in names
        }
    elif all(isinstance(row, Identifiers) for row in rows):
        columns = {name: list(map(attrgetter(name), rows)) for name in names}
    else:
        columns = {name: [] for name in names}
        for row in rows:
            for name in names:
                value = row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
                cast("list[object]", columns[name]).append(value)
    count = len(rows)
    for name, column in columns.items():
        if column is not None and column.count(None) == count:
            columns[name] = None
    return columns


def _as_texts(column: list[object]) -> list[object]:
    return [None if value is None else as_text(value) for value in column]


def _regions(
    column: list[object] | None, count: int, table: dict[object, str | None]
) -> list[str | None]:
    """Return each row's country as an alpha-2 code (None when unknown), once per spelling."""
    if column is None:
        return [None] * count
    try:
        new = set(column).difference(table)
    except TypeError:  # an unhashable value: compare as text
        column = _as_texts(column)
        new = set(column).difference(table)
    for value in new:
        table[value] = contact_region(value)
    return list(map(table.__getitem__, column))


def _repeats(column: list[object], *, total: int) -> bool:
    """Tell whether a field has few enough distinct values to normalize each only once.

    `column` is a sample (the first chunk) of a field of `total` rows. Memoizing costs a few
    passes (keys, a set, a lookup per row), which pays only when values repeat a lot. The number
    of distinct values is estimated with Chao1 (distinct + singletons² / 2·doubletons), so a
    million ZIP codes with a few thousand distinct values count as repeating although the sample
    looks nearly all distinct.
    """
    try:
        counts = Counter(value for value in column if value is not None)
    except TypeError:
        return False
    sampled = sum(counts.values())
    if not sampled:
        return False
    estimate: float = len(counts)
    if total > len(column):
        once = sum(1 for seen in counts.values() if seen == 1)
        twice = sum(1 for seen in counts.values() if seen == 2)  # noqa: PLR2004 - doubletons
        estimate += once * once / (2 * twice) if twice else once * (once - 1) / 2
    given = sampled * total / len(column)
    return estimate <= given * _FEW_DISTINCT


def _one(rule: Rule, *, hashed: bool) -> Callable[[object, str | None], _Result]:
    """Wrap `rule` for any raw value: None stays None, non-text becomes text, digests pass."""

    def one(value: object, region: str | None) -> _Result:
        if value is None:
            return None
        return apply_rule(rule, as_text(value), region, hashed=hashed)

    return one


def _direct(
    rule: Rule, column: list[object], regions: list[str | None], *, by_country: bool, hashed: bool
) -> list[_Result]:
    """One rule call per row; the wrapper only for non-text or digest-length values."""
    one = _one(rule, hashed=hashed)
    if by_country:
        return [
            None
            if value is None
            else rule(value, region)
            if type(value) is str and len(value) < _DIGEST_LENGTH
            else one(value, region)
            for value, region in zip(column, regions, strict=True)
        ]
    return [
        None
        if value is None
        else rule(value, None)
        if type(value) is str and len(value) < _DIGEST_LENGTH
        else one(value, None)
        for value in column
    ]


def _memoized(
    rule: Rule,
    column: list[object],
    regions: list[str | None],
    table: dict[object, _Result],
    *,
    by_country: bool,
    hashed: bool,
) -> list[_Result]:
    """One rule call per distinct value (and country), remembered in `table` across chunks."""
    one = _one(rule, hashed=hashed)
    keys: list[object] = list(zip(column, regions, strict=True)) if by_country else column
    for key in set(keys).difference(table):
        table[key] = one(*key) if by_country else one(key, None)  # type: ignore[misc]
    return list(map(table.__getitem__, keys))


class _Field:
    """One field's results, accumulated chunk by chunk."""

    __slots__ = ("memo", "reasons", "refused", "table", "values")

    def __init__(self) -> None:
        self.values: list[str | None] = []
        self.reasons: Counter[DropReason] = Counter()
        self.refused: dict[int, DropReason] = {}
        self.memo: bool | None = None
        self.table: dict[object, _Result] = {}

    def absent(self, count: int) -> None:
        self.values.extend(repeat(None, count))
        if count:
            self.reasons[DropReason.EMPTY] += count

    def add(self, outcomes: list[_Result], start: int) -> None:
        """Append one chunk's outcomes, touching only its refused rows in Python."""
        missing = outcomes.count(None)
        if missing:
            self.reasons[DropReason.EMPTY] += missing
        if DropReason in set(map(type, outcomes)):
            kinds = map(is_, map(type, outcomes), repeat(DropReason))
            for index in compress(range(len(outcomes)), kinds):
                reason = cast("DropReason", outcomes[index])
                self.refused[start + index] = reason
                self.reasons[reason] += 1
                outcomes[index] = None
        self.values.extend(outcomes)


_Entry = tuple[str, Rule, bool]
"""(neutral field, rule, whether the profile hashes the field): one column's normalization."""


def _normalize(
    rows: list[Identifiers | Mapping[str, object]], entries: Mapping[_K, _Entry]
) -> dict[_K, _Field]:
    """Run every entry over `rows`, chunk by chunk; return each entry's results by its key."""
    count = len(rows)
    names = tuple(dict.fromkeys((*(name for name, _, _ in entries.values()), "country")))
    fields = {key: _Field() for key in entries}
    countries: dict[object, str | None] = {}
    # Chunks keep each pass over the rows inside the CPU caches: on a million contacts that
    # halves the cost of reading the columns out of the row dicts.
    for start in range(0, count, _CHUNK):
        chunk = rows[start : start + _CHUNK]
        columns = _columns(chunk, names)
        regions = _regions(columns["country"], len(chunk), countries)
        for key, (name, rule, hashed) in entries.items():
            field = fields[key]
            column = columns[name]
            if column is None:
                field.absent(len(chunk))
                continue
            options = {"by_country": name in _BY_COUNTRY, "hashed": hashed}
            if field.memo is None:
                field.memo = _repeats(column, total=count - start)
            outcomes = None
            if field.memo:
                try:
                    outcomes = _memoized(rule, column, regions, field.table, **options)
                except TypeError:  # an unhashable value: one call per row from now on
                    field.memo = False
            if outcomes is None:
                outcomes = _direct(rule, column, regions, **options)
            field.add(outcomes, start)
    return fields


def _distinct(field: _Field) -> set[str | None] | None:
    """The distinct usable values of a memoized field (None when it was not memoized)."""
    if not field.memo:
        return None
    return {value if type(value) is str else None for value in field.table.values()}


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
    fields = _normalize(
        rows, {name: (name, rule, how is Hashing.HASH) for name, how, rule in chosen.entries()}
    )
    distinct = {name: _distinct(field) for name, field in fields.items()}
    return IdentityBatch(
        profile=chosen,
        rows=len(rows),
        values={name: field.values for name, field in fields.items()},
        dropped={name: field.reasons for name, field in fields.items()},
        rejected={name: field.refused for name, field in fields.items()},
        distinct={name: kept for name, kept in distinct.items() if kept is not None},
    )


_REFINES: dict[Rule, tuple[Rule, Callable[[str], str | DropReason]]] = {
    rules.phone_digits: (rules.phone_e164, rules.without_plus),
    rules.email_google: (rules.email_plain, rules.gmail_canonical),
}
"""Rules that are another rule's result plus one cheap step: (that rule, the step)."""


def digest_profiles(
    contacts: Iterable[Identifiers | Mapping[str, object]], profiles: Sequence[str | Profile]
) -> dict[str, dict[str, list[str | None]]]:
    """Return, per profile and per field it hashes, the digest of each contact's value.

    The same lists as `normalize_contacts(contacts, profile).digests(field)` for every pair,
    with the work shared between the profiles: a rule several of them use (with the field
    hashed) runs once and its values are digested once, and a rule that refines another
    (`_REFINES`: Meta's phone digits, Google's gmail addresses) only adds its step to the
    other's values. The lists are shared between profiles: treat them as read-only.

    Raises:
        ConfigError: unknown profile name.
    """
    chosen = [resolve_profile(profile) for profile in profiles]
    rows = list(contacts)
    wanted = [
        (profile.name, name, rule)
        for profile in chosen
        for name, how, rule in profile.entries()
        if how is Hashing.HASH
    ]
    entries: dict[tuple[str, Rule], _Entry] = {}
    for _, name, rule in wanted:
        base = _REFINES.get(rule, (rule, None))[0]
        entries[name, base] = (name, base, True)
    fields = _normalize(rows, entries)
    columns: dict[tuple[str, Rule], list[str | None]] = {}
    out: dict[str, dict[str, list[str | None]]] = {profile.name: {} for profile in chosen}
    for profile_name, name, rule in wanted:
        column = columns.get((name, rule))
        if column is None:
            refine = _REFINES.get(rule)
            if refine is None:
                field = fields[name, rule]
                column = _digest_column(field.values, _distinct(field))
            else:
                field = fields[name, refine[0]]
                values, kept = _refined(field, refine[1])
                column = _digest_column(values, kept)
            columns[name, rule] = column
        out[profile_name][name] = column
    return out


def _refined(
    field: _Field, step: Callable[[str], str | DropReason]
) -> tuple[list[str | None], set[str | None] | None]:
    """Apply `step` to a field's usable values (a refused value becomes None)."""
    table: dict[str | None, str | None] = {None: None}
    kept = _distinct(field)
    if kept is not None:
        for value in kept:
            if value is not None:
                table[value] = _usable(step(value))
        return list(map(table.__getitem__, field.values)), set(table.values())
    return [None if value is None else _usable(step(value)) for value in field.values], None


def _usable(outcome: str | DropReason) -> str | None:
    return None if isinstance(outcome, DropReason) else outcome
