"""docs/configuration.md: the complete example validates, and the documented keys exist."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import SecretStr

from freehold.core.config import (
    CONTACT_IMPORT_TARGETS,
    EVENT_IMPORT_TARGETS,
    AudienceConfig,
    DestinationConfig,
    ProjectConfig,
    SyncSettings,
    check_config,
)
from freehold.core.connector import Connector, ConnectorConfig

DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def _stub(name: str, **fields: type) -> type[Connector]:
    config = type(
        f"{name.title()}Config",
        (ConnectorConfig,),
        {"__annotations__": fields, "__module__": __name__},
    )
    return type(
        f"{name.title()}Connector",
        (Connector,),
        {
            "name": name,
            "config_model": config,
            "default_base_url": "https://x.invalid",
            "check": lambda self: None,
        },
    )


CONNECTORS = {
    "meta": _stub("meta", ad_account_id=str, access_token=SecretStr),
    "klaviyo": _stub("klaviyo", api_key=SecretStr),
    "mailchimp": _stub("mailchimp", api_key=SecretStr, list_id=str),
}


def _text() -> str:
    return DOCS.read_text(encoding="utf-8")


def test_the_complete_example_validates(tmp_path, monkeypatch, sensitive_values):
    example = re.search(r"## A complete example\n\n```yaml\n(.*?)```", _text(), re.DOTALL)
    assert example is not None
    for name in set(re.findall(r"\$\{(\w+)\}", example.group(1))):
        monkeypatch.setenv(name, f"docs-{name.lower()}")
        sensitive_values.register(f"docs-{name.lower()}")
    path = tmp_path / "freehold.yaml"
    path.write_text(example.group(1), encoding="utf-8")
    check = check_config(path, connectors=CONNECTORS, audience_builders={"rfm"})
    assert check.problems == ()
    assert set(check.config.audiences) == {
        "vip_customers",
        "lapsed_buyers",
        "champions",
        "event_attendees",
    }


def test_every_model_key_is_documented():
    text = _text()
    keys = (
        set(ProjectConfig.model_fields)
        | set(DestinationConfig.model_fields) - {"settings"}
        | set(AudienceConfig.model_fields)
        | set(SyncSettings.model_fields)
        | CONTACT_IMPORT_TARGETS
        | EVENT_IMPORT_TARGETS
    )
    missing = sorted(key for key in keys if f"`{key}`" not in text)
    assert missing == []
