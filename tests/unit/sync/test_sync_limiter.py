"""The per-account limiter: declared rate, back-off on throttling, recovery, concurrency."""

from __future__ import annotations

import asyncio
import time

import pytest

from freehold.core.capabilities import BatchLimits
from freehold.core.sync import AccountLimiter, LimiterRegistry

pytestmark = pytest.mark.anyio


def test_throttling_halves_the_rate_and_success_climbs_back_to_the_declared_rate():
    limiter = AccountLimiter(BatchLimits(max_rows=10, requests_per_second=40))
    limiter.throttled()
    assert limiter.rate == 20
    limiter.throttled()
    assert limiter.rate == 10
    for _ in range(100):
        limiter.succeeded()
    assert limiter.rate == 40
    assert limiter.throttles == 2


def test_the_rate_never_falls_below_a_floor():
    limiter = AccountLimiter(BatchLimits(max_rows=10, requests_per_second=64))
    for _ in range(50):
        limiter.throttled()
    assert limiter.rate == pytest.approx(1.0)


def test_an_unpaced_account_starts_pacing_when_throttled():
    limiter = AccountLimiter(BatchLimits(max_rows=10))
    assert limiter.rate is None
    limiter.throttled()
    assert limiter.rate is not None
    assert limiter.rate > 0


async def test_requests_are_paced_at_the_declared_rate():
    limiter = AccountLimiter(BatchLimits(max_rows=10, requests_per_second=50))
    started = time.monotonic()
    for _ in range(11):
        async with limiter.slot():
            pass
    # 11 requests at 50/s with a burst of 1: at least 10 intervals of 20 ms.
    assert time.monotonic() - started >= 0.19


async def test_retry_after_holds_every_request_of_the_account():
    limiter = AccountLimiter(BatchLimits(max_rows=10))
    limiter.throttled(retry_after=0.2)
    started = time.monotonic()
    async with limiter.slot():
        pass
    assert time.monotonic() - started >= 0.19


async def test_no_more_requests_in_flight_than_the_account_allows():
    limiter = AccountLimiter(BatchLimits(max_rows=10, concurrency_per_account=2))
    in_flight = peak = 0

    async def request() -> None:
        nonlocal in_flight, peak
        async with limiter.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1

    await asyncio.gather(*(request() for _ in range(8)))
    assert peak == 2


def test_destinations_on_one_account_share_a_limiter():
    registry = LimiterRegistry()
    limits = BatchLimits(max_rows=10, requests_per_second=5)
    first = registry.for_account("fake:acct_1", limits)
    assert registry.for_account("fake:acct_1", limits) is first
    assert registry.for_account("fake:acct_2", limits) is not first
