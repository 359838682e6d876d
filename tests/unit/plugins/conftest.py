"""Fixtures for plugin tests: tiny connector classes and installable plugin distributions."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from freehold.core.connector import Connector, ConnectorConfig
from freehold.plugins import FreeholdPluginManager

TINY_VENDOR = """
from pydantic import SecretStr

from freehold.core.capabilities import BatchLimits, EventDelivery
from freehold.core.connector import Connector, ConnectorConfig
from freehold.plugins import hookimpl


class TinyConfig(ConnectorConfig):
    api_key: SecretStr
    region: str = "eu"


class TinyConnector(Connector[TinyConfig], EventDelivery):
    name = "tinyvendor"
    config_model = TinyConfig
    default_base_url = "https://api.tiny.invalid"
    event_limits = BatchLimits(max_rows=250, requests_per_second=5)

    async def check(self):
        return None

    async def send_events(self, events):
        return []


@hookimpl
def freehold_register_connectors(register):
    register(TinyConnector)
"""


class SiteDir:
    """A directory on sys.path where tests install plugin distributions as a `.dist-info`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: list[str] = []

    def install(
        self,
        dist: str,
        *,
        entry_points: dict[str, str],
        modules: dict[str, str],
        version: str = "1.0",
    ) -> None:
        for module, source in modules.items():
            package = self.root / module
            package.mkdir()
            (package / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
            self.modules.append(module)
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
        )
        lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
        (info / "entry_points.txt").write_text(f"[freehold]\n{lines}", encoding="utf-8")
        importlib.invalidate_caches()

    def install_tiny_vendor(self) -> None:
        self.install(
            "freehold-tinyvendor",
            entry_points={"tinyvendor": "freehold_tinyvendor"},
            modules={"freehold_tinyvendor": TINY_VENDOR},
        )

    def install_broken(self) -> None:
        self.install(
            "freehold-broken",
            entry_points={"broken": "freehold_broken"},
            modules={"freehold_broken": 'raise RuntimeError("boom while importing")\n'},
            version="0.3",
        )


@pytest.fixture
def site_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteDir]:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delenv("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("FREEHOLD_LOAD_PLUGINS", raising=False)
    site = SiteDir(root)
    yield site
    for module in site.modules:
        sys.modules.pop(module, None)


@pytest.fixture
def no_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FREEHOLD_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def make_connector() -> Callable[..., type[Connector[Any]]]:
    """Return a factory of minimal connector classes: `make_connector("acme")`."""

    def factory(name: str) -> type[Connector[Any]]:
        class DemoConfig(ConnectorConfig):
            api_key: SecretStr | None = None

        class DemoConnector(Connector[DemoConfig]):
            config_model = DemoConfig
            default_base_url = "https://demo.invalid"

            async def check(self) -> None:
                return None

        DemoConnector.name = name
        DemoConnector.__name__ = f"{name.title()}Connector"
        return DemoConnector

    return factory


@pytest.fixture
def manager(no_entry_points: None) -> FreeholdPluginManager:
    """A manager with only the built-ins loaded (no entry points)."""
    pm = FreeholdPluginManager()
    pm.load()
    return pm
