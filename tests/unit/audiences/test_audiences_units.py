"""Pieces of the audience engine that need no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.exc import CompileError

from freehold.core import audiences
from freehold.core.audiences import (
    AudienceKind,
    Band,
    audience_kind,
    compile_filter,
    mask_email,
    mask_phone,
)
from freehold.core.audiences._file import read_file_rows
from freehold.core.config import AudienceConfig, AudienceFilter
from freehold.core.errors import InputError
from freehold.plugins.builtin.audiences import (
    _RFM_GRID,
    RfmSegment,
    _AmbassadorParams,
    _LtvParams,
    _quintile,
    _quintile_band,
    _RfmParams,
)


def _isort_style(name: str) -> tuple[int, str]:  # ruff RUF022: CONSTANTS, Classes, functions
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete() -> None:
    assert audiences.__all__ == sorted(audiences.__all__, key=_isort_style)
    public = {name for name in vars(audiences) if not name.startswith("_")} - {"annotations"}
    assert set(audiences.__all__) == public


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("john.doe@example.com", "j***@e***.com"),
        ("a@b.co.uk", "a***@b***.uk"),
        ("x@localhost", "x***@l***"),
        ("not-an-email", "***"),
        ("@example.com", "***"),
        ("user@", "***"),
    ],
)
def test_mask_email_keeps_first_letters_and_top_level_domain(value, masked) -> None:
    assert mask_email(value) == masked


def test_mask_email_hides_lengths() -> None:
    assert mask_email("a@example.com") == mask_email("abcdefgh@exxxxxxxxxxxxxx.com")


@pytest.mark.parametrize(
    ("value", "masked"),
    [("+33612345678", "***78"), ("+1 (415) 555-0123", "***23"), ("12345", "***"), ("", "***")],
)
def test_mask_phone_keeps_the_last_two_digits(value, masked) -> None:
    assert mask_phone(value) == masked


def test_band_admits_newcomers_inside_and_members_within_the_slack() -> None:
    band = Band(low=10, high=20)
    assert band.admits(10, member=False)
    assert not band.admits(9.9, member=False)
    assert not band.admits(20, member=False)
    assert band.admits(9, member=True, slack_low=1)
    assert not band.admits(8.9, member=True, slack_low=1)
    assert band.admits(20.5, member=True, slack_high=1)
    assert not band.admits(9.5, member=False, slack_low=1)  # slack is for members only
    assert Band().admits(-1e9, member=False)


@given(
    value=st.floats(min_value=-1e6, max_value=1e6),
    low=st.floats(min_value=-1e3, max_value=1e3),
    slack=st.floats(min_value=0, max_value=1e3),
)
def test_a_member_is_never_dropped_where_a_newcomer_would_enter(value, low, slack) -> None:
    band = Band(low=low, high=low + 100)
    if band.admits(value, member=False):
        assert band.admits(value, member=True, slack_low=slack, slack_high=slack)


@given(recency=st.floats(0, 1), value=st.floats(0, 1))
def test_the_rfm_grid_is_a_partition(recency, value) -> None:
    owners = [
        segment
        for segment, (r_range, v_range) in _RFM_GRID.items()
        if _quintile_band(*r_range).admits(recency, member=False)
        and _quintile_band(*v_range).admits(value, member=False)
    ]
    assert len(owners) == 1
    assert set(_RFM_GRID) == set(RfmSegment)


def test_quintiles() -> None:
    assert [_quintile(x / 10) for x in range(11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5]


@pytest.mark.parametrize(
    ("definition", "kind"),
    [
        ({"where": {}}, AudienceKind.WHERE),
        ({"sql": "SELECT 1"}, AudienceKind.SQL),
        ({"file": "a.csv"}, AudienceKind.FILE),
        ({"builder": "rfm"}, AudienceKind.BUILDER),
    ],
)
def test_audience_kind(definition, kind) -> None:
    assert audience_kind(AudienceConfig.model_validate(definition)) is kind


def test_filters_render_for_sqlite_and_postgresql_only() -> None:
    import datetime as dt

    where = AudienceFilter.model_validate({"attributes": {"n": {"gt": 1}, "s": "x", "b": True}})
    query = compile_filter(where, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert "json_extract" in str(query.compile(dialect=sqlite.dialect()))
    assert "jsonb_typeof" in str(query.compile(dialect=postgresql.dialect()))
    with pytest.raises(CompileError, match="SQLite and PostgreSQL, not mysql"):
        str(select(query.subquery()).compile(dialect=mysql.dialect()))


def test_file_rows_prefer_the_id_and_skip_blank_lines(tmp_path) -> None:
    path = tmp_path / "a.ndjson"
    path.write_text(
        '{"contact_id": 7, "email": "x@y.z"}\n\n{"email": " a@b.c "}\n{"email": true}\n'
    )
    assert list(read_file_rows(path)) == [("7", "x@y.z"), (None, "a@b.c"), (None, None)]
    csv_path = tmp_path / "a.CSV"
    csv_path.write_text("\ufeffemail\n a@b.c \n\n")
    assert list(read_file_rows(csv_path)) == [(None, "a@b.c")]


def test_file_row_errors_name_file_row_and_field_not_values(tmp_path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('["secret@example.com"]\n')
    with pytest.raises(InputError, match=r"a\.jsonl:1: each line must be a JSON object") as caught:
        list(read_file_rows(path))
    assert "secret" not in str(caught.value)
    path.write_text('{"name": "secret"}\n')
    with pytest.raises(InputError, match=r"a\.jsonl:1: .*\(field 'contact_id'\)"):
        list(read_file_rows(path))


EN_DASH = "\u2013"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "audiences.md"


def _scores(text: str) -> tuple[int, int]:
    low, _, high = text.strip().partition(EN_DASH)
    return int(low), int(high or low)


def test_the_documented_rfm_grid_is_the_one_in_the_code() -> None:
    rows = re.findall(
        rf"^\| `(\w+)` \| ([\d{EN_DASH}]+) \| ([\d{EN_DASH}]+) \|$", DOCS.read_text(), re.M
    )
    documented = {RfmSegment(name): (_scores(r), _scores(fm)) for name, r, fm in rows}
    assert documented == _RFM_GRID


@pytest.mark.parametrize("model", [_RfmParams, _LtvParams, _AmbassadorParams])
def test_every_builder_param_is_documented(model) -> None:
    text = DOCS.read_text()
    for name in model.model_fields:
        assert f"`{name}`" in text, name
