"""The sync engine: plan every audience x destination, then apply the plans concurrently."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from freehold.core.capabilities import AudienceExport
from freehold.core.connector import Connector
from freehold.core.consent import ContactFilter, ReadBack, read_back_email_consent
from freehold.core.errors import FreeholdError, ThrottledError
from freehold.core.models import AudienceRef
from freehold.core.retry import retry_call
from freehold.core.sync._executor import DeliveryWrapper, SyncOptions, execute_plan
from freehold.core.sync._limiter import LimiterRegistry
from freehold.core.sync._plan import SyncTarget, TargetPlan
from freehold.core.sync._planner import PlanOptions, plan_target
from freehold.core.sync._report import SyncProgress, SyncReport, TargetReport

if TYPE_CHECKING:
    from freehold.core.store import Store

__all__ = ["SyncEngine"]

logger = logging.getLogger(__name__)

_YOUNG_THRESHOLD = 20_000
"""Allocations between young-generation collections while a sync runs (Python's default: 700)."""
_spacing = threading.Lock()
_spaced = 0
_saved_thresholds: tuple[int, int, int] | None = None


@contextlib.contextmanager
def _spaced_collections() -> Iterator[None]:
    """Run the cycle collector's young generation less often while any plan or sync runs.

    A sync allocates millions of short-lived, acyclic objects (plan rows, members, encoded
    rows) that reference counting frees. At Python's default threshold the collector runs
    thousands of times per million members and promotes survivors into full collections that
    walk every live object: a fifth of a warm sync, measured. The setting is process-wide; it
    is restored when the last plan or sync ends.
    """
    global _spaced, _saved_thresholds  # noqa: PLW0603 - one process-wide setting, counted
    with _spacing:
        if _spaced == 0:
            _saved_thresholds = gc.get_threshold()
            gc.set_threshold(max(_YOUNG_THRESHOLD, _saved_thresholds[0]), *_saved_thresholds[1:])
        _spaced += 1
    try:
        yield
    finally:
        with _spacing:
            _spaced -= 1
            if _spaced == 0 and _saved_thresholds is not None:
                gc.set_threshold(*_saved_thresholds)


class SyncEngine:
    """Plans and runs audience syncs against one store.

    Args:
        store: the first-party store.
        options: executor behaviour (retry policy, polling of pending rows).
        progress: receives progress as targets run (the CLI's progress bars).
        deliver: runs each batch inside the plugins' delivery wrappers.
        contact_filter: the plugins' contact filter (only narrows what the gate let through).
        normalize_email: the identity kit's email normalization, used to match the addresses
            an email vendor reports as unsubscribed to contacts.
        limiters: the per-account limiters to share (one registry per process by default).
    """

    def __init__(
        self,
        store: Store,
        *,
        options: SyncOptions | None = None,
        progress: SyncProgress | None = None,
        deliver: DeliveryWrapper | None = None,
        contact_filter: ContactFilter | None = None,
        normalize_email: Callable[[str], str | None] | None = None,
        limiters: LimiterRegistry | None = None,
    ) -> None:
        self.store = store
        self.options = options or SyncOptions()
        self.progress = progress
        self.deliver = deliver
        self.contact_filter = contact_filter
        self.normalize_email = normalize_email
        self.limiters = limiters or LimiterRegistry()

    def plan(
        self,
        targets: Sequence[SyncTarget],
        *,
        options: PlanOptions | None = None,
        audience_refs: Sequence[AudienceRef | None] | None = None,
    ) -> list[TargetPlan]:
        """Plan every target; nothing is sent. Close the plans when done with them.

        `audience_refs` (one per target, None where unknown) are the vendor audiences the
        targets write to; a sync asks the vendors for them first, so a plan can tell a vendor
        audience deleted and made again from the one the ledger describes.
        """
        refs = audience_refs or [None] * len(targets)
        with _spaced_collections():
            return [
                plan_target(
                    self.store.engine,
                    target,
                    options=options,
                    contact_filter=self.contact_filter,
                    load_contacts=self.store.load_contacts,
                    audience_ref=ref,
                )
                for target, ref in zip(targets, refs, strict=True)
            ]

    async def audience_ref(self, target: SyncTarget) -> AudienceRef | None:
        """Find or create the target's vendor audience (its connector must be open).

        Paced by the account's limiter and retried under the retry policy; None when it fails
        (the target's run then asks again, and fails as it would have without this lookup).
        """
        limiter = self.limiters.for_account(target.account, target.connector.audience_limits)

        async def attempt() -> AudienceRef:
            async with limiter.slot():
                try:
                    ref = await target.connector.ensure_audience(target.audience)
                except ThrottledError as exc:
                    limiter.throttled(exc.retry_after)
                    raise
            limiter.succeeded()
            return ref

        try:
            return await retry_call(self.options.retry, attempt)
        except FreeholdError as exc:
            logger.warning("could not find the vendor audience of %s: %s", target.label, exc)
            return None

    async def read_back(self, targets: Sequence[SyncTarget]) -> list[ReadBack]:
        """Record the vendor-side unsubscribes of every email target, before planning.

        Only targets whose purpose is email marketing and whose connector can export members
        are read; each vendor list once. The connectors must be open.
        """
        done: set[tuple[str, str]] = set()
        results: list[ReadBack] = []
        for target in targets:
            connector = target.connector
            if not target.is_email or not isinstance(connector, AudienceExport):
                continue
            if self.normalize_email is None:
                msg = "reading back email consent needs normalize_email"
                raise TypeError(msg)
            ref = await connector.ensure_audience(target.audience)
            if (target.destination, ref.vendor_id) in done:
                continue
            done.add((target.destination, ref.vendor_id))
            results.append(
                await read_back_email_consent(
                    self.store,
                    connector,
                    ref,
                    destination=target.destination,
                    connector_name=target.connector_name,
                    normalize_email=self.normalize_email,
                )
            )
        return results

    async def sync(
        self, targets: Sequence[SyncTarget], *, options: PlanOptions | None = None
    ) -> SyncReport:
        """Read back email consent, plan every target, then apply the plans concurrently.

        The engine opens and closes the targets' connectors and finds (or creates) each vendor
        audience before planning. Targets on the same vendor account share one limiter.
        """
        async with AsyncExitStack() as stack:
            stack.enter_context(_spaced_collections())
            opened: set[int] = set()
            for target in targets:
                connector = target.connector
                if isinstance(connector, Connector) and id(connector) not in opened:
                    opened.add(id(connector))
                    await stack.enter_async_context(connector)
            await self.read_back(targets)
            refs = [await self.audience_ref(target) for target in targets]
            plans = await asyncio.to_thread(self.plan, targets, options=options, audience_refs=refs)
            try:
                reports = await asyncio.gather(*(self.execute(plan) for plan in plans))
            finally:
                for plan in plans:
                    plan.close()
        return SyncReport(reports)

    async def execute(self, plan: TargetPlan) -> TargetReport:
        """Apply one plan (its connector must be open)."""
        target = plan.target
        limiter = self.limiters.for_account(target.account, target.connector.audience_limits)
        return await execute_plan(
            self.store.engine,
            plan,
            limiter,
            options=self.options,
            progress=self.progress,
            deliver=self.deliver,
        )
