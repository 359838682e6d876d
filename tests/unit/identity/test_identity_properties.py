"""Properties: nothing raises on any string, and the fast paths agree with the slow ones."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from freehold.core.identity import (
    PROFILES,
    DropReason,
    IdentityField,
    _phone,
    get_profile,
    hash_identifier,
    normalize,
    normalize_contacts,
)

FIELDS = [field.value for field in IdentityField]
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)
"""Every code point, lone surrogates included."""
PHONE_TEXT = st.text(alphabet="+0123456789 -().x/\u00a0\uff10\u0661#", max_size=24)
HEX_TEXT = st.text(alphabet="0123456789abcdefABCDEF \t", min_size=60, max_size=70)
DATE_TEXT = st.from_regex(r"\A[0-9]{1,4}[-/. ]?[0-9]{1,4}[-/. ]?[0-9]{1,4}(T[0-9:]*)?\Z")
VALUES = st.one_of(ANY_TEXT, PHONE_TEXT, HEX_TEXT, DATE_TEXT)
COUNTRIES = st.one_of(
    st.none(), st.sampled_from(["US", "gb", "France", "XX", "", "CA", "AQ"]), ANY_TEXT
)
REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("field", FIELDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, country=COUNTRIES)
def test_normalize_and_hash_never_raise(
    field: str, profile: str, value: str, country: str | None
) -> None:
    normalized = normalize(field, value, profile, country=country)
    digest = hash_identifier(field, value, profile, country=country)
    assert normalized is None or isinstance(normalized, str)
    assert (digest is None) == (normalized is None)
    if digest is not None:
        assert len(digest) == 64
        assert digest == digest.lower()


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(
        st.dictionaries(st.sampled_from([*FIELDS, "unknown"]), st.one_of(st.none(), VALUES)),
        max_size=12,
    ),
    profile=st.sampled_from(PROFILES),
)
def test_normalize_contacts_never_raises_and_agrees_with_normalize(
    rows: list[dict[str, str | None]], profile: str
) -> None:
    batch = normalize_contacts(rows, profile)
    assert batch.rows == len(rows)
    for field in get_profile(profile).fields:
        values = batch.values[field]
        assert len(values) == len(rows)
        assert sum(value is not None for value in values) + sum(
            batch.dropped[field].values()
        ) == len(rows)
        digests = batch.digests(field)
        for index, row in enumerate(rows):
            raw = row.get(field)
            expected = normalize(field, raw, profile, country=row.get("country"))
            assert values[index] == expected
            if raw is not None and expected is None:
                assert isinstance(batch.rejected[field][index], DropReason)
            if get_profile(profile).hashed_fields[field] == "hash":
                hashed = hash_identifier(field, raw, profile, country=row.get("country"))
                assert digests[index] == hashed


def _reference_e164(raw: str, region: str | None) -> str | None:
    """The documented rules applied with phonenumbers directly, no cache, no shortcut."""
    text = raw.translate(_phone._FORMATTING)
    start = _phone._START.search(text)
    if start is None:
        return None
    text = text[start.start() :]
    if text[0] in "+\uff0b":
        text, region = "+" + text[1:], None
    elif text.startswith("00"):
        text, region = "+" + text[2:], None
    elif region is None or region not in phonenumbers.SUPPORTED_REGIONS:
        text, region = "+" + text.lstrip("0"), None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if (
        phonenumbers.is_possible_number_with_reason(number)
        != phonenumbers.ValidationResult.IS_POSSIBLE
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _dialled(rng: random.Random, region: str) -> str:
    """A number as people write it: a prefix that trips parsers, digits, some formatting."""
    code = str(phonenumbers.country_code_for_region(region))
    prefix = rng.choice(
        ["", "+", "0", "1", "8", "00", "011", "810", "+0", "9", "15", "0" + code, code,
         code + "0", code + "1", "+" + code, "+" + code + "0", "00" + code]
    )  # fmt: skip
    text = prefix + "".join(rng.choices("0123456789", k=rng.randint(3, 13)))
    cut = rng.randint(0, len(text))
    return text[:cut] + rng.choice(["", " ", "-", "(", ") ", ".", "\u00a0"]) + text[cut:]


def test_phone_shape_cache_agrees_with_phonenumbers_in_every_region() -> None:
    # A seeded sweep rather than hypothesis: a wrong shape key shows up in a fraction of a
    # percent of numbers, so it takes thousands of them per run to be sure to see it.
    rng = random.Random(20261123)  # noqa: S311 - test data, not secrets
    mismatches = []
    for region in REGIONS:
        for _ in range(40):
            raw = _dialled(rng, region)
            for default in (region, None):
                got = _phone.to_e164(raw, default)
                if got != _reference_e164(raw, default):
                    mismatches.append((raw, default, got))
    assert mismatches == []


@settings(max_examples=200, deadline=None)
@given(raw=PHONE_TEXT, region=st.one_of(st.none(), st.sampled_from(REGIONS)))
def test_phone_of_any_punctuation_agrees_with_phonenumbers(raw: str, region: str | None) -> None:
    assert _phone.to_e164(raw, region) == _reference_e164(raw, region)
