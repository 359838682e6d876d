"""The store, sources and sample facades export exactly their public names."""

from __future__ import annotations

import types

import pytest

import freehold.core.sample
import freehold.core.sources
import freehold.core.store
import freehold.core.store.schema


@pytest.mark.parametrize(
    "module",
    [freehold.core.store, freehold.core.store.schema, freehold.core.sources, freehold.core.sample],
)
def test_all_lists_every_public_name_once(module: types.ModuleType) -> None:
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", module.__name__).startswith(module.__name__)
        and name != "annotations"
    }
    assert len(module.__all__) == len(set(module.__all__))
    assert public <= set(module.__all__)
    assert all(getattr(module, name) is not None for name in module.__all__)
