"""What a sync will do for one audience x destination: the plan and its rows.

A plan holds counts, reasons and warnings for people to read, and two spools of rows for the
executor: removals (sent first) and additions. The spools are compact (marshalled chunks in a
temporary file once they outgrow memory), so a plan of millions of rows stays small in RAM.
"""

from __future__ import annotations

import marshal
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import JsonValue

from freehold.core.models import Audience, AudienceRef, Purpose, SyncMode

if TYPE_CHECKING:
    from freehold.core.capabilities import AudienceSync

__all__ = ["PlanKind", "PlanRow", "RowSpool", "SyncTarget", "TargetPlan"]


class PlanKind(StrEnum):
    """What the plan does with one member."""

    ADD = "add"
    """New to the vendor audience."""
    UPDATE = "update"
    """Held under the same identifiers; its status or fields changed, so it is sent again."""
    CHANGE = "change"
    """Its identifiers changed: the old key is removed, then the new one added."""
    REFRESH = "refresh"
    """Unchanged but near the vendor's membership expiry: sent again to keep it."""
    REMOVE = "remove"
    """Held by the vendor audience and no longer wanted (mirror, or consent withdrawn)."""


PlanRow = tuple[
    str, int, str, dict[str, str], dict[str, JsonValue], str | None, float | None, int | None
]
"""(kind, contact_pk, member_key, identifiers, attributes, email_status, value, revision).

`revision` is the contact's revision the row was planned from (the ledger keeps it); None
where no member row was read. For a removal the identifiers and member key are those the
vendor holds (from the ledger). Kept as plain tuples so millions marshal quickly.
"""

_CHUNK = 5_000
_MEMORY_BYTES = 32 * 1024 * 1024


class RowSpool:
    """An append-then-read sequence of plan rows, spilled to a private temporary file.

    The file is unlinked on creation (and readable only by its owner while open); it may hold
    prepared identifiers (digests, or normalized emails for email destinations), never logged.
    """

    def __init__(self) -> None:
        self._file: tempfile.SpooledTemporaryFile[bytes] | None = None
        self._buffer: list[PlanRow] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"<RowSpool rows={self._count}>"

    def append(self, row: PlanRow) -> None:
        """Add one row at the end."""
        self._buffer.append(row)
        self._count += 1
        if len(self._buffer) >= _CHUNK:
            if self._file is None:
                self._file = tempfile.SpooledTemporaryFile(max_size=_MEMORY_BYTES)  # noqa: SIM115
            data = marshal.dumps(self._buffer)
            self._file.seek(0, 2)
            self._file.write(len(data).to_bytes(8, "little"))
            self._file.write(data)
            self._buffer = []

    def chunks(self) -> Iterator[list[PlanRow]]:
        """Yield the rows in order, a chunk at a time; the spool may be read many times."""
        if self._file is not None:
            position = 0
            while True:
                self._file.seek(position)
                header = self._file.read(8)
                if len(header) < 8:  # noqa: PLR2004 - the frame header's size
                    break
                size = int.from_bytes(header, "little")
                data = self._file.read(size)
                position += 8 + size
                chunk: list[PlanRow] = marshal.loads(data)  # noqa: S302 - our own file
                yield chunk
        if self._buffer:
            yield list(self._buffer)

    def close(self) -> None:
        """Release the temporary storage (a spool that never outgrew one chunk holds none)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._buffer = []


@dataclass(frozen=True, slots=True)
class SyncTarget:
    """One audience to keep in step at one destination, as the config and connector define it.

    Attributes:
        audience: the brand's audience (key, name, mode, membership lifespan).
        destination: the destination (role) name.
        connector: the destination's connector; only its class-level declarations are read
            while planning (limits, identity profile, accepted identifiers, purpose).
        connector_name: the connector's name, for reports and consent sources.
        account: the key of the vendor account, shared by destinations on the same account;
            one pacer per account.
        send_unknown_consent: the destination sends members whose consent is unknown.
        double_opt_in: an email destination sends unknown consent as pending (double opt-in).
        fields: contact attribute (or identifier field, or `lifecycle`) → vendor field name;
            only these leave, under the vendor's names.
    """

    audience: Audience
    destination: str
    connector: AudienceSync
    connector_name: str
    account: str
    send_unknown_consent: bool = False
    double_opt_in: bool = False
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Return `audience → destination`, for progress and reports."""
        return f"{self.audience.key} → {self.destination}"

    @property
    def purpose(self) -> Purpose:
        """Return the consent purpose the destination serves for audiences."""
        return self.connector.audience_purpose

    @property
    def is_email(self) -> bool:
        """Say whether email-role consent rules apply (the purpose is email marketing)."""
        return self.purpose is Purpose.EMAIL_MARKETING


@dataclass(slots=True)
class TargetPlan:
    """The plan for one `SyncTarget`: counts, reasons, warnings, and the rows to send.

    Attributes:
        members: audience members considered.
        eligible: members that may leave (consent, identifiers, plugins): the desired size.
        held: members the vendor audience held, per the ledger, before this plan.
        unchanged: held members that need nothing (settled, or looked at and unchanged).
        counts: rows per `PlanKind`.
        dropped: members not sent, per `DropReason` value.
        warnings: things the operator should know (audience below the vendor's minimum size).
        refused: why the plan must not run as is (a large removal), or None.
        removals: rows removed first (mirror and consent removals, old keys of changes).
        additions: rows added after (adds, updates, new keys of changes, refreshes).
        rejected: contact pks the vendor rejected before (a rejection row exists).
        basis: the fingerprint of the settings and rules this plan was made under; the
            ledger keeps it with each row, and rows planned under another basis are looked at
            again.
        settled: held members counted without being read (unchanged since acknowledged).
        confirmed: `(contact_pk, revision)` pairs, flattened, of held members looked at and
            found unchanged; a sync stamps their ledger rows with this revision and basis so
            later plans skip them.
        restarts: the ledger's rows were acknowledged by another vendor audience than the
            destination's (another connector; or, when the plan knows `audience_ref`, another
            audience id: deleted and made again, another account): this plan ignores them,
            holding nobody, and a sync drops them when it starts, so every member is sent.
        audience_ref: the vendor audience the sync writes to, when it was asked before
            planning (a sync asks; `freehold plan` does not).
    """

    target: SyncTarget
    members: int = 0
    eligible: int = 0
    held: int = 0
    unchanged: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    refused: str | None = None
    removals: RowSpool = field(default_factory=RowSpool)
    additions: RowSpool = field(default_factory=RowSpool)
    rejected: set[int] = field(default_factory=set)
    basis: str = ""
    settled: int = 0
    confirmed: array[int] = field(default_factory=lambda: array("q"))
    restarts: bool = False
    audience_ref: AudienceRef | None = None

    @property
    def mode(self) -> SyncMode:
        """Return the audience's sync mode."""
        return self.target.audience.mode

    @property
    def removal_share(self) -> float:
        """Return the share of the held audience this plan removes (identifier changes aside)."""
        return self.counts[PlanKind.REMOVE] / self.held if self.held else 0.0

    @property
    def to_send(self) -> int:
        """Return the rows this plan sends (a change counts twice: remove, then add)."""
        return len(self.removals) + len(self.additions)

    def summary(self) -> dict[str, JsonValue]:
        """Return the plan as JSON: no personal value, only counts, reasons and warnings."""
        return {
            "audience": self.target.audience.key,
            "destination": self.target.destination,
            "connector": self.target.connector_name,
            "mode": self.mode.value,
            "purpose": self.target.purpose.value,
            "members": self.members,
            "eligible": self.eligible,
            "held": self.held,
            "unchanged": self.unchanged,
            "counts": {kind.value: self.counts[kind] for kind in PlanKind},
            "dropped": dict(sorted(self.dropped.items())),
            "removal_share": round(self.removal_share, 4),
            "restarts_ledger": self.restarts,
            "vendor_audience": self.audience_ref.vendor_id if self.audience_ref else None,
            "warnings": list(self.warnings),
            "refused": self.refused,
        }

    def close(self) -> None:
        """Release the spools."""
        self.removals.close()
        self.additions.close()
