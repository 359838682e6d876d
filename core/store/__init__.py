"""The first-party store: schema, migrations, identity resolution on import, query helpers."""

from __future__ import annotations

__all__: list[str] = []
