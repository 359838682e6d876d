"""`freehold events push FILE --to ROLE`: send events from a file through a destination.

Until the event pipeline (collector, outbox, forwarder) exists, this is how events reach a
vendor: the file is read with the import mapping (`--map column=target`), each event passes
the consent gate for the destination's measurement purpose (the person's consent in the store;
unknown consent leaves only where the destination says `send_unknown_consent: true`), and the
events go through the connector's `EventDelivery` in batches within its declared limits, under
the core retry policy. A request the vendor refuses whole because of one event is bisected
until that event is isolated, so the good events still go through. The report has the same
figures as a sync: sent, accepted, rejected per code, dropped per reason, retriable.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from freehold.core.capabilities import EventDelivery
from freehold.core.consent import consent_drop_reason
from freehold.core.errors import (
    BatchRejectedError,
    BatchTooLargeError,
    ConfigError,
    InputError,
    RetriableError,
)
from freehold.core.models import ClickIds, Event, EventItem, Identifiers, Outcome, OutcomeStatus
from freehold.core.retry import RetryPolicy, retry_call
from freehold.core.sources import ColumnMapping, ImportKind, open_source
from freehold.plugins._markers import hookimpl
from freehold.plugins.cli._app import AppContext, ExitCode, pass_app

__all__ = [
    "EventsReport",
    "deliver_events",
    "events_group",
    "freehold_register_commands",
    "push_command",
]

_MAX_LISTED = 50


@dataclass
class EventsReport:
    """What one push did, in the figures of a sync report (no personal value).

    Attributes:
        read: events read from the file (rows that became valid events).
        unreadable: file rows that could not become an event, per reason.
        dropped: events the consent gate kept back, per reason.
        sent: events handed to the connector at least once.
        accepted: events the vendor acknowledged.
        rejected: events refused, per vendor code (or reason).
        retriable: events the vendor could not take now; push them again later.
        batches: requests sent (bisected halves included).
        bisections: batches split to isolate the event that made the vendor refuse them whole.
        retries: requests sent again after a retriable error.
        rejections: (event id, code, reason) of refused events, for the report.
    """

    destination: str
    connector: str
    read: int = 0
    unreadable: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    sent: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    retriable: int = 0
    batches: int = 0
    bisections: int = 0
    retries: int = 0
    duration: float = 0.0
    rejections: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Say whether every event that could leave was answered (none left retriable)."""
        return self.retriable == 0

    def count(self, outcomes: Sequence[Outcome]) -> None:
        """Add outcomes to the figures."""
        for outcome in outcomes:
            if outcome.status is OutcomeStatus.ACCEPTED:
                self.accepted += 1
            elif outcome.status is OutcomeStatus.REJECTED:
                code = outcome.code or outcome.reason or "rejected"
                self.rejected[code] += 1
                self.rejections.append((outcome.key, code, outcome.reason or ""))
            else:
                self.retriable += 1

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON data."""
        return {
            "destination": self.destination,
            "connector": self.connector,
            "ok": self.ok,
            "read": self.read,
            "unreadable": dict(self.unreadable),
            "dropped": dict(self.dropped),
            "sent": self.sent,
            "accepted": self.accepted,
            "rejected": dict(self.rejected),
            "retriable": self.retriable,
            "batches": self.batches,
            "bisections": self.bisections,
            "retries": self.retries,
            "duration_seconds": round(self.duration, 3),
            "rejections": [
                {"event_id": key, "code": code, "reason": reason}
                for key, code, reason in self.rejections
            ],
        }


async def deliver_events(
    connector: EventDelivery,
    events: Sequence[Event],
    report: EventsReport,
    *,
    policy: RetryPolicy | None = None,
) -> list[Outcome]:
    """Send `events` within the connector's limits; one outcome per event, in order.

    Batches run up to `concurrency_per_account` at once. A batch refused whole
    (`BatchRejectedError`) is split in two until the bad event stands alone and is rejected; a
    batch too large once encoded is halved; a retriable error is retried under `policy` and,
    when retries run out, its events are answered `retriable`. A `PermanentError` stops the push.
    """
    chosen = policy or RetryPolicy()
    limits = connector.event_limits
    slots = asyncio.Semaphore(limits.concurrency_per_account)

    async def attempt(batch: Sequence[Event]) -> list[Outcome]:
        tries = 0

        async def once() -> list[Outcome]:
            nonlocal tries
            tries += 1
            if tries > 1:
                report.retries += 1
            report.batches += 1
            return await connector.send_events(batch)

        async with slots:
            return await retry_call(chosen, once)

    async def send(batch: Sequence[Event]) -> list[Outcome]:
        try:
            outcomes = await attempt(batch)
        except (BatchRejectedError, BatchTooLargeError) as exc:
            if len(batch) == 1:
                code = exc.vendor_code or type(exc).__name__
                return [Outcome.rejected(batch[0].event_id, str(exc), code=code)]
            if isinstance(exc, BatchRejectedError):
                report.bisections += 1
            half = len(batch) // 2
            return await send(batch[:half]) + await send(batch[half:])
        except RetriableError as exc:
            return [Outcome.retriable(e.event_id, str(exc), code=exc.vendor_code) for e in batch]
        if [o.key for o in outcomes] != [e.event_id for e in batch]:
            msg = "the connector did not answer one outcome per event, in order"
            raise ConfigError(msg)
        return outcomes

    size = limits.max_rows
    batches = [events[i : i + size] for i in range(0, len(events), size)]
    report.sent += len(events)
    answered = await asyncio.gather(*(send(batch) for batch in batches))
    outcomes = [outcome for group in answered for outcome in group]
    report.count(outcomes)
    return outcomes


def _event_of(record: Any) -> Event:  # noqa: ANN401 - a store EventRecord
    """Rebuild the neutral event from an import record."""
    return Event(
        event_id=record.event_id,
        name=record.name,
        occurred_at=record.occurred_at,
        contact_id=record.contact_id,
        identifiers=Identifiers(**dict(record.identifiers)) if record.identifiers else None,
        click_ids=ClickIds(**dict(record.click_ids)),
        client_ip=record.client_ip,
        user_agent=record.user_agent,
        source_url=record.source_url,
        action_source=record.action_source,
        value=record.value,
        currency=record.currency,
        order_id=record.order_id,
        items=tuple(EventItem(**dict(item)) for item in record.items),
        properties=dict(record.properties),
    )


def read_events(
    path: Path, *, columns: dict[str, str], file_format: str | None, report: EventsReport
) -> list[Event]:
    """Read the file's events; unreadable rows are counted per reason in the report."""
    source = open_source(path, file_format=file_format)
    mapping = ColumnMapping(ImportKind.EVENTS, columns)
    events: list[Event] = []
    for row in source.rows():
        mapped = mapping.to_event(row, text_values=source.text_values)
        if isinstance(mapped, list):
            for rejection in mapped:
                report.unreadable[rejection.reason] += 1
            continue
        try:
            events.append(_event_of(mapped))
        except ValueError as exc:
            raise InputError(str(exc), source=str(path), row=row.number) from None
    report.read = len(events)
    return events


def gate_events(
    app: AppContext,
    events: Sequence[Event],
    connector: EventDelivery,
    *,
    send_unknown: bool,
    report: EventsReport,
) -> list[Event]:
    """Keep the events whose person's consent for the destination's purpose lets them leave."""
    known = [e.contact_id for e in events if e.contact_id]
    states: dict[str, Any] = {}
    if known:
        store = app.store()
        pks = store.contact_pks(known)
        for contact in store.load_contacts(list(pks.values())):
            states[contact.contact_id] = contact.consent_state(connector.event_purpose)
    kept: list[Event] = []
    for event in events:
        state = states.get(event.contact_id) if event.contact_id else None
        reason = consent_drop_reason(state, send_unknown_consent=send_unknown)
        if reason is None:
            kept.append(event)
        else:
            report.dropped[reason.value] += 1
    return kept


@hookimpl
def freehold_register_commands(cli: click.Group) -> None:
    """Add `freehold events`."""
    cli.add_command(events_group)


@click.group("events")
def events_group() -> None:
    """Send behavioural events to destinations."""


def _parse_map(values: Sequence[str]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for value in values:
        column, sep, target = value.partition("=")
        if not sep or not column or not target:
            msg = f"--map wants COLUMN=TARGET, got {value!r}"
            raise click.UsageError(msg)
        columns[column] = target
    return columns


@events_group.command("push")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "destination", required=True, help="The destination (role) to send to.")
@click.option("--map", "maps", multiple=True, help="COLUMN=TARGET; repeat for each column.")
@click.option("--format", "file_format", default=None, help="csv, jsonl or parquet.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def push_command(
    app: AppContext,
    file: Path,
    destination: str,
    maps: tuple[str, ...],
    file_format: str | None,
    *,
    as_json: bool,
) -> None:
    """Send the events in FILE to a destination, with the same outcome report as a sync."""
    config = app.config()
    found = config.destinations.get(destination)
    connector = app.connector_for(destination)
    if not isinstance(connector, EventDelivery) or found is None:
        msg = f"destination {destination!r}: connector {connector.name!r} cannot deliver events"
        raise ConfigError(msg)
    report = EventsReport(destination=destination, connector=connector.name)
    started = time.monotonic()
    events = read_events(file, columns=_parse_map(maps), file_format=file_format, report=report)
    kept = gate_events(
        app, events, connector, send_unknown=found.send_unknown_consent, report=report
    )

    async def run() -> None:
        async with connector:
            await deliver_events(connector, kept, report)

    if kept:
        asyncio.run(run())
    report.duration = time.monotonic() - started
    if as_json:
        app.emit_json(report.as_dict())
    else:
        _print(app, report)
    if not report.ok:
        raise click.exceptions.Exit(ExitCode.JOB_FAILED)


def _print(app: AppContext, report: EventsReport) -> None:
    table = Table(title=f"events → {report.destination} ({report.connector})")
    table.add_column("figure")
    table.add_column("count", justify="right")
    rows: list[tuple[str, int]] = [
        ("read", report.read),
        *((f"unreadable: {k}", v) for k, v in sorted(report.unreadable.items())),
        *((f"dropped: {k}", v) for k, v in sorted(report.dropped.items())),
        ("sent", report.sent),
        ("accepted", report.accepted),
        *((f"rejected: {k}", v) for k, v in sorted(report.rejected.items())),
        ("retriable", report.retriable),
        ("requests", report.batches),
        ("bisections", report.bisections),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    app.console.print(table)
    for event_id, code, reason in report.rejections[:_MAX_LISTED]:
        app.console.print(f"rejected {event_id} [{code}]: {reason}")
