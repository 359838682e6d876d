"""Reading the run history back: `freehold runs` and `freehold runs show ID`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import JsonValue
from sqlalchemy import Engine, func, select

from freehold.core.errors import InputError
from freehold.core.store.schema import contacts, run_batches, run_outcomes, runs
from freehold.core.sync._record import unpack_pks

__all__ = [
    "OutcomeRow",
    "RejectedRow",
    "RunDetail",
    "RunSummary",
    "get_run",
    "list_runs",
    "outcome_rows",
    "rejected_rows",
]


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run as `freehold runs` lists it."""

    pk: int
    kind: str
    audience_key: str | None
    destination: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    counts: dict[str, JsonValue]

    def as_json(self) -> dict[str, JsonValue]:
        """Return the run as JSON."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "audience": self.audience_key,
            "destination": self.destination,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status": self.status,
            "counts": self.counts,
        }


@dataclass(frozen=True, slots=True)
class RunDetail:
    """One run with its plan and its outcomes counted per operation and status."""

    summary: RunSummary
    plan: dict[str, JsonValue] | None
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_json(self) -> dict[str, JsonValue]:
        """Return the run as JSON."""
        outcomes: dict[str, JsonValue] = {op: dict(by) for op, by in self.outcomes.items()}
        return {**self.summary.as_json(), "plan": self.plan, "outcomes": outcomes}


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row the vendor refused in a run: the brand's contact id and the vendor's words."""

    contact_id: str | None
    operation: str
    reason: str | None
    code: str | None

    def as_json(self) -> dict[str, JsonValue]:
        """Return the row as JSON."""
        return {
            "contact_id": self.contact_id,
            "operation": self.operation,
            "reason": self.reason,
            "code": self.code,
        }


def _summary(row: object) -> RunSummary:
    return RunSummary(
        pk=row.pk,  # type: ignore[attr-defined]
        kind=row.kind,  # type: ignore[attr-defined]
        audience_key=row.audience_key,  # type: ignore[attr-defined]
        destination=row.destination,  # type: ignore[attr-defined]
        started_at=row.started_at,  # type: ignore[attr-defined]
        finished_at=row.finished_at,  # type: ignore[attr-defined]
        status=row.status,  # type: ignore[attr-defined]
        counts=dict(row.counts or {}),  # type: ignore[attr-defined]
    )


_COLUMNS = (
    runs.c.pk,
    runs.c.kind,
    runs.c.audience_key,
    runs.c.destination,
    runs.c.started_at,
    runs.c.finished_at,
    runs.c.status,
    runs.c.counts,
)


def list_runs(
    engine: Engine,
    *,
    limit: int = 20,
    kind: str | None = None,
    audience_key: str | None = None,
    destination: str | None = None,
) -> list[RunSummary]:
    """Return the latest runs, newest first."""
    query = select(*_COLUMNS).order_by(runs.c.pk.desc()).limit(limit)
    if kind is not None:
        query = query.where(runs.c.kind == kind)
    if audience_key is not None:
        query = query.where(runs.c.audience_key == audience_key)
    if destination is not None:
        query = query.where(runs.c.destination == destination)
    with engine.connect() as conn:
        return [_summary(row) for row in conn.execute(query)]


def get_run(engine: Engine, run_pk: int) -> RunDetail:
    """Return one run with its plan and outcome counts.

    Raises:
        InputError: no run has this id.
    """
    with engine.connect() as conn:
        row = conn.execute(select(*_COLUMNS, runs.c.plan).where(runs.c.pk == run_pk)).first()
        if row is None:
            msg = f"no run with id {run_pk}"
            raise InputError(msg)
        tallies = conn.execute(
            select(run_outcomes.c.operation, run_outcomes.c.status, func.count())
            .where(run_outcomes.c.run_pk == run_pk)
            .group_by(run_outcomes.c.operation, run_outcomes.c.status)
        )
        packed = conn.execute(
            select(run_batches.c.operation, run_batches.c.status, func.sum(run_batches.c.rows))
            .where(run_batches.c.run_pk == run_pk)
            .group_by(run_batches.c.operation, run_batches.c.status)
        )
        outcomes: dict[str, dict[str, int]] = {}
        for operation, status, count in [*tallies, *packed]:
            by_status = outcomes.setdefault(operation, {})
            by_status[status] = by_status.get(status, 0) + int(count)
    return RunDetail(summary=_summary(row), plan=row.plan, outcomes=outcomes)


def rejected_rows(engine: Engine, run_pk: int, *, limit: int | None = None) -> list[RejectedRow]:
    """Return the rows a run's vendor rejected, by contact id, with reason and code."""
    query = (
        select(
            contacts.c.contact_id,
            run_outcomes.c.operation,
            run_outcomes.c.reason,
            run_outcomes.c.code,
        )
        .select_from(run_outcomes.outerjoin(contacts, contacts.c.pk == run_outcomes.c.contact_pk))
        .where(run_outcomes.c.run_pk == run_pk, run_outcomes.c.status == "rejected")
        .order_by(run_outcomes.c.contact_pk)
    )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [RejectedRow(*row) for row in conn.execute(query)]


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One row's outcome in a run, as the store holds it (no personal value)."""

    contact_pk: int | None
    key: str
    operation: str
    status: str
    reason: str | None = None
    code: str | None = None


def outcome_rows(engine: Engine, run_pk: int) -> Iterator[OutcomeRow]:
    """Yield every row's outcome in a run: the packed batches' rows, then the others."""
    with engine.connect() as conn:
        batches = conn.execute(
            select(run_batches.c.operation, run_batches.c.status, run_batches.c.contact_pks)
            .where(run_batches.c.run_pk == run_pk)
            .order_by(run_batches.c.seq)
        )
        for operation, status, packed in batches:
            for pk in unpack_pks(packed):
                yield OutcomeRow(pk, str(pk), operation, status)
        single = conn.execute(
            select(
                run_outcomes.c.contact_pk,
                run_outcomes.c.key,
                run_outcomes.c.operation,
                run_outcomes.c.status,
                run_outcomes.c.reason,
                run_outcomes.c.code,
            ).where(run_outcomes.c.run_pk == run_pk)
        )
        for row in single:
            yield OutcomeRow(*row)
