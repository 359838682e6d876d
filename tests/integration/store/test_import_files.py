"""Imports end to end: files and queries into the store, rejects, re-imports, resume."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from freehold.core.sources import ColumnMapping, ImportKind, import_source, open_source
from freehold.core.store import Store
from freehold.core.store.schema import (
    audit_log,
    consent_history,
    contacts,
    events,
    import_checkpoints,
    outbox,
    runs,
)

HEADER = (
    "contact_id,E-mail,phone,country,lifecycle,consent.email_marketing,consent_at,attributes.ltv\n"
)


def _count(store: Store, table: sa.Table) -> int:
    with store.begin() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)


def _import(
    store: Store,
    path: Path,
    kind: ImportKind = ImportKind.CONTACTS,
    columns: dict[str, str] | None = None,
    **options,
):
    return import_source(store, open_source(path), ColumnMapping(kind, columns), **options)


def _rejects(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_good_rows_are_kept_and_bad_rows_reported_precisely(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        HEADER
        + "c1,ada@example.com,+33 6 12 34 56 78,FR,customer,yes,2024-01-02,120.5\n"
        + "c2,bob-secret@example.com,,US,vip-secret,yes,,\n"  # bad lifecycle
        + "c3,carol@example.com,,GB,prospect,maybe-secret,not-a-date,\n"  # two bad cells
        + ",not-an-email-secret,call-me-secret,FR,,,,\n"  # no usable key
        + "c5,dan@example.com,,DE\n"  # short row
        + "c6,eve@example.com,,ES,fan,no,2024-03-04T05:06:07+02:00,7\n",
        encoding="utf-8",
    )
    summary = _import(store, path, columns={"E-mail": "email"})
    assert (summary.rows_read, summary.new, summary.rejected) == (6, 2, 4)
    assert summary.rejects_path == str(tmp_path / "people.rejects.csv")
    report = _rejects(Path(summary.rejects_path))
    assert [(r["file"], r["row"], r["field"], r["reason"]) for r in report] == [
        (
            str(path),
            "2",
            "lifecycle",
            "not a lifecycle stage (suspect, prospect, customer, fan, ambassador)",
        ),
        (
            str(path),
            "3",
            "consent.email_marketing",
            "not a consent state (granted, denied, unknown, yes, no, true, false, 1, 0)",
        ),
        (str(path), "3", "consent_at", "not an ISO 8601 timestamp"),
        (str(path), "4", "email", "unusable email: invalid_email"),
        (str(path), "5", "", "4 cells where the header has 8"),
    ]
    text = Path(summary.rejects_path).read_text(encoding="utf-8")
    assert "secret" not in text
    assert "@" not in text
    [ada] = store.load_contacts(list(store.contact_pks(["c1"]).values()))
    assert ada.attributes == {"ltv": 120.5}
    assert _count(store, contacts) == 2


def test_the_same_people_twice_in_other_spellings_and_formats_add_nobody(
    store: Store, tmp_path: Path
) -> None:
    first = tmp_path / "crm.csv"
    first.write_text(
        "email,phone,country\n"
        "Ada@Example.com,06 12 34 56 78,FR\n"
        " bob@example.org ,(201) 555-0123,US\n",
        encoding="utf-8",
    )
    second = tmp_path / "shop.jsonl"
    second.write_text(
        json.dumps({"email": "ADA@EXAMPLE.COM  "})
        + "\n"
        + json.dumps({"phone": "+1 201 555 0123", "first_name": "Bob"})
        + "\n"
        + json.dumps({"phone": "0033612345678", "country": "fr"})
        + "\n",
        encoding="utf-8",
    )
    assert _import(store, first).new == 2
    again = _import(store, second)
    assert (again.new, again.merged, again.unchanged) == (0, 1, 2)  # Bob gains a first name
    assert _count(store, contacts) == 2


def test_reimporting_the_same_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        HEADER + "".join(f"c{i},p{i}@example.com,,FR,fan,yes,2024-01-01,{i}\n" for i in range(25)),
        encoding="utf-8",
    )
    first = _import(store, path, columns={"E-mail": "email"}, chunk_size=10)
    history = _count(store, consent_history)
    second = _import(store, path, columns={"E-mail": "email"}, chunk_size=10)
    assert first.new == 25
    assert (second.new, second.merged, second.unchanged) == (0, 0, 25)
    assert _count(store, consent_history) == history == 25
    assert _count(store, import_checkpoints) == 0
    with store.begin() as connection:
        statuses = connection.scalars(sa.select(runs.c.status).where(runs.c.kind == "import")).all()
        assert connection.scalar(sa.select(sa.func.count()).select_from(audit_log)) == 2
    assert statuses == ["succeeded", "succeeded"]


def test_an_interrupted_import_resumes_after_its_last_committed_chunk(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "email,lifecycle\n"
        + "".join(f"p{i}@example.com,{'bad' if i == 5 else 'fan'}\n" for i in range(10)),
        encoding="utf-8",
    )
    mapping = ColumnMapping(ImportKind.CONTACTS)

    def stop(rows: int) -> None:
        if rows >= 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_source(store, open_source(path), mapping, chunk_size=3, progress=stop)
    assert _count(store, contacts) == 5  # rows 1-6 committed; row 6 was rejected
    resumed = import_source(
        store, open_source(path), ColumnMapping(ImportKind.CONTACTS), chunk_size=3
    )
    assert resumed.resumed_from == 6
    assert (resumed.rows_read, resumed.new) == (4, 4)
    assert _count(store, contacts) == 9
    assert [r["row"] for r in _rejects(tmp_path / "people.rejects.csv")] == ["6"]
    with store.begin() as connection:
        statuses = connection.scalars(sa.select(runs.c.status).order_by(runs.c.pk)).all()
    assert statuses == ["interrupted", "succeeded"]


def test_parquet_and_sql_sources_import_like_csv(store: Store, tmp_path: Path) -> None:
    table = pa.table({"email": ["a@example.com", "b@example.com"], "phone": [33612345678, None]})
    pq.write_table(table, tmp_path / "people.parquet")
    assert _import(store, tmp_path / "people.parquet").new == 2
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE people (mail TEXT, tier TEXT)")
        connection.exec_driver_sql(
            "INSERT INTO people VALUES ('A@example.com', 'gold'), ('c@example.com', NULL)"
        )
    engine.dispose()
    source = open_source(url, query="SELECT mail, tier FROM people ORDER BY mail")
    mapping = ColumnMapping(ImportKind.CONTACTS, {"mail": "email", "tier": "attributes.tier"})
    summary = import_source(store, source, mapping, rejects_path=tmp_path / "r.csv")
    assert (summary.new, summary.merged) == (1, 1)
    assert _count(store, contacts) == 3


def test_an_erased_person_is_skipped_and_counted(store: Store, tmp_path: Path) -> None:
    with store.begin() as connection:
        store.add_tombstones(connection, [("email", "gone@example.com")])
    path = tmp_path / "people.csv"
    path.write_text("email\nGONE@example.com\nkept@example.com\n", encoding="utf-8")
    summary = _import(store, path)
    assert (summary.skipped_erased, summary.new, summary.rejected) == (1, 1, 0)


def test_events_import_dedups_resolves_people_and_can_queue_routes(
    store: Store, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("contact_id,email\nc1,ada@example.com\n", encoding="utf-8")
    _import(store, people)
    path = tmp_path / "events.jsonl"
    rows = [
        {
            "event_id": "e1",
            "name": "purchase",
            "occurred_at": "2024-05-01T10:00:00Z",
            "email": " ADA@example.com",
            "value": "19.90",
            "currency": "EUR",
            "items": [{"item_id": "sku"}],
        },
        {
            "event_id": "e2",
            "name": "lead",
            "occurred_at": "2024-05-02T10:00:00Z",
            "contact_id": "new-1",
        },
        {"event_id": "e3", "name": "page_view", "occurred_at": "2024-05-02T11:00:00Z"},
        {"event_id": "e1", "name": "purchase", "occurred_at": "2024-05-01T10:00:00Z"},
        {"event_id": "e4", "name": "purchase", "occurred_at": "2024-05-03T10:00:00Z", "value": "5"},
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    routes = {"purchase": ["social_ads"], "*": ["analytics"]}
    summary = _import(store, path, ImportKind.EVENTS, destinations=routes)
    assert summary.counts() == {
        "rows_read": 5,
        "inserted": 3,
        "duplicates": 1,
        "contacts_created": 1,
        "rejected": 1,
        "skipped_erased": 0,
    }
    again = _import(store, path, ImportKind.EVENTS)
    assert (again.inserted, again.duplicates) == (0, 4)
    pks = store.contact_pks(["c1", "new-1"])
    with store.begin() as connection:
        owners = dict(connection.execute(sa.select(events.c.event_id, events.c.contact_pk)).all())
        queued = (
            connection.execute(sa.select(outbox.c.destination).order_by(outbox.c.destination))
            .scalars()
            .all()
        )
    assert owners == {"e1": pks["c1"], "e2": pks["new-1"], "e3": None}
    assert queued == ["analytics", "analytics", "analytics", "social_ads"]
