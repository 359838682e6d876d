"""A SQL source: a query on any SQLAlchemy URL (a warehouse, another database), streamed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from freehold.core.errors import InputError
from freehold.core.sources._base import Source, SourceRow

__all__ = ["SqlSource"]

_FETCH = 5_000


class SqlSource(Source):
    """The rows of `query` on the database at `url`, fetched in batches with a server cursor.

    For a resumable import the query must return rows in a stable order (`ORDER BY`).
    """

    def __init__(self, url: str, query: str) -> None:
        """Read the result of `query` on `url` (any SQLAlchemy URL whose driver is installed)."""
        try:
            self._engine = create_engine(url)
        except (SQLAlchemyError, ImportError) as exc:
            msg = "cannot use this database URL"
            raise InputError(msg, source="SQL source") from exc
        self.name = self._engine.url.render_as_string(hide_password=True)
        self._query = query

    def fingerprint(self) -> str:
        """See `Source.fingerprint`: the URL (password masked) and the query text."""
        return f"{self.name}|{hashlib.sha256(self._query.encode()).hexdigest()}"

    def rows(self, *, skip: int = 0) -> Iterator[SourceRow]:
        """See `Source.rows`."""
        try:
            with self._engine.connect() as connection:
                result = connection.execution_options(
                    stream_results=True, yield_per=_FETCH
                ).execute(text(self._query))
                columns = list(result.keys())
                for number, row in enumerate(result, start=1):
                    if number > skip:
                        yield SourceRow(number, dict(zip(columns, row, strict=True)))
        except SQLAlchemyError as exc:
            msg = "the query failed"
            raise InputError(msg, source=self.name) from exc
        finally:
            self._engine.dispose()
