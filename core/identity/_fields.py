"""The vocabulary of the identity kit: neutral fields, hashing policy and drop reasons."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DropReason", "Hashing", "IdentityField"]


class IdentityField(StrEnum):
    """A neutral identifier field, named as in `freehold.core.models.Identifiers`."""

    EMAIL = "email"
    PHONE = "phone"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    CITY = "city"
    REGION = "region"
    POSTAL_CODE = "postal_code"
    COUNTRY = "country"
    DATE_OF_BIRTH = "date_of_birth"
    GENDER = "gender"
    EXTERNAL_ID = "external_id"
    MOBILE_AD_ID = "mobile_ad_id"


class Hashing(StrEnum):
    """Whether a vendor wants a field as a SHA-256 digest or in clear."""

    HASH = "hash"
    CLEAR = "clear"


class DropReason(StrEnum):
    """Why a value was not usable; reports count these per field.

    `empty` covers a missing value as well as one that is blank once trimmed; every other code
    means a value was given but could not be normalized for the profile.
    """

    EMPTY = "empty"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    INVALID_NAME = "invalid_name"
    INVALID_CITY = "invalid_city"
    INVALID_REGION = "invalid_region"
    UNKNOWN_REGION = "unknown_region"
    INVALID_POSTAL_CODE = "invalid_postal_code"
    UNKNOWN_COUNTRY = "unknown_country"
    INVALID_DATE = "invalid_date"
    INVALID_GENDER = "invalid_gender"
    INVALID_MOBILE_AD_ID = "invalid_mobile_ad_id"
