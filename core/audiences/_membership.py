"""Work out who belongs to an audience now, for every definition kind, without writing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, Select, select

from freehold.core.audiences._file import read_file_rows
from freehold.core.audiences._filter import compile_filter
from freehold.core.audiences._resolve import resolve_rows
from freehold.core.audiences._sql import run_sql
from freehold.core.audiences._types import AudienceBuilder, AudienceKind, MemberScore
from freehold.core.errors import ConfigError
from freehold.core.store.schema import audience_members, audiences

if TYPE_CHECKING:
    from freehold.core.config import AudienceConfig

__all__ = [
    "Desired",
    "audience_kind",
    "current_members",
    "definition_hash",
    "desired_members",
    "sql_members",
]


def audience_kind(config: AudienceConfig) -> AudienceKind:
    """Return how `config` defines its members (`where`, `sql`, `file` or `builder`).

    Raises:
        ConfigError: none or several of the four keys are given.
    """
    given = [kind for kind in AudienceKind if getattr(config, kind.value) is not None]
    if len(given) != 1:
        msg = "an audience needs exactly one of where, sql, file, builder"
        raise ConfigError(msg)
    return given[0]


def definition_hash(config: AudienceConfig) -> str:
    """Return a SHA-256 of what defines the members (not the name, destinations or mode)."""
    definition = config.model_dump(
        mode="json", include={"where", "sql", "file", "builder", "params"}
    )
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Desired:
    """The members an audience should hold: a query (filters) or explicit scores.

    Attributes:
        query: `SELECT contacts.pk` for `where:` audiences, evaluated in SQL.
        scores: members by contact pk for the other kinds.
        unresolved: rows of a SQL or file definition that matched no contact.
    """

    query: Select[int] | None = None
    scores: Mapping[int, MemberScore] | None = None
    unresolved: int = 0


def current_members(conn: Connection, key: str) -> dict[int, MemberScore]:
    """Return the stored membership of audience `key` (empty when it was never computed)."""
    rows = conn.execute(
        select(audience_members.c.contact_pk, audience_members.c.score, audience_members.c.segment)
        .join(audiences, audiences.c.pk == audience_members.c.audience_pk)
        .where(audiences.c.key == key)
    )
    return {pk: MemberScore(pk, score, segment) for pk, score, segment in rows}


def sql_members(engine: Engine, key: str, sql: str, *, now: dt.datetime) -> Desired:
    """Evaluate a `sql:` audience on its own read-only connection of `engine`.

    Call it before opening a transaction that writes: on an in-memory SQLite store every
    connection is the same one.
    """
    resolution = run_sql(engine, key, sql, now=now)
    return Desired(
        scores={pk: MemberScore(pk) for pk in resolution.members},
        unresolved=resolution.unresolved,
    )


def desired_members(
    conn: Connection,
    key: str,
    config: AudienceConfig,
    *,
    builders: Mapping[str, AudienceBuilder],
    now: dt.datetime,
    base_dir: Path | None = None,
) -> Desired:
    """Return who belongs to audience `key` as of `now`.

    Args:
        conn: a connection to the store.
        key: the audience key.
        config: its definition.
        builders: the registered builders by name.
        now: the reference time (timezone-aware).
        base_dir: where a relative `file:` path starts (the project file's folder).

    Raises:
        ConfigError: an unknown builder, invalid builder params, a failing query (each names
            the audience).
        InputError: an unreadable audience file.
    """
    kind = audience_kind(config)
    if kind is AudienceKind.WHERE and config.where is not None:
        try:
            return Desired(query=compile_filter(config.where, now=now))
        except ConfigError as exc:
            msg = f"audiences.{key}.where.{exc}"
            raise ConfigError(msg) from exc
    if kind is AudienceKind.SQL and config.sql is not None:
        return sql_members(conn.engine, key, config.sql, now=now)
    if kind is AudienceKind.FILE and config.file is not None:
        path = Path(config.file)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        resolution = resolve_rows(conn, read_file_rows(path))
        return Desired(
            scores={pk: MemberScore(pk) for pk in resolution.members},
            unresolved=resolution.unresolved,
        )
    return Desired(scores=_build(conn, key, config, builders=builders, now=now))


def _build(
    conn: Connection,
    key: str,
    config: AudienceConfig,
    *,
    builders: Mapping[str, AudienceBuilder],
    now: dt.datetime,
) -> dict[int, MemberScore]:
    name = config.builder or ""
    builder = builders.get(name)
    if builder is None:
        known = ", ".join(sorted(builders)) or "none registered"
        msg = f"audiences.{key}.builder: unknown builder {name!r} (known: {known})"
        raise ConfigError(msg)
    previous = current_members(conn, key)
    try:
        members = builder.build(conn, params=config.params, previous=previous, now=now)
        return {member.contact_pk: member for member in members}
    except ConfigError as exc:
        msg = f"audiences.{key}.params: {exc}"
        raise ConfigError(msg) from exc
