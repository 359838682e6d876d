"""Klaviyo settings: the private API key, the pinned revision, mappings, the conversion metric."""

from __future__ import annotations

from pydantic import Field, SecretStr

from freehold.core.connector import ConnectorConfig

__all__ = ["REVISION", "KlaviyoConfig"]

REVISION = "2026-07-15"
"""The API revision freehold is written and tested against (the OpenAPI document's)."""


class KlaviyoConfig(ConnectorConfig):
    """Settings of a Klaviyo destination."""

    api_key: SecretStr = Field(description="Klaviyo private API key (pk_...).")
    revision: str = Field(
        default=REVISION,
        pattern=r"^\d{4}-\d{2}-\d{2}(\.pre)?$",
        description="The `revision` header sent on every call.",
    )
    properties: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Contact attribute name -> Klaviyo profile property name; attributes not named "
            "here keep their own name."
        ),
    )
    list_names: dict[str, str] = Field(
        default_factory=dict,
        description="Per freehold audience key: the Klaviyo list name (default: audience name).",
    )
    conversion_metric_id: str | None = Field(
        default=None,
        min_length=1,
        description=(
            "Id of the metric campaign statistics count as conversions, usually Placed Order "
            "(Klaviyo's reporting API requires one); campaign stats raise a ConfigError "
            "without it."
        ),
    )
