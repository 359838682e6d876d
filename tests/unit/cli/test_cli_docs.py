"""docs/cli.md documents the global options and every option of the CLI area's commands."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from freehold.plugins.cli import create_cli

DOCS = Path(__file__).resolve().parents[3] / "docs" / "cli.md"
COMMANDS = ("connectors", "init", "plugins", "validate")


def _section(title: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match is not None, f"docs/cli.md has no section {title!r}"
    return match.group(1)


def _names(command: click.Command) -> list[str]:
    names = []
    for param in command.params:
        if isinstance(param, click.Argument):
            names.append(param.name.upper())
        else:
            names.extend(opt for opt in param.opts if opt.startswith("--"))
    return names


def test_global_options_are_documented(plugins):
    section = _section("Global options")
    for name in _names(create_cli(plugins=plugins)):
        assert f"`{name}" in section, name


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_and_its_options_are_documented(plugins, name):
    group = create_cli(plugins=plugins)
    command = group.get_command(click.Context(group), name)
    section = _section(f"`freehold {name}`")
    for option in _names(command):
        assert option in section, (name, option)
