"""Benchmark the Meta audience sync against the facebook-business SDK, both on the Meta emulator.

    .venv/bin/python benchmarks/meta_audience_sync.py [--contacts N] [--sdk-contacts M]

The vendor is `MetaEmulator` (members counted, not stored) served by a separate process on
127.0.0.1; every measured phase runs in its own child process, and each child refuses any
connection to a non-loopback address before it starts. Phases:

- sdk: the official `facebook-business` SDK, `CustomAudience.add_users(schema, rows,
  is_raw=True)` with raw values (it normalizes, hashes and form-encodes them), 10,000 rows a
  request, one request at a time (what the SDK does); `crash_log=False`, no proxy settings
  read, its Graph base URL pointed at the emulator;
- connector: `MetaConnector` alone, members prepared as the store holds them (cached
  digests), one audience session, 10,000-row batches, 4 in flight;
- warm: the sync engine with `MetaConnector`: N contacts whose digests are cached in the store,
  plan + full sync of a mirror audience (nothing in the ledger yet);
- re-sync: 1 % of the members leave and 1 % arrive; plan + sync again.

The warm store and the synthetic people are those of `benchmarks/audience_sync.py` (five
identifiers: email, phone, first name, last name, country), built directly and not timed.
Prints rows/s, wall time and peak RSS per phase, and warm / sdk and connector / sdk.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from audience_sync import FIELDS, build_store, floor_digests, raw_row, set_members

ROWS_PER_REQUEST = 10_000
CONCURRENCY = 4
SDK_SCHEMA = ["EMAIL", "PHONE", "FN", "LN", "COUNTRY"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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

    emulator = MetaEmulator(store_members=False, record_bodies=False)
    with emulator.serve() as url:
        sys.stdout.write(url + "\n")
        sys.stdout.flush()
        sys.stdin.read()


# -- measured phases ---------------------------------------------------------------------------


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
    started = time.perf_counter()
    for start in range(1, contacts + 1, ROWS_PER_REQUEST):
        stop = min(contacts, start + ROWS_PER_REQUEST - 1)
        rows = [list(raw_row(i)) for i in range(start, stop + 1)]
        answer = audience.add_users(SDK_SCHEMA, rows, is_raw=True).json()
        received += answer["num_received"] - answer["num_invalid_entries"]
    return {
        "seconds": time.perf_counter() - started,
        "rows": contacts,
        "accepted": received,
        "ok": received == contacts,
        "rss_mb": peak_rss_mb(),
    }


def _members(contacts: int) -> list[Any]:
    """Members as the store holds them: the cached digests of the five fields."""
    from freehold.core.models import Member

    return [
        Member(
            key=str(i),
            identifiers=dict(zip(FIELDS, floor_digests(raw_row(i)).values(), strict=True)),
        )
        for i in range(1, contacts + 1)
    ]


async def _connector(vendor_url: str, members: list[Any]) -> int:
    from freehold.connectors.meta import MetaConnector
    from freehold.core.models import Audience

    contacts = len(members)
    accepted = 0
    async with MetaConnector(_config(vendor_url)) as connector:
        ref = await connector.ensure_audience(Audience(key="connector", name="connector"))
        slots = asyncio.Semaphore(CONCURRENCY)

        async def add(batch: list[Any]) -> None:
            nonlocal accepted
            async with slots:
                outcomes = await session.add(batch)
            accepted += sum(o.status == "accepted" for o in outcomes)

        async with connector.audience_session(ref) as session:
            batches = [
                members[i : i + ROWS_PER_REQUEST] for i in range(0, contacts, ROWS_PER_REQUEST)
            ]
            await asyncio.gather(*(add(batch) for batch in batches))
    return accepted


def phase_connector(vendor_url: str, contacts: int) -> dict[str, Any]:
    members = _members(contacts)
    started = time.perf_counter()
    accepted = asyncio.run(_connector(vendor_url, members))
    return {
        "seconds": time.perf_counter() - started,
        "rows": contacts,
        "accepted": accepted,
        "ok": accepted == contacts,
        "rss_mb": peak_rss_mb(),
    }


def phase_sync(store_url: str, vendor_url: str, key: str) -> dict[str, Any]:
    from freehold.connectors.meta import MetaConnector
    from freehold.core.models import Audience, SyncMode
    from freehold.core.store import Store
    from freehold.core.sync import PlanOptions, SyncEngine, SyncTarget

    target = SyncTarget(
        audience=Audience(key=key, name=f"bench {key}", mode=SyncMode.MIRROR),
        destination="social_ads",
        connector=MetaConnector(_config(vendor_url)),
        connector_name="meta",
        account="meta:bench",
    )
    started = time.perf_counter()
    with Store.open(store_url) as store:
        report = asyncio.run(
            SyncEngine(store).sync([target], options=PlanOptions(allow_large_removal=True))
        )
    (result,) = report.targets
    return {
        "seconds": time.perf_counter() - started,
        "rows": result.to_send,
        "accepted": result.accepted,
        "ok": report.ok,
        "rss_mb": peak_rss_mb(),
        "feedback": result.feedback,
    }


# -- orchestration ------------------------------------------------------------------------------


def _child(*args: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", *args]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rate(result: dict[str, Any]) -> float:
    return result["rows"] / result["seconds"] if result["seconds"] else 0.0


def _line(name: str, result: dict[str, Any]) -> str:
    ok = "" if result["ok"] else f"  NOT OK (accepted {result['accepted']:,})"
    return (
        f"{name:<10} {result['rows']:>10,} rows  {result['seconds']:>8.2f} s  "
        f"{_rate(result):>10,.0f} rows/s  peak RSS {result['rss_mb']:>6.0f} MB{ok}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--sdk-contacts", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="Keep the store in this folder.")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        if name == "serve":
            serve()
            return
        guard_loopback()
        runners = {
            "sdk": lambda: phase_sdk(rest[0], int(rest[1])),
            "connector": lambda: phase_connector(rest[0], int(rest[1])),
            "sync": lambda: phase_sync(rest[0], rest[1], rest[2]),
        }
        print(json.dumps(runners[name](), default=str))
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="freehold-meta-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.db*"):
        path.unlink()
    store_url = f"sqlite:///{folder / 'warm.db'}"
    n = args.contacts
    one_percent = max(1, n // 100)
    print(f"Meta audience sync benchmark: {n:,} contacts, SDK on {args.sdk_contacts:,}")
    started = time.perf_counter()
    build_store(store_url, n, one_percent)
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
        sdk = _child("sdk", vendor_url, str(args.sdk_contacts))
        print(_line("sdk", sdk))
        alone = _child("connector", vendor_url, str(n))
        print(_line("connector", alone))
        warm = _child("sync", store_url, vendor_url, "warm")
        print(_line("warm", warm))

        from freehold.core.store import Store

        with Store.open(store_url) as store:
            members = [*range(one_percent + 1, n + 1), *range(n + 1, n + one_percent + 1)]
            set_members(store.engine, 1, members)
        resync = _child("sync", store_url, vendor_url, "warm")
        print(_line("re-sync", resync))
    finally:
        vendor.stdin.close()
        vendor.wait(timeout=60)
        vendor.stdout.close()

    print()
    print(f"warm / sdk rows/s:        {_rate(warm) / _rate(sdk):.2f}x  (target 10x)")
    print(f"connector / sdk rows/s:   {_rate(alone) / _rate(sdk):.2f}x")
    print(f"re-sync / warm wall time: {resync['seconds'] / warm['seconds']:.1%}")
    print(f"Meta feedback (warm):     {warm['feedback']}")


if __name__ == "__main__":
    main()
