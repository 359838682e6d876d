"""`freehold store upgrade`, `freehold import contacts|events` and `freehold sample`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from click.testing import CliRunner

from freehold.core.store import Store
from freehold.core.store.schema import attributes, contacts, outbox
from freehold.plugins import BUILTIN_PLUGINS, FreeholdPluginManager
from freehold.plugins.cli import create_cli

MODULE = "freehold.plugins.cli.commands.store"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.chdir(tmp_path)
    config = {
        "store": "sqlite:///store.db",
        "imports": {
            "crm": {"kind": "contacts", "columns": {"Mail": "email", "Tier": "attributes.tier"}}
        },
    }
    path = tmp_path / "freehold.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _run(project: Path, *args: str) -> tuple[int, str]:
    manager = FreeholdPluginManager()
    builtins = [name for name in BUILTIN_PLUGINS if not name.startswith("freehold.connectors.")]
    manager.load(builtins=[*builtins, MODULE])
    result = CliRunner().invoke(create_cli(plugins=manager), ["--config", str(project), *args])
    return result.exit_code, result.stdout if result.exit_code == 0 else result.output


def test_store_upgrade_creates_then_reports_the_revision(project: Path) -> None:
    code, out = _run(project, "store", "upgrade")
    assert (code, "Store upgraded: empty → 0003") == (0, out.strip())
    code, out = _run(project, "store", "upgrade", "--json")
    assert code == 0
    assert json.loads(out) == {"before": "0003", "after": "0003"}
    assert (project.parent / "store.db").exists()


def test_import_contacts_with_a_named_mapping_and_flags(project: Path, store_url: str) -> None:
    path = project.parent / "crm.csv"
    path.write_text(
        "Mail,Tier,Phone\nAda@example.com,gold,+33612345678\nbad,silver,\n", encoding="utf-8"
    )
    flags = ("--mapping", "crm", "--map", "Phone=phone", "--store", store_url)
    code, out = _run(project, "import", "contacts", str(path), *flags, "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert (summary["new"], summary["rejected"], summary["rows_read"]) == (1, 1, 2)
    assert summary["rejects_path"] == str(project.parent / "crm.rejects.csv")
    code, out = _run(project, "import", "contacts", str(path), *flags)
    assert code == 0
    assert "unchanged" in out
    assert "Rejected rows are listed in" in out
    with Store.open(store_url) as store, store.begin() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(contacts)) == 1
        tiers = connection.scalars(sa.select(attributes.c.value)).all()
    assert tiers == ["gold"]


def test_import_events_can_queue_the_routed_destinations(project: Path) -> None:
    path = project.parent / "events.jsonl"
    path.write_text(
        json.dumps(
            {
                "event_id": "e1",
                "name": "purchase",
                "occurred_at": "2024-01-01T00:00:00Z",
                "contact_id": "c1",
                "value": 3,
                "currency": "EUR",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    code, out = _run(project, "import", "events", str(path), "--route", "--json")
    assert code == 0, out
    assert json.loads(out)["inserted"] == 1
    with (
        Store.open(f"sqlite:///{project.parent / 'store.db'}") as store,
        store.begin() as connection,
    ):
        assert (
            connection.scalar(sa.select(sa.func.count()).select_from(outbox)) == 0
        )  # routed nowhere


def test_bad_flags_and_missing_files_are_usage_errors(project: Path) -> None:
    code, out = _run(project, "import", "contacts", "missing.csv")
    assert code == 2
    assert "no such file" in out
    code, out = _run(
        project, "import", "contacts", str(project), "--format", "csv", "--map", "oops"
    )
    assert code == 2
    assert "COLUMN=TARGET" in out
    code, out = _run(
        project, "import", "contacts", str(project), "--format", "csv", "--map", "a=nope"
    )
    assert code == 2
    assert "unknown contacts target" in out
    code, out = _run(project, "import", "contacts", str(project), "--mapping", "missing")
    assert code == 2
    assert "no import mapping 'missing'" in out


def test_sample_writes_files_and_loads_a_store(project: Path, tmp_path: Path) -> None:
    code, out = _run(
        project, "sample", "--contacts", "40", "--out", "brand", "--until", "2025-06-30", "--json"
    )
    assert code == 0, out
    report = json.loads(out)
    assert report["contact_rows"] >= 40
    assert (tmp_path / "brand" / "contacts.csv").exists()
    url = f"sqlite:///{tmp_path / 'other.db'}"
    code, out = _run(
        project, "sample", "--contacts", "40", "--load", "--store", url, "--events-per-contact", "0"
    )
    assert code == 0, out
    assert "Loaded into the store" in out
    code, out = _run(
        project,
        "import",
        "contacts",
        str(tmp_path / "brand" / "contacts.csv"),
        "--store",
        url,
        "--json",
    )
    assert code == 0, out
    assert json.loads(out)["new"] == 0
