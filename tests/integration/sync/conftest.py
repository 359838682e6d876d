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
