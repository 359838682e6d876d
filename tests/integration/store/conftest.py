"""Integration tests of the store area share the unit tests' `store` fixtures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "freehold_store_test_fixtures", Path(__file__).parents[2] / "unit" / "store" / "conftest.py"
)
assert _spec is not None
assert _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

postgres_url = _fixtures.postgres_url
postgres_store_url = _fixtures.postgres_store_url
store_url = _fixtures.store_url
store = _fixtures.store
