"""`freehold plan`, `freehold sync`, `freehold runs` and `freehold demo` on the command line."""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from rich.console import Console
from sync_seed import Seeder

from freehold.core.store import Store
from freehold.core.testing import FakeConnector
from freehold.plugins import BUILTIN_PLUGINS, FreeholdPluginManager, hookimpl
from freehold.plugins.cli import AppContext, create_cli

SYNC_MODULES = ("freehold.plugins.cli.commands.sync", "freehold.plugins.cli.commands.demo")

FAKE = types.SimpleNamespace(
    freehold_register_connectors=hookimpl(lambda register: register(FakeConnector))
)


def _manager(*extra: str) -> FreeholdPluginManager:
    manager = FreeholdPluginManager()
    builtins = [name for name in BUILTIN_PLUGINS if not name.startswith("freehold.connectors.")]
    manager.load(builtins=[*builtins, *SYNC_MODULES, *extra])
    manager.register_plugin(FAKE, name="fake-connector")
    return manager


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", "1")
    config = {
        "store": "sqlite:///store.db",
        "destinations": {"social_ads": {"connector": "fake", "emulate": True}},
        "audiences": {
            "vip": {"where": {"consent": ["ad_targeting"]}, "to": ["social_ads"], "mode": "mirror"}
        },
    }
    path = tmp_path / "freehold.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        seed = Seeder(store)
        seed.contacts(range(1, 41))
        seed.contacts(range(41, 46), consent="denied")
    return path


@pytest.fixture
def width() -> int:
    """The terminal width the commands print to (wide unless a test says otherwise)."""
    return 200


@pytest.fixture
def cli(project, width):
    """Run freehold commands in one process (one AppContext: emulator state persists)."""
    manager = _manager()
    app = AppContext(
        plugins=manager,
        config_path=project,
        console=Console(width=width, soft_wrap=True),
        err_console=Console(stderr=True, width=200),
    )
    group = create_cli(plugins=manager)

    def invoke(*args: str):
        return CliRunner().invoke(group, list(args), obj=app, catch_exceptions=False)

    yield invoke
    app.close()


def test_plan_prints_the_plan_and_sends_nothing(cli, project):
    out = project.parent / "plan.json"
    result = cli("plan", "--json", str(out))
    assert result.exit_code == 0, result.output
    assert "Plan (nothing sent)" in result.output
    (plan,) = json.loads(out.read_text())
    assert plan["audience"] == "vip"
    assert plan["destination"] == "social_ads"
    assert plan["counts"]["add"] == 40
    assert plan["dropped"] == {}
    result = cli("plan", "--json", "-")
    assert json.loads(result.stdout)[0]["counts"]["add"] == 40
    result = cli("runs", "--json")
    assert json.loads(result.stdout) == []


def test_sync_then_a_rerun_sends_nothing_and_runs_show_the_history(cli):
    result = cli("sync")
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.output
    result = cli("sync", "vip", "--to", "social_ads", "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["to_send"] == 0
    (plan,) = json.loads(cli("plan", "--json", "-").stdout)
    assert (plan["held"], plan["unchanged"], plan["counts"]["add"]) == (40, 40, 0)
    assert "Unchanged" in cli("plan").output
    listed = json.loads(cli("runs", "--json").stdout)
    assert [run["status"] for run in listed] == ["succeeded", "succeeded"]
    first = listed[-1]["id"]
    shown = json.loads(cli("runs", "show", str(first), "--rejected", "--json").stdout)
    assert shown["counts"]["accepted"] == 40
    assert shown["outcomes"] == {"add": {"accepted": 40}}
    assert shown["rejected_rows"] == []
    table = cli("runs", "show", str(first)).output
    assert f"Run {first}" in table


@pytest.mark.parametrize("width", [80])
def test_an_80_column_terminal_gets_every_figure_uncut(cli):
    outputs = [cli("plan").output, cli("sync").output, cli("runs").output]
    assert all("…" not in output for output in outputs)
    plan, synced, runs = outputs
    assert "Unchanged" in plan
    assert "vip → social_ads" in synced
    assert "vip → social_ads: succeeded (sent 40, accepted 40, rejected 0)" in runs


def test_a_large_removal_fails_the_sync_until_allowed(cli, project):
    assert cli("sync").exit_code == 0
    with Store.open(f"sqlite:///{project.parent / 'store.db'}") as store:
        Seeder(store).consent(range(1, 21), "denied")
    result = cli("sync")
    assert result.exit_code == 1
    assert "allow-large-removal" in result.output
    result = cli("sync", "--allow-large-removal")
    assert result.exit_code == 0, result.output


def test_unknown_audience_or_destination_is_a_usage_error(cli):
    assert cli("plan", "nope").exit_code == 2
    assert cli("sync", "--to", "nowhere").exit_code == 2


def test_runs_show_an_unknown_run_is_a_usage_error(cli):
    assert cli("runs", "show", "999").exit_code == 2


def test_the_demo_runs_the_whole_loop_on_emulators(tmp_path, monkeypatch):
    monkeypatch.setenv("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.chdir(tmp_path)
    manager = _manager("freehold.connectors.meta", "freehold.connectors.mailchimp")
    keep = tmp_path / "demo"
    result = CliRunner(env={"COLUMNS": "160"}).invoke(
        create_cli(plugins=manager),
        ["demo", "--contacts", "300", "--keep", str(keep)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "Plan (nothing sent)" in result.output
    assert "every row has an outcome" in result.output
    config = yaml.safe_load((keep / "freehold.yaml").read_text())
    assert {d["connector"] for d in config["destinations"].values()} == {"meta", "mailchimp"}
    assert all(d["emulate"] for d in config["destinations"].values())
    runs = CliRunner().invoke(
        create_cli(plugins=manager),
        ["--config", str(keep / "freehold.yaml"), "runs", "--kind", "sync", "--json"],
    )
    listed = json.loads(runs.stdout)
    assert len(listed) == 3
    assert {run["status"] for run in listed} == {"succeeded"}
    assert sum(run["counts"]["accepted"] for run in listed) > 0
