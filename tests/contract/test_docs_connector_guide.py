"""The connector in docs/writing-a-connector.md works as printed and passes the contract."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "writing-a-connector.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)
FILE_MARK = re.compile(r"^# file: (\S+)\n")


def guide_files() -> dict[str, str]:
    files: dict[str, list[str]] = defaultdict(list)
    for language, code in BLOCK.findall(GUIDE.read_text()):
        mark = FILE_MARK.match(code)
        if language == "python" and mark:
            files[mark.group(1)].append(code[mark.end() :])
    return {path: "\n\n".join(parts) for path, parts in files.items()}


def guide_toml() -> dict:
    blocks = [code for language, code in BLOCK.findall(GUIDE.read_text()) if language == "toml"]
    assert len(blocks) == 1
    return tomllib.loads(blocks[0])


def test_the_guide_builds_a_package_with_its_tests() -> None:
    assert set(guide_files()) == {
        "freehold_acme/__init__.py",
        "freehold_acme/connector.py",
        "freehold_acme/emulator.py",
        "tests/test_contract.py",
    }


def test_the_entry_point_is_named_after_the_connector() -> None:
    project = guide_toml()["project"]
    assert project["entry-points"]["freehold"] == {"acme": "freehold_acme"}
    assert project["name"] == "freehold-acme"
    assert 'name: ClassVar[str] = "acme"' in guide_files()["freehold_acme/connector.py"]


def test_the_guide_connector_passes_the_contract_in_both_modes(pytester: pytest.Pytester) -> None:
    for path, source in guide_files().items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source)
    pytester.syspathinsert()
    result = pytester.runpytest("-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=22, skipped=4)
    result.stdout.fnmatch_lines(["*4 skipped*"])


def test_the_guide_plugin_registers_the_connector(pytester: pytest.Pytester) -> None:
    for path, source in guide_files().items():
        target = pytester.path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source)
    pytester.syspathinsert()
    plugin = pytester.makepyfile(
        test_plugin="""
import freehold_acme


def test_registers():
    registered = []
    freehold_acme.freehold_register_connectors(register=registered.append)
    assert [c.name for c in registered] == ["acme"]
    assert registered[0].capabilities() == {"audience_sync"}
"""
    )
    result = pytester.runpytest(plugin, "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)
