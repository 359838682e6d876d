"""`AppContext`: lazy config and store, connectors built from settings, emulators kept."""

from __future__ import annotations

import json
import textwrap

import pytest
from rich.console import Console

from freehold.core.config import EMULATOR_BASE_URL
from freehold.core.errors import ConfigError
from freehold.plugins.cli import AppContext

PROJECT = """
store: sqlite:///data/store.db
destinations:
  social_ads:
    connector: meta
    emulate: true
  email:
    connector: mailchimp
    access_token: ${TEST_CLI_MAIL_TOKEN}
    account: acct_9
"""


@pytest.fixture
def app(plugins, tmp_path, monkeypatch, sensitive_values):
    monkeypatch.setenv("TEST_CLI_MAIL_TOKEN", "mail-token-5678")
    sensitive_values.register("mail-token-5678")
    path = tmp_path / "freehold.yaml"
    path.write_text(textwrap.dedent(PROJECT), encoding="utf-8")
    (tmp_path / "data").mkdir()
    context = AppContext(plugins=plugins, config_path=path)
    yield context
    context.close()


def test_config_is_loaded_once_through_the_plugins(app):
    config = app.config()
    assert app.config() is config
    email = config.destinations["email"].settings
    assert email.access_token.get_secret_value() == "mail-token-5678"
    assert sorted(app.connector_classes()) == ["mailchimp", "meta"]


def test_config_errors_surface_as_config_error(plugins, tmp_path):
    path = tmp_path / "freehold.yaml"
    path.write_text("destinations:\n  x: {connector: nope}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2: destinations\.x\.connector: unknown connector"):
        AppContext(plugins=plugins, config_path=path).config()


@pytest.mark.anyio
async def test_emulated_destinations_share_one_emulator_per_process(app):
    first = app.connector_for("social_ads")
    async with first:
        await first.check()
    emulator = app.emulators["social_ads"]
    assert emulator.counters["me"] == 1
    second = app.connector_for("social_ads")
    async with second:
        await second.check()
    assert app.emulators["social_ads"] is emulator
    assert emulator.counters["me"] == 2
    assert str(second.config.api_base_url).startswith(EMULATOR_BASE_URL)


def test_real_destinations_get_their_settings_and_no_emulator(app):
    connector = app.connector_for("email")
    assert connector.name == "mailchimp"
    assert connector.config.account == "acct_9"
    assert connector._transport is None
    assert "email" not in app.emulators


def test_an_unknown_destination_is_a_config_error(app):
    with pytest.raises(
        ConfigError, match=r"no destination named 'search' .*known: email, social_ads"
    ):
        app.connector_for("search")


def test_the_store_opens_next_to_the_project_file_once(app, tmp_path):
    store = app.store()
    assert app.store() is store
    assert (tmp_path / "data" / "store.db").exists()
    app.close()
    assert app._store is None


def test_progress_is_silent_without_a_terminal_and_json_is_plain(app, capsys):
    app.err_console = Console(stderr=True, force_terminal=False)
    with app.progress() as bar:
        task = bar.add_task("sync", total=2)
        bar.advance(task, 2)
    app.emit_json({"b": [1], "a": None})
    out, err = capsys.readouterr()
    assert json.loads(out) == {"a": None, "b": [1]}
    assert err == ""
