"""`Outcomes`: a batch's answers as a common answer plus exceptions, read as one per row."""

from __future__ import annotations

import pytest

from freehold.core.models import Outcome, Outcomes, OutcomeStatus


def test_rows_without_an_exception_read_as_the_common_answer() -> None:
    outcomes = Outcomes(
        ["a", "b", "c"], vendor_ref="s1", exceptions={1: Outcome.rejected("b", "bad email")}
    )

    assert list(outcomes) == [
        Outcome.accepted("a", vendor_ref="s1"),
        Outcome.rejected("b", "bad email"),
        Outcome.accepted("c", vendor_ref="s1"),
    ]
    assert outcomes[-1].key == "c"
    assert outcomes.counts() == {OutcomeStatus.ACCEPTED: 2, OutcomeStatus.REJECTED: 1}


def test_an_exception_must_carry_the_key_of_its_row() -> None:
    with pytest.raises(ValueError, match="row 0"):
        Outcomes(["a", "b"], exceptions={0: Outcome.rejected("b", "bad")})
    with pytest.raises(ValueError, match="row 5"):
        Outcomes(["a"], exceptions={5: Outcome.rejected("a", "bad")})


def test_a_plain_list_keeps_only_what_differs_from_plain_acceptance() -> None:
    listed = [
        Outcome.accepted("a"),
        Outcome.pending("b", vendor_ref="job"),
        Outcome.accepted("c"),
    ]

    outcomes = Outcomes.of(listed)

    assert dict(outcomes.exceptions) == {1: listed[1]}
    assert outcomes == listed
    assert Outcomes.of(outcomes) is outcomes


def test_concat_keeps_each_part_row_answers_in_order() -> None:
    first = Outcomes(["a", "b", "c"], vendor_ref="s1")
    second = Outcomes(["d"], OutcomeStatus.RETRIABLE, reason="timed out")

    joined = Outcomes.concat([first, second])

    assert joined.keys == ["a", "b", "c", "d"]
    assert joined.status is OutcomeStatus.ACCEPTED
    assert joined[3] == Outcome.retriable("d", "timed out")
    assert list(first + second) == list(joined)


def test_slices_and_take_remap_exceptions() -> None:
    outcomes = Outcomes(
        ["a", "b", "c", "d"],
        exceptions={2: Outcome.rejected("c", "bad"), 3: Outcome.rejected("d", "bad")},
    )

    assert list(outcomes[1:3]) == [Outcome.accepted("b"), Outcome.rejected("c", "bad")]
    taken = outcomes.take([3, 0])
    assert list(taken) == [Outcome.rejected("d", "bad"), Outcome.accepted("a")]


def test_repr_counts_rows_and_never_shows_keys() -> None:
    outcomes = Outcomes(["person@example.com"], exceptions={})

    assert repr(outcomes) == "<Outcomes rows=1 accepted=1>"
