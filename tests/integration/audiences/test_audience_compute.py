"""compute_audience stores memberships by difference, for every definition kind."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from freehold.core.audiences import compute_all, compute_audience, definition_hash
from freehold.core.config import AudienceConfig
from freehold.core.errors import ConfigError, InputError
from freehold.core.store.schema import audience_members, audiences, contacts

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)


def audience(**definition) -> AudienceConfig:
    return AudienceConfig.model_validate(definition)


def stored(store, key: str) -> dict[str, dt.datetime]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(contacts.c.contact_id, audience_members.c.since)
            .join(audience_members, audience_members.c.contact_pk == contacts.c.pk)
            .join(audiences, audiences.c.pk == audience_members.c.audience_pk)
            .where(audiences.c.key == key)
        )
        return {contact_id: since for contact_id, since in rows}


def test_a_filter_audience_is_stored_then_changed_by_difference(store, seed) -> None:
    seed.contact("a", lifecycle="customer")
    seed.contact("b", lifecycle="customer")
    c = seed.contact("c", lifecycle="prospect")
    config = audience(where={"lifecycle": ["customer"]})

    first = compute_audience(store, "buyers", config, builders={}, now=NOW)
    assert (first.members, first.added, first.removed) == (2, 2, 0)
    assert stored(store, "buyers") == {"a": NOW, "b": NOW}

    with store.begin() as conn:
        conn.execute(contacts.update().where(contacts.c.pk == c).values(lifecycle="customer"))
        conn.execute(contacts.update().where(contacts.c.contact_id == "a").values(lifecycle="fan"))
    second = compute_audience(store, "buyers", config, builders={}, now=LATER)
    assert (second.members, second.added, second.removed) == (2, 1, 1)
    assert stored(store, "buyers") == {"b": NOW, "c": LATER}  # b keeps its 'since'

    again = compute_audience(store, "buyers", config, builders={}, now=LATER)
    assert (again.added, again.removed) == (0, 0)

    with store.engine.connect() as conn:
        row = conn.execute(select(audiences).where(audiences.c.key == "buyers")).one()
    assert row.member_count == 2
    assert row.computed_at == LATER
    assert row.definition_hash == definition_hash(config)


def test_definition_hash_ignores_name_destinations_and_mode() -> None:
    base = audience(where={"lifecycle": ["fan"]})
    renamed = audience(where={"lifecycle": ["fan"]}, name="Fans", to=["ads"], mode="mirror")
    other = audience(where={"lifecycle": ["customer"]})
    assert definition_hash(base) == definition_hash(renamed) != definition_hash(other)


def test_switching_from_a_builder_to_a_filter_clears_stale_scores(store, seed) -> None:
    pk = seed.contact("a", lifecycle="fan")
    seed.event(pk, "referral", days_ago=1)
    seed.event(pk, "referral", days_ago=2)
    builders = {"ambassadors": _builtin("ambassadors")}
    compute_audience(store, "k", audience(builder="ambassadors"), builders=builders, now=NOW)
    compute_audience(store, "k", audience(where={"lifecycle": ["fan"]}), builders={}, now=NOW)
    with store.engine.connect() as conn:
        row = conn.execute(select(audience_members.c.score, audience_members.c.segment)).one()
    assert tuple(row) == (None, None)


def _builtin(name: str):
    from freehold.plugins.builtin.audiences import freehold_register_audience_builders

    found = {}
    freehold_register_audience_builders(register=found.__setitem__)
    return found[name]


def test_sql_audience_by_contact_id_and_by_email(store, seed) -> None:
    seed.contact("a", email="ann@example.com")
    seed.contact("b", email="bob@example.com")
    seed.contact("c")
    by_id = audience(sql="SELECT contact_id FROM contacts WHERE contact_id <> 'c';")
    result = compute_audience(store, "ids", by_id, builders={}, now=NOW)
    assert (result.members, result.unresolved) == (2, 0)

    by_email = audience(
        sql="SELECT email FROM (SELECT ' Ann@Example.com ' AS email "
        "UNION ALL SELECT 'nobody@example.com' UNION ALL SELECT 'not an email') AS t"
    )
    result = compute_audience(store, "emails", by_email, builders={}, now=NOW)
    assert (result.members, result.unresolved) == (1, 2)
    assert set(stored(store, "emails")) == {"a"}


def test_sql_audience_may_use_now(store, seed) -> None:
    a = seed.contact("a")
    seed.event(a, "purchase", days_ago=1, value=10)
    b = seed.contact("b")
    seed.event(b, "purchase", days_ago=40, value=10)
    query = (
        "SELECT c.contact_id FROM contacts c JOIN events e ON e.contact_pk = c.pk "
        "WHERE e.occurred_at >= :now - INTERVAL '7 days'"
        if store.dialect == "postgresql"
        else "SELECT c.contact_id FROM contacts c JOIN events e ON e.contact_pk = c.pk "
        "WHERE e.occurred_at >= datetime(:now, '-7 days')"
    )
    compute_audience(store, "recent", audience(sql=query), builders={}, now=NOW)
    assert set(stored(store, "recent")) == {"a"}


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM contacts",
        "SELECT 1 AS contact_id; DELETE FROM contacts",
        "WITH gone AS (DELETE FROM contacts RETURNING contact_id) SELECT contact_id FROM gone",
        "UPDATE contacts SET lifecycle = 'fan' RETURNING contact_id",
    ],
)
def test_sql_audience_cannot_write(store, seed, sql) -> None:
    seed.contact("a")
    with pytest.raises(ConfigError, match=r"audiences\.evil\.sql: the query failed"):
        compute_audience(store, "evil", audience(sql=sql), builders={}, now=NOW)
    with store.engine.connect() as conn:
        assert conn.execute(select(contacts.c.contact_id, contacts.c.lifecycle)).all() == [
            ("a", None)
        ]
    # the connection went back to the pool writable
    seed.contact("b")


def test_sql_audience_errors_name_the_audience_and_not_the_data(store, seed) -> None:
    seed.contact("secret@example.com")
    with pytest.raises(ConfigError) as caught:
        compute_audience(
            store,
            "broken",
            audience(sql="SELECT CAST(contact_id AS INTEGER) + nope FROM contacts"),
            builders={},
            now=NOW,
        )
    assert "audiences.broken.sql" in str(caught.value)
    assert "secret" not in str(caught.value)
    with pytest.raises(ConfigError, match=r"audiences\.cols\.sql: .*'contact_id' or 'email'"):
        compute_audience(
            store, "cols", audience(sql="SELECT pk FROM contacts"), builders={}, now=NOW
        )


def test_file_audience_from_csv_and_jsonl(store, seed, tmp_path) -> None:
    seed.contact("a", email="ann@example.com")
    seed.contact("b", email="bob@example.com")
    seed.contact("c")
    (tmp_path / "list.csv").write_text(
        "contact_id,email\nc,\n,BOB@example.com\nzzz,\n,\n", encoding="utf-8"
    )
    result = compute_audience(
        store, "csv", audience(file="list.csv"), builders={}, now=NOW, base_dir=tmp_path
    )
    assert (result.members, result.unresolved) == (2, 2)
    assert set(stored(store, "csv")) == {"b", "c"}

    lines = [{"email": "ann@example.com"}, {"contact_id": "c", "extra": 1}, {"contact_id": None}]
    path = tmp_path / "list.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    result = compute_audience(store, "jsonl", audience(file=str(path)), builders={}, now=NOW)
    assert (result.members, result.unresolved) == (2, 1)
    assert set(stored(store, "jsonl")) == {"a", "c"}


def test_file_audience_problems_name_file_and_row(store, tmp_path) -> None:
    (tmp_path / "bad.csv").write_text("id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv:1: .*'contact_id' or 'email'"):
        compute_audience(store, "k", audience(file=str(tmp_path / "bad.csv")), builders={}, now=NOW)
    (tmp_path / "bad.jsonl").write_text('{"email": "x@y.z"}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2: not valid JSON"):
        compute_audience(
            store, "k", audience(file=str(tmp_path / "bad.jsonl")), builders={}, now=NOW
        )
    with pytest.raises(InputError, match=r"\.xlsx: an audience file must be"):
        compute_audience(store, "k", audience(file="list.xlsx"), builders={}, now=NOW)
    with pytest.raises(InputError, match="cannot read the audience file"):
        compute_audience(
            store, "k", audience(file=str(tmp_path / "missing.csv")), builders={}, now=NOW
        )


def test_unknown_builder_names_the_audience_and_the_known_ones(store) -> None:
    with pytest.raises(
        ConfigError, match=r"audiences\.top\.builder: unknown builder 'nope' \(known: rfm\)"
    ):
        compute_audience(
            store, "top", audience(builder="nope"), builders={"rfm": _builtin("rfm")}, now=NOW
        )


def test_bad_builder_params_name_the_audience_and_the_param(store) -> None:
    config = audience(builder="ltv_tier", params={"tier": "platinum"})
    with pytest.raises(
        ConfigError, match=r"audiences\.vip\.params: builder 'ltv_tier': .*tier must"
    ):
        compute_audience(store, "vip", config, builders={"ltv_tier": _builtin("ltv_tier")}, now=NOW)


def test_compute_all_computes_each_audience(store, seed) -> None:
    seed.contact("a", lifecycle="fan")
    results = compute_all(
        store,
        {"fans": audience(where={"lifecycle": ["fan"]}), "all": audience(where={})},
        builders={},
        now=NOW,
    )
    assert [(r.key, r.members) for r in results] == [("fans", 1), ("all", 1)]
