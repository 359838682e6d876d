"""Our own vectors for every rule of every profile (docs/identity.md lists the rules)."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata

import pytest

from freehold.core.errors import ConfigError
from freehold.core.identity import (
    PROFILES,
    Hashing,
    IdentityField,
    get_profile,
    hash_identifier,
    mailchimp_member_hash,
    normalize,
    sha256_hex,
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- email -----------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["meta", "microsoft", "email"])
def test_email_is_trimmed_and_lowercased_with_no_gmail_rewrite(profile: str) -> None:
    assert normalize("email", "\t Jo.Ann+News@GMAIL.com \n", profile) == "jo.ann+news@gmail.com"


@pytest.mark.parametrize(
    "raw",
    [
        "john.doe at example.com",
        "john@",
        "@example.com",
        "john@example",
        "john@@example.com",
        "john doe@example.com",
        "Mary@Example.com.",
        "john@example..com",
        "<john@example.com>",
        "-",
    ],
)
@pytest.mark.parametrize("profile", PROFILES)
def test_invalid_email_is_dropped_not_guessed(raw: str, profile: str) -> None:
    assert normalize("email", raw, profile) is None
    assert hash_identifier("email", raw, profile) is None


def test_google_rewrites_only_gmail_addresses() -> None:
    assert normalize("email", "j.o.h.n+tag+more@googlemail.com", "google") == (
        "john@googlemail.com"
    )
    assert normalize("email", "j.o.h.n+tag@gmail.co.uk", "google") == "j.o.h.n+tag@gmail.co.uk"
    assert normalize("email", "+tag@gmail.com", "google") is None


def test_unicode_whitespace_and_zero_width_marks_are_trimmed() -> None:
    assert normalize("email", "\ufeff\u00a0mary@example.com\u200b", "meta") == "mary@example.com"


# --- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("(650) 555-1212", "US", "+16505551212"),
        ("650.555.1212", "us", "+16505551212"),
        ("1-650-555-1212", "United States", "+16505551212"),
        ("011 44 20 7946 0958", "US", "+442079460958"),
        ("07700 900123", "GB", "+447700900123"),
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("0033 6 12 34 56 78", "US", "+33612345678"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("Tel: +33 6 12 34 56 78 ext. 12", "FR", "+33612345678"),
        ("+1\u00a0650\u2011555\u20111212", None, "+16505551212"),
        ("16505551212", None, "+16505551212"),
        ("6505551212", "CA", "+16505551212"),
    ],
)
def test_phone_becomes_e164_for_google_and_digits_for_meta(
    raw: str, country: str | None, e164: str
) -> None:
    assert normalize("phone", raw, "google", country=country) == e164
    assert normalize("phone", raw, "microsoft", country=country) == e164
    assert normalize("phone", raw, "email", country=country) == e164
    assert normalize("phone", raw, "meta", country=country) == e164[1:]
    assert hash_identifier("phone", raw, "meta", country=country) == sha(e164[1:])


@pytest.mark.parametrize(
    ("raw", "country"),
    [("123", "US"), ("n/a", None), ("+999 123 456", None), ("+", None), ("650 555", "US")],
)
def test_impossible_phone_is_dropped(raw: str, country: str | None) -> None:
    assert normalize("phone", raw, "meta", country=country) is None


def test_phone_without_country_is_read_as_carrying_its_country_code() -> None:
    # The documented Meta rule ("must include the country code") and Google's formatter; the
    # caller supplies the contact's country to read national numbers.
    assert normalize("phone", "(650)555-1212", "meta") == "6505551212"
    assert normalize("phone", "(650)555-1212", "meta", country="US") == "16505551212"


def test_unknown_country_falls_back_to_no_region() -> None:
    assert normalize("phone", "+16505551212", "google", country="Narnia") == "+16505551212"


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "meta", "google"),
    [
        (" Smith-Jones ", "smithjones", "smith-jones"),
        ("Mary Ann", "maryann", "mary ann"),
        ("ZOË", "zoë", "zoë"),
        ("Ze\u0301lie", "zélie", "zélie"),
        ("王小明", "王小明", "王小明"),
        ("D'Angelo Jr.", "dangelojr", "d'angelo jr."),
    ],
)
def test_names_per_profile(raw: str, meta: str, google: str) -> None:
    assert normalize("first_name", raw, "meta") == meta
    assert normalize("last_name", raw, "google") == google
    assert normalize("first_name", raw, "email") == unicodedata.normalize("NFC", raw.strip())


def test_name_without_letters_is_dropped_for_ad_vendors() -> None:
    assert normalize("first_name", "1234 !!", "meta") is None
    assert normalize("last_name", "--", "google") is None
    assert normalize("first_name", "--", "email") == "--"


# --- city, region, postal code ---------------------------------------------------------------


def test_city_meta_folds_to_letters_google_keeps_spaces() -> None:
    assert normalize("city", "São Paulo", "meta") == "saopaulo"
    assert normalize("city", "New York", "meta") == "newyork"
    assert normalize("city", "Winston-Salem_NC", "google") == "winstonsalemnc"
    assert normalize("city", "  St.  Louis ", "google") == "st louis"
    assert normalize("city", "...", "meta") is None


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        (" California ", "US", "ca"),
        ("california", None, "ca"),
        ("N.Y.", "US", "ny"),
        ("District of Columbia", "US", "dc"),
        ("Puerto Rico", "US", "pr"),
        ("Bavaria", "DE", "bavaria"),
        ("Île-de-France", "FR", "iledefrance"),
        ("ON", "CA", "on"),
        ("Ontario", None, "ontario"),
    ],
)
def test_region_meta_maps_us_states_to_codes(raw: str, country: str | None, expected: str) -> None:
    assert normalize("region", raw, "meta", country=country) == expected


def test_region_meta_refuses_unknown_us_states() -> None:
    assert normalize("region", "Calif", "meta", country="US") is None


def test_region_google_is_formatted_like_a_city_in_clear() -> None:
    assert normalize("region", " Rhône-Alpes ", "google", country="FR") == "rhônealpes"
    assert get_profile("google").hashed_fields["region"] is Hashing.CLEAR


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("94035", "US", "94035"),
        ("94035 1234", "US", "94035"),
        ("940351234", "US", "94035"),
        ("SW1A 1AA", "GB", "sw1a1aa"),
        ("75008", "FR", "75008"),
        ("00-950", "PL", "00950"),
        ("K1A 0B1", None, "k1a0b1"),
    ],
)
def test_postal_code_meta(raw: str, country: str | None, expected: str) -> None:
    assert normalize("postal_code", raw, "meta", country=country) == expected


def test_postal_code_meta_refuses_non_zip_for_us() -> None:
    assert normalize("postal_code", "9403", "meta", country="US") is None
    assert normalize("postal_code", "SW1A 1AA", "meta", country="US") is None


def test_postal_code_google_is_trimmed_only() -> None:
    assert normalize("postal_code", " SW1A 1AA ", "google", country="GB") == "SW1A 1AA"


# --- country ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("fr", "FR"),
        (" Gb ", "GB"),
        ("UK", "GB"),
        ("U.S.A.", "US"),
        ("the Netherlands", "NL"),
        ("Deutschland", "DE"),
        ("España", "ES"),
        ("ESPANA", "ES"),
        ("Côte d'Ivoire", "CI"),
        ("Ivory Coast", "CI"),
        ("England", "GB"),
        ("Türkiye", "TR"),
    ],
)
def test_country_names_and_aliases_map_to_codes(raw: str, code: str) -> None:
    assert normalize("country", raw, "meta") == code.lower()
    assert normalize("country", raw, "google") == code
    assert normalize("country", raw, "email") == code


@pytest.mark.parametrize("raw", ["Narnia", "XX", "EU", "Kor", "USA1"])
def test_unknown_country_is_dropped(raw: str) -> None:
    assert normalize("country", raw, "meta") is None


# --- date of birth, gender, ids --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1997-02-16", "19970216"),
        ("1997/2/6", "19970206"),
        ("1997.02.16", "19970216"),
        ("1997-02-16T00:00:00Z", "19970216"),
        ("1997-02-16 13:45:00", "19970216"),
        ("02/16/1997", "19970216"),
        ("16.02.1997", "19970216"),
        (dt.date(1997, 2, 16), "19970216"),
        (dt.datetime(1997, 2, 16, 5, 0, tzinfo=dt.UTC), "19970216"),
    ],
)
def test_date_of_birth_becomes_yyyymmdd(raw: str | dt.date, expected: str) -> None:
    assert normalize("date_of_birth", raw, "meta") == expected
    assert normalize("date_of_birth", raw, "email") == expected


@pytest.mark.parametrize(
    "raw", ["16/02/1997", "16-02-1997", "97-02-16", "1997-02-30", "1899-12-31", "3000-01-01",
            "Feb 16 1997", "1997-13-01", "0000-01-01"],
)  # fmt: skip
def test_ambiguous_or_impossible_dates_are_dropped(raw: str) -> None:
    assert normalize("date_of_birth", raw, "meta") is None


def test_meta_leaves_date_of_birth_in_clear_but_hash_identifier_hashes_it() -> None:
    assert get_profile("meta").hashed_fields["date_of_birth"] is Hashing.CLEAR
    assert hash_identifier("date_of_birth", "1997-02-16", "meta") == sha("19970216")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("M", "m"), (" Male ", "m"), ("female", "f"), ("F.", "f"), ("Frau", "f"), ("w", "f")],
)
def test_gender_maps_to_m_or_f(raw: str, expected: str) -> None:
    assert normalize("gender", raw, "meta") == expected


@pytest.mark.parametrize("raw", ["x", "non-binary", "unknown", "mf"])
def test_other_genders_are_dropped(raw: str) -> None:
    assert normalize("gender", raw, "meta") is None


def test_external_id_is_trimmed_only_and_never_hashed_by_policy() -> None:
    for profile in PROFILES:
        assert normalize("external_id", "  CRM-00042 ", profile) == "CRM-00042"
        assert get_profile(profile).hashed_fields["external_id"] is Hashing.CLEAR


def test_mobile_ad_id_is_a_lowercase_uuid_and_the_zero_id_is_dropped() -> None:
    assert normalize("mobile_ad_id", " 6D92078A-8246-4BA4-AE5B-76104861E7DC ", "google") == (
        "6d92078a-8246-4ba4-ae5b-76104861e7dc"
    )
    assert normalize("mobile_ad_id", "00000000-0000-0000-0000-000000000000", "meta") is None
    assert normalize("mobile_ad_id", "6d92078a82464ba4ae5b76104861e7dc", "meta") is None


# --- digests, policy, errors -----------------------------------------------------------------


def test_an_already_hashed_value_passes_through_in_hashed_fields() -> None:
    digest = sha("mary@example.com")
    assert normalize("email", f"  {digest.upper()} ", "meta") == digest
    assert hash_identifier("email", digest, "google") == digest
    assert hash_identifier("first_name", digest, "meta") == digest
    # A field sent in clear is not a digest: the value is checked like any other.
    assert normalize("country", digest, "google") is None
    assert normalize("email", digest, "email") is None
    # ...and hashing it agrees: a digest where the profile wants a clear value is unusable.
    assert hash_identifier("country", digest, "google") is None
    assert hash_identifier("email", digest, "email") is None
    assert hash_identifier("mobile_ad_id", "0" * 64, "email") is None


def test_fields_a_vendor_does_not_use_give_none() -> None:
    assert normalize("first_name", "Mary", "microsoft") is None
    assert hash_identifier("gender", "f", "google") is None
    assert normalize("email", None, "meta") is None


def test_unknown_profile_or_field_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown identity profile 'tiktok'"):
        normalize("email", "a@b.co", "tiktok")
    with pytest.raises(ConfigError, match="unknown identifier field 'ssn'"):
        hash_identifier("ssn", "x", "meta")


def test_profiles_list_their_policy_as_data() -> None:
    assert PROFILES == ("email", "google", "meta", "microsoft")
    meta = get_profile("meta")
    assert meta.fields == tuple(field.value for field in IdentityField)
    assert meta.hashed == {
        "email", "phone", "first_name", "last_name", "city", "region", "postal_code",
        "country", "gender",
    }  # fmt: skip
    assert meta.clear == {"date_of_birth", "external_id", "mobile_ad_id"}
    google = get_profile("google")
    assert google.hashed == {"email", "phone", "first_name", "last_name"}
    assert {"country", "postal_code"} <= google.clear
    assert get_profile("microsoft").fields == ("email", "phone", "external_id")
    assert get_profile("email").hashed == frozenset()
    with pytest.raises(TypeError):
        meta.hashed_fields["email"] = Hashing.CLEAR  # type: ignore[index]


def test_sha256_hex_and_mailchimp_member_hash() -> None:
    assert sha256_hex("mary@example.com") == sha("mary@example.com")
    assert (
        mailchimp_member_hash(" Mary@Example.COM ")
        == hashlib.md5(b"mary@example.com", usedforsecurity=False).hexdigest()
    )
    assert mailchimp_member_hash("\ud800@x.io") == mailchimp_member_hash("\ud800@X.IO ")


def test_external_id_keeps_its_exact_code_points() -> None:
    decomposed = "Ze\u0301lie-42"
    assert normalize("external_id", f" {decomposed} ", "meta") == decomposed
    assert normalize("first_name", decomposed, "email") == "Z\u00e9lie-42"
