"""The sample brand: deterministic, fictional, varied, and loadable without duplicates."""

from __future__ import annotations

import csv
import datetime as dt
import ipaddress
import json
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from freehold.core.identity import normalize_contacts
from freehold.core.sample import CONTACT_COLUMNS, SampleSpec, generate_sample, write_sample
from freehold.core.store import Store
from freehold.core.store.schema import contacts, events

UNTIL = dt.date(2025, 6, 30)
RESERVED = ("example.com", "example.org", "example.net", ".example", ".test")
DOC_NETWORKS = [
    ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
]


def _write(tmp_path: Path, name: str, **spec: object):
    return write_sample(tmp_path / name, SampleSpec(until=UNTIL, **spec))  # type: ignore[arg-type]


def test_the_same_seed_gives_the_same_brand_and_another_seed_another(tmp_path: Path) -> None:
    one = _write(tmp_path, "a", contacts=300, seed=7)
    two = _write(tmp_path, "b", contacts=300, seed=7)
    other = _write(tmp_path, "c", contacts=300, seed=8)
    assert one.contacts_path.read_bytes() == two.contacts_path.read_bytes()
    assert one.events_path is not None
    assert two.events_path is not None
    assert one.events_path.read_bytes() == two.events_path.read_bytes()
    assert one.contacts_path.read_bytes() != other.contacts_path.read_bytes()


def test_the_brand_is_varied_messy_and_fictional(tmp_path: Path) -> None:
    files = _write(tmp_path, "s", contacts=2000, seed=1)
    with files.contacts_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == CONTACT_COLUMNS
        rows = list(reader)
    originals = [row for row in rows if row["contact_id"]]
    assert len(originals) == 2000
    assert 0 < len(rows) - len(originals) < 100  # a second system's records of some people
    batch = normalize_contacts(
        [{"email": r["email"], "phone": r["phone"], "country": r["country"]} for r in originals],
        "email",
    )
    countries = Counter(batch.values["country"])
    assert set(countries) == {"FR", "US", "GB", "DE", "ES"}
    assert 0 < sum(batch.dropped["email"].values()) < 300  # missing or broken addresses
    assert batch.rejected["phone"]  # some unusable numbers
    emails = [e for e in batch.values["email"] if e]
    assert len(emails) == len(set(emails))
    assert all(e.endswith(RESERVED) for e in emails)
    phones = [p for p in batch.values["phone"] if p]
    assert len(phones) == len(set(phones))
    assert any(r["email"] != r["email"].strip().lower() for r in originals)
    assert {r["phone"][:1] for r in originals if r["phone"]} >= {"+", "0", "("}
    for purpose in ("email_marketing", "ad_targeting", "ad_measurement"):
        assert {r[f"consent.{purpose}"] for r in originals} >= {"granted", "denied", "unknown", ""}
    assert {r["lifecycle"] for r in originals} == {
        "suspect",
        "prospect",
        "customer",
        "fan",
        "ambassador",
    }
    assert files.events_path is not None
    lines = [
        json.loads(line) for line in files.events_path.read_text(encoding="utf-8").splitlines()
    ]
    names = Counter(event["name"] for event in lines)
    assert set(names) == {"view_item", "add_to_cart", "purchase", "review", "share", "referral"}
    purchases = [event for event in lines if event["name"] == "purchase"]
    assert all(float(p["value"]) > 0 and p["currency"] in {"EUR", "USD", "GBP"} for p in purchases)
    times = [dt.datetime.fromisoformat(event["occurred_at"]) for event in lines]
    assert min(times).date() >= UNTIL - dt.timedelta(days=731)
    assert max(times).date() <= UNTIL
    assert all(
        any(ipaddress.ip_address(event["client_ip"]) in net for net in DOC_NETWORKS)
        for event in lines
    )


def test_events_per_contact_caps_or_switches_events_off(tmp_path: Path) -> None:
    capped = _write(tmp_path, "c", contacts=200, seed=2, events_per_contact=2)
    none = _write(tmp_path, "n", contacts=200, seed=2, events_per_contact=0)
    assert 0 < capped.event_rows <= 400
    assert none.events_path is None
    assert none.event_rows == 0


def test_the_loaded_sample_has_one_contact_per_person(store: Store) -> None:
    loaded = generate_sample(store, contacts=300, seed=5, until=UNTIL, events_per_contact=3)
    assert loaded.contacts.new == 300
    assert loaded.contacts.rejected == 0
    assert loaded.events is not None
    with store.begin() as connection:
        assert connection.scalar(sa.select(sa.func.count()).select_from(contacts)) == 300
        stored_events = connection.scalar(sa.select(sa.func.count()).select_from(events))
    assert stored_events == loaded.events.inserted > 0
    assert loaded.events.contacts_created == 0
    again = generate_sample(store, contacts=300, seed=5, until=UNTIL, events_per_contact=3)
    assert again.contacts.new == 0
    assert again.events is not None
    assert again.events.inserted == 0
