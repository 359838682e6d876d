"""The recorder's bulk writes: what a batch commits reads back exactly, on either database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from freehold.core.models import Outcome, Outcomes
from freehold.core.store.schema import ledger, rejections, run_batches, run_outcomes
from freehold.core.sync._reader import fetch_sent
from freehold.core.sync._record import BatchResult, Recorder, unpack_pks

NOW = dt.datetime(2026, 11, 23, 12, 30, tzinfo=dt.UTC)
AWKWARD = {
    "email": 'zoé."quoted"\\back@example.com',
    "phone": "+33612345678",
    "tab": "a\tb\nc",
    "astral": "😀 ünïcode",
}


def _row(pk: int, identifiers: dict[str, str], revision: int | None = 1):
    return ("add", pk, f"key-{pk}", identifiers, {}, None, None, revision)


def _commit(store) -> None:
    recorder = Recorder(store.engine, "vip", "social_ads", basis="b1")
    recorder.start({}, now=NOW)
    rows = [_row(1, AWKWARD), _row(2, {"email": "plain@example.com"}, None), _row(3, AWKWARD)]
    outcomes = Outcomes(
        ["1", "2", "3"],
        vendor_ref="job-7",
        exceptions={2: Outcome.rejected("3", 'bad "row" ü', code="invalid")},
    )
    recorder.commit(BatchResult(rows, "add", outcomes), session_state={}, counts={}, now=NOW)


def _check(store) -> None:
    with store.engine.connect() as conn:
        sent = {pk: (key, ids) for pk, key, ids in fetch_sent(conn, "vip", "social_ads", [1, 2])}
        held = conn.execute(
            select(
                ledger.c.contact_pk,
                ledger.c.vendor_ref,
                ledger.c.acknowledged_at,
                ledger.c.revision,
                ledger.c.basis,
            ).order_by(ledger.c.contact_pk)
        ).all()
        refused = conn.execute(select(rejections.c.contact_pk, rejections.c.reason)).all()
        answers = conn.execute(
            select(run_outcomes.c.contact_pk, run_outcomes.c.status, run_outcomes.c.reason)
        ).all()
        (packed,) = conn.execute(select(run_batches.c.contact_pks, run_batches.c.rows)).all()
    assert sent == {1: ("key-1", AWKWARD), 2: ("key-2", {"email": "plain@example.com"})}
    assert [tuple(row) for row in held] == [
        (1, "job-7", NOW, 1, "b1"),
        (2, "job-7", NOW, None, "b1"),
    ]
    assert [tuple(row) for row in refused] == [(3, 'bad "row" ü')]
    # The rows sharing the batch's acceptance are packed; the exception has its own row.
    assert [tuple(row) for row in answers] == [(3, "rejected", 'bad "row" ü')]
    assert (unpack_pks(packed.contact_pks), packed.rows) == ([1, 2], 2)


def test_a_committed_batch_reads_back_exactly_on_sqlite(store) -> None:
    _commit(store)
    _check(store)


@pytest.mark.postgres
def test_a_committed_batch_reads_back_exactly_on_postgresql(pg_store) -> None:
    _commit(pg_store)
    _check(pg_store)


def test_a_batch_larger_than_one_statement_reads_back_in_full(store) -> None:
    # 250 rows of ten ledger columns: two statements of 99 rows, then 52 one by one.
    recorder = Recorder(store.engine, "vip", "social_ads", basis="b1")
    recorder.start({}, now=NOW)
    ids = {pk: {**AWKWARD, "external_id": f"x{pk}"} for pk in range(1, 251)}
    rows = [_row(pk, ids[pk], pk) for pk in range(1, 251)]
    outcomes = Outcomes([str(pk) for pk in range(1, 251)], vendor_ref="job-8")
    recorder.commit(BatchResult(rows, "add", outcomes), session_state={}, counts={}, now=NOW)
    # The same rows again (an update): the upsert replaces every one of them.
    rows = [("update", pk, f"new-{pk}", ids[pk], {}, None, None, pk + 1) for pk in range(1, 251)]
    recorder.commit(BatchResult(rows, "add", outcomes), session_state={}, counts={}, now=NOW)
    with store.engine.connect() as conn:
        sent = list(fetch_sent(conn, "vip", "social_ads", list(range(1, 251))))
        revisions = dict(conn.execute(select(ledger.c.contact_pk, ledger.c.revision)).all())
    assert [(pk, key, found) for pk, key, found in sent] == [
        (pk, f"new-{pk}", ids[pk]) for pk in range(1, 251)
    ]
    assert revisions == {pk: pk + 1 for pk in range(1, 251)}
