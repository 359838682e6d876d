"""The rejects report: one CSV line per problem (file, row, field, reason), never a value."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, TYPE_CHECKING, Self

if TYPE_CHECKING:
    from collections.abc import Iterable
    from types import TracebackType

    from freehold.core.store import Rejection

__all__ = ["RejectsWriter", "default_rejects_path"]

HEADER = ("file", "row", "field", "reason")


def default_rejects_path(source: str, kind: str) -> Path:
    """Return `<input>.rejects.csv` next to a file, or `rejects-<kind>.csv` for a query."""
    path = Path(source)
    if "://" not in source and path.parent.is_dir():
        return path.with_name(f"{path.stem}.rejects.csv")
    return Path(f"rejects-{kind}.csv")


class RejectsWriter:
    """Write rejections as they come; the file is created (or appended to) on the first one.

    Attributes:
        path: where the report goes.
        lines: how many problems were written.
    """

    def __init__(self, path: Path, *, source: str, append: bool = False) -> None:
        """Report problems of `source` into `path`, appending when resuming an import."""
        self.path = path
        self.lines = 0
        self._source = source
        self._append = append and path.exists()
        self._handle: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None

    def write(self, rejections: Iterable[Rejection]) -> None:
        """Append `rejections` to the report and flush it."""
        rows = [
            {"file": self._source, "row": r.row, "field": r.field or "", "reason": r.reason}
            for r in rejections
        ]
        if not rows:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open(
                "a" if self._append else "w", newline="", encoding="utf-8"
            )
            self._writer = csv.DictWriter(self._handle, fieldnames=HEADER)
            if not self._append:
                self._writer.writeheader()
        self._writer.writerows(rows)
        self.lines += len(rows)
        if self._handle is not None:
            self._handle.flush()

    @property
    def written(self) -> bool:
        """True once the report file holds this import's problems."""
        return self._writer is not None

    def close(self) -> None:
        """Close the report file."""
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
