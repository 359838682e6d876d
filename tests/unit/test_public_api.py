"""`freehold.core.__all__` is sorted and is exactly the public names core exports."""

from __future__ import annotations

import types

import freehold.core


def test_all_is_sorted_and_unique() -> None:
    assert freehold.core.__all__ == sorted(set(freehold.core.__all__))


def test_all_lists_every_public_name_and_nothing_else() -> None:
    public = {
        name
        for name, value in vars(freehold.core).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
    }
    assert set(freehold.core.__all__) == public


def test_every_exported_name_resolves() -> None:
    for name in freehold.core.__all__:
        assert getattr(freehold.core, name) is not None, name
