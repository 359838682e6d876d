"""Fixtures for config tests: connector classes with secrets and an emulator, and a YAML writer."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

from freehold.core.connector import Connector, ConnectorConfig


class OAuth(BaseModel):
    client_id: str
    client_secret: SecretStr


class AdsConfig(ConnectorConfig):
    ad_account_id: str
    access_token: SecretStr
    app_secret: SecretStr | None = None
    oauth: OAuth | None = None


class AdsConnector(Connector[AdsConfig]):
    name = "ads"
    config_model = AdsConfig
    default_base_url = "https://ads.invalid"

    async def check(self) -> None:
        return None

    @classmethod
    def emulator_config(cls, base_url: str) -> AdsConfig:
        return AdsConfig(
            ad_account_id="act_emulated",
            access_token=SecretStr("emulator-token"),
            api_base_url=base_url,
        )


class MailConfig(ConnectorConfig):
    api_key: SecretStr
    list_id: str = "main"


class MailConnector(Connector[MailConfig]):
    name = "mail"
    config_model = MailConfig
    default_base_url = "https://mail.invalid"

    async def check(self) -> None:
        return None


CONNECTORS: dict[str, type[Connector[Any]]] = {"ads": AdsConnector, "mail": MailConnector}


@pytest.fixture
def connectors() -> dict[str, type[Connector[Any]]]:
    return dict(CONNECTORS)


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "freehold.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
