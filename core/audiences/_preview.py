"""Preview an audience: member count, a masked sample, and per destination the match coverage."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, exists, func, or_, select

from freehold.core.audiences._mask import mask_email, mask_phone
from freehold.core.audiences._membership import Desired, audience_kind, desired_members
from freehold.core.audiences._types import (
    AudienceBuilder,
    AudiencePreview,
    DestinationCoverage,
    MaskedMember,
    MemberScore,
)
from freehold.core.capabilities import AudienceSync
from freehold.core.errors import ConfigError
from freehold.core.identity import get_profile
from freehold.core.store.schema import contacts, digests, identifiers, utcnow

if TYPE_CHECKING:
    from freehold.core.config import AudienceConfig
    from freehold.core.store import Store

__all__ = ["MATCH_KEYS", "preview"]

logger = logging.getLogger(__name__)

MATCH_KEYS: tuple[str, ...] = ("email", "external_id", "mobile_ad_id", "phone")
"""Identifiers a vendor can match a person on alone; names and addresses only help alongside."""

_CHUNK = 500


def preview(
    store: Store,
    key: str,
    config: AudienceConfig,
    destinations: Mapping[str, type[Any]],
    *,
    builders: Mapping[str, AudienceBuilder] | None = None,
    sample: int = 10,
    now: dt.datetime | None = None,
    base_dir: Path | None = None,
) -> AudiencePreview:
    """Work out audience `key` as it would be now, without writing anything.

    A member is usable for a destination when it has at least one identifier that can match on
    its own (`MATCH_KEYS`), that the destination's connector accepts (`accepted_identifiers`)
    and that its identity profile uses: for a field the profile hashes, the store holds that
    profile's digest; for a field sent in clear, a normalized value. Builders see the stored
    membership as `previous`.

    Args:
        store: the first-party store.
        key: the audience key.
        config: its definition.
        destinations: destination name → connector class, for the destinations to report on.
        builders: the registered audience builders (needed for `builder:` audiences).
        sample: how many members to show, masked.
        now: the reference time; the current time when omitted.
        base_dir: where a relative `file:` path starts.

    Returns:
        The preview; sample identifiers are masked, never raw.

    Raises:
        ConfigError: the definition cannot be evaluated.
        InputError: the audience file is unreadable.
    """
    when = now or utcnow()
    kind = audience_kind(config)
    with store.engine.connect() as conn:
        desired = desired_members(
            conn, key, config, builders=builders or {}, now=when, base_dir=base_dir
        )
        count = _count(conn, desired)
        shown = _sample(conn, desired, limit=sample)
        coverage = tuple(
            _coverage(conn, desired, name, connector, members=count)
            for name, connector in destinations.items()
        )
        conn.rollback()
    return AudiencePreview(
        key=key,
        kind=kind,
        members=count,
        unresolved=desired.unresolved,
        sample=shown,
        destinations=coverage,
    )


def _chunks(items: Sequence[int]) -> Iterator[list[int]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk


def _count(conn: Connection, desired: Desired) -> int:
    if desired.query is not None:
        return int(
            conn.execute(select(func.count()).select_from(desired.query.subquery())).scalar_one()
        )
    return len(desired.scores or {})


def _sample(conn: Connection, desired: Desired, *, limit: int) -> tuple[MaskedMember, ...]:
    scores: Mapping[int, MemberScore] = desired.scores or {}
    if limit <= 0:
        return ()
    if desired.query is not None:
        pks = list(conn.execute(desired.query.order_by(contacts.c.pk).limit(limit)).scalars())
    else:
        pks = sorted(scores)[:limit]
    if not pks:
        return ()
    people = {
        pk: (contact_id, lifecycle)
        for pk, contact_id, lifecycle in conn.execute(
            select(contacts.c.pk, contacts.c.contact_id, contacts.c.lifecycle).where(
                contacts.c.pk.in_(pks)
            )
        )
    }
    found: dict[tuple[int, str], str] = {
        (pk, field): value
        for pk, field, value in conn.execute(
            select(identifiers.c.contact_pk, identifiers.c.field, identifiers.c.normalized).where(
                identifiers.c.contact_pk.in_(pks),
                identifiers.c.field.in_(("email", "phone")),
                identifiers.c.normalized.is_not(None),
            )
        )
    }
    members = []
    for pk in pks:
        contact_id, lifecycle = people[pk]
        email = found.get((pk, "email"))
        phone = found.get((pk, "phone"))
        score = scores.get(pk)
        members.append(
            MaskedMember(
                contact_id=contact_id,
                email=mask_email(email) if email else None,
                phone=mask_phone(phone) if phone else None,
                lifecycle=lifecycle,
                score=score.score if score else None,
                segment=score.segment if score else None,
            )
        )
    return tuple(members)


def _coverage(
    conn: Connection, desired: Desired, name: str, connector: type[Any], *, members: int
) -> DestinationCoverage:
    connector_name = str(getattr(connector, "name", connector.__name__))
    if not issubclass(connector, AudienceSync):
        return DestinationCoverage(
            destination=name,
            connector=connector_name,
            profile=None,
            fields=(),
            usable=0,
            share=None,
        )
    profile = connector.identity_profile
    try:
        known = get_profile(profile)
    except ConfigError:
        logger.warning("destination %s: unknown identity profile %s", name, profile)
        used, hashed = frozenset(MATCH_KEYS), frozenset[str]()
    else:
        used, hashed = frozenset(known.fields), known.hashed
    fields = tuple(sorted(set(connector.accepted_identifiers) & set(MATCH_KEYS) & used))
    usable = 0
    if fields and members:
        usable = _usable(conn, desired, _usable_condition(profile, fields, hashed))
    return DestinationCoverage(
        destination=name,
        connector=connector_name,
        profile=profile,
        fields=fields,
        usable=usable,
        share=usable / members if members else None,
    )


def _usable_condition(
    profile: str, fields: Sequence[str], hashed: frozenset[str]
) -> ColumnElement[bool]:
    """A contact has a digest for a field the profile hashes, or a normalized clear field."""
    clear = [field for field in fields if field not in hashed]
    digested = [field for field in fields if field in hashed]
    conditions: list[ColumnElement[bool]] = []
    if clear:
        conditions.append(
            exists().where(
                identifiers.c.contact_pk == contacts.c.pk,
                identifiers.c.field.in_(clear),
                identifiers.c.normalized.is_not(None),
            )
        )
    if digested:
        conditions.append(
            exists().where(
                digests.c.contact_pk == contacts.c.pk,
                digests.c.profile == profile,
                digests.c.field.in_(digested),
            )
        )
    return or_(*conditions)


def _usable(conn: Connection, desired: Desired, usable: ColumnElement[bool]) -> int:
    count = select(func.count()).select_from(contacts)
    if desired.query is not None:
        return int(conn.execute(count.where(contacts.c.pk.in_(desired.query), usable)).scalar_one())
    total = 0
    for chunk in _chunks(sorted(desired.scores or {})):
        total += int(conn.execute(count.where(contacts.c.pk.in_(chunk), usable)).scalar_one())
    return total
