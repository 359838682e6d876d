"""Shared model configuration and small validated types."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from freehold.core.models._codes import COUNTRY_CODES, CURRENCY_CODES

__all__ = ["CountryCode", "CurrencyCode", "NeutralModel"]


class NeutralModel(BaseModel):
    """Base of every neutral model: immutable, strict about unknown fields, silent about input.

    `hide_input_in_errors` keeps a rejected value (an email address, say) out of the error text;
    the error still names the field.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in COUNTRY_CODES:
        msg = "not an ISO 3166-1 alpha-2 country code"
        raise ValueError(msg)
    return code


def _currency(value: str) -> str:
    code = value.strip().upper()
    if code not in CURRENCY_CODES:
        msg = "not an ISO 4217 currency code"
        raise ValueError(msg)
    return code


CountryCode = Annotated[str, AfterValidator(_country)]
"""An ISO 3166-1 alpha-2 country code, upper case (`FR`)."""

CurrencyCode = Annotated[str, AfterValidator(_currency)]
"""An ISO 4217 currency code, upper case (`EUR`)."""
