"""Choosing a reader from a location: a file by its extension, or a SQL query on a URL."""

from __future__ import annotations

from pathlib import Path

from freehold.core.errors import InputError
from freehold.core.sources._base import Source
from freehold.core.sources._files import CsvSource, JsonlSource, ParquetSource
from freehold.core.sources._query import SqlSource

__all__ = ["FORMATS", "open_source"]

FORMATS = ("csv", "jsonl", "parquet", "sql")

_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def open_source(
    location: str | Path,
    *,
    file_format: str | None = None,
    query: str | None = None,
    delimiter: str | None = None,
) -> Source:
    """Open a source: a CSV / JSONL / Parquet file, or `query` run on the SQLAlchemy URL given.

    Args:
        location: a file path, or a database URL when `query` is given.
        file_format: `csv`, `jsonl`, `parquet` or `sql`; by default from the extension (a
            `.tsv` file is read tab-separated).
        query: the SQL to run on `location` (a URL).
        delimiter: the CSV delimiter (default `,`; tab for `.tsv`).

    Raises:
        InputError: unknown format, missing file, or a query without a URL (or vice versa).
    """
    text = str(location)
    if query is not None or file_format == "sql":
        if query is None or "://" not in text:
            msg = "a SQL source needs a database URL and --query"
            raise InputError(msg, source="SQL source")
        return SqlSource(text, query)
    path = Path(location)
    kind = file_format or _EXTENSIONS.get(path.suffix.lower())
    if kind is None or kind not in FORMATS:
        msg = f"cannot tell the format; use one of {', '.join(FORMATS)}"
        raise InputError(msg, source=text)
    if kind == "csv":
        separator = delimiter or ("\t" if path.suffix.lower() == ".tsv" else ",")
        return CsvSource(path, delimiter=separator)
    if kind == "jsonl":
        return JsonlSource(path)
    return ParquetSource(path)
