"""The country and US-state tables: complete, unambiguous, and true to their source."""

from __future__ import annotations

from phonenumbers.geodata.locale import LOCALE_DATA

from freehold.core.identity import _geo
from freehold.core.identity._country_names import COUNTRY_NAMES, LANGUAGES
from freehold.core.models._codes import COUNTRY_CODES


def _name(code: str, language: str) -> str | None:
    names = LOCALE_DATA.get(code, {})
    name = names.get(language)
    for _ in range(5):  # "*xx" points at another language's spelling
        if not name or not name.startswith("*"):
            break
        name = names.get(name[1:])
    return name


def test_every_listed_name_is_phonenumbers_name_for_that_code() -> None:
    listed = [line.split(" ", 1) for line in COUNTRY_NAMES.splitlines()]
    source = {
        (code, name) for code in COUNTRY_CODES for lang in LANGUAGES if (name := _name(code, lang))
    }
    assert {(code, name) for code, name in listed} <= source
    # ...and every source spelling is reachable, through its own line or one folding alike.
    for code, name in source:
        assert _geo.country_code(name) == code, name


def test_every_country_code_has_an_english_name() -> None:
    for code in COUNTRY_CODES:
        name = _name(code, "en")
        assert name is not None, code
        assert _geo.country_code(name) == code


def test_aliases_point_at_real_codes_and_never_override_a_listed_name() -> None:
    table = _geo._country_table()
    listed = _geo._table(COUNTRY_NAMES)
    for line in _geo._COUNTRY_ALIASES.splitlines():
        code, _, name = line.partition(" ")
        assert code in COUNTRY_CODES, line
        key = _geo.fold_key(name)
        assert table[key] == listed.get(key, code), line


def test_us_states_cover_fifty_states_dc_territories_and_military_codes() -> None:
    codes, table = _geo._state_table()
    assert len(codes) == 50 + 1 + 6 + 3
    assert _geo.us_state_code("new york") == "NY"
    assert _geo.us_state_code("Washington, D.C.") == "DC"
    assert _geo.us_state_code("wa") == "WA"
    assert _geo.us_state_code("Bavaria") is None
    assert set(table.values()) == codes
