"""Audience sync: the planner (desired membership against the ledger) and the executor.

`SyncEngine.plan` says what a sync would do, per audience x destination, without sending
anything; `SyncEngine.sync` reads back email consent, plans, and applies the plans through the
connectors' audience sessions: batches within the declared limits, pacing per vendor account,
retries, bisection of refused batches, one outcome per row, and the ledger advanced per batch
for what the vendor acknowledged. `docs/sync.md` describes the behaviour in full.
"""

from __future__ import annotations

from freehold.core.sync._engine import SyncEngine
from freehold.core.sync._executor import Delivery, DeliveryWrapper, SyncOptions, execute_plan
from freehold.core.sync._isolate import Isolation, send_isolating
from freehold.core.sync._limiter import AccountLimiter, LimiterRegistry
from freehold.core.sync._plan import PlanKind, PlanRow, RowSpool, SyncTarget, TargetPlan
from freehold.core.sync._planner import PlanOptions, member_key, plan_target
from freehold.core.sync._report import SyncProgress, SyncReport, TargetReport, TargetStatus
from freehold.core.sync._runs import (
    OutcomeRow,
    RejectedRow,
    RunDetail,
    RunSummary,
    get_run,
    list_runs,
    outcome_rows,
    rejected_rows,
)

__all__ = [
    "AccountLimiter",
    "Delivery",
    "DeliveryWrapper",
    "Isolation",
    "LimiterRegistry",
    "OutcomeRow",
    "PlanKind",
    "PlanOptions",
    "PlanRow",
    "RejectedRow",
    "RowSpool",
    "RunDetail",
    "RunSummary",
    "SyncEngine",
    "SyncOptions",
    "SyncProgress",
    "SyncReport",
    "SyncTarget",
    "TargetPlan",
    "TargetReport",
    "TargetStatus",
    "execute_plan",
    "get_run",
    "list_runs",
    "member_key",
    "outcome_rows",
    "plan_target",
    "rejected_rows",
    "send_isolating",
]
