"""`freehold plan`, `freehold sync` and `freehold runs`: audience syncs and their history.

`plan` prints what a sync would do per audience x destination and sends nothing; `sync` reads
back email consent, plans and applies the plans with progress bars and a final table; `runs`
lists past runs and `runs show ID` details one. Exit code 0 only when every row got an outcome
and nothing failed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from freehold.core import identity
from freehold.core.audiences import compute_audience
from freehold.core.capabilities import AudienceSync
from freehold.core.errors import ConfigError
from freehold.core.models import Audience, Contact, Outcome
from freehold.core.store.schema import utcnow
from freehold.core.sync import (
    Delivery,
    PlanKind,
    PlanOptions,
    SyncEngine,
    SyncReport,
    SyncTarget,
    TargetPlan,
    TargetReport,
    get_run,
    list_runs,
    rejected_rows,
)
from freehold.plugins._markers import hookimpl
from freehold.plugins.cli._app import AppContext, ExitCode, pass_app
from freehold.plugins.cli._tables import TARGET_HEADER, fits, target_tables
from freehold.plugins.hookspecs import DeliveryKind, DeliveryOperation

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from pydantic import JsonValue

    from freehold.core.connector import Connector
    from freehold.core.consent import ContactFilter
    from freehold.core.sync import DeliveryWrapper

__all__ = [
    "RichSyncProgress",
    "build_engine",
    "compute_audiences",
    "freehold_register_commands",
    "plan_command",
    "plan_notes",
    "plan_tables",
    "report_notes",
    "report_tables",
    "runs_group",
    "sync_command",
    "sync_targets",
]


@hookimpl
def freehold_register_commands(cli: click.Group) -> None:
    """Add `freehold plan`, `freehold sync` and `freehold runs`."""
    cli.add_command(plan_command)
    cli.add_command(sync_command)
    cli.add_command(runs_group)


# -- wiring ------------------------------------------------------------------------------------


def sync_targets(app: AppContext, audience: str | None, to: str | None) -> list[SyncTarget]:
    """Return the audience x destination pairs to sync, from the project config.

    Raises:
        ConfigError: an unknown audience or destination, or nothing to sync.
    """
    config = app.config()
    if audience is not None and audience not in config.audiences:
        known = ", ".join(sorted(config.audiences)) or "none"
        msg = f"no audience named {audience!r} in the project file (known: {known})"
        raise ConfigError(msg)
    if to is not None and to not in config.destinations:
        known = ", ".join(sorted(config.destinations)) or "none"
        msg = f"no destination named {to!r} in the project file (known: {known})"
        raise ConfigError(msg)
    connectors: dict[str, Connector[Any]] = {}
    targets: list[SyncTarget] = []
    for key, definition in config.audiences.items():
        if audience is not None and key != audience:
            continue
        for destination in definition.to:
            settings = config.destinations[destination]
            if (to is not None and destination != to) or not settings.enabled:
                continue
            connector = connectors.get(destination)
            if connector is None:
                connector = app.connector_for(destination)
                connectors[destination] = connector
            if not isinstance(connector, AudienceSync):
                msg = (
                    f"destination {destination!r}: connector {settings.connector!r} cannot "
                    f"sync audiences (audience {key!r} sends to it)"
                )
                raise ConfigError(msg)
            targets.append(
                SyncTarget(
                    audience=Audience(
                        key=key,
                        name=definition.name or key,
                        description=definition.description,
                        destinations=tuple(definition.to),
                        mode=definition.mode,
                        membership_days=definition.membership_days,
                    ),
                    destination=destination,
                    connector=connector,
                    connector_name=settings.connector,
                    account=f"{settings.connector}:{destination}",
                    send_unknown_consent=settings.send_unknown_consent,
                    double_opt_in=settings.double_opt_in,
                    fields=dict(settings.fields),
                )
            )
    if not targets:
        msg = "nothing to sync: no enabled destination is the target of the selected audiences"
        raise ConfigError(msg)
    return targets


def compute_audiences(app: AppContext, targets: Sequence[SyncTarget]) -> None:
    """Compute the membership of every audience the targets sync, into the store."""
    config = app.config()
    builders = app.plugins.audience_builders()
    now = utcnow()
    for key in dict.fromkeys(target.audience.key for target in targets):
        compute_audience(
            app.store(),
            key,
            config.audiences[key],
            builders=builders,
            now=now,
            base_dir=app.config_path.parent,
        )


def _contact_filter(app: AppContext) -> ContactFilter | None:
    plugins = app.plugins
    if not plugins.hook.freehold_filter_contacts.get_hookimpls():
        return None

    def keep(
        destination: str, audience_key: str | None, contacts: Sequence[Contact]
    ) -> Iterable[Contact]:
        return plugins.filter_contacts(destination, audience_key, contacts)

    return keep


def _delivery_wrapper(app: AppContext) -> DeliveryWrapper | None:
    plugins = app.plugins
    if not plugins.hook.freehold_wrap_delivery.get_hookimpls():
        return None

    def deliver(
        destination: str, delivery: Delivery, send: Callable[[], Awaitable[Sequence[Outcome]]]
    ) -> Awaitable[Sequence[Outcome]]:
        operation = DeliveryOperation(
            kind=DeliveryKind(delivery.kind),
            connector=delivery.connector,
            rows=delivery.rows,
            audience_key=delivery.audience_key,
        )
        return plugins.deliver(destination, operation, send)

    return deliver


def _normalize_email(value: str) -> str | None:
    return identity.normalize("email", value, "email")


def build_engine(app: AppContext, *, progress: RichSyncProgress | None = None) -> SyncEngine:
    """Return a sync engine on the project's store, wired to the plugins."""
    return SyncEngine(
        app.store(),
        progress=progress,
        deliver=_delivery_wrapper(app),
        contact_filter=_contact_filter(app),
        normalize_email=_normalize_email,
    )


def _plan_options(
    app: AppContext, *, retry_rejected: bool, allow_large_removal: bool
) -> PlanOptions:
    return PlanOptions(
        retry_rejected=retry_rejected,
        allow_large_removal=allow_large_removal,
        max_removal_share=app.config().sync.max_removal_share,
    )


# -- rendering ---------------------------------------------------------------------------------


_REASON_WORDS = {
    "consent_denied": "consent denied",
    "consent_unknown": "consent unknown",
    "no_usable_identifier": "no usable identifier",
    "filtered_by_plugin": "filtered by a plugin",
    "rejected_unchanged": "rejected before, unchanged",
}


def _by_reason(counts: Mapping[str, int]) -> str:
    return ", ".join(
        f"{count} {_REASON_WORDS.get(reason, reason)}" for reason, count in sorted(counts.items())
    )


def plan_tables(console: Console, plans: Sequence[TargetPlan]) -> list[Table]:
    """Return the plans as tables: per audience x destination, what would happen."""
    kinds = [kind.value.capitalize() for kind in PlanKind]
    return target_tables(
        console,
        title="Plan (nothing sent)",
        targets=[f"{plan.target.label} ({plan.mode.value})" for plan in plans],
        columns=["Members", "Sendable", "Held", "Unchanged", *kinds, "Dropped"],
        rows=[
            [
                f"{plan.members:,}",
                f"{plan.eligible:,}",
                f"{plan.held:,}",
                f"{plan.unchanged:,}",
                *(f"{plan.counts[kind.value]:,}" for kind in PlanKind),
                f"{sum(plan.dropped.values()):,}",
            ]
            for plan in plans
        ],
    )


def plan_notes(plans: Sequence[TargetPlan]) -> list[Text]:
    """Return the lines under the plan table: drop reasons, warnings, refusals."""
    lines: list[Text] = []
    for plan in plans:
        label = plan.target.label
        if plan.dropped:
            lines.append(Text(f"{label}: dropped {_by_reason(plan.dropped)}"))
        lines.extend(Text(f"{label}: {warning}", style="yellow") for warning in plan.warnings)
        if plan.refused:
            lines.append(Text(f"{label}: REFUSED, {plan.refused}", style="bold red"))
    return lines


def report_tables(console: Console, reports: Sequence[TargetReport]) -> list[Table]:
    """Return the sync reports as the final tables, per audience x destination."""
    rows: list[list[RenderableType]] = []
    for report in reports:
        status = Text(report.status.value, style="green" if report.ok else "bold red")
        for left, count in (("pending", report.pending), ("retriable", report.retriable)):
            if count:
                status.append(f"\n{count:,} {left}", style="yellow")
        if report.unsent:
            status.append(f"\n{report.unsent:,} unanswered", style="red")
        rows.append(
            [
                status,
                f"{report.to_send:,}",
                f"{report.sent:,}",
                f"{report.accepted:,}",
                f"{sum(report.rejected.values()):,}",
                f"{sum(report.dropped.values()):,}",
                f"{report.retries:,}",
                f"{report.duration:.1f}s",
            ]
        )
    return target_tables(
        console,
        title="Sync",
        targets=[report.label for report in reports],
        columns=["Status", "Planned", "Sent", "Accepted", "Rejected", "Dropped", "Retries", "Time"],
        rows=rows,
    )


def report_notes(reports: Sequence[TargetReport]) -> list[Text]:
    """Return the lines under the sync table: errors, reasons and vendor feedback."""
    lines: list[Text] = []
    for report in reports:
        label = report.label
        if report.error:
            lines.append(Text(f"{label}: {report.error}", style="bold red"))
        if report.rejected:
            lines.append(Text(f"{label}: rejected {_by_reason(report.rejected)}", style="yellow"))
        if report.dropped:
            lines.append(Text(f"{label}: dropped {_by_reason(report.dropped)}"))
        if report.feedback:
            said = ", ".join(f"{key}={value}" for key, value in sorted(report.feedback.items()))
            lines.append(Text(f"{label}: vendor feedback: {said}", style="dim"))
    return lines


class _RateColumn(ProgressColumn):
    """Rows per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="cyan")


class RichSyncProgress:
    """Progress bars per audience x destination: rows, batches, rate and ETA."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[batches]} batches"),
            _RateColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichSyncProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def started(self, label: str, *, rows: int, batches: int) -> None:
        """Add a bar for `label`."""
        self._tasks[label] = self.progress.add_task(label, total=rows, batches=0)

    def advanced(self, label: str, *, rows: int, batches: int) -> None:
        """Advance the bar of `label`."""
        task = self._tasks.get(label)
        if task is not None:
            done = self.progress.tasks[self._task_index(task)].fields["batches"]
            self.progress.update(task, advance=rows, batches=done + batches)

    def finished(self, label: str, report: TargetReport) -> None:
        """Complete the bar of `label`."""
        task = self._tasks.get(label)
        if task is not None:
            self.progress.update(task, completed=report.to_send)

    def _task_index(self, task: TaskID) -> int:
        return next(i for i, t in enumerate(self.progress.tasks) if t.id == task)


# -- commands ----------------------------------------------------------------------------------


def _write_json(path: str, data: object) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, default=str)
    if path == "-":
        click.echo(text)
    else:
        Path(path).write_text(text + "\n", encoding="utf-8")


_AUDIENCE = click.argument("audience", required=False)
_TO = click.option("--to", "to", metavar="ROLE", help="Only this destination.")
_NO_COMPUTE = click.option(
    "--no-compute",
    is_flag=True,
    help="Use the stored audience membership instead of computing it first.",
)


@click.command("plan")
@_AUDIENCE
@_TO
@click.option(
    "--json", "json_path", metavar="FILE", help="Also write the plan as JSON to FILE ('-': stdout)."
)
@click.option("--retry-rejected", is_flag=True, help="Plan rows the vendor rejected before.")
@_NO_COMPUTE
@pass_app
def plan_command(
    app: AppContext,
    audience: str | None,
    *,
    to: str | None,
    json_path: str | None,
    retry_rejected: bool,
    no_compute: bool,
) -> None:
    """Show what a sync would do for AUDIENCE (default: all); nothing is sent.

    Per audience x destination: adds, updates, identifier changes, refreshes before the
    vendor's expiry and removals, members dropped before sending (with reasons), audiences
    below the vendor's minimum size, and removals too large to run without
    --allow-large-removal.
    """
    targets = sync_targets(app, audience, to)
    if not no_compute:
        compute_audiences(app, targets)
    options = _plan_options(app, retry_rejected=retry_rejected, allow_large_removal=False)
    plans = build_engine(app).plan(targets, options=options)
    try:
        if json_path != "-":
            app.console.print(*plan_tables(app.console, plans))
            for line in plan_notes(plans):
                app.console.print(line)
        if json_path is not None:
            _write_json(json_path, [plan.summary() for plan in plans])
    finally:
        for plan in plans:
            plan.close()


def run_sync(
    app: AppContext,
    targets: Sequence[SyncTarget],
    *,
    options: PlanOptions,
    quiet: bool = False,
) -> SyncReport:
    """Sync `targets` with progress bars on stderr; print the final table unless `quiet`."""
    with RichSyncProgress(app.err_console) as progress:
        report = asyncio.run(build_engine(app, progress=progress).sync(targets, options=options))
    if not quiet:
        app.console.print(*report_tables(app.console, report.targets))
        for line in report_notes(report.targets):
            app.console.print(line)
    return report


@click.command("sync")
@_AUDIENCE
@_TO
@click.option(
    "--allow-large-removal",
    is_flag=True,
    help="Run a plan that removes more than sync.max_removal_share of a destination audience.",
)
@click.option("--retry-rejected", is_flag=True, help="Send again rows the vendor rejected.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_NO_COMPUTE
@click.pass_context
def sync_command(
    ctx: click.Context,
    audience: str | None,
    *,
    to: str | None,
    allow_large_removal: bool,
    retry_rejected: bool,
    as_json: bool,
    no_compute: bool,
) -> None:
    """Sync AUDIENCE (default: all) to its destinations (or only --to ROLE).

    Email destinations' unsubscribes are read back into the store first. Exit code 0 only when
    every row has an outcome and nothing failed.
    """
    app = ctx.find_object(AppContext)
    if app is None:  # pragma: no cover - the freehold group always sets it
        msg = "no application context"
        raise click.UsageError(msg)
    targets = sync_targets(app, audience, to)
    if not no_compute:
        compute_audiences(app, targets)
    options = _plan_options(
        app, retry_rejected=retry_rejected, allow_large_removal=allow_large_removal
    )
    report = run_sync(app, targets, options=options, quiet=as_json)
    if as_json:
        app.emit_json(report.as_json())
    if not report.ok:
        ctx.exit(ExitCode.JOB_FAILED)


@click.group("runs", invoke_without_command=True)
@click.option("--limit", default=20, show_default=True, help="How many runs to list.")
@click.option("--kind", help="Only runs of this kind (sync, events, import, migrate, erase).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_context
def runs_group(ctx: click.Context, *, limit: int, kind: str | None, as_json: bool) -> None:
    """List the latest runs (sync, events, imports…), newest first."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(AppContext)
    if app is None:  # pragma: no cover - the freehold group always sets it
        msg = "no application context"
        raise click.UsageError(msg)
    found = list_runs(app.store().engine, limit=limit, kind=kind)
    if as_json:
        app.emit_json([run.as_json() for run in found])
        return
    table = Table(title="Runs")
    for name in ("ID", "Started", "Kind", TARGET_HEADER, "Status"):
        table.add_column(name)
    for name in ("Sent", "Accepted", "Rejected"):
        table.add_column(name, justify="right")
    lines: list[str] = []
    for run in found:
        counts = run.counts
        target = f"{run.audience_key} → {run.destination}" if run.audience_key else ""
        started = run.started_at.strftime("%Y-%m-%d %H:%M:%S")
        figures = {
            "sent": str(counts.get("sent", "")),
            "accepted": str(counts.get("accepted", "")),
            "rejected": _total(counts.get("rejected")),
        }
        table.add_row(str(run.pk), started, run.kind, target, run.status, *figures.values())
        said = ", ".join(f"{name} {figure}" for name, figure in figures.items() if figure)
        head = "  ".join(part for part in (str(run.pk), started, run.kind, target) if part)
        lines.append(f"{head}: {run.status}" + (f" ({said})" if said else ""))
    if fits(app.console, table):
        app.console.print(table)
        return
    app.console.print("Runs (ID, started, kind, audience → destination: status)")
    for line in lines:
        app.console.print(line, highlight=False)


def _total(counts: JsonValue) -> str:
    """Return the sum of a `{reason: count}` figure of a run, or nothing when absent."""
    if not isinstance(counts, dict):
        return ""
    return str(sum(value for value in counts.values() if isinstance(value, int)))


@runs_group.command("show")
@click.argument("run_id", type=int)
@click.option("--rejected", "show_rejected", is_flag=True, help="List the rejected rows.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_app
def show_command(app: AppContext, run_id: int, *, show_rejected: bool, as_json: bool) -> None:
    """Show run RUN_ID: its figures, its plan, its outcomes (and rejected rows)."""
    engine = app.store().engine
    detail = get_run(engine, run_id)
    rows = rejected_rows(engine, run_id) if show_rejected else []
    if as_json:
        data = detail.as_json()
        if show_rejected:
            data["rejected_rows"] = [row.as_json() for row in rows]
        app.emit_json(data)
        return
    summary = detail.summary
    table = Table(title=f"Run {summary.pk}: {summary.kind} ({summary.status})", show_header=False)
    table.add_column("Field")
    table.add_column("Value")
    table.add_row("Audience", summary.audience_key or "")
    table.add_row("Destination", summary.destination or "")
    table.add_row("Started", summary.started_at.isoformat())
    table.add_row("Finished", summary.finished_at.isoformat() if summary.finished_at else "")
    for key, value in summary.counts.items():
        if value not in ({}, [], None):
            table.add_row(key, json.dumps(value, sort_keys=True))
    for operation, statuses in sorted(detail.outcomes.items()):
        table.add_row(f"outcomes ({operation})", json.dumps(statuses, sort_keys=True))
    app.console.print(table)
    if show_rejected:
        rejected = Table(title="Rejected rows")
        for name in ("Contact", "Operation", "Code", "Reason"):
            rejected.add_column(name)
        for row in rows:
            rejected.add_row(row.contact_id or "", row.operation, row.code or "", row.reason or "")
        app.console.print(rejected)
