"""Dates of birth to `YYYYMMDD`.

Accepted, after trimming: `YYYY-MM-DD` (also with `/` or `.`, one-digit month or day, and an
ISO time part after `T` or a space), `YYYYMMDD`, `MM/DD/YYYY` (slashes with the year last are
read month first, as in Meta's own example `2/16/1997`) and `DD.MM.YYYY` (dots with the year last
are read day first). Anything else (two-digit years, `DD-MM-YYYY`, month names) is refused rather
than guessed. The date must exist and lie between 1900-01-01 and today (UTC).
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["birth_date"]

_YEAR_FIRST = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})(?:[T ][0-9:.+\-Z]*)?")
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_MONTH_FIRST = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_DAY_FIRST = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_FIRST_YEAR = 1900


def _format(year: int, month: int, day: int, today: dt.date) -> str | None:
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    if date.year < _FIRST_YEAR or date > today:
        return None
    return f"{year:04d}{month:02d}{day:02d}"


def birth_date(value: str | dt.date, *, today: dt.date | None = None) -> str | None:
    """Return `YYYYMMDD` for a date of birth, or None when it cannot be read safely.

    Args:
        value: a `datetime.date` or the date as text (see the module docstring).
        today: the latest acceptable date; today in UTC when omitted.

    Returns:
        The date as `YYYYMMDD`, or None.
    """
    limit = today or dt.datetime.now(tz=dt.UTC).date()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return _format(value.year, value.month, value.day, limit)
    text = value.strip()
    if match := _YEAR_FIRST.fullmatch(text):
        year, _, month, day = match.groups()
    elif match := _COMPACT.fullmatch(text):
        year, month, day = match.groups()
    elif match := _MONTH_FIRST.fullmatch(text):
        month, day, year = match.groups()
    elif match := _DAY_FIRST.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    return _format(int(year), int(month), int(day), limit)
