"""Compute audiences into the store: diff the desired membership against the stored one."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Select, bindparam, func, literal, or_, select, update

from freehold.core.audiences._membership import (
    Desired,
    audience_kind,
    definition_hash,
    desired_members,
    sql_members,
)
from freehold.core.audiences._types import (
    AudienceBuilder,
    AudienceKind,
    AudienceResult,
    MemberScore,
)
from freehold.core.store.schema import UtcDateTime, audience_members, audiences

if TYPE_CHECKING:
    from freehold.core.config import AudienceConfig
    from freehold.core.store import Store

__all__ = ["compute_all", "compute_audience"]

logger = logging.getLogger(__name__)

_CHUNK = 500


def compute_audience(
    store: Store,
    key: str,
    config: AudienceConfig,
    *,
    builders: Mapping[str, AudienceBuilder],
    now: dt.datetime,
    base_dir: Path | None = None,
) -> AudienceResult:
    """Compute audience `key` and store its membership, changing only what changed.

    New members are inserted with `since = now`; members that stay keep their `since` (their
    score and segment are updated); members that left are deleted. The `audiences` row records
    the definition hash, the time and the member count. Everything is written in one transaction.

    Args:
        store: the first-party store.
        key: the audience key.
        config: its definition from `freehold.yaml`.
        builders: the registered audience builders by name (for `builder:` audiences).
        now: the time of the computation (timezone-aware).
        base_dir: where a relative `file:` path starts (the project file's folder).

    Returns:
        The member count and how many entered and left.

    Raises:
        ConfigError: the definition cannot be evaluated (the message names the audience).
        InputError: the audience file is unreadable.
    """
    desired: Desired | None = None
    if audience_kind(config) is AudienceKind.SQL and config.sql is not None:
        desired = sql_members(store.engine, key, config.sql, now=now)
    with store.begin() as conn:
        audience_pk = _ensure_audience(conn, key, definition_hash(config))
        if desired is None:
            desired = desired_members(
                conn, key, config, builders=builders, now=now, base_dir=base_dir
            )
        if desired.query is not None:
            added, removed = _apply_query(conn, audience_pk, desired.query, now=now)
        else:
            added, removed = _apply_scores(conn, audience_pk, desired.scores or {}, now=now)
        members = conn.execute(
            select(func.count()).where(audience_members.c.audience_pk == audience_pk)
        ).scalar_one()
        conn.execute(
            update(audiences)
            .where(audiences.c.pk == audience_pk)
            .values(definition_hash=definition_hash(config), computed_at=now, member_count=members)
        )
    logger.info(
        "audience %s computed: %d members, %d added, %d removed, %d unresolved",
        key,
        members,
        added,
        removed,
        desired.unresolved,
    )
    return AudienceResult(
        key=key, members=members, added=added, removed=removed, unresolved=desired.unresolved
    )


def compute_all(
    store: Store,
    configs: Mapping[str, AudienceConfig],
    *,
    builders: Mapping[str, AudienceBuilder],
    now: dt.datetime,
    base_dir: Path | None = None,
) -> list[AudienceResult]:
    """Compute every audience in `configs`, each in its own transaction, in the given order.

    Raises:
        ConfigError: an audience cannot be evaluated; the ones before it are already stored.
        InputError: an audience file is unreadable.
    """
    return [
        compute_audience(store, key, config, builders=builders, now=now, base_dir=base_dir)
        for key, config in configs.items()
    ]


def _ensure_audience(conn: Connection, key: str, digest: str) -> int:
    found = conn.execute(select(audiences.c.pk).where(audiences.c.key == key)).scalar_one_or_none()
    if found is not None:
        return int(found)
    inserted = conn.execute(
        audiences.insert()
        .values(key=key, definition_hash=digest, member_count=0)
        .returning(audiences.c.pk)
    )
    return int(inserted.scalar_one())


def _apply_query(
    conn: Connection, audience_pk: int, query: Select[int], *, now: dt.datetime
) -> tuple[int, int]:
    mine = audience_members.c.audience_pk == audience_pk
    removed = conn.execute(
        audience_members.delete().where(mine, audience_members.c.contact_pk.not_in(query))
    ).rowcount
    wanted = query.subquery()
    held = select(audience_members.c.contact_pk).where(mine)
    added = conn.execute(
        audience_members.insert().from_select(
            ["audience_pk", "contact_pk", "since"],
            select(
                literal(audience_pk, audience_members.c.audience_pk.type),
                wanted.c.pk,
                literal(now, UtcDateTime()),
            ).where(wanted.c.pk.not_in(held)),
        ),
        execution_options={"preserve_rowcount": True},
    ).rowcount
    conn.execute(
        update(audience_members)
        .where(
            mine,
            or_(audience_members.c.score.is_not(None), audience_members.c.segment.is_not(None)),
        )
        .values(score=None, segment=None)
    )
    return added, removed


def _chunks(items: Sequence[int]) -> Iterator[list[int]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, _CHUNK)):
        yield chunk


def _apply_scores(
    conn: Connection, audience_pk: int, scores: Mapping[int, MemberScore], *, now: dt.datetime
) -> tuple[int, int]:
    mine = audience_members.c.audience_pk == audience_pk
    current = {
        pk: (score, segment)
        for pk, score, segment in conn.execute(
            select(
                audience_members.c.contact_pk,
                audience_members.c.score,
                audience_members.c.segment,
            ).where(mine)
        )
    }
    gone = sorted(pk for pk in current if pk not in scores)
    for chunk in _chunks(gone):
        conn.execute(
            audience_members.delete().where(mine, audience_members.c.contact_pk.in_(chunk))
        )
    new = [
        {
            "audience_pk": audience_pk,
            "contact_pk": member.contact_pk,
            "since": now,
            "score": member.score,
            "segment": member.segment,
        }
        for pk, member in sorted(scores.items())
        if pk not in current
    ]
    if new:
        conn.execute(audience_members.insert(), new)
    changed = [
        {
            "b_audience": audience_pk,
            "b_contact": pk,
            "b_score": member.score,
            "b_segment": member.segment,
        }
        for pk, member in sorted(scores.items())
        if pk in current and current[pk] != (member.score, member.segment)
    ]
    if changed:
        conn.execute(
            update(audience_members)
            .where(
                audience_members.c.audience_pk == bindparam("b_audience"),
                audience_members.c.contact_pk == bindparam("b_contact"),
            )
            .values(score=bindparam("b_score"), segment=bindparam("b_segment")),
            changed,
        )
    return len(new), len(gone)
