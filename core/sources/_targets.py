"""Mapping targets: what a file column can feed, and how a cell becomes a typed value.

Every parser raises `ValueError` with a reason that never contains the value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from freehold.core.models import ConsentState, LifecycleStage, Purpose
from freehold.core.store import IDENTIFIER_FIELDS

__all__ = [
    "CLICK_ID_FIELDS",
    "ImportKind",
    "Target",
    "parse_attribute",
    "parse_consent",
    "parse_datetime",
    "parse_lifecycle",
    "parse_target",
    "text_of",
]

CLICK_ID_FIELDS = ("fbc", "fbp", "gclid", "gbraid", "wbraid", "msclkid")

_EVENT_SCALARS = (
    "event_id",
    "name",
    "occurred_at",
    "value",
    "currency",
    "order_id",
    "action_source",
    "client_ip",
    "user_agent",
    "source_url",
    "items",
)
_CONTACT_SCALARS = ("lifecycle", "consent_at", "consent_source")
_ATTRIBUTE_TYPES = ("str", "int", "float", "bool", "date", "datetime")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


class ImportKind(StrEnum):
    """What an import brings in."""

    CONTACTS = "contacts"
    EVENTS = "events"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a column goes.

    Attributes:
        kind: `contact_id`, `identifier`, `attribute`, `consent`, `property`, `click_id`, or a
            scalar target's own name (`lifecycle`, `occurred_at`, ...).
        name: the identifier field, attribute, purpose, property or click id.
        type: the declared type of an attribute (`attributes.ltv:float`), if any.
    """

    kind: str
    name: str | None = None
    type: str | None = None


def _contact_target(spec: str, prefix: str, rest: str) -> Target | None:
    if spec in _CONTACT_SCALARS:
        return Target(spec)
    if prefix == "attributes" and rest:
        name, _, type_ = rest.partition(":")
        if _NAME.match(name) and (not type_ or type_ in _ATTRIBUTE_TYPES):
            return Target("attribute", name, type_ or None)
        types = ", ".join(_ATTRIBUTE_TYPES)
        msg = f"bad attribute target (name: letters, digits, _ or -; types: {types})"
        raise ValueError(msg)
    if prefix == "consent" and rest in {purpose.value for purpose in Purpose}:
        return Target("consent", rest)
    return None


def _event_target(spec: str, prefix: str, rest: str) -> Target | None:
    if spec in _EVENT_SCALARS:
        return Target(spec)
    if spec in CLICK_ID_FIELDS:
        return Target("click_id", spec)
    if prefix == "properties" and _NAME.match(rest):
        return Target("property", rest)
    return None


def parse_target(spec: str, kind: ImportKind) -> Target:
    """Parse a mapping target such as `email`, `attributes.ltv:float` or `consent.ad_targeting`.

    Raises:
        ValueError: the target does not exist for this kind of import.
    """
    spec = spec.strip()
    if spec == "contact_id":
        return Target("contact_id")
    if spec in IDENTIFIER_FIELDS:
        return Target("identifier", spec)
    prefix, _, rest = spec.partition(".")
    by_kind = _contact_target if kind is ImportKind.CONTACTS else _event_target
    target = by_kind(spec, prefix, rest)
    if target is None:
        msg = f"unknown {kind.value} target"
        raise ValueError(msg)
    return target


def text_of(value: object) -> str | None:
    """Return a cell as text for an identifier (None when empty); numbers and dates are spelled."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    msg = "not a text or number value"
    raise ValueError(msg)


_CONSENT_WORDS = {
    "granted": ConsentState.GRANTED,
    "yes": ConsentState.GRANTED,
    "y": ConsentState.GRANTED,
    "true": ConsentState.GRANTED,
    "1": ConsentState.GRANTED,
    "opt-in": ConsentState.GRANTED,
    "denied": ConsentState.DENIED,
    "no": ConsentState.DENIED,
    "n": ConsentState.DENIED,
    "false": ConsentState.DENIED,
    "0": ConsentState.DENIED,
    "opt-out": ConsentState.DENIED,
    "unknown": ConsentState.UNKNOWN,
}


def parse_consent(value: object) -> ConsentState | None:
    """Parse a consent cell: granted/denied/unknown, yes/no, true/false, 1/0 (empty: None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ConsentState.GRANTED if value else ConsentState.DENIED
    text = str(value).strip().lower()
    if not text:
        return None
    state = _CONSENT_WORDS.get(text)
    if state is None:
        msg = "not a consent state (granted, denied, unknown, yes, no, true, false, 1, 0)"
        raise ValueError(msg)
    return state


def parse_lifecycle(value: object) -> LifecycleStage | None:
    """Parse a lifecycle stage (case-insensitive; empty: None)."""
    text = str(value).strip().lower() if value is not None else ""
    if not text:
        return None
    try:
        return LifecycleStage(text)
    except ValueError:
        stages = ", ".join(stage.value for stage in LifecycleStage)
        msg = f"not a lifecycle stage ({stages})"
        raise ValueError(msg) from None


def parse_datetime(value: object) -> dt.datetime | None:
    """Parse a timestamp: ISO 8601 (a date means midnight), or Unix seconds; naive means UTC."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            msg = "not an ISO 8601 timestamp"
            raise ValueError(msg) from None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed


_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^-?(0|[1-9][0-9]*)\.[0-9]+$")


def _infer(text: str) -> object:
    """Type a CSV cell: integers and decimals without leading zeros, true/false; else text."""
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    lowered = text.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    return text


def _to_bool(value: object) -> bool:
    state = parse_consent(value)
    if state is None or state is ConsentState.UNKNOWN:
        msg = "not a boolean (true, false, yes, no, 1, 0)"
        raise ValueError(msg)
    return state is ConsentState.GRANTED


def _to_date(value: object) -> str:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        msg = "not an ISO 8601 date"
        raise ValueError(msg) from None


def _to_datetime(value: object) -> str:
    parsed = parse_datetime(value)
    if parsed is None:  # pragma: no cover - empty cells never reach the converters
        msg = "empty timestamp"
        raise ValueError(msg)
    return parsed.astimezone(dt.UTC).isoformat()


def _to_number(kind: type[int] | type[float]) -> Callable[[object], object]:
    def convert(value: object) -> object:
        try:
            return kind(str(value).strip()) if not isinstance(value, int | float) else kind(value)
        except ValueError:
            msg = "not an integer" if kind is int else "not a number"
            raise ValueError(msg) from None

    return convert


_CONVERTERS: dict[str, Callable[[object], object]] = {
    "str": str,
    "int": _to_number(int),
    "float": _to_number(float),
    "bool": _to_bool,
    "date": _to_date,
    "datetime": _to_datetime,
}


def _json_value(value: object) -> object:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def parse_attribute(value: object, type_: str | None, *, text_values: bool) -> object:
    """Return an attribute value as JSON (None for an empty cell).

    With a declared type the cell is converted (dates as ISO strings); without one, text from
    a CSV is typed by its look (`42`, `4.5`, `true`) and other sources keep their own types.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if type_ is not None:
        return _CONVERTERS[type_](value)
    if text_values and isinstance(value, str):
        return _infer(value.strip())
    return _json_value(value)
