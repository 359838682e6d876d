"""`freehold connectors`: capabilities, limits, settings and JSON schema of each connector."""

from __future__ import annotations

import json


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


def test_table_lists_settings_marking_required_and_secret(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    result = run("connectors")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "meta" in text
    assert "mailchimp" in text
    assert "access_token* (secret), api_base_url, timeout_seconds, account" in text
    assert result.stderr == ""
