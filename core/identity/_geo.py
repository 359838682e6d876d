"""Countries and US states: codes, full names and the aliases people type, mapped to codes."""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

from freehold.core.identity._country_names import COUNTRY_NAMES
from freehold.core.identity._text import trim
from freehold.core.models._codes import COUNTRY_CODES

__all__ = ["country_code", "fold_key", "us_state_code"]

_COUNTRY_ALIASES = """\
US USA
US U.S.A.
US U.S.
US United States of America
US America
GB UK
GB U.K.
GB Great Britain
GB Britain
GB England
GB Scotland
GB Wales
GB Northern Ireland
GB United Kingdom of Great Britain and Northern Ireland
KR Republic of Korea
KR Korea, Republic of
KP Democratic People's Republic of Korea
RU Russian Federation
CZ Czechia
TR Türkiye
CI Ivory Coast
MK North Macedonia
SZ Eswatini
CV Cabo Verde
CV Cape Verde
MM Burma
VA Vatican City
VA Holy See
IR Islamic Republic of Iran
SY Syrian Arab Republic
VN Viet Nam
LA Lao People's Democratic Republic
MD Republic of Moldova
TZ United Republic of Tanzania
BO Plurinational State of Bolivia
VE Bolivarian Republic of Venezuela
CD Democratic Republic of the Congo
CD DR Congo
CD DRC
CD Congo-Kinshasa
CG Republic of the Congo
CG Congo-Brazzaville
PS State of Palestine
NL Holland
AE UAE
BN Brunei Darussalam
TL East Timor
FM Federated States of Micronesia
"""
"""Common English spellings the name list lacks (official long forms, short forms, home nations)."""

_US_STATES = """\
AL Alabama
AK Alaska
AZ Arizona
AR Arkansas
CA California
CO Colorado
CT Connecticut
DE Delaware
FL Florida
GA Georgia
HI Hawaii
ID Idaho
IL Illinois
IN Indiana
IA Iowa
KS Kansas
KY Kentucky
LA Louisiana
ME Maine
MD Maryland
MA Massachusetts
MI Michigan
MN Minnesota
MS Mississippi
MO Missouri
MT Montana
NE Nebraska
NV Nevada
NH New Hampshire
NJ New Jersey
NM New Mexico
NY New York
NC North Carolina
ND North Dakota
OH Ohio
OK Oklahoma
OR Oregon
PA Pennsylvania
RI Rhode Island
SC South Carolina
SD South Dakota
TN Tennessee
TX Texas
UT Utah
VT Vermont
VA Virginia
WA Washington
WV West Virginia
WI Wisconsin
WY Wyoming
DC District of Columbia
DC Washington DC
AS American Samoa
GU Guam
MP Northern Mariana Islands
PR Puerto Rico
VI Virgin Islands
VI U.S. Virgin Islands
UM United States Minor Outlying Islands
AA Armed Forces Americas
AE Armed Forces Europe
AP Armed Forces Pacific
"""
"""The 50 states, the District of Columbia, the territories and the military codes (USPS/ANSI)."""


def fold_key(text: str) -> str:
    """Fold a name to a lookup key: case, accents, spaces and punctuation ignored."""
    if text.isascii():
        return "".join(ch for ch in text.lower() if ch.isalnum())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def _table(text: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in text.splitlines():
        code, _, name = line.partition(" ")
        table.setdefault(fold_key(name), code)
    return table


@cache
def _country_table() -> dict[str, str]:
    table = _table(COUNTRY_NAMES)
    for key, code in _table(_COUNTRY_ALIASES).items():
        table.setdefault(key, code)
    return table


@cache
def _state_table() -> tuple[frozenset[str], dict[str, str]]:
    table = _table(_US_STATES)
    return frozenset(table.values()), table


@lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """Return the ISO 3166-1 alpha-2 code (upper case) for a code or a country name, or None.

    Args:
        value: `us`, ` US `, `U.S.`, `United States`, `Deutschland`, `the Netherlands`...

    Returns:
        The code, or None when the value names no known country.
    """
    text = trim(value)
    code = text.upper()
    if code in COUNTRY_CODES:
        return code
    key = fold_key(text)
    if len(key) == 2 and key.upper() in COUNTRY_CODES:  # noqa: PLR2004 - alpha-2 length
        return key.upper()
    table = _country_table()
    found = table.get(key)
    if found is None and key.startswith("the"):
        found = table.get(key[3:])
    return found


def us_state_code(value: str) -> str | None:
    """Return the two-letter code (upper case) for a US state, territory or military code."""
    key = fold_key(value)
    codes, table = _state_table()
    if len(key) == 2 and key.upper() in codes:  # noqa: PLR2004 - code length
        return key.upper()
    return table.get(key)
