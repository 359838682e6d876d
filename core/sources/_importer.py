"""The import job: stream a source through a mapping into the store, chunk by chunk, resumably.

Memory stays bounded by the chunk size whatever the file size: rows are read lazily, each
chunk is mapped, resolved and committed (with the checkpoint, in the same transaction), and its
problems are appended to the rejects report before the next chunk is read.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from freehold.core.sources._rejects import RejectsWriter, default_rejects_path
from freehold.core.sources._targets import ImportKind
from freehold.core.store import ContactRecord, EventRecord, Rejection
from freehold.core.store.schema import audit_log, import_checkpoints, runs, utcnow

if TYPE_CHECKING:
    from pathlib import Path

    from freehold.core.sources._base import Source, SourceRow
    from freehold.core.sources._mapping import ColumnMapping
    from freehold.core.store import Store

__all__ = ["DEFAULT_CHUNK", "ImportSummary", "import_source"]

logger = logging.getLogger(__name__)

DEFAULT_CHUNK = 10_000
"""Rows per committed chunk."""


@dataclass(slots=True)
class ImportSummary:
    """What an import did. Counts only; no personal value.

    Attributes:
        kind: `contacts` or `events`.
        source: the file path or the masked URL.
        rows_read: rows read in this run (after any resumed part).
        new: contacts created (contacts import).
        merged: existing contacts changed.
        unchanged: rows that matched a contact and changed nothing.
        inserted: events stored (events import).
        duplicates: events already in the store (by `event_id`).
        contacts_created: people first seen in the events.
        rejected: rows not imported because of a problem (see the rejects report).
        skipped_erased: rows matching an erasure tombstone.
        unusable: identifier field → values kept but unusable by the identity kit.
        ignored_columns: columns that feed no target.
        rejects_path: the report, when any row was rejected.
        resumed_from: rows skipped because an interrupted run had committed them.
        seconds: wall-clock time of the import.
        run_pk: the `runs` row of this import.
    """

    kind: str
    source: str
    rows_read: int = 0
    new: int = 0
    merged: int = 0
    unchanged: int = 0
    inserted: int = 0
    duplicates: int = 0
    contacts_created: int = 0
    rejected: int = 0
    skipped_erased: int = 0
    unusable: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    rejects_path: str | None = None
    resumed_from: int = 0
    seconds: float = 0.0
    run_pk: int | None = None

    @property
    def rows_per_second(self) -> float:
        """Rows read per second."""
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def counts(self) -> dict[str, int]:
        """The counters of this kind of import, for reports and the `runs` row."""
        names = (
            ("new", "merged", "unchanged")
            if self.kind == ImportKind.CONTACTS.value
            else ("inserted", "duplicates", "contacts_created")
        )
        keys = ("rows_read", *names, "rejected", "skipped_erased")
        return {key: int(getattr(self, key)) for key in keys}

    def as_dict(self) -> dict[str, object]:
        """Everything, as JSON-ready values (for `--json`)."""
        data = asdict(self)
        data["rows_per_second"] = round(self.rows_per_second, 1)
        data["seconds"] = round(self.seconds, 3)
        return data


def _checkpoint_key(source: Source, mapping: ColumnMapping) -> str:
    spec = f"{mapping.kind.value}|{source.fingerprint()}|{mapping.fingerprint()}"
    return hashlib.sha256(spec.encode()).hexdigest()


def _rows_done(store: Store, key: str) -> int:
    with store.begin() as connection:
        done = connection.scalar(
            select(import_checkpoints.c.rows_committed).where(
                import_checkpoints.c.source_key == key
            )
        )
    return int(done or 0)


def _save_checkpoint(connection: Connection, key: str, rows: int) -> None:
    connection.execute(import_checkpoints.delete().where(import_checkpoints.c.source_key == key))
    connection.execute(
        import_checkpoints.insert().values(source_key=key, rows_committed=rows, updated_at=utcnow())
    )


def _chunks(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for one chunk; it runs again between chunks.

    A chunk allocates millions of short-lived, acyclic objects (rows, records, tuples to write),
    freed by reference counting. Each allocation burst still triggers full collections, which
    walk every live object (SQLAlchemy, phonenumbers' metadata...) and cost about a fifth of a
    cold import. The few cycles a chunk leaves are collected once the collector is back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(slots=True)
class _Job:
    store: Store
    source: Source
    mapping: ColumnMapping
    label: str
    destinations: Mapping[str, Sequence[str]] | None
    summary: ImportSummary
    rejects: RejectsWriter

    def run_chunk(self, connection: Connection, chunk: list[SourceRow]) -> list[Rejection]:
        """Map, resolve and write one chunk in `connection`; return its rejections."""
        problems: list[Rejection] = []
        if self.mapping.kind is ImportKind.CONTACTS:
            contacts: list[ContactRecord] = []
            for row in chunk:
                mapped = self.mapping.to_contact(row, text_values=self.source.text_values)
                if isinstance(mapped, list):
                    problems.extend(mapped)
                else:
                    contacts.append(mapped)
            result = self.store.upsert_contacts(contacts, source=self.label, connection=connection)
            self.summary.new += result.new
            self.summary.merged += result.merged
            self.summary.unchanged += result.unchanged
            self.summary.skipped_erased += result.skipped_erased
            for name, count in result.unusable.items():
                self.summary.unusable[name] = self.summary.unusable.get(name, 0) + count
            problems.extend(result.rejected)
        else:
            events: list[EventRecord] = []
            for row in chunk:
                mapped_event = self.mapping.to_event(row, text_values=self.source.text_values)
                if isinstance(mapped_event, list):
                    problems.extend(mapped_event)
                else:
                    events.append(mapped_event)
            outcome = self.store.insert_events(
                events, source=self.label, destinations=self.destinations, connection=connection
            )
            self.summary.inserted += outcome.inserted
            self.summary.duplicates += outcome.duplicates
            self.summary.contacts_created += outcome.contacts_created
            self.summary.skipped_erased += outcome.skipped_erased
            problems.extend(outcome.rejected)
        return problems


def _start_run(store: Store, summary: ImportSummary) -> int:
    with store.begin() as connection:
        pk = connection.execute(
            runs.insert()
            .values(kind="import", status="running", counts={}, plan={"source": summary.source})
            .returning(runs.c.pk)
        ).scalar_one()
    return int(pk)


def _finish_run(store: Store, summary: ImportSummary, status: str) -> None:
    counts = summary.counts()
    with store.begin() as connection:
        connection.execute(
            runs.update()
            .where(runs.c.pk == summary.run_pk)
            .values(status=status, finished_at=utcnow(), counts=counts)
        )
        connection.execute(
            audit_log.insert().values(
                action=f"import.{summary.kind}",
                subject=f"run:{summary.run_pk}",
                detail={"status": status, "source": summary.source, **counts},
            )
        )


def import_source(
    store: Store,
    source: Source,
    mapping: ColumnMapping,
    *,
    label: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    rejects_path: Path | None = None,
    resume: bool = True,
    destinations: Mapping[str, Sequence[str]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import every row of `source` into `store` as `mapping.kind` says.

    Args:
        store: the store.
        source: the rows.
        mapping: columns → targets (its kind says contacts or events).
        label: the `source` recorded on events and consents (default: the source's name).
        chunk_size: rows per committed chunk.
        rejects_path: where the rejects report goes (default: next to the file).
        resume: continue after the rows an interrupted import of the same file committed.
        destinations: for events, the routes to queue new events on (None: queue nothing).
        progress: called with the number of rows read so far after each chunk.

    Returns:
        The summary; rejected rows are in the report at `summary.rejects_path`.
    """
    started = time.monotonic()
    summary = ImportSummary(kind=mapping.kind.value, source=source.name)
    key = _checkpoint_key(source, mapping)
    skip = _rows_done(store, key) if resume else 0
    summary.resumed_from = skip
    summary.run_pk = _start_run(store, summary)
    path = rejects_path or default_rejects_path(source.name, mapping.kind.value)
    status = "failed"
    with RejectsWriter(path, source=source.name, append=skip > 0) as rejects:
        job = _Job(store, source, mapping, label or source.name, destinations, summary, rejects)
        try:
            for chunk in _chunks(source.rows(skip=skip), chunk_size):
                with _cycle_collector_paused(), store.begin() as connection:
                    problems = job.run_chunk(connection, chunk)
                    _save_checkpoint(connection, key, chunk[-1].number)
                rejects.write(sorted(problems, key=lambda problem: problem.row or 0))
                summary.rows_read += len(chunk)
                summary.rejected += len({problem.row for problem in problems})
                if progress is not None:
                    progress(summary.rows_read)
            with store.begin() as connection:
                connection.execute(
                    import_checkpoints.delete().where(import_checkpoints.c.source_key == key)
                )
            status = "succeeded"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            summary.seconds = time.monotonic() - started
            summary.ignored_columns = sorted(mapping.ignored)
            summary.rejects_path = str(path) if rejects.written else None
            _finish_run(store, summary, status)
    logger.info(
        "import of %s finished: %d rows in %.1f s, %d rejected",
        summary.kind,
        summary.rows_read,
        summary.seconds,
        summary.rejected,
    )
    return summary
