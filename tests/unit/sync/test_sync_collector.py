"""While a plan or sync runs, the cycle collector's young generation runs less often."""

from __future__ import annotations

import gc

import pytest

from freehold.core.sync._engine import _YOUNG_THRESHOLD, _spaced_collections


@pytest.fixture(autouse=True)
def _default_thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_nested_and_failing_syncs_restore_the_threshold_once_the_last_ends() -> None:
    with _spaced_collections():
        assert gc.get_threshold() == (_YOUNG_THRESHOLD, 10, 10)
        with pytest.raises(RuntimeError), _spaced_collections():
            raise RuntimeError
        assert gc.get_threshold() == (_YOUNG_THRESHOLD, 10, 10)  # the outer sync still runs
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_set_by_the_application_is_kept() -> None:
    gc.set_threshold(50_000, 10, 10)
    with _spaced_collections():
        assert gc.get_threshold() == (50_000, 10, 10)
    assert gc.get_threshold() == (50_000, 10, 10)
