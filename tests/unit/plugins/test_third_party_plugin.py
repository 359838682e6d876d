"""An installed third-party plugin shows in `freehold plugins` and `connectors`; a broken one is
listed with its error while the command still exits 0 (in-process and through the console script).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from freehold.plugins.cli import create_cli

FREEHOLD = Path(sys.executable).with_name("freehold")


def test_freehold_plugins_lists_an_installed_plugin_and_a_broken_one(site_dir):
    site_dir.install_tiny_vendor()
    site_dir.install_broken()
    result = CliRunner().invoke(create_cli(), ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["tinyvendor"] == {
        "name": "tinyvendor",
        "source": "entry point",
        "dist": "freehold-tinyvendor 1.0",
        "hooks": ["freehold_register_connectors"],
        "status": "ok",
        "error": None,
    }
    assert rows["broken"]["status"] == "error"
    assert rows["broken"]["dist"] == "freehold-broken 0.3"
    assert rows["broken"]["error"] == "import failed: RuntimeError: boom while importing"
    assert rows["freehold.plugins.builtin.env_secrets"]["source"] == "builtin"


def test_freehold_plugins_table_shows_the_error(site_dir):
    site_dir.install_broken()
    result = CliRunner().invoke(create_cli(), ["plugins"])
    assert result.exit_code == 0, result.output
    assert "broken" in result.stdout
    assert (
        "broken (freehold-broken 0.3): import failed: RuntimeError: boom while importing\n"
        in result.stdout
    )


def test_freehold_connectors_lists_the_third_party_connector_with_schema(site_dir):
    site_dir.install_tiny_vendor()
    site_dir.install_broken()
    result = CliRunner().invoke(create_cli(), ["connectors", "--json"])
    assert result.exit_code == 0, result.output
    tiny = next(row for row in json.loads(result.stdout) if row["name"] == "tinyvendor")
    assert tiny["capabilities"] == ["event_delivery"]
    assert tiny["event_limits"]["max_rows"] == 250
    assert tiny["event_limits"]["requests_per_second"] == 5
    assert tiny["audience_limits"] is None
    assert tiny["event_purpose"] == "ad_measurement"
    assert tiny["emulator"] is False
    schema = tiny["config_schema"]
    assert schema["required"] == ["api_key"]
    assert schema["properties"]["api_key"]["format"] == "password"
    assert "1 plugin problem: see `freehold plugins`" in result.stderr


def test_the_console_script_lists_an_installed_plugin_and_survives_a_broken_one(site_dir):
    site_dir.install_tiny_vendor()
    site_dir.install_broken()
    env = {**os.environ, "PYTHONPATH": str(site_dir.root)}
    env.pop("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", None)
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(FREEHOLD), "plugins", "--json"], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert rows["tinyvendor"]["status"] == "ok"
    assert rows["broken"]["status"] == "error"
    assert "plugin broken failed: import failed: RuntimeError: boom while importing" in " ".join(
        done.stderr.split()
    )
