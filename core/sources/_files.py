"""File sources: CSV, JSON Lines and Parquet, each streamed row by row."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from freehold.core.errors import InputError
from freehold.core.sources._base import Source, SourceRow

__all__ = ["CsvSource", "JsonlSource", "ParquetSource"]

_FINGERPRINT_BYTES = 1 << 20
_UNDECODED = re.compile("[\udc80-\udcff]")


def _file_fingerprint(path: Path) -> str:
    """Path, size and the SHA-256 of the first MiB: cheap, and enough to tell files apart."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        digest.update(handle.read(_FINGERPRINT_BYTES))
    return f"{path.resolve()}|{path.stat().st_size}|{digest.hexdigest()}"


def _check_file(path: Path) -> Path:
    if not path.is_file():
        msg = "no such file"
        raise InputError(msg, source=str(path))
    return path


class CsvSource(Source):
    """A CSV file with a header row (UTF-8, with or without a byte-order mark).

    A row with more or fewer cells than the header is reported unreadable; quoted cells may
    span lines.
    """

    text_values = True

    def __init__(self, path: Path, *, delimiter: str = ",", encoding: str = "utf-8-sig") -> None:
        """Read `path` with `delimiter` and `encoding`."""
        self.path = _check_file(path)
        self.name = str(path)
        self._delimiter = delimiter
        self._encoding = encoding
        self._body_encoding = encoding.removesuffix("-sig")

    def fingerprint(self) -> str:
        """See `Source.fingerprint`."""
        return _file_fingerprint(self.path)

    def _lines(self, handle: IO[bytes]) -> Iterator[str]:
        # Decode line by line, keeping undecodable bytes as surrogates, so a bad byte spoils
        # one row (reported) and not the rest of the file.
        first = True
        for line in handle:
            encoding = self._encoding if first else self._body_encoding
            first = False
            yield line.decode(encoding, errors="surrogateescape")

    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        """See `Source.rows`."""
        with self.path.open("rb") as handle:
            reader = csv.reader(self._lines(handle), delimiter=self._delimiter, strict=True)
            try:
                header = [column.strip() for column in next(reader)]
            except StopIteration:
                return
            except csv.Error as exc:
                msg = "unreadable header row"
                raise InputError(msg, source=self.name) from exc
            if _UNDECODED.search("".join(header)):
                msg = f"the header is not valid {self._encoding} text"
                raise InputError(msg, source=self.name)
            width = len(header)
            number = 0
            while True:
                number += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error:
                    yield SourceRow(number, {}, "malformed CSV row")
                    continue
                if number <= skip:
                    continue
                if len(cells) != width:
                    if not any(cells):
                        continue
                    yield SourceRow(number, {}, f"{len(cells)} cells where the header has {width}")
                elif _UNDECODED.search("".join(cells)):
                    yield SourceRow(number, {}, f"not valid {self._body_encoding} text")
                else:
                    yield SourceRow(number, dict(zip(header, cells, strict=True)))


class JsonlSource(Source):
    """A JSON Lines file: one JSON object per line; blank lines are skipped."""

    def __init__(self, path: Path) -> None:
        """Read `path`."""
        self.path = _check_file(path)
        self.name = str(path)

    def fingerprint(self) -> str:
        """See `Source.fingerprint`."""
        return _file_fingerprint(self.path)

    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        """See `Source.rows`."""
        with self.path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if number <= skip or not line.strip():
                    continue
                try:
                    values = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    yield SourceRow(number, {}, "not valid JSON")
                    continue
                if not isinstance(values, dict):
                    yield SourceRow(number, {}, "not a JSON object")
                    continue
                yield SourceRow(number, values)


class ParquetSource(Source):
    """A Parquet file, read one record batch at a time."""

    _BATCH = 8_192

    def __init__(self, path: Path) -> None:
        """Read `path`."""
        import pyarrow.parquet as pq  # type: ignore[import-untyped]  # noqa: PLC0415 - heavy, lazy

        self.path = _check_file(path)
        self.name = str(path)
        try:
            self._file = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises its own ArrowInvalid and OSError kinds
            msg = "not a readable Parquet file"
            raise InputError(msg, source=self.name) from exc

    def fingerprint(self) -> str:
        """See `Source.fingerprint`."""
        return _file_fingerprint(self.path)

    def total_rows(self) -> int | None:
        """See `Source.total_rows`."""
        return int(self._file.metadata.num_rows)

    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        """See `Source.rows`."""
        number = 0
        for batch in self._file.iter_batches(batch_size=self._BATCH):
            if number + batch.num_rows <= skip:
                number += batch.num_rows
                continue
            for values in batch.to_pylist():
                number += 1
                if number > skip:
                    yield SourceRow(number, values)
