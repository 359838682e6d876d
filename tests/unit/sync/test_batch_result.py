"""`BatchResult.split`: taking retriable or pending rows out of an answered batch."""

from __future__ import annotations

from freehold.core.models import Outcome, Outcomes, OutcomeStatus
from freehold.core.sync._plan import PlanRow
from freehold.core.sync._record import BatchResult


def _rows(n: int) -> list[PlanRow]:
    return [("add", pk, f"k{pk}", {"email": f"h{pk}"}, {}, None, None, 1) for pk in range(1, n + 1)]


def test_split_takes_the_rows_answered_with_a_status_and_keeps_the_others() -> None:
    rows = _rows(4)
    outcomes = Outcomes(
        ["1", "2", "3", "4"],
        exceptions={
            1: Outcome.retriable("2", "timeout"),
            2: Outcome.rejected("3", "bad"),
        },
    )

    retry, rest = BatchResult(rows, "add", outcomes).split(OutcomeStatus.RETRIABLE)

    assert retry == [rows[1]]
    assert rest.rows == [rows[0], rows[2], rows[3]]
    assert [o.status for o in rest.outcomes] == ["accepted", "rejected", "accepted"]


def test_split_of_a_batch_answered_wholly_with_the_status_leaves_only_its_exceptions() -> None:
    rows = _rows(3)
    outcomes = Outcomes(
        ["1", "2", "3"],
        OutcomeStatus.RETRIABLE,
        reason="retries ran out",
        exceptions={0: Outcome.accepted("1")},
    )

    retry, rest = BatchResult(rows, "add", outcomes).split(OutcomeStatus.RETRIABLE)

    assert retry == rows[1:]
    assert rest.rows == [rows[0]]
    assert list(rest.outcomes) == [Outcome.accepted("1")]


def test_split_without_such_rows_returns_the_same_batch() -> None:
    batch = BatchResult(_rows(2), "add", Outcomes(["1", "2"]))

    retry, rest = batch.split(OutcomeStatus.PENDING)

    assert retry == []
    assert rest is batch


def test_the_ledger_json_of_sent_identifiers_reads_back_unchanged() -> None:
    import json

    from freehold.core.sync._record import _json_object

    sent = {"email": 'zoé."quoted"@example.com', "phone": "+33612345678", "tab": "a\tb"}

    assert json.loads(_json_object(sent)) == sent
    assert _json_object({}) == "{}"
