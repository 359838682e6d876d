"""`freehold events push` sends a file's events through the Meta connector to its emulator."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from freehold.connectors.meta.emulator import EMULATOR_PIXEL, MetaEmulator
from freehold.plugins import FreeholdPluginManager
from freehold.plugins.cli import AppContext, create_cli

UA = "Mozilla/5.0"


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> FreeholdPluginManager:
    monkeypatch.setenv("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", "1")
    manager = FreeholdPluginManager()
    manager.load(builtins=["freehold.connectors.meta", "freehold.plugins.cli.commands.events"])
    return manager


def project(tmp_path: Path, *, send_unknown: bool = True) -> Path:
    config = tmp_path / "freehold.yaml"
    config.write_text(
        f"""
store: sqlite:///{tmp_path / "store.db"}
destinations:
  social_ads:
    connector: meta
    emulate: true
    send_unknown_consent: {"true" if send_unknown else "false"}
"""
    )
    return config


def events_file(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def row(event_id: str, *, days_ago: float = 0.01, **extra: Any) -> dict[str, Any]:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    return {
        "event_id": event_id,
        "name": "purchase",
        "occurred_at": when.isoformat(),
        "email": f"{event_id}@example.com",
        "user_agent": UA,
        "source_url": "https://shop.example/thanks",
        "value": "19.90",
        "currency": "EUR",
        **extra,
    }


def push(
    plugins: FreeholdPluginManager, config: Path, file: Path, emulator: MetaEmulator
) -> tuple[int, dict[str, Any]]:
    app = AppContext(plugins=plugins, config_path=config)
    app.emulators["social_ads"] = emulator
    try:
        result = CliRunner().invoke(
            create_cli(plugins=plugins),
            ["--config", str(config), "events", "push", str(file), "--to", "social_ads", "--json"],
            obj=app,
        )
    finally:
        app.close()
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def test_a_poisoned_event_is_isolated_and_the_good_ones_go_through(
    tmp_path: Path, plugins: FreeholdPluginManager
) -> None:
    emulator = MetaEmulator()
    emulator.poison_event("e4")
    rows = [row("e1"), row("e2"), row("e3"), row("e4"), row("e5", days_ago=8)]
    code, report = push(plugins, project(tmp_path), events_file(tmp_path, rows), emulator)
    assert code == 0
    assert (report["read"], report["sent"], report["accepted"]) == (5, 5, 3)
    assert report["rejected"] == {"100:2804019": 1, "not_sent": 1}
    assert report["bisections"] >= 1
    rejected = {r["event_id"]: r["code"] for r in report["rejections"]}
    assert rejected == {"e4": "100:2804019", "e5": "not_sent"}
    kept = emulator.state()["pixels"][EMULATOR_PIXEL]["events"]
    assert sorted(e["event_id"] for e in kept) == ["e1", "e2", "e3"]
    assert {e["event_name"] for e in kept} == {"Purchase"}
    assert "e1@example.com" not in json.dumps(kept)


def test_unknown_consent_stays_home_unless_the_destination_says_otherwise(
    tmp_path: Path, plugins: FreeholdPluginManager
) -> None:
    emulator = MetaEmulator()
    config = project(tmp_path, send_unknown=False)
    code, report = push(plugins, config, events_file(tmp_path, [row("e1")]), emulator)
    assert code == 0
    assert report["dropped"] == {"consent_unknown": 1}
    assert report["sent"] == 0
    assert emulator.requests == 0


def test_throttling_is_retried_and_unreadable_rows_are_counted(
    tmp_path: Path, plugins: FreeholdPluginManager
) -> None:
    emulator = MetaEmulator()
    emulator.inject("throttle", on={1}, path=r"/events$")
    rows = [row("e1"), {"event_id": "x", "name": "purchase"}]
    code, report = push(plugins, project(tmp_path), events_file(tmp_path, rows), emulator)
    assert code == 0
    assert report["accepted"] == 1
    assert report["retries"] == 1
    assert sum(report["unreadable"].values()) >= 1
    assert emulator.counters["throttled"] == 1
