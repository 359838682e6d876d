"""Benchmark a full audience sync and a 1 % re-sync over real HTTP, against the pure-Python floor.

    .venv/bin/python benchmarks/audience_sync.py [--contacts N] [--cold-contacts M] [--keep DIR]

The vendor is the fake vendor's emulator served by a separate process on 127.0.0.1; the client
talks to it over real HTTP with `FakeConnector` (the Meta connector and the facebook-business
SDK join this harness later). Every measured phase runs in its own child process, so each
reports its own wall time and peak RSS:

- warm: N contacts (default 1,000,000) whose digests are cached in the store; plan + full sync
  of a mirror audience holding all of them (nothing in the ledger yet);
- re-sync: 1 % of the members leave and 1 % new ones arrive; plan + sync again;
- floor: the pure-Python floor, as `shared/design/benchmarks.md` measures it: raw values,
  strip + lower + SHA-256 of the five fields inline, JSON, 4 concurrent `httpx` requests of
  10,000 rows, no store, no ledger, no outcomes;
- cold: M sample contacts (default 50,000) as raw rows → import (normalize, hash, store) →
  plan → sync. The import path runs far slower than the sync today, so cold defaults to a
  smaller M; pass `--cold-contacts 1000000` for the full figure.

Prints rows/s, wall time and peak RSS per phase, and the ratios: warm / floor, cold / floor,
re-sync / warm. The warm store is built directly (synthetic values, digests computed here) and
is not timed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FIELDS = ("email", "phone", "first_name", "last_name", "country")
WIRE = {
    "email": "email",
    "phone": "phone",
    "first_name": "fn",
    "last_name": "ln",
    "country": "country",
}
FIRST = ("Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Edsger", "Zoé")
LAST = ("Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Müller")
COUNTRIES = ("US", "FR", "GB", "DE", "ES")
ROWS_PER_REQUEST = 10_000
CONCURRENCY = 4


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_row(i: int) -> tuple[str, str, str, str, str]:
    """Synthetic raw identifiers of person i (stray spaces and capitals, as files have them)."""
    return (
        f" Person.{i}@Example.COM ",
        f"+1 555 {i % 10_000_000:07d}",
        f" {FIRST[i % len(FIRST)]} ",
        LAST[(i // 7) % len(LAST)].upper(),
        COUNTRIES[i % len(COUNTRIES)],
    )


def floor_digests(row: tuple[str, ...]) -> dict[str, str]:
    """strip + lower + SHA-256 of each field: the floor's normalization (and the prep's)."""
    return {
        WIRE[name]: hashlib.sha256(value.strip().lower().encode()).hexdigest()
        for name, value in zip(FIELDS, row, strict=True)
    }


# -- the vendor process ------------------------------------------------------------------------


def serve() -> None:
    """Serve the fake vendor on 127.0.0.1 until stdin closes; print the URL first."""
    from freehold.core.testing import FakeEmulator

    emulator = FakeEmulator(max_rows=ROWS_PER_REQUEST, max_bytes=20_000_000, record_bodies=False)
    with emulator.serve() as url:
        sys.stdout.write(url + "\n")
        sys.stdout.flush()
        sys.stdin.read()


# -- the warm store (not timed) ----------------------------------------------------------------


def build_store(url: str, contacts: int, extra: int) -> None:
    """Create the store: contacts, cached meta digests, granted consent, audience `warm`."""
    from sqlalchemy import insert

    from freehold.core.store import Store
    from freehold.core.store.schema import audiences

    now = dt.datetime.now(dt.UTC)
    stamp = now.replace(tzinfo=None).isoformat(sep=" ")
    total = contacts + extra
    with Store.open(url) as store:
        raw = store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("BEGIN")
            step = 50_000
            for start in range(1, total + 1, step):
                pks = range(start, min(total, start + step - 1) + 1)
                cursor.executemany(
                    "INSERT INTO contacts (pk, contact_id, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?)",
                    [(pk, f"c{pk}", stamp, stamp) for pk in pks],
                )
                cursor.executemany(
                    "INSERT INTO digests (contact_pk, profile, field, digest) VALUES (?, ?, ?, ?)",
                    [
                        (pk, "meta", field, digest)
                        for pk in pks
                        for field, digest in zip(
                            FIELDS, floor_digests(raw_row(pk)).values(), strict=True
                        )
                    ],
                )
                cursor.executemany(
                    "INSERT INTO consent_current (contact_pk, purpose, state, at, source) "
                    "VALUES (?, 'ad_targeting', 'granted', ?, 'bench')",
                    [(pk, stamp) for pk in pks],
                )
            cursor.execute("COMMIT")
        finally:
            raw.close()
        with store.begin() as conn:
            audience_pk = conn.execute(
                insert(audiences)
                .values(key="warm", definition_hash="bench", computed_at=now, member_count=0)
                .returning(audiences.c.pk)
            ).scalar_one()
        set_members(store.engine, audience_pk, range(1, contacts + 1))


def set_members(engine: Any, audience_pk: int, pks: Any) -> None:
    from sqlalchemy import delete, insert

    from freehold.core.store.schema import audience_members

    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(delete(audience_members).where(audience_members.c.audience_pk == audience_pk))
        batch: list[dict[str, Any]] = []
        for pk in pks:
            batch.append({"audience_pk": audience_pk, "contact_pk": pk, "since": now})
            if len(batch) == 50_000:
                conn.execute(insert(audience_members), batch)
                batch = []
        if batch:
            conn.execute(insert(audience_members), batch)


# -- measured phases (each in its own process) -------------------------------------------------


def _target(vendor_url: str, key: str) -> Any:
    from freehold.core.models import Audience, SyncMode
    from freehold.core.sync import SyncTarget
    from freehold.core.testing import FakeConnector, fake_config

    config = fake_config(
        vendor_url,
        max_rows=ROWS_PER_REQUEST,
        max_bytes=20_000_000,
        requests_per_second=1_000,
        concurrency_per_audience=CONCURRENCY,
        concurrency_per_account=CONCURRENCY,
        timeout_seconds=300,
    )
    return SyncTarget(
        audience=Audience(key=key, name=f"bench {key}", mode=SyncMode.MIRROR),
        destination="bench",
        connector=FakeConnector(config),
        connector_name="fake",
        account="fake:bench",
    )


def phase_sync(store_url: str, vendor_url: str, key: str) -> dict[str, Any]:
    from freehold.core.store import Store
    from freehold.core.sync import PlanOptions, SyncEngine

    started = time.perf_counter()
    with Store.open(store_url) as store:
        engine = SyncEngine(store)
        report = asyncio.run(
            engine.sync([_target(vendor_url, key)], options=PlanOptions(allow_large_removal=True))
        )
    seconds = time.perf_counter() - started
    (target,) = report.targets
    return {
        "seconds": seconds,
        "rows": target.to_send,
        "accepted": target.accepted,
        "ok": report.ok,
        "rss_mb": peak_rss_mb(),
    }


def phase_cold(store_url: str, vendor_url: str, contacts: int) -> dict[str, Any]:
    from sqlalchemy import insert, literal, select

    from freehold.core.sample import generate_sample
    from freehold.core.store import Store
    from freehold.core.store.schema import UtcDateTime, audience_members, audiences
    from freehold.core.store.schema import contacts as contact_table
    from freehold.core.sync import SyncEngine

    started = time.perf_counter()
    with Store.open(store_url) as store:
        generate_sample(store, contacts=contacts, events_per_contact=0)
        imported = time.perf_counter() - started
        now = dt.datetime.now(dt.UTC)
        with store.begin() as conn:
            audience_pk = conn.execute(
                insert(audiences)
                .values(key="cold", definition_hash="bench", computed_at=now, member_count=0)
                .returning(audiences.c.pk)
            ).scalar_one()
            conn.execute(
                insert(audience_members).from_select(
                    ["audience_pk", "contact_pk", "since"],
                    select(literal(audience_pk), contact_table.c.pk, literal(now, UtcDateTime())),
                )
            )
        report = asyncio.run(SyncEngine(store).sync([_target(vendor_url, "cold")]))
    seconds = time.perf_counter() - started
    (target,) = report.targets
    return {
        "seconds": seconds,
        "import_seconds": imported,
        "rows": contacts,
        "sent": target.to_send,
        "accepted": target.accepted,
        "ok": report.ok,
        "rss_mb": peak_rss_mb(),
    }


async def _floor(vendor_url: str, contacts: int, token: str) -> int:
    import httpx

    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=vendor_url, headers=headers, timeout=300) as client:
        created = await client.post("/v1/audiences", json={"name": "floor", "key": "floor"})
        audience_id = created.json()["id"]
        opened = await client.post(f"/v1/audiences/{audience_id}/sessions", json={"mode": "update"})
        session_id = opened.json()["id"]
        path = f"/v1/audiences/{audience_id}/members"
        slots = asyncio.Semaphore(CONCURRENCY)
        sent = 0

        async def post(body: bytes) -> None:
            nonlocal sent
            try:
                response = await client.post(
                    path, content=body, headers={"content-type": "application/json"}
                )
                response.raise_for_status()
                sent += response.json()["accepted"]
            finally:
                slots.release()

        async with asyncio.TaskGroup() as group:
            for start in range(1, contacts + 1, ROWS_PER_REQUEST):
                rows = [
                    floor_digests(raw_row(i))
                    for i in range(start, min(contacts, start + ROWS_PER_REQUEST - 1) + 1)
                ]
                body = json.dumps({"session_id": session_id, "members": rows}).encode()
                await slots.acquire()
                group.create_task(post(body))
        await client.post(f"/v1/audiences/{audience_id}/sessions/{session_id}:close")
        return sent


def phase_floor(vendor_url: str, contacts: int) -> dict[str, Any]:
    import httpx  # noqa: F401 - imported before the clock starts

    from freehold.core.testing import FAKE_API_KEY

    started = time.perf_counter()
    sent = asyncio.run(_floor(vendor_url, contacts, FAKE_API_KEY))
    return {
        "seconds": time.perf_counter() - started,
        "rows": contacts,
        "accepted": sent,
        "ok": sent == contacts,
        "rss_mb": peak_rss_mb(),
    }


# -- orchestration ------------------------------------------------------------------------------


def _child(*args: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", *args]
    out = subprocess.run(command, check=False, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        msg = f"phase {args[0]} failed"
        raise SystemExit(msg)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _line(name: str, result: dict[str, Any]) -> str:
    rate = result["rows"] / result["seconds"] if result["seconds"] else 0.0
    extra = ""
    if "import_seconds" in result:
        extra = f"  (import {result['import_seconds']:.1f} s, sent {result['sent']:,})"
    ok = "" if result["ok"] else "  NOT OK"
    return (
        f"{name:<9} {result['rows']:>10,} rows  {result['seconds']:>8.2f} s  "
        f"{rate:>10,.0f} rows/s  peak RSS {result['rss_mb']:>6.0f} MB{extra}{ok}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--cold-contacts", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, help="Keep the stores in this folder.")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        _phase(*args.phase)
    else:
        _benchmark(args)


def _phase(name: str, *rest: str) -> None:
    if name == "serve":
        serve()
        return
    runners = {
        "sync": lambda: phase_sync(rest[0], rest[1], rest[2]),
        "cold": lambda: phase_cold(rest[0], rest[1], int(rest[2])),
        "floor": lambda: phase_floor(rest[0], int(rest[1])),
    }
    print(json.dumps(runners[name]()))


def _benchmark(args: argparse.Namespace) -> None:

    folder = args.keep or Path(tempfile.mkdtemp(prefix="freehold-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    warm_url = f"sqlite:///{folder / 'warm.db'}"
    cold_url = f"sqlite:///{folder / 'cold.db'}"
    for path in folder.glob("*.db*"):
        path.unlink()
    n = args.contacts
    one_percent = max(1, n // 100)
    print(f"audience sync benchmark: {n:,} contacts, cold on {args.cold_contacts:,}")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; stores in {folder}")

    started = time.perf_counter()
    build_store(warm_url, n, one_percent)
    print(f"built the warm store in {time.perf_counter() - started:.1f} s (not measured)")

    vendor = subprocess.Popen(
        [sys.executable, __file__, "--phase", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert vendor.stdout is not None
    assert vendor.stdin is not None
    vendor_url = vendor.stdout.readline().strip()
    try:
        warm = _child("sync", warm_url, vendor_url, "warm")
        print(_line("warm", warm))

        from freehold.core.store import Store

        with Store.open(warm_url) as store:
            members = [*range(one_percent + 1, n + 1), *range(n + 1, n + one_percent + 1)]
            set_members(store.engine, 1, members)
        resync = _child("sync", warm_url, vendor_url, "warm")
        print(_line("re-sync", resync))

        floor = _child("floor", vendor_url, str(n))
        print(_line("floor", floor))

        cold = _child("cold", cold_url, vendor_url, str(args.cold_contacts))
        print(_line("cold", cold))
    finally:
        vendor.stdin.close()
        vendor.wait(timeout=60)
        vendor.stdout.close()

    _summary(warm, resync, floor, cold)


def _summary(warm: dict, resync: dict, floor: dict, cold: dict) -> None:
    def rate(result: dict[str, Any]) -> float:
        return result["rows"] / result["seconds"]

    print()
    print(f"warm / floor rows/s:        {rate(warm) / rate(floor):.2f}x")
    print(f"cold / floor rows/s:        {rate(cold) / rate(floor):.2f}x")
    print(f"re-sync / warm wall time:   {resync['seconds'] / warm['seconds']:.1%}")
    print(f"client peak RSS (max):      {max(r['rss_mb'] for r in (warm, resync, cold)):.0f} MB")


if __name__ == "__main__":
    main()
