"""A sync process killed with SIGKILL mid-run, then started again, against a vendor process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sync_seed import email_digest

from freehold.core.store.schema import runs
from freehold.core.testing import FAKE_API_KEY

HERE = Path(__file__).parent
MEMBERS = 2_000


@pytest.fixture
def vendor() -> Iterator[httpx.Client]:
    """The fake vendor in its own process, and a client of its test routes."""
    server = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(HERE / "sync_kill_server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    assert server.stdin is not None
    url = server.stdout.readline().strip()
    headers = {"authorization": f"Bearer {FAKE_API_KEY}"}
    try:
        with httpx.Client(base_url=url, headers=headers, trust_env=False) as client:
            yield client
    finally:
        server.stdin.close()
        server.wait(timeout=15)
        server.stdout.close()


def _runner(store_url: str, vendor_url: str) -> list[str]:
    return [sys.executable, str(HERE / "sync_kill_runner.py"), store_url, vendor_url]


@pytest.mark.slow
def test_a_sync_killed_mid_run_finishes_without_resending_acknowledged_batches(
    tmp_path, store, seed, vendor
):
    seed.contacts(range(1, MEMBERS + 1))
    seed.audience("vip", range(1, MEMBERS + 1))
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    command = _runner(store_url, str(vendor.base_url).rstrip("/"))
    process = subprocess.Popen(command)  # noqa: S603 - our own script
    deadline = time.monotonic() + 60
    while len(seed.ledger("vip", "social_ads")) < MEMBERS // 5:
        assert process.poll() is None, "the sync finished before it could be killed"
        assert time.monotonic() < deadline, "the sync made no progress"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    acknowledged = set(seed.ledger("vip", "social_ads"))
    assert len(acknowledged) < MEMBERS
    time.sleep(0.5)  # requests the killed process left in flight finish at the vendor
    vendor.post("/_test/reset").raise_for_status()

    finished = subprocess.run(command, check=False, timeout=120)  # noqa: S603 - our own script
    assert finished.returncode == 0

    state = vendor.get("/_test/received").json()
    resent = set(state["received"])
    assert not resent & {email_digest(pk) for pk in acknowledged}
    assert all(count == 1 for count in state["received"].values())
    assert set(state["members"]) == {email_digest(pk) for pk in range(1, MEMBERS + 1)}
    with store.engine.connect() as conn:
        states = dict(conn.execute(select(runs.c.status, runs.c.session_state)).all())
    assert set(states) == {"interrupted", "succeeded"}
    assert states["succeeded"]["session_id"] == states["interrupted"]["session_id"]
    assert set(seed.ledger("vip", "social_ads")) == set(range(1, MEMBERS + 1))
