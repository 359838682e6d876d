"""The wheel carries every package, and the public API list is exactly what core exports."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE_FOLDERS = ("core", "connectors", "plugins")


def _packages_on_disk() -> set[str]:
    found = set()
    for folder in CODE_FOLDERS:
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT)
            found.add("freehold." + ".".join(relative.parts))
    return found


def test_setup_maps_every_package_with_an_init() -> None:
    namespace: dict[str, object] = {}
    source = (ROOT / "setup.py").read_text()
    # Evaluate setup.py's package computation without running setup().
    head = source.split("setup(\n", 1)[0]
    cwd = Path.cwd()
    try:
        import os

        os.chdir(ROOT)
        exec(compile(head, "setup.py", "exec"), namespace)  # noqa: S102 - our own file
    finally:
        os.chdir(cwd)
    assert set(namespace["packages"]) == _packages_on_disk()  # type: ignore[arg-type]


def test_there_is_no_freehold_folder_that_would_shadow_the_mapping() -> None:
    assert not (ROOT / "freehold").exists()


def test_every_package_ships_a_py_typed_marker_rule() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["tool"]["setuptools"]["package-data"]["*"] == ["py.typed"]
    for folder in CODE_FOLDERS:
        assert (ROOT / folder / "py.typed").exists(), folder
