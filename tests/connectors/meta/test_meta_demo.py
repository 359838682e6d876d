"""The Meta part of `freehold demo`: the sample brand's audiences reach the Meta emulator."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from freehold.plugins import FreeholdPluginManager
from freehold.plugins.cli import create_cli


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> FreeholdPluginManager:
    monkeypatch.setenv("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", "1")
    manager = FreeholdPluginManager()
    manager.load(
        builtins=[
            "freehold.connectors.meta",
            "freehold.plugins.cli.commands.demo",
            "freehold.plugins.cli.commands.sync",
        ]
    )
    return manager


def test_the_demo_syncs_its_audiences_to_meta(plugins: FreeholdPluginManager, tmp_path) -> None:
    result = CliRunner().invoke(
        create_cli(plugins=plugins), ["demo", "--contacts", "150", "--keep", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "social_ads (meta, emulated)" in result.output
    assert "every row has an outcome" in result.output
    assert "num_received=" in result.output
    assert "rows_sent=" in result.output
    assert "@" not in result.output.split("Sync", 1)[-1]
