"""A deterministic, fictional brand for demos, tests and benchmarks (no external data).

People from several countries with messy identifiers (case, spaces, national and international
phone formats, some broken), consents (some unknown, some denied), lifecycle stages, and two
years of events: views, carts, purchases with values, reviews, shares and referrals.
"""

from __future__ import annotations

from freehold.core.sample._generate import (
    SampleFiles,
    SampleLoad,
    SampleSpec,
    contact_rows,
    event_rows,
    generate_sample,
    write_sample,
)
from freehold.core.sample._people import CONTACT_COLUMNS

__all__ = [
    "CONTACT_COLUMNS",
    "SampleFiles",
    "SampleLoad",
    "SampleSpec",
    "contact_rows",
    "event_rows",
    "generate_sample",
    "write_sample",
]
