"""The Meta connector registers through the plugin hook and reads its config."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from freehold.connectors.meta import DEFAULT_API_VERSION, MetaConfig, MetaConnector
from freehold.core.capabilities import CapabilityName
from freehold.plugins import FreeholdPluginManager


def test_the_module_registers_the_connector_as_a_built_in() -> None:
    manager = FreeholdPluginManager()
    manager.load(builtins=["freehold.connectors.meta"])
    assert manager.connectors()["meta"] is MetaConnector
    assert not manager.failures


def test_capabilities_and_declared_limits() -> None:
    assert MetaConnector.capabilities() == {
        CapabilityName.AUDIENCE_SYNC,
        CapabilityName.EVENT_DELIVERY,
        CapabilityName.CAMPAIGN_MANAGEMENT,
        CapabilityName.CONTACT_ERASURE,
    }
    assert MetaConnector.audience_limits.max_rows == 10_000
    assert MetaConnector.event_limits.max_rows == 1_000
    assert MetaConnector.identity_profile == "meta"
    assert "date_of_birth" in MetaConnector.accepted_identifiers


@pytest.mark.parametrize("given", ["act_1234", "1234", " act_1234 "])
def test_the_ad_account_is_always_addressed_as_act_digits(given: str) -> None:
    config = MetaConfig(access_token=SecretStr("t"), ad_account_id=given)
    assert config.ad_account_id == "act_1234"
    assert config.api_version == DEFAULT_API_VERSION == "v26.0"


@pytest.mark.parametrize(
    "settings",
    [
        {"ad_account_id": "acct-12"},
        {"ad_account_id": "act_1", "api_version": "26"},
        {"ad_account_id": "act_1", "pixel_id": "px"},
    ],
)
def test_bad_settings_are_refused_without_echoing_them(settings: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as caught:
        MetaConfig(access_token=SecretStr("t0ken-value"), **settings)
    assert "t0ken-value" not in str(caught.value)
    assert "acct-12" not in str(caught.value)


def test_the_config_repr_names_the_account_but_no_secret() -> None:
    config = MetaConfig(
        access_token=SecretStr("tok-123456"), app_secret=SecretStr("sec-654321"), ad_account_id="9"
    )
    text = repr(config) + str(config) + config.model_dump_json()
    assert "act_9" in repr(config)
    assert "tok-123456" not in text
    assert "sec-654321" not in text
