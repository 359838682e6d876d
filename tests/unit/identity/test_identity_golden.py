"""Golden vectors: the rows of ads.md section 5 that follow the vendors' documented rules.

Only rows marked "matches Meta doc" (5.1), the "doc-correct value" column of 5.2 and Google's
`Formatter` rows of 5.3 are used; the SDK rows that ads.md flags as wrong are not. Our own
vectors for every rule are in test_identity_rules.py.
"""

from __future__ import annotations

import pytest

from freehold.core.identity import get_profile, hash_identifier, normalize, sha256_hex

# (field, raw input, normalized, sha256 hex) — ads.md 5.1 rows marked "matches Meta doc".
META_DOC = [
    ("email", "mary@example.com", "mary@example.com",
     "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"),
    ("email", "John_Smith@gmail.com", "john_smith@gmail.com",
     "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"),
    ("phone", "+1 (650) 555-1212", "16505551212",
     "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"),
    ("phone", "15559876543", "15559876543",
     "1ef970831d7963307784fa8688e8fce101a15685d62aa765fed23f3a2c576a4e"),
    ("first_name", "Mary", "mary",
     "6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec"),
    ("first_name", "Valéry", "valéry",
     "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"),
    ("country", "US", "us",
     "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"),
    ("date_of_birth", "2/16/1997", "19970216",
     "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c"),
    ("date_of_birth", "19970216", "19970216",
     "01acdbf6ec7b4f478a225f1a246e5d6767eeab1a7ffa17f025265b5b94f40f0c"),
]  # fmt: skip

# ads.md 5.2, the "doc-correct value" column (SDK inputs, documented outputs).
META_DOC_CORRECT = [
    ("email", "  John.Doe+Promo@Gmail.COM ", "john.doe+promo@gmail.com",
     "80f9126efd0446cb338c54ea6fe3d4af8fa3fe93db0024b14150441550e632a2"),
    ("phone", "0044 20 7946 0958", "442079460958",
     "35e206e5dec4c89b9e8b71b8c32724a5bb518483ac5a20c6617d738375b3b823"),
    ("first_name", "Valéry", "valéry",
     "08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c"),
    ("last_name", "O'Brien", "obrien",
     "b4cb6cb33fe4b865868de825023a1e2790dc12ac01ecc8d7c5afe8254071c8ba"),
    ("city", "St. Louis", "stlouis",
     "8ba24bdf99947996f3000259be455de791b06fcc0e802ce05031030df1ee8ea3"),
    ("region", "CA", "ca",
     "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126"),
    ("postal_code", "94035-1234", "94035",
     "1794327a4d443904421f5ca1f3d72d0a62ba2f0770d80755ec2220fc0efb052e"),
    ("postal_code", "M1 1AE", "m11ae",
     "1dc694c2070e697769fb959b50671d76cafd430d8ca191fbdd0affcaea344ac5"),
    ("country", "United States", "us",
     "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621"),
    ("gender", "Female", "f",
     "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111"),
    ("gender", "male", "m",
     "62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a"),
]  # fmt: skip

# ads.md 5.3, rows of google-ads-datamanager-util's Formatter (hashed fields).
GOOGLE_FORMATTER = [
    ("email", "Alex.2+Promo@Gmail.com", "alex2@gmail.com",
     "3663dbed96fe29729d2e1ba646b09559bb3dec9c73124bb70a3bea135ee5546b"),
    ("email", " Dana@Example.com ", "dana@example.com",
     "07e2f1394b0ea80e2adca010ea8318df697001a005ba7452720edda4b0ce57b3"),
    ("email", "John.Doe@GoogleMail.com", "johndoe@googlemail.com",
     "f07280f43150f779598094600662ad3c94d7c0a78c78b15c4056e4a38df260b9"),
    ("email", "John.Doe+x@example.com", "john.doe+x@example.com",
     "6ab603634e9a555ccac02181e3b9cfcef890f9339973c6a5fe3c4d66e08b6804"),
    ("phone", "+1 (800) 555-0102", "+18005550102",
     "c5383c2eeada28210d27f011bc127d4f9562cf38ff0c9bba33dd45ae79b9fe7c"),
    ("phone", "1 800 555 0102", "+18005550102",
     "c5383c2eeada28210d27f011bc127d4f9562cf38ff0c9bba33dd45ae79b9fe7c"),
    ("phone", "(650)555-1212", "+6505551212",
     "9b6683468f1d3525748fa12dd1a8483f37cb6a22fbbfc4bcafa2a17e70f3c2e0"),
    ("first_name", " Alex ", "alex",
     "4135aa9dc1b842a653dea846903ddb95bfb8c5a10c504a7fa16e10bc31d1fdf0"),
    ("last_name", "Quinn", "quinn",
     "c512ca0c5c1e71be19f3356821e56732b5fb3ac894b0dbc5846d0b6920106fb3"),
]  # fmt: skip

# ads.md 5.3, Formatter rows of fields Google takes in clear.
GOOGLE_FORMATTER_CLEAR = [
    ("country", " us ", "US"),
    ("postal_code", " 94045 ", "94045"),
    ("city", "St. Louis", "st louis"),
]


@pytest.mark.parametrize(("field", "raw", "normalized", "digest"), META_DOC + META_DOC_CORRECT)
def test_meta_documented_vectors(field: str, raw: str, normalized: str, digest: str) -> None:
    assert normalize(field, raw, "meta") == normalized
    assert hash_identifier(field, raw, "meta") == digest
    assert sha256_hex(normalized) == digest


@pytest.mark.parametrize(("field", "raw", "normalized", "digest"), GOOGLE_FORMATTER)
def test_google_formatter_vectors(field: str, raw: str, normalized: str, digest: str) -> None:
    assert normalize(field, raw, "google") == normalized
    assert hash_identifier(field, raw, "google") == digest


@pytest.mark.parametrize(("field", "raw", "normalized"), GOOGLE_FORMATTER_CLEAR)
def test_google_formatter_clear_vectors(field: str, raw: str, normalized: str) -> None:
    assert normalize(field, raw, "google") == normalized


def test_meta_clear_keys_follow_the_doc_not_the_sdk() -> None:
    # 5.2: EXTERN_ID is sent as-is (the SDK lowercases it); MADID unhashed lowercase (the SDK
    # hashes it).
    assert normalize("external_id", "CRM-00042", "meta") == "CRM-00042"
    assert normalize("mobile_ad_id", "AECE52E7-03EE-455A-B3C4-E57283966239", "meta") == (
        "aece52e7-03ee-455a-b3c4-e57283966239"
    )
    assert get_profile("meta").hashed_fields["external_id"] == "clear"
    assert get_profile("meta").hashed_fields["mobile_ad_id"] == "clear"


def test_meta_birth_date_keys_derive_from_the_kit_date() -> None:
    # ads.md 5.1/5.2 DOBY/DOBM/DOBD digests, from the kit's YYYYMMDD as the connector splits it.
    date = normalize("date_of_birth", "1997-02-05", "meta")
    assert date == "19970205"
    assert (
        sha256_hex(date[:4]) == "0985b889a1fe4f4e1fb925061ac6fb2247f10875f5fcbe63eec2ab55ed68970e"
    )
    assert sha256_hex(date[4:6]) == (
        "a953f09a1b6b6725b81956e9ad0b1eb49e3ad40004c04307ef8af6246a054116"
    )
    assert sha256_hex(date[6:]) == (
        "c97550ce8213ef5cf6ed4ba48790c137df3ef6a5da20b48961001a634b6cead2"
    )


def test_meta_first_initial_derives_from_the_kit_first_name() -> None:
    # ads.md 5.2 FI doc-correct value: the first letter of the normalized first name.
    first = normalize("first_name", "John", "meta")
    assert first is not None
    assert sha256_hex(first[0]) == (
        "189f40034be7a199f1fa9891668ee3ab6049f82d38c68be70f596eab2e1857b7"
    )


def test_same_phone_differs_per_platform_as_documented() -> None:
    # ads.md 5.4 and section 4 item 1.
    assert normalize("phone", "+1 (800) 555-0102", "meta") == "18005550102"
    assert normalize("phone", "+1 (800) 555-0102", "google") == "+18005550102"


def test_microsoft_email_vector_of_section_5_4() -> None:
    assert hash_identifier("email", " Test@Contoso.com", "microsoft") == (
        "f25ad364d33972379a7a4f4df33db142205f5c40eb19cfdb2fc5aaf117e10101"
    )
