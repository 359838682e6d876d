"""`normalize_contacts`: inputs, per-row countries, drop reasons, digests, rows, privacy."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from freehold.core import identity
from freehold.core.errors import ConfigError
from freehold.core.identity import (
    DropReason,
    FieldResult,
    hash_identifier,
    normalize,
    normalize_contacts,
)
from freehold.core.identity._batch import _repeats, digest_profiles
from freehold.core.models import Identifiers


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


ROWS: list[dict[str, object]] = [
    {"email": " Mary@Example.com ", "phone": "(650) 555-1212", "country": "US",
     "first_name": "Mary", "region": "California", "postal_code": "94035-1234"},
    {"email": "not an email", "phone": "07700 900123", "country": "United Kingdom",
     "first_name": "  ", "postal_code": "M1 1AE"},
    {"phone": "123", "country": "Narnia", "gender": "x"},
    {"email": sha("pre@hashed.io"), "date_of_birth": dt.date(1990, 1, 31)},
]  # fmt: skip


def test_each_row_uses_its_own_country_for_phones_regions_and_zips() -> None:
    batch = normalize_contacts(ROWS, "meta")
    assert batch.values["phone"] == ["16505551212", "447700900123", None, None]
    assert batch.values["region"][0] == "ca"
    assert batch.values["postal_code"][:2] == ["94035", "m11ae"]
    assert batch.values["country"] == ["us", "gb", None, None]


def test_drop_reasons_count_every_row_and_name_refused_ones() -> None:
    batch = normalize_contacts(ROWS, "meta")
    assert batch.rows == 4
    assert batch.dropped["email"] == {DropReason.INVALID_EMAIL: 1, DropReason.EMPTY: 1}
    assert batch.rejected["email"] == {1: DropReason.INVALID_EMAIL}
    assert batch.dropped["first_name"] == {DropReason.EMPTY: 3}
    assert batch.rejected["first_name"] == {1: DropReason.EMPTY}
    assert batch.rejected["phone"] == {2: DropReason.INVALID_PHONE}
    assert batch.rejected["country"] == {2: DropReason.UNKNOWN_COUNTRY}
    assert batch.rejected["gender"] == {2: DropReason.INVALID_GENDER}
    assert batch.dropped["mobile_ad_id"] == {DropReason.EMPTY: 4}
    for field in batch.profile.fields:
        assert batch.usable(field) + sum(batch.dropped[field].values()) == batch.rows


def test_digests_match_hash_identifier_and_pass_pre_hashed_values() -> None:
    batch = normalize_contacts(ROWS, "meta")
    assert batch.digests("email") == [sha("mary@example.com"), None, None, sha("pre@hashed.io")]
    for index, row in enumerate(ROWS):
        country = row.get("country")
        for field in ("phone", "first_name", "region", "postal_code", "country"):
            expected = hash_identifier(field, row.get(field), "meta", country=country)  # type: ignore[arg-type]
            assert batch.digests(field)[index] == expected
    assert batch.digests("email") is batch.digests("email")


def test_digest_profiles_shares_work_and_gives_each_profiles_own_digests() -> None:
    # Meta's phone digits and Google's gmail addresses are derived from the e164 and plain
    # rules' values: pre-hashed values (no "+", no "@"), refused ones and repeating columns
    # (memoized: 3,000 rows with few distinct emails and phones) must come out as each
    # profile's own normalize_contacts says.
    emails = [
        "A.b+x@GMail.com ",
        "+@gmail.com",
        ".@googlemail.com",
        "x@example.com",
        "bad",
        sha("pre@hashed.io").upper(),
        " ",
        "c.d@googlemail.com",
    ]
    phones = [
        "(650) 555-1212",
        "+33 6 12 34 56 78",
        "0612345678",
        sha("+16505551212"),
        "123",
        "",
        "+44 7700 900123",
    ]
    rows: list[dict[str, object]] = [
        {"email": emails[i % len(emails)], "phone": phones[i % len(phones)],
         "first_name": ("Zoë", "!!", " mary ")[i % 3], "country": ("US", "FR", None, "GB")[i % 4]}
        for i in range(3000)
    ]  # fmt: skip
    for sample in (rows, rows[:5], ROWS):
        shared = digest_profiles(sample, ["meta", "google", "microsoft", "email"])
        for profile in ("meta", "google", "microsoft", "email"):
            alone = normalize_contacts(sample, profile)
            assert set(shared[profile]) == alone.profile.hashed
            for field, digests in shared[profile].items():
                assert digests == alone.digests(field), (profile, field)
    assert shared["meta"]["email"] is shared["microsoft"]["email"]


def test_clear_and_unused_fields_have_no_digests() -> None:
    meta = normalize_contacts(ROWS, "meta")
    assert meta.digests("date_of_birth") == [None] * 4
    assert meta.values["date_of_birth"][3] == "19900131"
    google = normalize_contacts(ROWS, "google")
    assert google.digests("country") == [None] * 4
    assert "gender" not in google.values
    assert google.digests("gender") == [None] * 4
    with pytest.raises(ConfigError):
        google.digests("ssn")


def test_row_gives_what_the_connector_sends() -> None:
    batch = normalize_contacts(ROWS, "meta")
    assert batch.row(0) == {
        "email": sha("mary@example.com"),
        "phone": sha("16505551212"),
        "first_name": sha("mary"),
        "region": sha("ca"),
        "postal_code": sha("94035"),
        "country": sha("us"),
    }
    assert batch.row(3) == {"email": sha("pre@hashed.io"), "date_of_birth": "19900131"}
    google = normalize_contacts(ROWS, "google")
    google.digests("email")
    assert google.row(1) == {"phone": sha("+447700900123"), "postal_code": "M1 1AE",
                             "country": "GB"}  # fmt: skip


def test_results_list_given_fields_with_value_or_reason() -> None:
    batch = normalize_contacts(ROWS, "email")
    results = batch.results()
    assert results[0]["email"] == FieldResult("mary@example.com", None)
    assert results[1]["email"] == FieldResult(None, DropReason.INVALID_EMAIL)
    assert results[1]["first_name"] == FieldResult(None, DropReason.EMPTY)
    assert "email" not in results[2]
    assert results[3]["date_of_birth"] == FieldResult("19900131", None)


def test_identifiers_models_and_mixed_inputs_give_the_same_batch() -> None:
    models = [
        Identifiers(email="Mary@Example.com", phone="650 555 1212", country="US",
                    date_of_birth=dt.date(1990, 1, 31), first_name="Zoë"),
        Identifiers(),
    ]  # fmt: skip
    plain = [
        {"email": "Mary@Example.com", "phone": "650 555 1212", "country": "US",
         "date_of_birth": "1990-01-31", "first_name": "Zoë"},
        {},
    ]  # fmt: skip
    from_models = normalize_contacts(iter(models), "meta")
    from_dicts = normalize_contacts(plain, "meta")
    mixed = normalize_contacts([models[0], plain[1]], "meta")
    assert from_models.values == from_dicts.values == mixed.values
    assert from_models.values["phone"] == ["16505551212", None]


def test_repeating_and_unique_columns_give_identical_results() -> None:
    # 3,000 rows: the first_name column repeats (memoized path), email does not (direct path);
    # both must agree with normalize() row by row, refused rows included.
    names = ["Mary", " mary ", "Zoë", "!!", "", "O'Brien"]
    rows = [
        {"first_name": names[i % len(names)], "email": f"User{i}@Example.com" if i % 7 else "x",
         "postal_code": f"{i % 50:05d}", "country": ("US", "FR", None)[i % 3]}
        for i in range(3000)
    ]  # fmt: skip
    batch = normalize_contacts(rows, "meta")
    for field in ("first_name", "email", "postal_code"):
        for index, row in enumerate(rows):
            assert batch.values[field][index] == normalize(
                field, row[field], "meta", country=row["country"]
            )
    assert batch.dropped["first_name"] == {DropReason.INVALID_NAME: 500, DropReason.EMPTY: 500}
    assert len(batch.rejected["email"]) == 429
    assert batch.digests("first_name")[0] == sha("mary")


def test_odd_raw_values_are_read_as_text_never_raise() -> None:
    rows = [
        {"phone": 16505551212, "country": 42, "first_name": ("Mary",), "email": b"x@y.z"},
        {"phone": 6505551212.0, "gender": 1, "email": None},
    ]
    batch = normalize_contacts(rows, "meta")
    assert batch.values["phone"] == ["16505551212", None]
    assert batch.dropped["country"] == {DropReason.UNKNOWN_COUNTRY: 1, DropReason.EMPTY: 1}


def test_empty_input() -> None:
    batch = normalize_contacts([], "google")
    assert batch.rows == 0
    assert batch.values["email"] == []
    assert batch.digests("email") == []


def test_repr_shows_counts_never_values() -> None:
    batch = normalize_contacts(ROWS, "meta")
    text = repr(batch)
    assert "IdentityBatch(profile='meta', rows=4" in text
    assert "mary" not in text.lower()
    assert "5551212" not in text
    assert str(batch) == text


def test_facade_exports_a_sorted_public_api() -> None:
    # Sorted the way ruff's RUF022 wants it: constants, then classes, then functions.
    def rank(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert identity.__all__ == sorted(identity.__all__, key=rank)
    assert {
        "normalize", "hash_identifier", "normalize_contacts", "mailchimp_member_hash",
        "sha256_hex", "get_profile", "PROFILES", "Profile", "Hashing", "DropReason",
        "IdentityBatch", "IdentityField", "FieldResult",
    } == set(identity.__all__)  # fmt: skip


def test_memoizing_is_chosen_for_columns_with_few_distinct_values() -> None:
    # The first chunk of 8,192 values stands for 1,000,000: 5,000 distinct ZIP codes look
    # mostly new in it, Chao1 sees that they repeat.
    zips = [f"{(i * 7919) % 5000:05d}" for i in range(8192)]
    assert _repeats(zips, total=1_000_000)
    assert not _repeats(zips, total=8192)
    emails = [f"user{i}@example.com" if i % 30 else "-" for i in range(8192)]
    assert not _repeats(emails, total=1_000_000)
    assert _repeats(["Mary", "John", None] * 10, total=30)
    assert not _repeats([None, None], total=2)
    assert not _repeats([["unhashable"]], total=1)


def test_chunks_share_memo_tables_and_offsets() -> None:
    rows = [
        {"first_name": ("Ann", "!!")[i % 2], "email": "x" if i == 20_000 else f"u{i}@e.io"}
        for i in range(20_001)
    ]
    batch = normalize_contacts(rows, "meta")
    assert batch.values["first_name"][:2] == ["ann", None]
    assert batch.dropped["first_name"] == {DropReason.INVALID_NAME: 10_000}
    assert batch.rejected["email"] == {20_000: DropReason.INVALID_EMAIL}
    assert batch.rejected["first_name"][19_999] == DropReason.INVALID_NAME
    assert batch.digests("first_name")[18_000] == sha("ann")
    assert len(batch.values["email"]) == 20_001
