"""The first-party store: schema, migrations, identity resolution on import, query helpers.

Tables live in `freehold.core.store.schema`; this facade holds the `Store` and the records
that flow into it.
"""

from __future__ import annotations

from freehold.core.store._migrate import Revision
from freehold.core.store._records import (
    IDENTIFIER_FIELDS,
    KEY_FIELDS,
    ContactRecord,
    EventRecord,
    EventsResult,
    Rejection,
    UpsertResult,
)
from freehold.core.store._store import Store

__all__ = [
    "IDENTIFIER_FIELDS",
    "KEY_FIELDS",
    "ContactRecord",
    "EventRecord",
    "EventsResult",
    "Rejection",
    "Revision",
    "Store",
    "UpsertResult",
]
