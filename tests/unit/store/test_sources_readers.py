"""Readers stream numbered rows and turn unreadable rows into row-level errors."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from freehold.core.errors import InputError
from freehold.core.sources import CsvSource, JsonlSource, ParquetSource, SqlSource, open_source


def test_csv_rows_are_numbered_after_the_header_and_bad_widths_are_row_errors(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        '\ufeffemail,note\na@example.com,"two\nlines"\n\nb@example.com\nc@example.com,x\n',
        encoding="utf-8",
    )
    rows = list(CsvSource(path).rows())
    assert [(row.number, row.error) for row in rows] == [
        (1, None),
        (3, "1 cells where the header has 2"),
        (4, None),
    ]
    assert rows[0].values == {"email": "a@example.com", "note": "two\nlines"}
    assert "a@example.com" not in repr(rows[0])


def test_csv_skip_resumes_after_committed_rows(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("n\n" + "".join(f"{i}\n" for i in range(1, 6)), encoding="utf-8")
    assert [row.values["n"] for row in CsvSource(path).rows(skip=3)] == ["4", "5"]


def test_a_csv_row_that_is_not_utf8_is_a_row_error(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"name\nok\n\xff\xfe\nalso ok\n")
    rows = list(CsvSource(path).rows())
    assert [(row.number, row.error) for row in rows] == [
        (1, None),
        (2, "not valid utf-8 text"),
        (3, None),
    ]
    path.write_bytes(b"n\xffame\nok\n")
    with pytest.raises(InputError, match="header is not valid"):
        list(CsvSource(path).rows())


def test_jsonl_reports_bad_lines_by_line_number(tmp_path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text('{"a": 1}\n\nnot json\n[1, 2]\n{"a": 2}\n', encoding="utf-8")
    rows = list(JsonlSource(path).rows())
    assert [(row.number, row.error) for row in rows] == [
        (1, None),
        (3, "not valid JSON"),
        (4, "not a JSON object"),
        (5, None),
    ]
    assert [row.number for row in JsonlSource(path).rows(skip=3)] == [4, 5]


def test_parquet_streams_batches_and_knows_its_size(tmp_path) -> None:
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"email": [f"p{i}@example.com" for i in range(20_000)]}), path)
    source = ParquetSource(path)
    assert source.total_rows() == 20_000
    rows = source.rows(skip=19_998)
    assert [(row.number, row.values["email"]) for row in rows] == [
        (19_999, "p19998@example.com"),
        (20_000, "p19999@example.com"),
    ]


def test_a_file_that_is_not_parquet_is_an_input_error(tmp_path) -> None:
    path = tmp_path / "c.parquet"
    path.write_text("nope", encoding="utf-8")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        ParquetSource(path)


def test_sql_source_streams_a_query_on_any_url(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE people (id INTEGER, email TEXT)")
        connection.exec_driver_sql(
            "INSERT INTO people VALUES (1, 'a@example.com'), (2, 'b@example.com')"
        )
    engine.dispose()
    source = SqlSource(url, "SELECT id, email FROM people ORDER BY id")
    assert [dict(row.values) for row in source.rows(skip=1)] == [
        {"id": 2, "email": "b@example.com"}
    ]
    assert source.fingerprint() != SqlSource(url, "SELECT 1").fingerprint()


def test_a_failing_query_is_an_input_error_without_the_password(tmp_path) -> None:
    source = SqlSource(f"sqlite:///{tmp_path / 'x.db'}", "SELECT * FROM missing")
    with pytest.raises(InputError, match="the query failed"):
        list(source.rows())


def test_open_source_picks_the_reader_from_the_extension(tmp_path) -> None:
    (tmp_path / "a.tsv").write_text("x\ty\n1\t2\n", encoding="utf-8")
    (tmp_path / "b.ndjson").write_text(json.dumps({"x": 1}) + "\n", encoding="utf-8")
    [row] = open_source(tmp_path / "a.tsv").rows()
    assert row.values == {"x": "1", "y": "2"}
    assert isinstance(open_source(tmp_path / "b.ndjson"), JsonlSource)
    with pytest.raises(InputError, match="cannot tell the format"):
        open_source(tmp_path / "c.xlsx")
    with pytest.raises(InputError, match="no such file"):
        open_source(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="needs a database URL"):
        open_source(tmp_path / "a.tsv", query="SELECT 1")


def test_fingerprints_change_with_content(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    before = CsvSource(path).fingerprint()
    path.write_text("a\n2\n", encoding="utf-8")
    assert CsvSource(path).fingerprint() != before
