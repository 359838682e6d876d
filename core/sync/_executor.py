"""The executor: applies one plan through a connector's audience session.

Removals go first (so an identifier change removes the old key before adding the new), then
additions. Rows are cut into batches within the connector's declared row limit; a batch the
vendor finds too large once encoded is split in two (and later batches are cut smaller); a
batch the vendor refuses whole because of some row is bisected until the row is isolated and
the innocent rows have gone through. Each request waits for the account's limiter, runs at
most `concurrency_per_audience` at once for the audience, and is retried under the core retry
policy. Every answered batch is committed at once (outcomes, ledger, session state); rows
answered `pending` are resolved through the session's `poll` before the run ends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import anyio

from freehold.core.capabilities import AudienceSession, SessionMode
from freehold.core.errors import (
    ConfigError,
    PermanentError,
    RetriableError,
    ThrottledError,
)
from freehold.core.models import EmailStatus, Member, Outcome, OutcomeStatus
from freehold.core.retry import RetryPolicy, retry_call
from freehold.core.sync._isolate import Isolation, send_isolating
from freehold.core.sync._plan import PlanKind, PlanRow, RowSpool, TargetPlan
from freehold.core.sync._record import BatchResult, Recorder, RowResult, refused_run
from freehold.core.sync._report import SyncProgress, TargetReport, TargetStatus

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from freehold.core.sync._limiter import AccountLimiter

__all__ = ["Delivery", "DeliveryWrapper", "SyncOptions", "execute_plan"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_ADD = "add"
_REMOVE = "remove"
_CHANGE = PlanKind.CHANGE.value
_RESUMABLE = ("running", "interrupted")


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How the executor behaves.

    Attributes:
        retry: the retry policy of every vendor call (the core policy by default).
        poll_interval: seconds between polls of rows answered `pending`.
        poll_timeout: how long a run waits for pending rows before leaving them pending.
        requeue_rounds: how many times a run sends again rows the vendor answered
            `retriable` (or whose retries ran out) before leaving them to the next run.
    """

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    poll_interval: float = 1.0
    poll_timeout: float = 600.0
    requeue_rounds: int = 2


@dataclass(frozen=True, slots=True)
class Delivery:
    """One batch about to be sent, as a delivery wrapper sees it: no personal value."""

    kind: str
    """`audience_add` or `audience_remove`."""
    connector: str
    rows: int
    audience_key: str


Send = Callable[[], Awaitable[Sequence[Outcome]]]
DeliveryWrapper = Callable[[str, Delivery, Send], Awaitable[Sequence[Outcome]]]
"""Runs `send()` for (destination, delivery) inside the plugins' delivery wrappers."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _member(row: PlanRow) -> Member:
    _kind, pk, _key, identifiers, attributes, status, value, _revision = row
    return Member(
        key=str(pk),
        identifiers=identifiers,
        attributes=attributes,  # type: ignore[arg-type]
        email_status=EmailStatus(status) if status is not None else None,
        value=value,
    )


def _key_of(member: Member) -> str:
    return member.key


def _run_status(status: TargetStatus) -> str:
    return {TargetStatus.REFUSED: "failed"}.get(status, status.value)


def _permanent(group: BaseExceptionGroup[BaseException]) -> PermanentError | None:
    for error in group.exceptions:
        if isinstance(error, PermanentError):
            return error
        if isinstance(error, BaseExceptionGroup):
            found = _permanent(error)
            if found is not None:
                return found
    return None


class _TargetRun:
    """One run of one plan."""

    def __init__(
        self,
        engine: Engine,
        plan: TargetPlan,
        limiter: AccountLimiter,
        *,
        options: SyncOptions,
        progress: SyncProgress | None,
        deliver: DeliveryWrapper | None,
    ) -> None:
        target = plan.target
        self.plan = plan
        self.target = target
        self.limiter = limiter
        self.options = options
        self.progress = progress
        self.deliver = deliver
        self.limits = target.connector.audience_limits
        self.isolation = Isolation(fit=self.limits.max_rows)
        self.recorder = Recorder(engine, target.audience.key, target.destination, basis=plan.basis)
        self.recorder.rejected = set(plan.rejected)
        self.report = TargetReport(
            audience_key=target.audience.key,
            destination=target.destination,
            connector=target.connector_name,
            planned={kind.value: plan.counts[kind.value] for kind in PlanKind},
            to_send=plan.to_send,
            dropped=dict(plan.dropped),
            warnings=list(plan.warnings),
        )
        self.session: AudienceSession | None = None
        self.pending: dict[str, RowResult] = {}
        self.requeue: list[PlanRow] = []
        self.cleared: set[int] = set()
        self._deferred: list[BatchResult] = []
        self._write_lock = asyncio.Lock()

    # -- the run ------------------------------------------------------------------------------

    async def run(self) -> TargetReport:
        started = time.monotonic()
        report = self.report
        try:
            if self.plan.refused is not None:
                report.status = TargetStatus.REFUSED
                report.error = self.plan.refused
                report.run_pk = await anyio.to_thread.run_sync(self._record_refused)
                return report
            await self._run()
        except (PermanentError, ConfigError) as exc:
            self._stopped(TargetStatus.FAILED, exc)
        except RetriableError as exc:
            # The vendor stayed unreachable outside a batch (finding the audience, closing the
            # session) through every retry: this destination stops, the others go on.
            self._stopped(TargetStatus.FAILED, exc)
        except BaseExceptionGroup as group:
            error = _permanent(group)
            if error is None:
                self._stopped(TargetStatus.INTERRUPTED, None)
                await self._finish(started)
                raise
            self._stopped(TargetStatus.FAILED, error)
        except (asyncio.CancelledError, KeyboardInterrupt):
            self._stopped(TargetStatus.INTERRUPTED, None)
            await asyncio.shield(self._finish(started))
            raise
        await self._finish(started)
        return report

    def _stopped(self, status: TargetStatus, error: BaseException | None) -> None:
        report = self.report
        report.status = status
        report.error = str(error) if error is not None else None
        answered = report.accepted + sum(report.rejected.values()) + report.pending
        report.unsent = max(0, report.to_send - answered - report.retriable)
        if error is not None:
            logger.warning("sync of %s stopped: %s", self.target.label, error)

    def _record_refused(self) -> int:
        return refused_run(
            self.recorder.engine,
            self.target.audience.key,
            self.target.destination,
            plan=self.plan.summary(),
            counts=self.report.counts(),
            now=_now(),
        )

    async def _run(self) -> None:
        target, report = self.target, self.report
        previous = await anyio.to_thread.run_sync(self.recorder.previous)
        resume = None
        # A session is resumed only through the connector that opened it (not after a swap).
        if (
            previous is not None
            and previous.status in _RESUMABLE
            and previous.connector == target.connector_name
        ):
            resume = previous.session_state
        report.run_pk = await anyio.to_thread.run_sync(
            lambda: self.recorder.start(
                self.plan.summary(),
                now=_now(),
                interrupted=previous.pk if previous is not None else None,
                restart=self.plan.restarts,
            )
        )
        if self.plan.confirmed:
            confirmed = self.plan.confirmed
            await anyio.to_thread.run_sync(lambda: self.recorder.confirm(confirmed))
        if self.plan.to_send == 0 and resume is None:
            return
        connector = target.connector
        ref = self.plan.audience_ref  # found by the engine before planning, where it could
        if ref is None:
            ref = await self._call(lambda: connector.ensure_audience(target.audience))
        self.session = connector.audience_session(ref, SessionMode.UPDATE, state=resume)
        if self.progress is not None:
            self.progress.started(
                target.label,
                rows=self.plan.to_send,
                batches=math.ceil(self.plan.to_send / self.isolation.fit),
            )
        if resume is not None:
            await self._resolve_earlier()
        await self._phase(_REMOVE, self.plan.removals)
        await self._drain_pending()
        await self._phase(_ADD, self.plan.additions)
        await self._drain_pending()
        await self._call(self.session.close)
        report.feedback = dict(self.session.feedback())

    async def _finish(self, started: float) -> None:
        report = self.report
        report.duration = time.monotonic() - started
        if self.session is not None and not report.feedback:
            report.feedback = dict(self.session.feedback())
        if report.run_pk is not None and self.recorder.run_pk is not None:
            state = self.session.state if self.session is not None else None
            counts = report.counts()
            status = _run_status(report.status)
            await anyio.to_thread.run_sync(
                lambda: self.recorder.finish(status, counts=counts, session_state=state, now=_now())
            )
        if self.progress is not None:
            self.progress.finished(self.target.label, report)
        logger.debug(
            "sync of %s %s: %d sent, %d accepted, %d rejected, %d pending, %d retriable",
            self.target.label,
            report.status.value,
            report.sent,
            report.accepted,
            sum(report.rejected.values()),
            report.pending,
            report.retriable,
        )

    # -- vendor calls -------------------------------------------------------------------------

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run one vendor call within the account's limiter, under the retry policy."""
        attempts = 0

        async def attempt() -> T:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                self.report.retries += 1
            async with self.limiter.slot():
                try:
                    answer = await call()
                except ThrottledError as exc:
                    self.limiter.throttled(exc.retry_after)
                    raise
            self.limiter.succeeded()
            return answer

        return await retry_call(self.options.retry, attempt)

    async def _request(self, operation: str, members: list[Member]) -> Sequence[Outcome]:
        session = self.session
        if session is None:  # pragma: no cover - set before any phase
            msg = "no open session"
            raise RuntimeError(msg)
        send = session.add if operation == _ADD else session.remove
        deliver = self.deliver
        if deliver is None:
            return await self._call(lambda: send(members))
        delivery = Delivery(
            kind=f"audience_{operation}",
            connector=self.target.connector_name,
            rows=len(members),
            audience_key=self.target.audience.key,
        )
        destination = self.target.destination
        return await self._call(lambda: deliver(destination, delivery, lambda: send(members)))

    async def _send_rows(self, operation: str, rows: list[PlanRow]) -> BatchResult:
        """Send rows as one batch; split it when too large, bisect it when refused whole."""
        members = [_member(row) for row in rows]
        isolation = self.isolation
        outcomes = await send_isolating(
            members,
            lambda batch: self._request(operation, list(batch)),
            key=_key_of,
            isolation=isolation,
            vendor=self.target.connector_name,
        )
        self.report.splits = isolation.splits
        self.report.bisections = isolation.bisections
        return BatchResult(rows, operation, outcomes)

    # -- phases -------------------------------------------------------------------------------

    def _batches(self, operation: str, chunks: Iterable[list[PlanRow]]) -> Iterator[list[PlanRow]]:
        blocked: list[PlanRow] = []
        batch: list[PlanRow] = []
        for chunk in chunks:
            for row in chunk:
                if operation == _ADD and row[0] == _CHANGE and row[1] not in self.cleared:
                    blocked.append(row)
                    continue
                batch.append(row)
                if len(batch) >= self.isolation.fit:
                    yield batch
                    batch = []
        if batch:
            yield batch
        if blocked:
            self._hold_back(blocked)

    def _hold_back(self, rows: list[PlanRow]) -> None:
        """Leave the new keys of changes whose old key is not removed yet to the next run."""
        reason = "the old identifiers are not removed yet; sent by a later run"
        results = [
            RowResult(row, _ADD, Outcome.retriable(str(row[1]), reason, code="old_key_held"))
            for row in rows
        ]
        self.report.retriable += len(results)
        self._deferred.extend(BatchResult.of(results))

    async def _phase(self, operation: str, spool: RowSpool) -> None:
        if len(spool):
            await self._send_all(operation, self._batches(operation, spool.chunks()), first=True)
        for _ in range(self.options.requeue_rounds):
            if not self.requeue:
                break
            rows, self.requeue = self.requeue, []
            await self._send_all(operation, self._batches(operation, [rows]), first=False)
        if self.requeue:
            left = [
                RowResult(
                    row,
                    operation,
                    Outcome.retriable(str(row[1]), "the vendor could not take it in this run"),
                )
                for row in self.requeue
            ]
            self.requeue = []
            self.report.retriable += len(left)
            self._deferred.extend(BatchResult.of(left))
        for deferred in self._deferred:
            await self._write(deferred)
        self._deferred = []

    async def _send_all(
        self, operation: str, batches: Iterator[list[PlanRow]], *, first: bool
    ) -> None:
        slots = asyncio.Semaphore(self.limits.concurrency_per_audience)
        async with asyncio.TaskGroup() as group:
            for batch in batches:
                await slots.acquire()
                if first:
                    self.report.sent += len(batch)
                group.create_task(self._deliver(operation, batch, slots))

    async def _deliver(self, operation: str, rows: list[PlanRow], slots: asyncio.Semaphore) -> None:
        """Send one batch and commit its answers; the audience slot is held until committed.

        Holding the slot through the commit is the back-pressure that keeps memory bounded:
        at most `concurrency_per_audience` batches are sent or waiting to be written.
        """
        try:
            batch = await self._send_rows(operation, rows)
            retry, answered = batch.split(OutcomeStatus.RETRIABLE)
            self.requeue.extend(retry)
            self._count(answered)
            self.report.batches += 1
            await self._write(answered)
        finally:
            slots.release()
        if self.progress is not None:
            self.progress.advanced(self.target.label, rows=len(answered.rows), batches=1)

    def _count(self, batch: BatchResult) -> None:
        """Count a batch's answers (retriable ones aside) and note its pending rows."""
        report = self.report
        outcomes = batch.outcomes
        tally = outcomes.counts()
        report.accepted += tally.get(OutcomeStatus.ACCEPTED, 0)
        if outcomes.status is OutcomeStatus.REJECTED:
            reason = outcomes.code or outcomes.reason or "rejected"
            report.rejected[reason] += len(outcomes) - len(outcomes.exceptions)
        for own in outcomes.exceptions.values():
            if own.status is OutcomeStatus.REJECTED:
                report.rejected[own.code or own.reason or "rejected"] += 1
        if tally.get(OutcomeStatus.PENDING) or batch.operation == _REMOVE:
            accepted, pending = OutcomeStatus.ACCEPTED, OutcomeStatus.PENDING
            for index, (row, status, answer) in enumerate(batch.answers()):
                if status is pending:
                    report.pending += 1
                    self.pending[outcomes.keys[index]] = RowResult(
                        row, batch.operation, answer or outcomes[index]
                    )
                elif status is accepted and row[0] == _CHANGE:
                    self.cleared.add(row[1])

    async def _write(self, batch: BatchResult, *, resolving: bool = False) -> None:
        session = self.session
        state = session.state if session is not None else {}
        counts = self.report.counts()
        now = _now()
        async with self._write_lock:
            await anyio.to_thread.run_sync(
                lambda: self.recorder.commit(
                    batch, session_state=state, counts=counts, now=now, resolving=resolving
                )
            )

    # -- pending rows -------------------------------------------------------------------------

    async def _drain_pending(self) -> None:
        session = self.session
        if session is None or not self.pending:
            return
        deadline = time.monotonic() + self.options.poll_timeout
        while self.pending:
            try:
                outcomes = await self._call(session.poll)
            except RetriableError as exc:
                logger.warning("polling %s failed, trying again: %s", self.target.label, exc)
                outcomes = []
            resolved: list[RowResult] = []
            earlier: list[Outcome] = []
            for outcome in outcomes:
                waiting = self.pending.pop(outcome.key, None)
                if waiting is None:
                    earlier.append(outcome)
                    continue
                self.report.pending -= 1
                if outcome.status is OutcomeStatus.RETRIABLE:
                    self.report.retriable += 1
                resolved.append(RowResult(waiting.row, waiting.operation, outcome))
            for group in BatchResult.of(resolved):
                _still, answered = group.split(OutcomeStatus.PENDING)
                self._count(answered)
                await self._write(group, resolving=True)
            if earlier:
                await self._resolve(earlier)
            if not self.pending or time.monotonic() >= deadline:
                break
            await asyncio.sleep(self.options.poll_interval)

    async def _resolve_earlier(self) -> None:
        session = self.session
        if session is None:  # pragma: no cover - set before
            return
        outcomes = await self._call(session.poll)
        if outcomes:
            await self._resolve(outcomes)

    async def _resolve(self, outcomes: list[Outcome]) -> None:
        now = _now()
        async with self._write_lock:
            await anyio.to_thread.run_sync(lambda: self.recorder.resolve_earlier(outcomes, now=now))


async def execute_plan(
    engine: Engine,
    plan: TargetPlan,
    limiter: AccountLimiter,
    *,
    options: SyncOptions | None = None,
    progress: SyncProgress | None = None,
    deliver: DeliveryWrapper | None = None,
) -> TargetReport:
    """Apply `plan` through its connector (which must be open) and return the report.

    A refused plan sends nothing and is recorded as a failed run. A `PermanentError` stops
    this target (the report says why); other targets are unaffected.
    """
    run = _TargetRun(
        engine, plan, limiter, options=options or SyncOptions(), progress=progress, deliver=deliver
    )
    return await run.run()
