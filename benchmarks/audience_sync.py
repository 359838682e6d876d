"""Benchmark the audience sync on the Meta emulator against the facebook-business SDK.

    .venv/bin/pip install -e ".[bench]"
    .venv/bin/python benchmarks/audience_sync.py [--contacts N] [--sdk-contacts M]
        [--cold-contacts C] [--keep DIR]

The vendor is `MetaEmulator` (members counted, not stored, answering every request after
50 ms) served by a separate process on 127.0.0.1, over real HTTP. Every measured phase runs in
its own child process (reporting its own wall time and peak RSS, interpreter start excluded),
and each child refuses any connection to a non-loopback address. Phases:

- sdk: the official `facebook-business` SDK, `CustomAudience.add_users(schema, rows,
  is_raw=True)` with raw values (it normalizes, hashes and form-encodes them), 10,000 rows a
  request, one request at a time (what the SDK does); pointed at the emulator as
  `shared/design/benchmarks.md` describes;
- floor: the pure-Python CPU reference: strip, lower and SHA-256 of the same five fields in a
  tight loop (no I/O at all);
- connector: `MetaConnector` alone, members prepared as the store holds them (cached
  digests), one audience session, 10,000-row batches, 4 in flight;
- warm: the sync engine with `MetaConnector`: N contacts whose digests are cached in the store,
  plan + full sync of a mirror audience (nothing in the ledger yet);
- re-sync: 1 % of the members leave and 1 % arrive; plan + sync again (only those rows leave);
- cold: the SDK's own raw rows for C people (written to a CSV beforehand, with consent to ad
  targeting) through the import (normalize, resolve identities, hash for every vendor
  profile, store), an audience of all of them, plan and sync.

- floors: each part of a warm sync alone, per member: reading the members with their cached
  digests (and with no identifier at all), recording ledger rows as the engine does, and the
  smallest durable ledger row conceivable (in scratch stores beside the others).

Prints rows/s, wall time and peak RSS per phase, and the ratios against the SDK measured in
the same run: warm / sdk (target 10x), cold / sdk (target 2x), re-sync / warm wall time
(target at most 10 %); then where a warm member's time goes (client and emulator CPU per
member, from each phase's CPU time and the emulator's `/proc` entry) against the client CPU a
10x and a 5x target leave on this machine. The warm store is built directly (synthetic
people, digests computed here) and is not timed.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import hashlib
import ipaddress
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FIELDS = ("email", "phone", "first_name", "last_name", "country")
FIRST = ("Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Edsger", "Zoé")
LAST = ("Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Müller")
COUNTRIES = ("US", "FR", "GB", "DE", "ES")
ROWS_PER_REQUEST = 10_000
CONCURRENCY = 4
LATENCY_SECONDS = 0.05
SDK_SCHEMA = ["EMAIL", "PHONE", "FN", "LN", "COUNTRY"]
DIGESTS = tuple(hashlib.sha256(field.encode()).hexdigest() for field in FIELDS)
"""Five digests, the shape of a ledger row's identifiers (the values do not matter)."""


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM (ru_maxrss would include the parent's, kept across exec)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time this process has used so far (user + system, every thread)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """CPU time another process has used so far (user + system), from /proc; 0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_row(i: int) -> tuple[str, str, str, str, str]:
    """Synthetic raw identifiers of person i (stray spaces and capitals, as files have them)."""
    return (
        f" Person.{i}@Example.COM ",
        f"+1 555 {i % 10_000_000:07d}",
        f" {FIRST[i % len(FIRST)]} ",
        LAST[(i // 7) % len(LAST)].upper(),
        COUNTRIES[i % len(COUNTRIES)],
    )


def floor_digests(row: tuple[str, ...]) -> list[str]:
    """strip + lower + SHA-256 of each field: the floor's normalization (and the warm store's)."""
    return [hashlib.sha256(value.strip().lower().encode()).hexdigest() for value in row]


def guard_loopback() -> None:
    """Make every connection to a non-loopback address fail in this process."""
    connect = socket.socket.connect

    def loopback_only(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                allowed = ipaddress.ip_address(host).is_loopback
            except ValueError:
                allowed = host == "localhost"
            if not allowed:
                msg = f"benchmark guard: connection to {host} refused (loopback only)"
                raise ConnectionRefusedError(msg)
        return connect(self, address)

    socket.socket.connect = loopback_only  # type: ignore[method-assign]


# -- the vendor process ------------------------------------------------------------------------


def serve() -> None:
    """Serve the Meta emulator on 127.0.0.1 until stdin closes; print the URL first."""
    from freehold.connectors.meta.emulator import MetaEmulator

    emulator = MetaEmulator(store_members=False, record_bodies=False, latency=LATENCY_SECONDS)
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
                        for field, digest in zip(FIELDS, floor_digests(raw_row(pk)), strict=True)
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


def _config(vendor_url: str) -> Any:
    from freehold.connectors.meta import MetaConnector

    return MetaConnector.emulator_config(vendor_url).model_copy(update={"timeout_seconds": 300})


def phase_sdk(vendor_url: str, contacts: int) -> dict[str, Any]:
    """The facebook-business SDK adding raw rows, as its users call it."""
    import requests
    from facebook_business.adobjects.customaudience import CustomAudience
    from facebook_business.api import FacebookAdsApi

    from freehold.connectors.meta.emulator import EMULATOR_ACCESS_TOKEN, EMULATOR_AD_ACCOUNT

    api = FacebookAdsApi.init(
        access_token=EMULATOR_ACCESS_TOKEN, api_version="v26.0", crash_log=False
    )
    api._session.GRAPH = vendor_url  # the way benchmarks.md points the SDK elsewhere
    api._session.requests.trust_env = False
    created = requests.post(
        f"{vendor_url}/v26.0/{EMULATOR_AD_ACCOUNT}/customaudiences",
        data={
            "name": "sdk",
            "subtype": "CUSTOM",
            "customer_file_source": "USER_PROVIDED_ONLY",
            "access_token": EMULATOR_ACCESS_TOKEN,
        },
        timeout=60,
    )
    audience = CustomAudience(created.json()["id"], api=api)
    received = 0
    cpu = cpu_seconds()
    started = time.perf_counter()
    for start in range(1, contacts + 1, ROWS_PER_REQUEST):
        stop = min(contacts, start + ROWS_PER_REQUEST - 1)
        rows = [list(raw_row(i)) for i in range(start, stop + 1)]
        answer = audience.add_users(SDK_SCHEMA, rows, is_raw=True).json()
        received += answer["num_received"] - answer["num_invalid_entries"]
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "rows": contacts,
        "accepted": received,
        "ok": received == contacts,
        "rss_mb": peak_rss_mb(),
    }


def phase_floor(contacts: int) -> dict[str, Any]:
    """strip + lower + SHA-256 of the five fields of every person, nothing else."""
    cpu = cpu_seconds()
    started = time.perf_counter()
    done = 0
    for i in range(1, contacts + 1):
        floor_digests(raw_row(i))
        done += 1
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "rows": contacts,
        "accepted": done,
        "ok": done == contacts,
        "rss_mb": peak_rss_mb(),
    }


def _members(contacts: int) -> list[Any]:
    """Members as the store holds them: the cached digests of the five fields."""
    from freehold.core.models import Member

    return [
        Member(
            key=str(i),
            identifiers=dict(zip(FIELDS, floor_digests(raw_row(i)), strict=True)),
        )
        for i in range(1, contacts + 1)
    ]


async def _connector(vendor_url: str, members: list[Any]) -> int:
    from freehold.connectors.meta import MetaConnector
    from freehold.core.models import Audience, Outcomes, OutcomeStatus

    contacts = len(members)
    accepted = 0
    async with MetaConnector(_config(vendor_url)) as connector:
        ref = await connector.ensure_audience(Audience(key="connector", name="connector"))
        slots = asyncio.Semaphore(CONCURRENCY)

        async def add(batch: list[Any]) -> None:
            nonlocal accepted
            async with slots:
                outcomes = await session.add(batch)
            accepted += Outcomes.of(outcomes).counts().get(OutcomeStatus.ACCEPTED, 0)

        async with connector.audience_session(ref) as session:
            batches = [
                members[i : i + ROWS_PER_REQUEST] for i in range(0, contacts, ROWS_PER_REQUEST)
            ]
            await asyncio.gather(*(add(batch) for batch in batches))
    return accepted


def phase_connector(vendor_url: str, contacts: int) -> dict[str, Any]:
    members = _members(contacts)
    cpu = cpu_seconds()
    started = time.perf_counter()
    accepted = asyncio.run(_connector(vendor_url, members))
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "rows": contacts,
        "accepted": accepted,
        "ok": accepted == contacts,
        "rss_mb": peak_rss_mb(),
    }


def _target(vendor_url: str, key: str) -> Any:
    from freehold.connectors.meta import MetaConnector
    from freehold.core.models import Audience, SyncMode
    from freehold.core.sync import SyncTarget

    return SyncTarget(
        audience=Audience(key=key, name=f"bench {key}", mode=SyncMode.MIRROR),
        destination="social_ads",
        connector=MetaConnector(_config(vendor_url)),
        connector_name="meta",
        account="meta:bench",
    )


def phase_sync(store_url: str, vendor_url: str, key: str) -> dict[str, Any]:
    from freehold.core.store import Store
    from freehold.core.sync import PlanOptions, SyncEngine

    target = _target(vendor_url, key)
    cpu = cpu_seconds()
    started = time.perf_counter()
    with Store.open(store_url) as store:
        report = asyncio.run(
            SyncEngine(store).sync([target], options=PlanOptions(allow_large_removal=True))
        )
    (result,) = report.targets
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "rows": result.to_send,
        "accepted": result.accepted,
        "ok": report.ok,
        "rss_mb": peak_rss_mb(),
        "feedback": result.feedback,
    }


def write_raw_csv(path: Path, contacts: int) -> None:
    """Write the SDK's raw rows for `contacts` people as a CSV the import reads (not timed)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*FIELDS, "consent.ad_targeting"])
        for i in range(1, contacts + 1):
            writer.writerow([*raw_row(i), "granted"])


def phase_cold(store_url: str, vendor_url: str, raw_csv: str) -> dict[str, Any]:
    from sqlalchemy import insert, literal, select

    from freehold.core.sources import ColumnMapping, ImportKind, import_source, open_source
    from freehold.core.store import Store
    from freehold.core.store.schema import UtcDateTime, audience_members, audiences
    from freehold.core.store.schema import contacts as contact_table
    from freehold.core.sync import SyncEngine

    target = _target(vendor_url, "cold")
    cpu = cpu_seconds()
    started = time.perf_counter()
    with Store.open(store_url) as store:
        loaded = import_source(
            store, open_source(raw_csv), ColumnMapping(ImportKind.CONTACTS), label="cold"
        )
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
        report = asyncio.run(SyncEngine(store).sync([target]))
    (result,) = report.targets
    return {
        "seconds": time.perf_counter() - started,
        "cpu": cpu_seconds() - cpu,
        "import_seconds": imported,
        "rows": loaded.rows_read,
        "sent": result.to_send,
        "accepted": result.accepted,
        "ok": report.ok and result.accepted == loaded.rows_read,
        "rss_mb": peak_rss_mb(),
    }


def _per_member(started: float, rows: int) -> float:
    return (time.perf_counter() - started) / rows * 1e6


def _read_floor(store_url: str, hashed: tuple[str, ...]) -> tuple[int, float]:
    """Stream the warm audience's member rows as the planner reads them: (rows, µs a row)."""
    from sqlalchemy import select

    from freehold.core.store import Store
    from freehold.core.store.schema import audiences
    from freehold.core.sync._reader import member_rows

    with Store.open(store_url) as store, store.engine.connect() as conn:
        pk = conn.execute(select(audiences.c.pk).where(audiences.c.key == "warm")).scalar_one()
        started = time.perf_counter()
        rows = sum(1 for _ in member_rows(conn, pk, "ad_targeting", profile="meta", hashed=hashed))
        return rows, _per_member(started, rows)


def _ledger_floor(folder: Path, rows: int) -> float:
    """The smallest durable ledger row conceivable, committed per 10,000: µs a row.

    WITHOUT ROWID (target, contact, 16-byte key, revision): no identifiers, no timestamps, no
    text key, no second index; in a scratch store with the store's own SQLite settings.
    """
    from freehold.core.store import Store

    url = f"sqlite:///{folder / 'ledger-floor.db'}"
    key = hashlib.blake2b(b"member", digest_size=16).digest()
    with Store.open(url) as store:
        raw = store.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(
                "CREATE TABLE floor (target INTEGER, contact_pk INTEGER, member_key BLOB, "
                "revision INTEGER, PRIMARY KEY (target, contact_pk)) WITHOUT ROWID"
            )
            started = time.perf_counter()
            for start in range(1, rows + 1, ROWS_PER_REQUEST):
                stop = min(rows, start + ROWS_PER_REQUEST - 1)
                cursor.execute("BEGIN")
                cursor.executemany(
                    "INSERT INTO floor VALUES (1, ?, ?, 1)",
                    [(pk, key) for pk in range(start, stop + 1)],
                )
                cursor.execute("COMMIT")
            return _per_member(started, rows)
        finally:
            raw.close()


def _ledger_engine(folder: Path, rows: int) -> float:
    """The engine's own recording of accepted 10,000-row batches (`Recorder.commit`): µs a row."""
    from freehold.core.models import Outcomes
    from freehold.core.store import Store
    from freehold.core.sync._record import BatchResult, Recorder

    url = f"sqlite:///{folder / 'ledger-engine.db'}"
    now = dt.datetime.now(dt.UTC)
    with Store.open(url) as store:
        recorder = Recorder(store.engine, "floor", "social_ads", basis="floor")
        recorder.start({}, now=now)
        identifiers = dict(zip(FIELDS, DIGESTS, strict=True))
        started = time.perf_counter()
        for start in range(1, rows + 1, ROWS_PER_REQUEST):
            stop = min(rows, start + ROWS_PER_REQUEST - 1)
            batch = [
                ("add", pk, f"{pk:032x}", identifiers, {}, None, None, 1)
                for pk in range(start, stop + 1)
            ]
            outcomes = Outcomes([str(row[1]) for row in batch], vendor_ref="1")
            recorder.commit(
                BatchResult(batch, "add", outcomes), session_state={}, counts={}, now=now
            )
        return _per_member(started, rows)


def phase_floors(store_url: str, folder: str) -> dict[str, Any]:
    """Each part of a warm sync alone, per member: what no engine on this store can go below."""
    scratch = Path(folder)
    rows, read_stored = _read_floor(store_url, tuple(sorted(FIELDS)))
    _rows, read_minimum = _read_floor(store_url, ())
    return {
        "rows": rows,
        "read_stored_us": read_stored,
        "read_minimum_us": read_minimum,
        "ledger_engine_us": _ledger_engine(scratch, rows),
        "ledger_minimum_us": _ledger_floor(scratch, rows),
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


def _rate(result: dict[str, Any]) -> float:
    return result["rows"] / result["seconds"] if result["seconds"] else 0.0


def _line(name: str, result: dict[str, Any]) -> str:
    extra = ""
    if "import_seconds" in result:
        extra = f"  (import {result['import_seconds']:.1f} s, sent {result['sent']:,})"
    ok = "" if result["ok"] else f"  NOT OK (accepted {result['accepted']:,})"
    return (
        f"{name:<10} {result['rows']:>10,} rows  {result['seconds']:>8.2f} s  "
        f"{_rate(result):>10,.0f} rows/s  peak RSS {result['rss_mb']:>6.0f} MB{extra}{ok}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--sdk-contacts", type=int, default=200_000)
    parser.add_argument("--cold-contacts", type=int, default=100_000)
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
    guard_loopback()
    runners = {
        "sdk": lambda: phase_sdk(rest[0], int(rest[1])),
        "floor": lambda: phase_floor(int(rest[0])),
        "connector": lambda: phase_connector(rest[0], int(rest[1])),
        "sync": lambda: phase_sync(rest[0], rest[1], rest[2]),
        "cold": lambda: phase_cold(rest[0], rest[1], rest[2]),
        "floors": lambda: phase_floors(rest[0], rest[1]),
    }
    print(json.dumps(runners[name](), default=str))


def _benchmark(args: argparse.Namespace) -> None:
    folder = args.keep or Path(tempfile.mkdtemp(prefix="freehold-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.db*"):
        path.unlink()
    warm_url = f"sqlite:///{folder / 'warm.db'}"
    cold_url = f"sqlite:///{folder / 'cold.db'}"
    n = args.contacts
    one_percent = max(1, n // 100)
    print(
        f"audience sync benchmark: {n:,} contacts (SDK on {args.sdk_contacts:,}, cold on "
        f"{args.cold_contacts:,}); Meta emulator answering after {LATENCY_SECONDS * 1000:.0f} ms"
    )
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

        def measured(*args: str) -> dict[str, Any]:
            before = process_cpu_seconds(vendor.pid)
            result = _child(*args)
            result["vendor_cpu"] = process_cpu_seconds(vendor.pid) - before
            return result

        sdk = measured("sdk", vendor_url, str(args.sdk_contacts))
        print(_line("sdk", sdk))
        floor = _child("floor", str(n))
        print(_line("floor", floor))
        alone = measured("connector", vendor_url, str(n))
        print(_line("connector", alone))
        warm = measured("sync", warm_url, vendor_url, "warm")
        print(_line("warm", warm))

        from freehold.core.store import Store

        with Store.open(warm_url) as store:
            members = [*range(one_percent + 1, n + 1), *range(n + 1, n + one_percent + 1)]
            set_members(store.engine, 1, members)
        resync = measured("sync", warm_url, vendor_url, "warm")
        print(_line("re-sync", resync))
        raw_csv = folder / "raw.csv"
        write_raw_csv(raw_csv, args.cold_contacts)
        cold = measured("cold", cold_url, vendor_url, str(raw_csv))
        print(_line("cold", cold))
    finally:
        vendor.stdin.close()
        vendor.wait(timeout=60)
        vendor.stdout.close()
    parts = _child("floors", warm_url, str(folder))
    _summary(sdk=sdk, floor=floor, alone=alone, warm=warm, resync=resync, cold=cold)
    print()
    _budget(sdk=sdk, alone=alone, warm=warm, parts=parts)


def _summary(
    *,
    sdk: dict[str, Any],
    floor: dict[str, Any],
    alone: dict[str, Any],
    warm: dict[str, Any],
    resync: dict[str, Any],
    cold: dict[str, Any],
) -> None:
    print()
    print(
        f"warm / sdk rows/s:          {_rate(warm) / _rate(sdk):.2f}x  (target 10x; <5x a defect)"
    )
    print(f"cold / sdk rows/s:          {_rate(cold) / _rate(sdk):.2f}x  (target 2x)")
    print(f"connector / sdk rows/s:     {_rate(alone) / _rate(sdk):.2f}x")
    print(f"warm / floor rows/s:        {_rate(warm) / _rate(floor):.2f}x")
    print(
        f"re-sync / warm wall time:   {resync['seconds'] / warm['seconds']:.1%}  (target <= 10 %; "
        f"sent {resync['rows']:,} rows)"
    )
    peak = max(r["rss_mb"] for r in (warm, resync, cold))
    print(f"sync client peak RSS (max): {peak:.0f} MB  (target < 500 MB; the connector phase")
    print("                            holds all its members in memory, by design)")
    print(f"Meta feedback (warm):       {warm['feedback']}")


def _us(result: dict[str, Any], key: str) -> float:
    return float(result[key]) / result["rows"] * 1e6


def _budget(
    *, sdk: dict[str, Any], alone: dict[str, Any], warm: dict[str, Any], parts: dict[str, Any]
) -> None:
    """Print where a warm member's time goes, and the CPU a target leaves for it."""
    cores = os.cpu_count() or 1
    vendor = _us(warm, "vendor_cpu")
    transport = _us(alone, "cpu")
    print("where a warm member's time goes, in µs (CPU time unless said):")
    print(f"  the vendor emulator, its own process      {vendor:6.1f}")
    print(f"  the warm sync, client                     {_us(warm, 'cpu'):6.1f}")
    print(f"  the Meta connector alone, client          {transport:6.1f}")
    print(
        f"  reading a member and its cached digests   {parts['read_stored_us']:6.1f}  wall; "
        f"{parts['read_minimum_us']:.1f} with no identifier at all"
    )
    print(
        f"  recording its ledger row, as the engine   {parts['ledger_engine_us']:6.1f}  wall; "
        f"{parts['ledger_minimum_us']:.1f} for the smallest row conceivable"
    )
    least = parts["read_minimum_us"] + parts["ledger_minimum_us"] + transport
    for target in (10, 5):
        wall = 1e6 / (target * _rate(sdk))
        budget = cores * wall - vendor
        verdict = "out of reach" if least > budget else "within reach only in perfect parallel"
        print(
            f"at {target}x the SDK: {wall:.1f} µs wall a member; {cores} cores x {wall:.1f} - "
            f"the emulator's {vendor:.1f} = {budget:.1f} µs of client CPU, against at least "
            f"{least:.1f} (smallest read + smallest ledger row + today's connector): {verdict}"
        )


if __name__ == "__main__":
    main()
