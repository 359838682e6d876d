"""What every source yields: numbered rows, each either values or the reason it is unreadable."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

__all__ = ["Source", "SourceRow"]


@dataclass(frozen=True, slots=True, repr=False)
class SourceRow:
    """One row of a source.

    Attributes:
        number: 1-based position of the row in the source (CSV: data rows, header not
            counted; JSONL: the line number; Parquet and SQL: the record number).
        values: column → value (strings for CSV; JSON or Arrow types otherwise).
        error: why the row could not be read (its values are then empty); never the value.
    """

    number: int
    values: Mapping[str, object]
    error: str | None = None

    def __repr__(self) -> str:
        return (
            f"SourceRow(number={self.number}, columns={sorted(self.values)}, error={self.error!r})"
        )


class Source(ABC):
    """A stream of rows from a file or a query, read in bounded memory.

    Attributes:
        name: how reports name the source (the file path, or the URL with its password masked).
        text_values: True when every value arrives as text (CSV), so typed targets parse it.
    """

    name: str
    text_values: bool = False

    @abstractmethod
    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        """Yield the rows in order, after skipping the first `skip` (for a resumed import)."""

    @abstractmethod
    def fingerprint(self) -> str:
        """Return a key that changes when the source's content (probably) changes."""

    def total_rows(self) -> int | None:
        """Return how many rows the source holds, when known without reading it."""
        return None
