"""Plan rows, the row spool and member keys."""

from __future__ import annotations

from freehold.core.sync import RowSpool, member_key


def test_the_spool_gives_back_every_row_in_order_and_can_be_read_twice():
    spool = RowSpool()
    rows = [("add", pk, f"k{pk}", {"email": "e" * 64}, {}, None, None, 1) for pk in range(12_345)]
    for row in rows:
        spool.append(row)
    assert len(spool) == len(rows)
    for _ in range(2):
        got = [row for chunk in spool.chunks() for row in chunk]
        assert got == rows
    spool.close()


def test_an_empty_spool_yields_nothing():
    spool = RowSpool()
    assert list(spool.chunks()) == []
    assert len(spool) == 0


def test_the_member_key_changes_with_identifiers_status_and_fields():
    base = member_key({"email": "a" * 64})
    assert member_key({"email": "a" * 64}) == base
    assert member_key({"email": "b" * 64}) != base
    assert member_key({"email": "a" * 64, "phone": "c" * 64}) != base
    assert member_key({"email": "a" * 64}, None, "subscribed") != base
    assert member_key({"email": "a" * 64}, {"FNAME": "Ann"}) != base
    assert member_key({"email": "a" * 64}, {}) == base


def test_the_member_key_ignores_field_order_and_hides_values():
    first = member_key({"email": "x", "phone": "y"}, {"B": 1, "A": 2})
    second = member_key({"phone": "y", "email": "x"}, {"A": 2, "B": 1})
    assert first == second
    assert len(first) == 32
    assert set(first) <= set("0123456789abcdef")
