"""The `file:` kind: a CSV or JSON Lines file naming contacts by `contact_id` or `email`."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from freehold.core.audiences._resolve import ContactRow
from freehold.core.audiences._sql import ID_COLUMNS
from freehold.core.errors import InputError

__all__ = ["read_file_rows"]

_CSV = (".csv",)
_JSONL = (".jsonl", ".ndjson")


def read_file_rows(path: Path) -> Iterator[ContactRow]:
    """Stream the `(contact_id, email)` pairs of an audience file.

    CSV needs a header with a `contact_id` or `email` column; JSON Lines holds one object per
    line with either key. Blank lines are skipped. When both are given the id wins.

    Args:
        path: the file (`.csv`, `.jsonl` or `.ndjson`).

    Raises:
        InputError: the file is missing, of an unknown type, lacks both columns, or a line is not
            a JSON object; the error names the file, the row and the field, never a value.
    """
    suffix = path.suffix.lower()
    if suffix not in _CSV + _JSONL:
        msg = "an audience file must be .csv, .jsonl or .ndjson"
        raise InputError(msg, source=str(path))
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        msg = f"cannot read the audience file ({exc.strerror})"
        raise InputError(msg, source=str(path)) from exc
    with handle:
        if suffix in _CSV:
            yield from _csv_rows(handle, path)
        else:
            yield from _jsonl_rows(handle, path)


def _text(value: object) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    stripped = str(value).strip()
    return stripped or None


def _csv_rows(handle: Iterator[str], path: Path) -> Iterator[ContactRow]:
    reader = csv.DictReader(handle)
    header = reader.fieldnames or []
    if not any(column in header for column in ID_COLUMNS):
        msg = "the header needs a 'contact_id' or 'email' column"
        raise InputError(msg, source=str(path), row=1)
    for row in reader:
        yield _text(row.get("contact_id")), _text(row.get("email"))


def _jsonl_rows(handle: Iterator[str], path: Path) -> Iterator[ContactRow]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            msg = "not valid JSON"
            raise InputError(msg, source=str(path), row=number) from exc
        if not isinstance(record, dict):
            msg = "each line must be a JSON object"
            raise InputError(msg, source=str(path), row=number)
        if not any(column in record for column in ID_COLUMNS):
            msg = "the object needs a 'contact_id' or 'email' key"
            raise InputError(msg, source=str(path), row=number, field="contact_id")
        yield _text(record.get("contact_id")), _text(record.get("email"))
