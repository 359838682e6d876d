"""One function per field and vendor rule: raw text in, normalized text or a drop reason out.

Every rule takes the value as text and the contact's country (ISO alpha-2, upper case, or None)
and returns either the normalized string or a `DropReason`. None of them raises on any string.
Which profile uses which rule, and why, is in `_profiles.py` and docs/identity.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from freehold.core.identity._dates import birth_date
from freehold.core.identity._fields import DropReason
from freehold.core.identity._geo import country_code, us_state_code
from freehold.core.identity._phone import to_e164
from freehold.core.identity._text import (
    collapse_punctuation,
    fold_letters,
    keep_letters,
    nfc,
    trim,
)

__all__ = [
    "Rule",
    "city_google",
    "city_meta",
    "country_lower",
    "country_upper",
    "date_of_birth",
    "email_google",
    "email_plain",
    "gender",
    "gmail_canonical",
    "identifier",
    "mobile_ad_id",
    "name_google",
    "name_meta",
    "phone_digits",
    "phone_e164",
    "postal_code_meta",
    "region_google",
    "region_meta",
    "trimmed",
    "without_plus",
]

Rule = Callable[[str, str | None], str | DropReason]
"""(value, contact country) → normalized value, or why it is unusable."""

_EMAIL = re.compile(r'[^@\s<>(),;:"\[\]\\]+@[^@\s<>(),;:"\[\]\\.]+(?:\.[^@\s<>(),;:"\[\]\\.]+)+')
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_LETTER = re.compile(r"[^\W\d_]")
_US_ZIP = re.compile(r"([0-9]{5})(?:[-\s]?[0-9]{4})?")
_NOT_ALNUM = re.compile(r"[\W_]+")
_MAD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ZERO_MAD_ID = "00000000-0000-0000-0000-000000000000"
_GENDERS = {
    **dict.fromkeys(
        (
            "m",
            "male",
            "man",
            "masculine",
            "masculino",
            "masculin",
            "männlich",
            "maennlich",
            "hombre",
            "homme",
            "mann",
            "uomo",
            "maschio",
            "mężczyzna",
        ),
        "m",
    ),
    **dict.fromkeys(
        (
            "f",
            "female",
            "woman",
            "feminine",
            "femenino",
            "féminin",
            "feminin",
            "weiblich",
            "w",
            "mujer",
            "femme",
            "frau",
            "donna",
            "femmina",
            "kobieta",
        ),
        "f",
    ),
}
"""Spellings of the two values Meta accepts (`m`, `f`); anything else is dropped."""


def trimmed(value: str, country: str | None) -> str | DropReason:
    """Trim and compose (NFC); keep case and everything else (clear merge fields)."""
    text = trim(value)
    return nfc(text) if text else DropReason.EMPTY


def identifier(value: str, country: str | None) -> str | DropReason:
    """Trim only: an id must stay byte for byte what the brand uses elsewhere."""
    return trim(value) or DropReason.EMPTY


def email_plain(value: str, country: str | None) -> str | DropReason:
    """Trim and lowercase; refuse anything that is not `local@domain.tld`."""
    text = trim(value).lower()
    if not text:
        return DropReason.EMPTY
    if _EMAIL.fullmatch(text) is None:
        return DropReason.INVALID_EMAIL
    return text


def email_google(value: str, country: str | None) -> str | DropReason:
    """`email_plain`, then for gmail.com / googlemail.com: cut at `+`, remove dots."""
    text = email_plain(value, country)
    if isinstance(text, DropReason):
        return text
    return gmail_canonical(text)


def gmail_canonical(text: str) -> str | DropReason:
    """Google's step after `email_plain`: for gmail.com / googlemail.com, cut at `+`, no dots.

    Any other text (another domain, or a digest, which has no `@`) comes back as it is, so the
    step also applies to a value `email_plain` passed through as an already hashed digest.
    """
    local, _, domain = text.rpartition("@")
    if domain not in _GMAIL_DOMAINS:
        return text
    local = local.partition("+")[0].replace(".", "")
    return f"{local}@{domain}" if local else DropReason.INVALID_EMAIL


def phone_e164(value: str, country: str | None) -> str | DropReason:
    """E.164 with the `+` (Google, Microsoft, email vendors)."""
    number = to_e164(value, country)
    if number is not None:
        return number
    return DropReason.EMPTY if not value or value.isspace() else DropReason.INVALID_PHONE


def phone_digits(value: str, country: str | None) -> str | DropReason:
    """E.164 without the `+`: country code and number, digits only (Meta)."""
    number = to_e164(value, country)
    if number is not None:
        return number[1:]
    return DropReason.EMPTY if not value or value.isspace() else DropReason.INVALID_PHONE


def without_plus(text: str) -> str:
    """`phone_digits` from what `phone_e164` gave: the `+` taken off.

    Only an E.164 number starts with `+`; a digest passed through as it is keeps its digits.
    """
    return text[1:] if text[:1] == "+" else text


def name_meta(value: str, country: str | None) -> str | DropReason:
    """Lowercase letters of any script, nothing else (no punctuation, spaces or digits)."""
    text = trim(value)
    if not text:
        return DropReason.EMPTY
    letters = keep_letters(nfc(text).lower())
    return letters or DropReason.INVALID_NAME


def name_google(value: str, country: str | None) -> str | DropReason:
    """Trim and lowercase (Google's formatter); a value without any letter is dropped."""
    text = trim(value)
    if not text:
        return DropReason.EMPTY
    text = nfc(text).lower()
    return text if _LETTER.search(text) else DropReason.INVALID_NAME


def city_meta(value: str, country: str | None) -> str | DropReason:
    """Letters only, Latin letters folded to a-z (`St. Louis` → `stlouis`, `São` → `sao`)."""
    text = trim(value)
    if not text:
        return DropReason.EMPTY
    return fold_letters(text.lower()) or DropReason.INVALID_CITY


def city_google(value: str, country: str | None) -> str | DropReason:
    """Lowercase, punctuation and `_` removed, spaces kept (`St. Louis` → `st louis`)."""
    text = trim(value)
    if not text:
        return DropReason.EMPTY
    return collapse_punctuation(nfc(text).lower()) or DropReason.INVALID_CITY


def region_meta(value: str, country: str | None) -> str | DropReason:
    """US: the two-letter code, lower case (names mapped); elsewhere as `city_meta`."""
    text = trim(value)
    if not text:
        return DropReason.EMPTY
    if country in {"US", None}:
        code = us_state_code(text)
        if code is not None:
            return code.lower()
        if country == "US":
            return DropReason.UNKNOWN_REGION
    return fold_letters(text.lower()) or DropReason.INVALID_REGION


def region_google(value: str, country: str | None) -> str | DropReason:
    """As `city_google` (Google's formatter treats the administrative area like a city)."""
    text = trim(value)
    if not text:
        return DropReason.EMPTY
    return collapse_punctuation(nfc(text).lower()) or DropReason.INVALID_REGION


def postal_code_meta(value: str, country: str | None) -> str | DropReason:
    """US: the first five digits; elsewhere lowercase letters and digits only (`m11ae`)."""
    text = trim(value)
    if not text:
        return DropReason.EMPTY
    us_zip = _US_ZIP.fullmatch(text)
    if country == "US":
        return us_zip.group(1) if us_zip else DropReason.INVALID_POSTAL_CODE
    if country is None and us_zip:
        return us_zip.group(1)
    return _NOT_ALNUM.sub("", nfc(text).lower()) or DropReason.INVALID_POSTAL_CODE


def country_lower(value: str, country: str | None) -> str | DropReason:
    """ISO 3166-1 alpha-2, lower case; full names and common aliases mapped."""
    if not value or value.isspace():
        return DropReason.EMPTY
    code = country_code(value)
    return DropReason.UNKNOWN_COUNTRY if code is None else code.lower()


def country_upper(value: str, country: str | None) -> str | DropReason:
    """ISO 3166-1 alpha-2, upper case; full names and common aliases mapped."""
    if not value or value.isspace():
        return DropReason.EMPTY
    code = country_code(value)
    return DropReason.UNKNOWN_COUNTRY if code is None else code


def date_of_birth(value: str, country: str | None) -> str | DropReason:
    """`YYYYMMDD` (see `_dates`)."""
    if not value or value.isspace():
        return DropReason.EMPTY
    date = birth_date(value)
    return DropReason.INVALID_DATE if date is None else date


def gender(value: str, country: str | None) -> str | DropReason:
    """`m` or `f`; other spellings of those two mapped, anything else dropped."""
    text = trim(value).lower().rstrip(".")
    if not text:
        return DropReason.EMPTY
    return _GENDERS.get(text, DropReason.INVALID_GENDER)


def mobile_ad_id(value: str, country: str | None) -> str | DropReason:
    """Lowercase UUID with hyphens (IDFA / AAID); the all-zero id (tracking off) is dropped."""
    text = trim(value).lower()
    if not text:
        return DropReason.EMPTY
    if _MAD_ID.fullmatch(text) is None or text == _ZERO_MAD_ID:
        return DropReason.INVALID_MOBILE_AD_ID
    return text
