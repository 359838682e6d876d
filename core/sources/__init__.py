"""Sources: CSV, JSON Lines, Parquet and SQL readers that stream rows, and the import job.

`open_source` picks the reader; `ColumnMapping` maps columns onto neutral targets;
`import_source` streams a source into the store in chunks with a rejects report.
"""

from __future__ import annotations

from freehold.core.sources._base import Source, SourceRow
from freehold.core.sources._files import CsvSource, JsonlSource, ParquetSource
from freehold.core.sources._importer import DEFAULT_CHUNK, ImportSummary, import_source
from freehold.core.sources._mapping import ColumnMapping
from freehold.core.sources._open import open_source
from freehold.core.sources._query import SqlSource
from freehold.core.sources._rejects import RejectsWriter, default_rejects_path
from freehold.core.sources._targets import ImportKind, Target, parse_target

__all__ = [
    "DEFAULT_CHUNK",
    "ColumnMapping",
    "CsvSource",
    "ImportKind",
    "ImportSummary",
    "JsonlSource",
    "ParquetSource",
    "RejectsWriter",
    "Source",
    "SourceRow",
    "SqlSource",
    "Target",
    "default_rejects_path",
    "import_source",
    "open_source",
    "parse_target",
]
