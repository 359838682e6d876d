"""Runs one sync of audience `vip` to the fake vendor at a URL, in its own process.

Usage: python sync_kill_runner.py STORE_URL VENDOR_URL. Exit code 0 when the report is ok.
"""

from __future__ import annotations

import asyncio
import sys

from sync_seed import audience

from freehold.core.retry import RetryPolicy
from freehold.core.store import Store
from freehold.core.sync import SyncEngine, SyncOptions, SyncTarget
from freehold.core.testing import FakeConnector, fake_config


def main() -> int:
    store_url, vendor_url = sys.argv[1:3]
    config = fake_config(vendor_url, max_rows=50, requests_per_second=1000)
    target = SyncTarget(
        audience=audience("vip"),
        destination="social_ads",
        connector=FakeConnector(config),
        connector_name="fake",
        account="fake:social_ads",
    )
    retry = RetryPolicy(initial_wait=0.01, max_wait=0.1)
    with Store.open(store_url) as store:
        report = asyncio.run(SyncEngine(store, options=SyncOptions(retry=retry)).sync([target]))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
