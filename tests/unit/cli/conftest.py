"""Fixtures for CLI tests: stand-in `meta` and `mailchimp` connectors with emulators."""

from __future__ import annotations

import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr

from freehold.core.connector import Connector, ConnectorConfig
from freehold.core.emulator import Emulator, EmulatorRequest, EmulatorResponse, json_response, route
from freehold.plugins import FreeholdPluginManager, hookimpl
from freehold.plugins.cli import create_cli

EMULATOR_TOKEN = "emulator-token-1234"


class StubEmulator(Emulator):
    name = "stub"

    def authenticate(self, request: EmulatorRequest) -> EmulatorResponse | None:
        if request.headers.get("authorization") != f"Bearer {EMULATOR_TOKEN}":
            return json_response({"error": "bad token"}, 401)
        return None

    @route("GET", "/me")
    async def me(self, request: EmulatorRequest) -> EmulatorResponse:
        return json_response({"calls": self.counters["me"]})


class StubConfig(ConnectorConfig):
    access_token: SecretStr
    account: str = "acct_1"


class _Stub(Connector[StubConfig]):
    config_model = StubConfig
    default_base_url = "https://stub.invalid"

    def client_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.config.access_token.get_secret_value()}"}

    async def check(self) -> None:
        response = await self.http.get("/me")
        response.raise_for_status()

    @classmethod
    def emulator(cls) -> StubEmulator:
        return StubEmulator()

    @classmethod
    def emulator_config(cls, base_url: str) -> StubConfig:
        return StubConfig(access_token=SecretStr(EMULATOR_TOKEN), api_base_url=base_url)


class StubMeta(_Stub):
    name = "meta"


class StubMailchimp(_Stub):
    name = "mailchimp"


STUBS = types.SimpleNamespace(
    freehold_register_connectors=hookimpl(
        lambda register: [register(StubMeta), register(StubMailchimp)]
    )
)


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> FreeholdPluginManager:
    """Built-ins without connectors, plus the stand-in meta and mailchimp."""
    monkeypatch.setenv("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", "1")
    pm = FreeholdPluginManager()
    pm.load(builtins=[name for name in _builtins() if not name.startswith("freehold.connectors.")])
    pm.register_plugin(STUBS, name="stubs")
    return pm


def _builtins() -> tuple[str, ...]:
    from freehold.plugins import BUILTIN_PLUGINS

    return BUILTIN_PLUGINS


@pytest.fixture
def run(plugins: FreeholdPluginManager, tmp_path: Path) -> Callable[..., Result]:
    """Invoke the CLI in tmp_path with the stand-in plugins: `run("validate", "--json")`."""

    def invoke(*args: str, **kwargs: Any) -> Result:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(tmp_path)
            return CliRunner().invoke(create_cli(plugins=plugins), list(args), **kwargs)

    return invoke
