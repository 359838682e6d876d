"""Column mappings: from a source row to a contact or event record, or to its rejections."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from freehold.core.errors import ConfigError
from freehold.core.models import ConsentState, Event, LifecycleStage, Purpose
from freehold.core.sources._targets import (
    ImportKind,
    Target,
    parse_attribute,
    parse_consent,
    parse_datetime,
    parse_lifecycle,
    parse_target,
    text_of,
)
from freehold.core.store import ContactRecord, EventRecord, Rejection

if TYPE_CHECKING:
    import datetime as dt

    from pydantic import JsonValue

    from freehold.core.sources._base import SourceRow

__all__ = ["ColumnMapping"]

_MISSING = object()
_MAX_SHAPES = 256
"""Row shapes (column sets) whose compiled plan is kept; JSON Lines rows may vary."""


class ColumnMapping:
    """Which file column feeds which neutral target, for one kind of import.

    Explicit entries (`column → target`, from config or `--map`) come first; any other column
    whose name is itself a target (`email`, `consent.ad_targeting`, `attributes.tier`) maps to
    it unless `auto` is off or that target is already fed by an explicit column. Other
    columns are ignored and listed in `ignored`.

    Raises:
        ConfigError: an explicit target does not exist; every bad entry is listed.
    """

    def __init__(
        self,
        kind: ImportKind,
        columns: Mapping[str, str] | None = None,
        *,
        auto: bool = True,
    ) -> None:
        """Compile the explicit `columns` mapping for `kind`."""
        self.kind = kind
        self._explicit: dict[str, Target] = {}
        self._auto = auto
        problems: list[str] = []
        for column, spec in (columns or {}).items():
            try:
                self._explicit[column] = parse_target(spec, kind)
            except ValueError as exc:
                problems.append(f"column {column!r} -> {spec!r}: {exc}")
        if problems:
            raise ConfigError(f"bad {kind.value} column mapping: " + "; ".join(problems))
        self._taken = set(self._explicit.values())
        self._cache: dict[str, Target | None] = dict(self._explicit)
        self._plans: dict[tuple[str, ...], list[tuple[str, Target, _Handler]]] = {}
        self.ignored: set[str] = set()

    def fingerprint(self) -> str:
        """A short hash of the kind and the explicit mapping (part of the resume key)."""
        spec = json.dumps(
            [self.kind.value, self._auto, sorted((c, repr(t)) for c, t in self._explicit.items())]
        )
        return hashlib.sha256(spec.encode()).hexdigest()[:16]

    def target(self, column: str) -> Target | None:
        """Return where `column` goes, or None when it is ignored."""
        found = self._cache.get(column, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        target: Target | None = None
        if self._auto:
            try:
                candidate = parse_target(column.strip(), self.kind)
            except ValueError:
                candidate = None
            if candidate is not None and candidate not in self._taken:
                target = candidate
        if target is None:
            self.ignored.add(column)
        self._cache[column] = target
        return target

    def _contact_plan(self, columns: tuple[str, ...]) -> list[tuple[str, Target, _Handler]]:
        """The mapped columns of a row shape with their handlers, compiled once per shape."""
        plan = self._plans.get(columns)
        if plan is None:
            plan = [
                (column, target, _CONTACT_HANDLERS[target.kind])
                for column in columns
                if (target := self.target(column)) is not None
            ]
            if len(self._plans) < _MAX_SHAPES:
                self._plans[columns] = plan
        return plan

    def to_contact(self, row: SourceRow, *, text_values: bool) -> ContactRecord | list[Rejection]:
        """Build the contact record of `row`, or say every reason it cannot be imported."""
        if row.error is not None:
            return [Rejection(row.number, None, row.error)]
        parts = _ContactParts(text_values=text_values)
        identifiers = parts.identifiers
        rejections: list[Rejection] = []
        values = row.values
        for column, target, handler in self._contact_plan(tuple(values)):
            value = values[column]
            if value is None:
                continue
            if handler is _set_identifier and type(value) is str:
                if value.strip():  # the common case, inline: text kept exactly as received
                    identifiers[target.name or ""] = value
                continue
            try:
                handler(parts, target, value)
            except ValueError as exc:
                rejections.append(Rejection(row.number, column, str(exc)))
        if rejections:
            return rejections
        return ContactRecord(
            contact_id=parts.contact_id,
            identifiers=parts.identifiers,
            attributes=parts.attributes,
            lifecycle=parts.lifecycle,
            consents=parts.consents,
            consent_at=parts.consent_at,
            consent_source=parts.consent_source,
            row=row.number,
        )

    def to_event(self, row: SourceRow, *, text_values: bool) -> EventRecord | list[Rejection]:
        """Build the event record of `row` (validated as an `Event`), or say why not."""
        if row.error is not None:
            return [Rejection(row.number, None, row.error)]
        parts = _EventParts()
        rejections: list[Rejection] = []
        for column, value in row.values.items():
            target = self.target(column)
            if target is None or value is None or (isinstance(value, str) and not value.strip()):
                continue
            try:
                _event_value(parts, target, column, value, text_values=text_values)
            except ValueError as exc:
                rejections.append(Rejection(row.number, column, str(exc)))
        if rejections:
            return rejections
        if parts.click_ids:
            parts.fields["click_ids"] = parts.click_ids
        if parts.properties:
            parts.fields["properties"] = parts.properties
        try:
            event = Event.model_validate(parts.fields)
        except ValidationError as exc:
            return [
                Rejection(row.number, _column_of(error["loc"], parts.columns), _reason(error))
                for error in exc.errors(include_url=False, include_input=False)
            ]
        return EventRecord.from_event(event, identifiers=parts.identifiers, row=row.number)


_Handler = Callable[["_ContactParts", Target, object], None]


@dataclass(slots=True)
class _ContactParts:
    text_values: bool
    contact_id: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, JsonValue] = field(default_factory=dict)
    consents: dict[Purpose, ConsentState] = field(default_factory=dict)
    lifecycle: LifecycleStage | None = None
    consent_at: dt.datetime | None = None
    consent_source: str | None = None


def _set_identifier(parts: _ContactParts, target: Target, value: object) -> None:
    text = text_of(value)
    if text is not None:
        parts.identifiers[target.name or ""] = text


def _set_contact_id(parts: _ContactParts, _target: Target, value: object) -> None:
    text = text_of(value)
    parts.contact_id = text.strip() if text else None


def _set_attribute(parts: _ContactParts, target: Target, value: object) -> None:
    typed = parse_attribute(value, target.type, text_values=parts.text_values)
    if typed is not None:
        parts.attributes[target.name or ""] = typed  # type: ignore[assignment]


def _set_consent(parts: _ContactParts, target: Target, value: object) -> None:
    state = parse_consent(value)
    if state is not None:
        parts.consents[Purpose(target.name or "")] = state


def _set_lifecycle(parts: _ContactParts, _target: Target, value: object) -> None:
    parts.lifecycle = parse_lifecycle(value)


def _set_consent_at(parts: _ContactParts, _target: Target, value: object) -> None:
    parts.consent_at = parse_datetime(value)


def _set_consent_source(parts: _ContactParts, _target: Target, value: object) -> None:
    text = text_of(value)
    parts.consent_source = text.strip() if text else None


_CONTACT_HANDLERS: dict[str, _Handler] = {
    "identifier": _set_identifier,
    "contact_id": _set_contact_id,
    "attribute": _set_attribute,
    "consent": _set_consent,
    "lifecycle": _set_lifecycle,
    "consent_at": _set_consent_at,
    "consent_source": _set_consent_source,
}


@dataclass(slots=True)
class _EventParts:
    fields: dict[str, object] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    identifiers: dict[str, str] = field(default_factory=dict)
    click_ids: dict[str, object] = field(default_factory=dict)
    properties: dict[str, object] = field(default_factory=dict)


def _event_value(
    parts: _EventParts, target: Target, column: str, value: object, *, text_values: bool
) -> None:
    kind, name = target.kind, target.name or ""
    if kind == "identifier":
        text = text_of(value)
        if text is not None:
            parts.identifiers[name] = text
    elif kind == "click_id":
        parts.click_ids[name] = text_of(value)
    elif kind == "property":
        parts.properties[name] = parse_attribute(value, None, text_values=text_values)
    else:
        if kind == "items":
            value = _json_list(value)
        elif kind == "occurred_at":
            value = parse_datetime(value)
        else:
            value = text_of(value)
        parts.fields[kind] = value
        parts.columns[kind] = column


def _json_list(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        msg = "not valid JSON"
        raise ValueError(msg) from None


def _column_of(loc: tuple[int | str, ...], columns: Mapping[str, str]) -> str | None:
    head = str(loc[0]) if loc else None
    if head is None:
        return None
    if head in {"click_ids", "properties"} and len(loc) > 1:
        return str(loc[1])
    return columns.get(head, head)


def _reason(error: Mapping[str, object]) -> str:
    loc = error.get("loc") or ()
    message = str(error.get("msg", "invalid"))
    if not loc:
        return message.removeprefix("Value error, ")
    if error.get("type") == "missing":
        return f"{loc[0]} is required"  # type: ignore[index]
    return message.removeprefix("Value error, ")
