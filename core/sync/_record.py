"""What a sync writes: runs, one outcome per row, the ledger and rejections, per batch.

Every batch the vendor answered is committed in one transaction: its rows' outcomes (the rows
sharing the batch's common acceptance as one packed `run_batches` row, the others one
`run_outcomes` row each), the ledger rows it acknowledged (added, refreshed or removed), the
rejections it produced, and the connector's session state. A process killed after the commit
resumes without sending the batch again; one killed before it sends the batch again (vendor
writes are idempotent).
"""

from __future__ import annotations

import datetime as dt
import sys
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from pydantic import JsonValue
from sqlalchemy import Connection, Engine, Table, delete, insert, select, update

from freehold.core.models import Outcome, Outcomes, OutcomeStatus
from freehold.core.store._sql import insert_rows_sqlite
from freehold.core.store.schema import ledger, rejections, run_batches, run_outcomes, runs
from freehold.core.sync._plan import PlanRow

__all__ = [
    "BatchResult",
    "PreviousRun",
    "Recorder",
    "RowResult",
    "pack_pks",
    "refused_run",
    "unpack_pks",
]

_ADD = "add"
_REMOVE = "remove"
_IN_CHUNK = 500
_CONFIRM_CHUNK = 50_000


@dataclass(frozen=True, slots=True)
class RowResult:
    """One row's final or pending answer: the plan row, the operation and the outcome."""

    row: PlanRow
    operation: str
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The answers to one batch: its plan rows, the operation, and their outcomes in row order.

    The outcomes are compact (`Outcomes`: a common answer plus exceptions), so a batch of ten
    thousand accepted rows is counted and recorded without a model per row.
    """

    rows: Sequence[PlanRow]
    operation: str
    outcomes: Outcomes

    @classmethod
    def of(cls, results: Sequence[RowResult]) -> list[BatchResult]:
        """Group single-row results by operation, keeping their order within each."""
        grouped: dict[str, list[RowResult]] = {}
        for result in results:
            grouped.setdefault(result.operation, []).append(result)
        return [
            cls([r.row for r in rows], operation, Outcomes.of([r.outcome for r in rows]))
            for operation, rows in grouped.items()
        ]

    def split(self, status: OutcomeStatus) -> tuple[list[PlanRow], BatchResult]:
        """Return the rows answered `status`, and this batch without them."""
        outcomes = self.outcomes
        exceptions = outcomes.exceptions
        if outcomes.status is not status and all(
            own.status is not status for own in exceptions.values()
        ):
            return [], self
        taken: list[int] = []
        kept: list[int] = []
        for index in range(len(self.rows)):
            own = exceptions.get(index)
            answered = outcomes.status if own is None else own.status
            (taken if answered is status else kept).append(index)
        rest = BatchResult([self.rows[i] for i in kept], self.operation, outcomes.take(kept))
        return [self.rows[i] for i in taken], rest

    def answers(self) -> Iterator[tuple[PlanRow, OutcomeStatus, Outcome | None]]:
        """Yield `(row, status, own outcome or None when it has the common answer)`."""
        exceptions = self.outcomes.exceptions
        common = self.outcomes.status
        if not exceptions:
            for row in self.rows:
                yield row, common, None
            return
        for index, row in enumerate(self.rows):
            own = exceptions.get(index)
            yield (row, common, None) if own is None else (row, own.status, own)


@dataclass(frozen=True, slots=True)
class PreviousRun:
    """The latest earlier sync run of the same audience x destination."""

    pk: int
    status: str
    session_state: dict[str, JsonValue] | None
    connector: str | None
    """The connector the run went through (from its plan), None if it did not say."""


_TARGET_KEY = ("audience_key", "destination", "contact_pk")
_OUTCOME_SET = ("status", "reason", "code", "vendor_ref", "at")
_OUTCOME_KEY = ("run_pk", "key", "contact_pk", "operation")
_LEDGER_COLUMNS = (
    *_TARGET_KEY,
    "member_key",
    "sent",
    "vendor_ref",
    "acknowledged_at",
    "refreshed_at",
    "revision",
    "basis",
)
_REJECTION_COLUMNS = (*_TARGET_KEY, "member_key", "reason", "code", "at", "run_pk")


def _json_object(values: Mapping[str, str]) -> str:
    """Encode a flat str → str mapping as JSON, a third faster than `json.dumps` per call."""
    return "{" + ",".join([_quote(k) + ":" + _quote(v) for k, v in values.items()]) + "}"


def pack_pks(pks: Sequence[int]) -> bytes:
    """Pack contact pks as little-endian int64, as `run_batches.contact_pks` holds them."""
    packed = array("q", pks)
    if sys.byteorder != "little":  # pragma: no cover - every supported platform is little endian
        packed.byteswap()
    return packed.tobytes()


def unpack_pks(data: bytes) -> list[int]:
    """Return the contact pks packed by `pack_pks`."""
    packed = array("q")
    packed.frombytes(data)
    if sys.byteorder != "little":  # pragma: no cover
        packed.byteswap()
    return packed.tolist()


class _Bulk:
    """Bulk statements at the driver level, in the dialect's parameter style.

    Values are bound positionally; callers convert values whose column type needs it (JSON,
    timestamps) with `bind`/`processor`, once per batch where they are constants.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self.mark = "?" if self.dialect.paramstyle == "qmark" else "%s"

    def processor(self, column: Any) -> Callable[[Any], Any] | None:  # noqa: ANN401
        """Return the bind processor of `column`'s type on this dialect (None: no conversion)."""
        found: Callable[[Any], Any] | None = column.type._cached_bind_processor(self.dialect)
        return found

    def bind(self, column: Any, value: Any) -> Any:  # noqa: ANN401
        """Return `value` as the driver should receive it for `column`."""
        convert = self.processor(column)
        return convert(value) if convert else value

    def insert(
        self,
        table: Table,
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        *,
        ignore: Sequence[str],
    ) -> None:
        """Insert `rows`; with `ignore` (a unique key) a conflicting row updates the others."""
        if not rows:
            return
        names = ", ".join(columns)
        conflict = ""
        if ignore:
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ignore)
            conflict = f" ON CONFLICT ({', '.join(ignore)}) DO UPDATE SET {updates}"
        if self.dialect.name == "sqlite":
            insert_rows_sqlite(
                self.conn, f"{table.name} ({names})", len(columns), rows, suffix=conflict
            )
            return
        marks = ", ".join([self.mark] * len(columns))
        sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks}){conflict}"  # noqa: S608
        self.conn.exec_driver_sql(sql, rows)

    def update(
        self,
        table: Table,
        columns: Sequence[str],
        keys: Sequence[str],
        rows: list[tuple[Any, ...]],
    ) -> None:
        """Update `columns` of the rows matching `keys` (each row: column values, key values)."""
        if not rows:
            return
        sets = ", ".join(f"{c} = {self.mark}" for c in columns)
        where = " AND ".join(f"{k} = {self.mark}" for k in keys)
        sql = f"UPDATE {table.name} SET {sets} WHERE {where}"  # noqa: S608
        self.conn.exec_driver_sql(sql, rows)


class Recorder:
    """Writes one sync run of one audience x destination to the store."""

    def __init__(
        self, engine: Engine, audience_key: str, destination: str, *, basis: str | None = None
    ) -> None:
        self.engine = engine
        self.audience_key = audience_key
        self.destination = destination
        self.basis = basis
        """The plan's basis, written with every ledger row (see `TargetPlan.basis`)."""
        self.run_pk: int | None = None
        self._batches = 0
        self.rejected: set[int] = set()
        """Contact pks with a rejection row (given by the plan; kept up to date)."""

    def previous(self) -> PreviousRun | None:
        """Return the latest earlier sync run of this audience x destination, if any."""
        query = (
            select(runs.c.pk, runs.c.status, runs.c.session_state, runs.c.plan)
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
        plan = found.plan if isinstance(found.plan, dict) else {}
        connector = plan.get("connector")
        return PreviousRun(
            pk=found.pk,
            status=found.status,
            session_state=found.session_state,
            connector=connector if isinstance(connector, str) else None,
        )

    def start(
        self,
        plan: dict[str, JsonValue],
        *,
        now: dt.datetime,
        interrupted: int | None = None,
        restart: bool = False,
    ) -> int:
        """Insert the run (status `running`); mark an earlier run left `running` interrupted.

        With `restart` (the destination's vendor audience changed: another connector, or an
        audience deleted and made again), the ledger and rejections of this audience x
        destination are dropped in the same transaction: they described the old one.
        """
        with self.engine.begin() as conn:
            if restart:
                for table in (ledger, rejections):
                    conn.execute(
                        delete(table).where(
                            table.c.audience_key == self.audience_key,
                            table.c.destination == self.destination,
                        )
                    )
                self.rejected = set()
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
        batch: BatchResult,
        *,
        session_state: dict[str, JsonValue],
        counts: dict[str, JsonValue],
        now: dt.datetime,
        resolving: bool = False,
    ) -> None:
        """Commit one answered batch (or resolved pending rows, with `resolving`).

        Rows are written in bulk at the driver level (bind values prepared once per batch):
        this runs once per batch of up to tens of thousands of rows.
        """
        run_pk = self._run()
        operation = batch.operation
        common = batch.outcomes
        with self.engine.begin() as conn:
            bulk = _Bulk(conn)
            stamp = bulk.bind(runs.c.started_at, now)
            audience, destination, basis = self.audience_key, self.destination, self.basis
            outcomes: list[tuple[Any, ...]] = []
            held: list[tuple[Any, ...]] = []
            gone: list[int] = []
            refused: list[tuple[Any, ...]] = []
            cleared: list[int] = []
            sent = _json_object if conn.dialect.name == "sqlite" else bulk.processor(ledger.c.sent)
            accepted = OutcomeStatus.ACCEPTED
            packed: list[int] | None = None
            if (
                not resolving
                and common.status is accepted
                and common.reason is None
                and common.code is None
            ):
                packed = []
            for row, status, own in batch.answers():
                pk, key = row[1], row[2]
                answer = common if own is None else own
                reason, code, vendor_ref = answer.reason, answer.code, answer.vendor_ref
                if own is None and packed is not None:
                    packed.append(pk)
                else:
                    outcomes.append(
                        (
                            status.value,
                            reason,
                            code,
                            vendor_ref,
                            stamp,
                            run_pk,
                            str(pk),
                            pk,
                            operation,
                        )
                    )
                if status is accepted:
                    if operation == _REMOVE:
                        gone.append(pk)
                        continue
                    held.append(
                        (
                            audience,
                            destination,
                            pk,
                            key,
                            sent(row[3]) if sent else row[3],
                            vendor_ref,
                            stamp,
                            stamp,
                            row[7],
                            basis,
                        )
                    )
                    if pk in self.rejected:
                        cleared.append(pk)
                elif status is OutcomeStatus.REJECTED and operation == _ADD:
                    self.rejected.add(pk)
                    refused.append((audience, destination, pk, key, reason, code, stamp, run_pk))
            if resolving:
                bulk.update(
                    run_outcomes,
                    _OUTCOME_SET,
                    ("run_pk", "key", "operation"),
                    [(*o[:7], o[8]) for o in outcomes],
                )
            else:
                bulk.insert(run_outcomes, (*_OUTCOME_SET, *_OUTCOME_KEY), outcomes, ignore=())
            if packed:
                self._batches += 1
                conn.execute(
                    insert(run_batches).values(
                        run_pk=run_pk,
                        seq=self._batches,
                        operation=operation,
                        status=accepted.value,
                        vendor_ref=common.vendor_ref,
                        at=now,
                        rows=len(packed),
                        contact_pks=pack_pks(packed),
                    )
                )
            self._delete(conn, ledger, gone)
            bulk.insert(ledger, _LEDGER_COLUMNS, held, ignore=_TARGET_KEY)
            self._delete(conn, rejections, cleared)
            self.rejected.difference_update(cleared)
            bulk.insert(rejections, _REJECTION_COLUMNS, refused, ignore=_TARGET_KEY)
            conn.execute(
                update(runs)
                .where(runs.c.pk == run_pk)
                .values(session_state=session_state, counts=counts)
            )

    def confirm(self, pairs: Sequence[int]) -> None:
        """Stamp ledger rows found unchanged with the plan's revision and basis.

        `pairs` is `(contact_pk, revision)` flattened (`TargetPlan.confirmed`); committed in
        chunks, since each stamp stands on its own.
        """
        audience, destination, basis = self.audience_key, self.destination, self.basis
        for start in range(0, len(pairs), 2 * _CONFIRM_CHUNK):
            chunk = pairs[start : start + 2 * _CONFIRM_CHUNK]
            rows = [
                (chunk[i + 1], basis, audience, destination, chunk[i])
                for i in range(0, len(chunk), 2)
            ]
            with self.engine.begin() as conn:
                _Bulk(conn).update(
                    ledger,
                    ("revision", "basis"),
                    ("audience_key", "destination", "contact_pk"),
                    rows,
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
