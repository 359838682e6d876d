"""Reading contacts back as neutral models, with their identifiers, attributes and consents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from freehold.core.models import (
    AttributeValue,
    Consent,
    ConsentState,
    Contact,
    Identifiers,
    LifecycleStage,
    Purpose,
)
from freehold.core.store._sql import chunked
from freehold.core.store.schema import attributes, consent_current, contacts, identifiers

if TYPE_CHECKING:
    from pydantic import JsonValue

__all__ = ["load_contacts"]

_MAX_TEXT = 1024
_PURPOSES = {purpose.value: purpose for purpose in Purpose}


def _identifier_value(name: str, raw: str, normalized: str | None) -> object:
    """The value a neutral `Identifiers` holds: as received, except typed fields.

    Country and date of birth are typed in the model, so their normalized form is used; a value
    the model cannot hold is left out (the store still has it).
    """
    if name == "country":
        value = normalized or raw.strip()
        return value.upper() if len(value) == 2 and value.isalpha() else None  # noqa: PLR2004
    if name == "date_of_birth":
        return _date(normalized) or _date(raw.strip())
    return raw if len(raw) <= _MAX_TEXT else None


def _date(value: str | None) -> dt.date | None:
    """Read an ISO date (`1990-02-03`) or the compact form the kit produces (`19900203`)."""
    if not value:
        return None
    if len(value) == 8 and value.isdigit():  # noqa: PLR2004
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _attribute(value: JsonValue) -> AttributeValue:
    return value if isinstance(value, str | int | float | bool) else None


def load_contacts(connection: Connection, pks: Sequence[int]) -> list[Contact]:
    """Return the neutral contacts for `pks`, in that order; unknown pks are left out."""
    heads: dict[int, tuple[str, str | None]] = {}
    fields: dict[int, dict[str, object]] = {}
    attrs: dict[int, dict[str, AttributeValue]] = {}
    consents: dict[int, dict[Purpose, Consent]] = {}
    for batch in chunked(sorted(set(pks))):
        for pk, contact_id, lifecycle in connection.execute(
            select(contacts.c.pk, contacts.c.contact_id, contacts.c.lifecycle).where(
                contacts.c.pk.in_(batch)
            )
        ):
            heads[pk] = (contact_id, lifecycle)
        for pk, name, raw, normalized in connection.execute(
            select(
                identifiers.c.contact_pk,
                identifiers.c.field,
                identifiers.c.raw,
                identifiers.c.normalized,
            ).where(identifiers.c.contact_pk.in_(batch))
        ):
            value = _identifier_value(name, raw, normalized)
            if value is not None and name in Identifiers.model_fields:
                fields.setdefault(pk, {})[name] = value
        for pk, name, value in connection.execute(
            select(attributes.c.contact_pk, attributes.c.name, attributes.c.value).where(
                attributes.c.contact_pk.in_(batch)
            )
        ):
            attrs.setdefault(pk, {})[name] = _attribute(value)
        for pk, purpose, state, at, source in connection.execute(
            select(
                consent_current.c.contact_pk,
                consent_current.c.purpose,
                consent_current.c.state,
                consent_current.c.at,
                consent_current.c.source,
            ).where(consent_current.c.contact_pk.in_(batch))
        ):
            if purpose in _PURPOSES:
                consents.setdefault(pk, {})[_PURPOSES[purpose]] = Consent(
                    purpose=_PURPOSES[purpose], state=ConsentState(state), at=at, source=source
                )
    out: list[Contact] = []
    for pk in pks:
        if pk not in heads:
            continue
        contact_id, lifecycle = heads[pk]
        out.append(
            Contact(
                contact_id=contact_id,
                identifiers=Identifiers.model_validate(fields.get(pk, {})),
                attributes=attrs.get(pk, {}),
                lifecycle=LifecycleStage(lifecycle) if lifecycle else None,
                consents=consents.get(pk, {}),
            )
        )
    return out
