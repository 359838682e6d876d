"""The sample brand as files (`contacts.csv`, `events.jsonl`) or loaded straight into a store."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from freehold.core.sample._events import events_of
from freehold.core.sample._people import (
    CONTACT_COLUMNS,
    Picker,
    contact_row,
    people,
    variant_email,
)
from freehold.core.sources import ColumnMapping, ImportKind, Source, SourceRow, import_source

if TYPE_CHECKING:
    from freehold.core.sources import ImportSummary
    from freehold.core.store import Store

__all__ = ["SampleFiles", "SampleLoad", "SampleSpec", "generate_sample", "write_sample"]

_DUPLICATE_SHARE = 0.02
_DUPLICATE_DELAY = 97  # a second system's record of the person arrives this many rows later


@dataclass(frozen=True, slots=True)
class SampleSpec:
    """What to generate; the same spec always gives the same brand.

    Attributes:
        contacts: how many distinct people.
        seed: the seed every value derives from.
        until: the last day of the two years of events (default: today, UTC).
        events_per_contact: at most this many events per person (None: as the person's
            lifecycle stage suggests, up to about 40; 0: no events).
    """

    contacts: int
    seed: int = 42
    until: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())
    events_per_contact: int | None = None


def contact_rows(spec: SampleSpec) -> Iterator[dict[str, str]]:
    """Yield the rows of `contacts.csv`.

    About 2 % of people appear a second time, a little later, as another system knows them:
    no contact id, the email spelled differently, and a newer email-marketing answer.
    """
    details, again = Picker(spec.seed, 1), Picker(spec.seed, 3)
    pending: deque[tuple[int, dict[str, str]]] = deque()
    for who in people(spec.seed, spec.contacts, until=spec.until):
        row = contact_row(details, who)
        yield row
        if who.email and who.email_valid and again.chance(_DUPLICATE_SHARE):
            later = dt.datetime.fromisoformat(row["consent_at"]) + dt.timedelta(days=30)
            second = dict.fromkeys(CONTACT_COLUMNS, "")
            second.update(
                {
                    "email": variant_email(who.email, again),
                    "first_name": row["first_name"],
                    "consent.email_marketing": again.pick(("denied", "granted")),
                    "consent_at": later.isoformat(),
                    "consent_source": "newsletter_platform",
                }
            )
            pending.append((who.index + _DUPLICATE_DELAY, second))
        while pending and pending[0][0] <= who.index:
            yield pending.popleft()[1]
    while pending:
        yield pending.popleft()[1]


def event_rows(spec: SampleSpec) -> Iterator[dict[str, object]]:
    """Yield the rows of `events.jsonl`, person by person."""
    if spec.events_per_contact == 0:
        return
    rng = Picker(spec.seed, 2)
    for who in people(spec.seed, spec.contacts, until=spec.until):
        yield from events_of(
            rng,
            who,
            seed=spec.seed,
            until=spec.until,
            total=spec.contacts,
            limit=spec.events_per_contact,
        )


@dataclass(frozen=True, slots=True)
class SampleFiles:
    """Where the sample went and how many rows each file holds."""

    contacts_path: Path
    events_path: Path | None
    contact_rows: int
    event_rows: int


def write_sample(out_dir: Path, spec: SampleSpec) -> SampleFiles:
    """Write `contacts.csv` and (unless no events) `events.jsonl` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    contacts_path = out_dir / "contacts.csv"
    with contacts_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CONTACT_COLUMNS)
        writer.writeheader()
        written_contacts = 0
        for row in contact_rows(spec):
            writer.writerow(row)
            written_contacts += 1
    events_path: Path | None = None
    written_events = 0
    if spec.events_per_contact != 0:
        events_path = out_dir / "events.jsonl"
        with events_path.open("w", encoding="utf-8") as handle:
            for event in event_rows(spec):
                handle.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
                handle.write("\n")
                written_events += 1
    return SampleFiles(contacts_path, events_path, written_contacts, written_events)


class _GeneratedSource(Source):
    """The generator's rows as a source, so loading uses the same import path as a file."""

    def __init__(
        self,
        name: str,
        rows: Callable[[], Iterator[dict[str, object]]],
        *,
        key: str,
        text_values: bool,
    ) -> None:
        self.name = name
        self.text_values = text_values
        self._rows = rows
        self._key = key

    def fingerprint(self) -> str:
        return self._key

    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        for number, values in enumerate(self._rows(), start=1):
            if number > skip:
                yield SourceRow(number, values)


@dataclass(frozen=True, slots=True)
class SampleLoad:
    """The import summaries of a sample loaded into a store."""

    contacts: ImportSummary
    events: ImportSummary | None


def generate_sample(
    store: Store,
    *,
    contacts: int,
    seed: int = 42,
    until: dt.date | None = None,
    events_per_contact: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SampleLoad:
    """Generate the sample brand and import it into `store` (contacts, then events).

    Args:
        store: where to load it.
        contacts: how many distinct people.
        seed: the seed every value derives from.
        until: the last day of the events (default: today, UTC).
        events_per_contact: at most this many events per person (0: none).
        progress: called with the rows imported so far, per chunk.
    """
    spec = SampleSpec(contacts=contacts, seed=seed, events_per_contact=events_per_contact)
    if until is not None:
        spec = SampleSpec(contacts, seed, until, events_per_contact)
    key = f"sample|{spec.seed}|{spec.contacts}|{spec.until}|{spec.events_per_contact}"
    contact_source = _GeneratedSource(
        "sample contacts",
        lambda: contact_rows(spec),  # type: ignore[arg-type,return-value]
        key=f"{key}|contacts",
        text_values=True,
    )
    loaded_contacts = import_source(
        store,
        contact_source,
        ColumnMapping(ImportKind.CONTACTS),
        label="sample",
        progress=progress,
    )
    loaded_events = None
    if spec.events_per_contact != 0:
        event_source = _GeneratedSource(
            "sample events", lambda: event_rows(spec), key=f"{key}|events", text_values=False
        )
        loaded_events = import_source(
            store, event_source, ColumnMapping(ImportKind.EVENTS), label="sample", progress=progress
        )
    return SampleLoad(loaded_contacts, loaded_events)
