"""`freehold connectors`: capabilities, limits, settings and JSON schema of each connector."""

from __future__ import annotations

import json
import types


def test_json_describes_each_connector(run):
    result = run("connectors", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["name"] for row in rows] == ["mailchimp", "meta"]
    meta = rows[1]
    assert meta["class"] == "conftest:StubMeta"
    assert meta["capabilities"] == []
    assert meta["emulator"] is True
    assert meta["audience_limits"] is None
    assert meta["config_schema"]["required"] == ["access_token"]
    assert set(meta["config_schema"]["properties"]) == {
        "access_token",
        "account",
        "api_base_url",
        "timeout_seconds",
    }


def test_text_lists_each_connector_with_settings_marking_required_and_secret(run):
    result = run("connectors")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:4] == [
        "mailchimp  (conftest:StubMailchimp)",
        "  capabilities: -",
        "  emulator: yes",
        "  settings (* required): access_token* (secret), api_base_url, timeout_seconds, account",
    ]
    assert "meta  (conftest:StubMeta)" in result.stdout
    assert result.stderr == ""


def test_limits_and_purposes_are_shown_for_capabilities(plugins, run):
    from freehold.core.capabilities import AudienceSync, BatchLimits
    from freehold.plugins import hookimpl

    class Syncing(AudienceSync):
        audience_limits = BatchLimits(max_rows=500, max_bytes=1000, requests_per_second=2)
        identity_profile = "meta"
        accepted_identifiers = frozenset({"email"})

    meta = plugins.connectors()["meta"]
    syncing = type("SyncingConnector", (meta, Syncing), {"name": "syncing"})
    syncing.__abstractmethods__ = frozenset()
    plugins.register_plugin(
        types.SimpleNamespace(
            freehold_register_connectors=hookimpl(lambda register: register(syncing))
        ),
        name="syncing",
    )
    result = run("connectors")
    assert "  audience batches: 500 rows, 1000 bytes, 2.0/s; consent: ad_targeting\n" in (
        result.stdout
    )
    row = next(r for r in json.loads(run("connectors", "--json").stdout) if r["name"] == "syncing")
    assert row["capabilities"] == ["audience_sync"]
    assert row["identity_profile"] == "meta"
    assert row["audience_limits"]["max_bytes"] == 1000
