"""Settings of the Meta connector: credentials, the ad account, the pixel and the API version."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints, field_validator

from freehold.core.connector import ConnectorConfig

__all__ = [
    "DEFAULT_API_VERSION",
    "CustomerFileSource",
    "MetaConfig",
    "SpecialAdCategory",
]

DEFAULT_API_VERSION = "v26.0"
"""The Graph API version freehold targets (the `facebook-business` 26.0.x SDK's constant)."""

_ACCOUNT = re.compile(r"^(?:act_)?(\d{1,20})$")


class CustomerFileSource(StrEnum):
    """Where the people in a customer-file audience came from (required by Meta on create)."""

    USER_PROVIDED_ONLY = "USER_PROVIDED_ONLY"
    PARTNER_PROVIDED_ONLY = "PARTNER_PROVIDED_ONLY"
    BOTH_USER_AND_PARTNER_PROVIDED = "BOTH_USER_AND_PARTNER_PROVIDED"


class SpecialAdCategory(StrEnum):
    """Regulated categories a campaign must declare; none declared is sent as `[]`."""

    CREDIT = "CREDIT"
    EMPLOYMENT = "EMPLOYMENT"
    FINANCIAL_PRODUCTS_SERVICES = "FINANCIAL_PRODUCTS_SERVICES"
    HOUSING = "HOUSING"
    ISSUES_ELECTIONS_POLITICS = "ISSUES_ELECTIONS_POLITICS"
    ONLINE_GAMBLING_AND_GAMING = "ONLINE_GAMBLING_AND_GAMING"


_Id = Annotated[str, StringConstraints(pattern=r"^\d{1,20}$")]


class MetaConfig(ConnectorConfig):
    """Settings of one Meta destination.

    The access token (a System User token with `ads_management`) is sent in the
    `Authorization` header, never in a URL. When `app_secret` is set, every request carries
    `appsecret_proof` (HMAC-SHA256 of the token keyed by the secret).
    """

    access_token: SecretStr = Field(description="System User access token (ads_management).")
    app_secret: SecretStr | None = Field(
        default=None, description="App secret; when set, requests carry appsecret_proof."
    )
    ad_account_id: str = Field(description="The ad account, `act_123…` or its digits.")
    pixel_id: _Id | None = Field(
        default=None, description="The pixel (dataset) id that receives Conversions API events."
    )
    api_version: Annotated[str, StringConstraints(pattern=r"^v\d{1,3}\.\d$")] = Field(
        default=DEFAULT_API_VERSION, description="Graph API version, e.g. v26.0."
    )
    customer_file_source: CustomerFileSource = Field(
        default=CustomerFileSource.USER_PROVIDED_ONLY,
        description="Declared origin of customer-file audience members.",
    )
    value_based_audiences: frozenset[str] = Field(
        default=frozenset(),
        description="Audience keys created as value-based (members carry LOOKALIKE_VALUE).",
    )
    test_event_code: str | None = Field(
        default=None,
        min_length=1,
        description="Routes Conversions API events to Events Manager's Test Events tab.",
    )
    limited_data_use: bool = Field(
        default=False, description="Flag every event and member row for Limited Data Use (LDU)."
    )
    ldu_country: int = Field(
        default=0, ge=0, description="LDU country: 1 = United States, 0 = let Meta geolocate."
    )
    ldu_state: int = Field(
        default=0, ge=0, description="LDU state: 1000 = California, 0 = let Meta geolocate."
    )
    special_ad_categories: tuple[SpecialAdCategory, ...] = Field(
        default=(), description="Regulated categories declared on every campaign created."
    )
    special_ad_category_country: tuple[str, ...] = Field(
        default=(), description="Countries (ISO alpha-2) where the special categories apply."
    )
    conversion_action_types: tuple[str, ...] = Field(
        default=(
            "offsite_conversion.fb_pixel_purchase",
            "offsite_conversion.fb_pixel_lead",
            "offsite_conversion.fb_pixel_complete_registration",
        ),
        description="Insights action types summed into the neutral `conversions` statistic.",
    )

    @field_validator("ad_account_id")
    @classmethod
    def _account(cls, value: str) -> str:
        match = _ACCOUNT.match(value.strip())
        if match is None:
            msg = "must be `act_` followed by digits, or the digits alone"
            raise ValueError(msg)
        return f"act_{match.group(1)}"

    def __repr__(self) -> str:
        return (
            f"MetaConfig(ad_account_id={self.ad_account_id!r}, pixel_id={self.pixel_id!r}, "
            f"api_version={self.api_version!r})"
        )

    __str__ = __repr__
