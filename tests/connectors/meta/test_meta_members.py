"""Encoding members as Meta's multi-key rows."""

from __future__ import annotations

import json

from meta_support import sha

from freehold.connectors.meta._members import RowLayout, encode_members, full_layout
from freehold.core.models import Member


def member(key: str, **identifiers: str) -> Member:
    return Member(key=key, identifiers=identifiers)


def test_columns_follow_the_fields_present_in_a_fixed_order() -> None:
    batch = [
        member("a", phone=sha("15559876543"), email=sha("mary@example.com")),
        member("b", country=sha("us"), external_id="CRM-00042"),
    ]
    encoded = encode_members(batch, value_based=False, ldu=None)
    assert encoded.layout.schema == ["EMAIL", "PHONE", "COUNTRY", "EXTERN_ID"]
    assert encoded.rows == [
        [sha("mary@example.com"), sha("15559876543"), "", ""],
        ["", "", sha("us"), "CRM-00042"],
    ]
    assert encoded.positions == [0, 1]


def test_date_of_birth_is_split_into_hashed_year_month_and_day() -> None:
    encoded = encode_members(
        [member("a", email=sha("x"), date_of_birth="19970205")], value_based=False, ldu=None
    )
    assert encoded.layout.schema == ["EMAIL", "DOBY", "DOBM", "DOBD"]
    assert encoded.rows[0][1:] == [
        "0985b889a1fe4f4e1fb925061ac6fb2247f10875f5fcbe63eec2ab55ed68970e",  # 1997 (ads.md §5.1)
        "a953f09a1b6b6725b81956e9ad0b1eb49e3ad40004c04307ef8af6246a054116",  # 02
        "c97550ce8213ef5cf6ed4ba48790c137df3ef6a5da20b48961001a634b6cead2",  # 05
    ]


def test_a_date_of_birth_that_is_not_yyyymmdd_leaves_the_columns_empty() -> None:
    encoded = encode_members(
        [member("a", email=sha("x"), date_of_birth=sha("19970205"))], value_based=False, ldu=None
    )
    assert encoded.rows[0][1:] == ["", "", ""]


def test_mobile_ad_id_and_external_id_go_as_given() -> None:
    madid = "aece52e7-03ee-455a-b3c4-e57283966239"
    encoded = encode_members(
        [member("a", mobile_ad_id=madid, external_id="CRM-00042")], value_based=False, ldu=None
    )
    assert encoded.layout.schema == ["EXTERN_ID", "MADID"]
    assert encoded.rows == [["CRM-00042", madid]]


def test_members_without_a_strong_identifier_are_not_sent() -> None:
    batch = [
        member("only-country", country=sha("us"), gender=sha("f")),
        member("nothing"),
        member("ok", email=sha("x")),
    ]
    encoded = encode_members(batch, value_based=False, ldu=None)
    assert encoded.positions == [2]
    assert set(encoded.skipped) == {0, 1}
    assert "no identifier" in encoded.skipped[0]


def test_value_based_audiences_carry_lookalike_value_and_need_it() -> None:
    batch = [
        Member(key="a", identifiers={"email": sha("a")}, value=44.5),
        Member(key="b", identifiers={"email": sha("b")}),
        Member(key="c", identifiers={"email": sha("c")}, value=-1.0),
    ]
    encoded = encode_members(batch, value_based=True, ldu=None)
    assert encoded.layout.schema == ["EMAIL", "LOOKALIKE_VALUE"]
    assert encoded.rows == [[sha("a"), 44.5]]
    assert set(encoded.skipped) == {1, 2}


def test_limited_data_use_adds_the_processing_option_columns() -> None:
    encoded = encode_members([member("a", email=sha("a"))], value_based=False, ldu=(1, 1000))
    assert encoded.layout.schema == [
        "EMAIL",
        "DATA_PROCESSING_OPTIONS",
        "DATA_PROCESSING_OPTIONS_COUNTRY",
        "DATA_PROCESSING_OPTIONS_STATE",
    ]
    assert encoded.rows == [[sha("a"), ["LDU"], 1, 1000]]


def test_the_full_layout_has_every_column_and_round_trips_as_json() -> None:
    layout = full_layout(value=True, ldu=(0, 0))
    assert layout.schema[:11] == [
        "EMAIL",
        "PHONE",
        "FN",
        "LN",
        "CT",
        "ST",
        "ZIP",
        "COUNTRY",
        "GEN",
        "EXTERN_ID",
        "MADID",
    ]
    assert layout.schema[11:15] == ["DOBY", "DOBM", "DOBD", "LOOKALIKE_VALUE"]
    assert RowLayout.from_json(json.loads(json.dumps(layout.to_json()))) == layout
    encoded = encode_members(
        [Member(key="a", identifiers={"email": sha("a")}, value=1.0)],
        value_based=True,
        ldu=(0, 0),
        layout=layout,
    )
    assert len(encoded.rows[0]) == len(layout.schema)
