"""Compile an audience filter from `freehold.yaml` into one set-based SQL query of contact pks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, select, true

from freehold.core.audiences._json import json_boolean, json_number, json_string, json_type_name
from freehold.core.config import AudienceFilter, BehaviourRule, Comparison, ConfigScalar
from freehold.core.errors import ConfigError
from freehold.core.models import ConsentState
from freehold.core.store.schema import attributes, consent_current, contacts, events

__all__ = ["compile_filter"]

_ORDERING = ("gt", "gte", "lt", "lte")


def compile_filter(where: AudienceFilter, *, now: dt.datetime) -> Select[int]:
    """Compile `where` into a query selecting the `contacts.pk` of every matching contact.

    Every given part must hold. The query is plain SQL over the store (no Python pass over
    contacts) and runs on SQLite and PostgreSQL.

    - `lifecycle`: the contact's stage is one of those listed.
    - `consent`: the current state is `granted` for every listed purpose.
    - `attributes`: a plain value means equality; a comparison applies every operator given.
      Values compare by type (numbers as numbers, text as text, dates as ISO text). `ne` and
      `not_in` also match contacts without the attribute; the other operators need it.
      `null` (as a value, `eq`, or in `in`) stands for a missing attribute or a null value;
      `ne: null` means the attribute has a value.
    - `behaviour`: over events up to `now`, `did` X (optionally `within_days`,
      `count_at_least` k, `sum_at_least` v over the events' `value`); `did_not` X is the
      negation of the same rule.

    Args:
        where: the audience's `where:` filter.
        now: the reference time for `within_days` (timezone-aware).

    Returns:
        A `SELECT contacts.pk ...` usable as a subquery or executed directly.

    Raises:
        ConfigError: a comparison cannot apply to the value given (ordering on a boolean).
        ValueError: `now` is naive.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        msg = "compile_filter needs a timezone-aware 'now'"
        raise ValueError(msg)
    conditions: list[ColumnElement[bool]] = []
    if where.lifecycle is not None:
        conditions.append(contacts.c.lifecycle.in_([stage.value for stage in where.lifecycle]))
    conditions.extend(
        exists().where(
            consent_current.c.contact_pk == contacts.c.pk,
            consent_current.c.purpose == purpose.value,
            consent_current.c.state == ConsentState.GRANTED.value,
        )
        for purpose in where.consent or ()
    )
    for name, wanted in where.attributes.items():
        conditions.extend(_attribute(name, wanted))
    conditions.extend(
        _behaviour(rule, now=now, index=index) for index, rule in enumerate(where.behaviour)
    )
    return select(contacts.c.pk).where(and_(true(), *conditions))


def _has(name: str, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(
        attributes.c.contact_pk == contacts.c.pk, attributes.c.name == name, condition
    )


def _present(name: str) -> ColumnElement[bool]:
    return _has(name, json_type_name(attributes.c.value) != "null")


def _attribute(name: str, wanted: Comparison | ConfigScalar) -> list[ColumnElement[bool]]:
    if not isinstance(wanted, Comparison):
        return [_equal_condition(name, wanted)]
    conditions: list[ColumnElement[bool]] = []
    given = wanted.model_fields_set
    if "eq" in given:
        conditions.append(_equal_condition(name, wanted.eq))
    if "ne" in given:
        conditions.append(not_(_equal_condition(name, wanted.ne)))
    if "in_" in given:
        conditions.append(_member_condition(name, wanted.in_ or []))
    if "not_in" in given:
        conditions.append(not_(_member_condition(name, wanted.not_in or [])))
    conditions.extend(
        _has(name, _ordered(name, operator, getattr(wanted, operator)))
        for operator in _ORDERING
        if operator in given
    )
    return conditions


def _equal_condition(name: str, value: ConfigScalar) -> ColumnElement[bool]:
    if value is None:
        return not_(_present(name))
    column, operand = _typed(name, value)
    return _has(name, column == operand)


def _member_condition(name: str, values: Sequence[ConfigScalar]) -> ColumnElement[bool]:
    groups: dict[str, tuple[ColumnElement[Any], list[object]]] = {}
    for value in values:
        if value is not None:
            column, operand = _typed(name, value)
            groups.setdefault(column.name, (column, []))[1].append(operand)
    condition: ColumnElement[bool] = (
        _has(name, or_(*(column.in_(operands) for column, operands in groups.values())))
        if groups
        else false()
    )
    if any(value is None for value in values):
        condition = or_(condition, not_(_present(name)))
    return condition


def _typed(name: str, value: ConfigScalar) -> tuple[ColumnElement[Any], object]:
    column = attributes.c.value
    if isinstance(value, bool):
        return json_boolean(column), value
    if isinstance(value, int | float):
        return json_number(column), float(value)
    if isinstance(value, dt.date):  # dates and datetimes are stored as ISO text
        return json_string(column), value.isoformat()
    if isinstance(value, str):
        return json_string(column), value
    msg = f"attributes.{name}: cannot compare with a value of type {type(value).__name__}"
    raise ConfigError(msg)


def _ordered(name: str, operator: str, value: ConfigScalar) -> ColumnElement[bool]:
    if value is None:
        msg = f"attributes.{name}.{operator}: null has no order"
        raise ConfigError(msg)
    if isinstance(value, bool):
        msg = f"attributes.{name}.{operator}: a boolean has no order"
        raise ConfigError(msg)
    column, operand = _typed(name, value)
    result: ColumnElement[bool]
    if operator == "gt":
        result = column > operand
    elif operator == "gte":
        result = column >= operand
    elif operator == "lt":
        result = column < operand
    else:
        result = column <= operand
    return result


def _behaviour(rule: BehaviourRule, *, now: dt.datetime, index: int) -> ColumnElement[bool]:
    name = rule.did if rule.did is not None else rule.did_not
    if name is None:
        msg = f"behaviour[{index}]: give 'did' or 'did_not'"
        raise ConfigError(msg)
    conditions: list[ColumnElement[bool]] = [
        events.c.name == name,
        events.c.contact_pk.is_not(None),
        events.c.occurred_at <= now,
    ]
    if rule.within_days is not None:
        conditions.append(events.c.occurred_at >= now - dt.timedelta(days=rule.within_days))
    having: list[ColumnElement[bool]] = []
    if rule.count_at_least is not None:
        having.append(func.count() >= rule.count_at_least)
    if rule.sum_at_least is not None:
        total = func.coalesce(func.sum(events.c.value), 0)
        having.append(total >= rule.sum_at_least)
    doers = select(events.c.contact_pk).where(*conditions)
    if having:
        doers = doers.group_by(events.c.contact_pk).having(and_(*having))
    did = contacts.c.pk.in_(doers)
    return did if rule.did is not None else not_(did)
