"""What a sync did, per audience x destination: the figures of the final table and the run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from pydantic import JsonValue

__all__ = ["SyncProgress", "SyncReport", "TargetReport", "TargetStatus"]


class TargetStatus(StrEnum):
    """How a sync of one audience x destination ended."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUSED = "refused"
    INTERRUPTED = "interrupted"


@dataclass(slots=True)
class TargetReport:
    """The figures of one audience x destination sync.

    Attributes:
        planned: rows per plan kind; `to_send` counts a change twice (remove, then add).
        sent: rows sent at least once.
        accepted: rows the vendor acknowledged.
        rejected: rows the vendor refused, per its code (or reason).
        dropped: members not sent, per drop reason.
        pending: rows still awaiting a vendor job when the run ended.
        retriable: rows the vendor could not take now (sent again by the next run).
        unsent: rows left without an outcome because the run stopped.
        retries: requests sent again after a retriable error.
        splits: batches split because they were too large once encoded.
        bisections: batches split to isolate the row that made the vendor refuse them whole.
        feedback: what the vendor said about the session (counts, job status).
    """

    audience_key: str
    destination: str
    connector: str
    status: TargetStatus = TargetStatus.SUCCEEDED
    run_pk: int | None = None
    planned: dict[str, int] = field(default_factory=dict)
    to_send: int = 0
    sent: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    dropped: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    retriable: int = 0
    unsent: int = 0
    retries: int = 0
    batches: int = 0
    splits: int = 0
    bisections: int = 0
    duration: float = 0.0
    warnings: list[str] = field(default_factory=list)
    feedback: dict[str, JsonValue] = field(default_factory=dict)
    error: str | None = None

    @property
    def label(self) -> str:
        """Return `audience → destination`."""
        return f"{self.audience_key} → {self.destination}"

    @property
    def ok(self) -> bool:
        """Say whether every row has an outcome and nothing failed.

        Rows the vendor rejected have an outcome (the vendor's reason); rows left retriable or
        without an answer, a refused plan and a stopped run are failures.
        """
        return self.status is TargetStatus.SUCCEEDED and self.retriable == 0 and self.unsent == 0

    def counts(self) -> dict[str, JsonValue]:
        """Return the figures as JSON (kept in `runs.counts`)."""
        return {
            "planned": dict(self.planned),
            "to_send": self.to_send,
            "sent": self.sent,
            "accepted": self.accepted,
            "rejected": dict(sorted(self.rejected.items())),
            "dropped": dict(self.dropped),
            "pending": self.pending,
            "retriable": self.retriable,
            "unsent": self.unsent,
            "retries": self.retries,
            "batches": self.batches,
            "splits": self.splits,
            "bisections": self.bisections,
            "duration_seconds": round(self.duration, 3),
            "warnings": list(self.warnings),
            "feedback": dict(self.feedback),
            "error": self.error,
        }

    def as_json(self) -> dict[str, JsonValue]:
        """Return the whole report as JSON, for `--json`."""
        return {
            "audience": self.audience_key,
            "destination": self.destination,
            "connector": self.connector,
            "status": self.status.value,
            "run": self.run_pk,
            **self.counts(),
        }


@dataclass(frozen=True, slots=True)
class SyncReport:
    """Every audience x destination of one `freehold sync`."""

    targets: Sequence[TargetReport]

    @property
    def ok(self) -> bool:
        """Say whether every target succeeded with an outcome for every row."""
        return all(target.ok for target in self.targets)

    def as_json(self) -> list[dict[str, JsonValue]]:
        """Return the per-target reports as JSON."""
        return [target.as_json() for target in self.targets]


class SyncProgress(Protocol):
    """Receives progress while a sync runs (the CLI draws it as progress bars)."""

    def started(self, label: str, *, rows: int, batches: int) -> None:
        """A target starts sending `rows` rows in about `batches` batches."""

    def advanced(self, label: str, *, rows: int, batches: int) -> None:
        """`rows` more rows got an answer, in `batches` more batches."""

    def finished(self, label: str, report: TargetReport) -> None:
        """A target finished (or stopped); `report` holds its figures."""
