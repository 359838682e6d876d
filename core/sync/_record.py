"""What a sync writes: runs, one outcome per row, the ledger and rejections, per batch.

Every batch the vendor answered is committed in one transaction: its rows' outcomes, the
ledger rows it acknowledged (added, refreshed or removed), the rejections it produced, and the
connector's session state. A process killed after the commit resumes without sending the batch
again; one killed before it sends the batch again (vendor writes are idempotent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue
from sqlalchemy import Connection, Engine, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from freehold.core.models import Outcome, OutcomeStatus
from freehold.core.store.schema import ledger, rejections, run_outcomes, runs
from freehold.core.sync._plan import PlanRow

__all__ = ["PreviousRun", "Recorder", "RowResult", "refused_run"]

_ADD = "add"
_REMOVE = "remove"
_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RowResult:
    """One row's final or pending answer: the plan row, the operation and the outcome."""

    row: PlanRow
    operation: str
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class PreviousRun:
    """The latest earlier sync run of the same audience x destination."""

    pk: int
    status: str
    session_state: dict[str, JsonValue] | None


def _upsert(
    conn: Connection, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]
) -> None:
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        stmt: Any = pg.on_conflict_do_update(
            index_elements=list(keys),
            set_={c: pg.excluded[c] for c in rows[0] if c not in keys},
        )
    elif dialect == "sqlite":
        lite = sqlite.insert(table)
        stmt = lite.on_conflict_do_update(
            index_elements=list(keys),
            set_={c: lite.excluded[c] for c in rows[0] if c not in keys},
        )
    else:  # pragma: no cover - the store supports SQLite and PostgreSQL only
        msg = f"unsupported store dialect {dialect!r}"
        raise NotImplementedError(msg)
    conn.execute(stmt, rows)


class Recorder:
    """Writes one sync run of one audience x destination to the store."""

    def __init__(self, engine: Engine, audience_key: str, destination: str) -> None:
        self.engine = engine
        self.audience_key = audience_key
        self.destination = destination
        self.run_pk: int | None = None

    def previous(self) -> PreviousRun | None:
        """Return the latest earlier sync run of this audience x destination, if any."""
        query = (
            select(runs.c.pk, runs.c.status, runs.c.session_state)
            .where(
                runs.c.kind == "sync",
                runs.c.audience_key == self.audience_key,
                runs.c.destination == self.destination,
            )
            .order_by(runs.c.pk.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            found = conn.execute(query).first()
        if found is None:
            return None
        return PreviousRun(pk=found.pk, status=found.status, session_state=found.session_state)

    def start(
        self, plan: dict[str, JsonValue], *, now: dt.datetime, interrupted: int | None = None
    ) -> int:
        """Insert the run (status `running`); mark an earlier run left `running` interrupted."""
        with self.engine.begin() as conn:
            if interrupted is not None:
                conn.execute(
                    update(runs)
                    .where(runs.c.pk == interrupted, runs.c.status == "running")
                    .values(status="interrupted")
                )
            self.run_pk = conn.execute(
                insert(runs)
                .values(
                    kind="sync",
                    audience_key=self.audience_key,
                    destination=self.destination,
                    started_at=now,
                    status="running",
                    counts={},
                    plan=plan,
                )
                .returning(runs.c.pk)
            ).scalar_one()
        return self.run_pk

    def _run(self) -> int:
        if self.run_pk is None:
            msg = "the run was not started"
            raise RuntimeError(msg)
        return self.run_pk

    def commit(
        self,
        results: Iterable[RowResult],
        *,
        session_state: dict[str, JsonValue],
        counts: dict[str, JsonValue],
        now: dt.datetime,
        resolving: bool = False,
    ) -> None:
        """Commit one answered batch (or resolved pending rows, with `resolving`)."""
        run_pk = self._run()
        outcome_rows: list[dict[str, Any]] = []
        held: list[dict[str, Any]] = []
        gone: list[int] = []
        refused: list[dict[str, Any]] = []
        accepted_adds: list[int] = []
        for result in results:
            row, operation, outcome = result.row, result.operation, result.outcome
            pk, key, prepared = row[1], row[2], row[3]
            outcome_rows.append(
                {
                    "run_pk": run_pk,
                    "key": str(pk),
                    "contact_pk": pk,
                    "operation": operation,
                    "status": outcome.status.value,
                    "reason": outcome.reason,
                    "code": outcome.code,
                    "vendor_ref": outcome.vendor_ref,
                    "at": now,
                }
            )
            if outcome.status is OutcomeStatus.ACCEPTED:
                if operation == _REMOVE:
                    gone.append(pk)
                else:
                    accepted_adds.append(pk)
                    held.append(
                        {
                            "audience_key": self.audience_key,
                            "destination": self.destination,
                            "contact_pk": pk,
                            "member_key": key,
                            "sent": prepared,
                            "vendor_ref": outcome.vendor_ref,
                            "acknowledged_at": now,
                            "refreshed_at": now,
                        }
                    )
            elif outcome.status is OutcomeStatus.REJECTED and operation == _ADD:
                refused.append(
                    {
                        "audience_key": self.audience_key,
                        "destination": self.destination,
                        "contact_pk": pk,
                        "member_key": key,
                        "reason": outcome.reason,
                        "code": outcome.code,
                        "at": now,
                        "run_pk": run_pk,
                    }
                )
        with self.engine.begin() as conn:
            if resolving:
                self._resolve_outcomes(conn, outcome_rows)
            elif outcome_rows:
                conn.execute(insert(run_outcomes), outcome_rows)
            self._delete(conn, ledger, gone)
            _upsert(conn, ledger, held, ("audience_key", "destination", "contact_pk"))
            self._delete(conn, rejections, accepted_adds)
            _upsert(conn, rejections, refused, ("audience_key", "destination", "contact_pk"))
            conn.execute(
                update(runs)
                .where(runs.c.pk == run_pk)
                .values(session_state=session_state, counts=counts)
            )

    def _delete(self, conn: Connection, table: Table, pks: list[int]) -> None:
        for start in range(0, len(pks), _IN_CHUNK):
            conn.execute(
                delete(table).where(
                    table.c.audience_key == self.audience_key,
                    table.c.destination == self.destination,
                    table.c.contact_pk.in_(pks[start : start + _IN_CHUNK]),
                )
            )

    @staticmethod
    def _resolve_outcomes(conn: Connection, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            conn.execute(
                update(run_outcomes)
                .where(
                    run_outcomes.c.run_pk == row["run_pk"],
                    run_outcomes.c.key == row["key"],
                    run_outcomes.c.operation == row["operation"],
                )
                .values(
                    status=row["status"],
                    reason=row["reason"],
                    code=row["code"],
                    vendor_ref=row["vendor_ref"],
                    at=row["at"],
                )
            )

    def resolve_earlier(self, outcomes: Sequence[Outcome], *, now: dt.datetime) -> int:
        """Record final answers for rows left pending by earlier runs; return how many matched.

        Only the outcome rows change: a row still wanted is planned and sent again by this run,
        whose own answer advances the ledger.
        """
        earlier = (
            select(runs.c.pk)
            .where(
                runs.c.kind == "sync",
                runs.c.audience_key == self.audience_key,
                runs.c.destination == self.destination,
                runs.c.pk != self._run(),
            )
            .scalar_subquery()
        )
        matched = 0
        with self.engine.begin() as conn:
            for outcome in outcomes:
                matched += conn.execute(
                    update(run_outcomes)
                    .where(
                        run_outcomes.c.run_pk.in_(earlier),
                        run_outcomes.c.key == outcome.key,
                        run_outcomes.c.status == OutcomeStatus.PENDING.value,
                    )
                    .values(
                        status=outcome.status.value,
                        reason=outcome.reason,
                        code=outcome.code,
                        at=now,
                    )
                ).rowcount
        return matched

    def finish(
        self,
        status: str,
        *,
        counts: dict[str, JsonValue],
        session_state: dict[str, JsonValue] | None,
        now: dt.datetime,
    ) -> None:
        """Close the run with its final status and counts."""
        with self.engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.pk == self._run())
                .values(
                    status=status,
                    finished_at=now,
                    counts=counts,
                    session_state=session_state,
                )
            )


def refused_run(
    engine: Engine,
    audience_key: str,
    destination: str,
    *,
    plan: dict[str, JsonValue],
    counts: dict[str, JsonValue],
    now: dt.datetime,
) -> int:
    """Record a run the large-removal guard refused (status `failed`); return its pk."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                insert(runs)
                .values(
                    kind="sync",
                    audience_key=audience_key,
                    destination=destination,
                    started_at=now,
                    finished_at=now,
                    status="failed",
                    counts=counts,
                    plan=plan,
                )
                .returning(runs.c.pk)
            ).scalar_one()
        )
