"""Fixtures of the sync engine's tests: a SQLite store, a seeder, the fake vendor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sync_fakes import FAST_RETRY
from sync_seed import Seeder

from freehold.core.store import Store
from freehold.core.sync import SyncEngine, SyncOptions
from freehold.core.testing import FakeEmulator


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as opened:
        yield opened


@pytest.fixture
def seed(store) -> Seeder:
    return Seeder(store)


@pytest.fixture
def emulator() -> FakeEmulator:
    return FakeEmulator(retry_after=0.01)


@pytest.fixture
def engine(store) -> SyncEngine:
    return SyncEngine(
        store, options=SyncOptions(retry=FAST_RETRY, poll_interval=0.005, poll_timeout=10)
    )


def _store_fixtures():
    """The store area's fixtures module (PostgreSQL schemas), loaded by path."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[2] / "unit" / "store" / "conftest.py"
    spec = importlib.util.spec_from_file_location("freehold_sync_store_fixtures", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_STORE_FIXTURES = _store_fixtures()
postgres_store_url = _STORE_FIXTURES.postgres_store_url


@pytest.fixture
def pg_store(postgres_store_url) -> Iterator[Store]:
    """An empty store on PostgreSQL (skipped with a reason when no server answers)."""
    _STORE_FIXTURES._empty(postgres_store_url)
    with Store.open(postgres_store_url) as opened:
        yield opened
