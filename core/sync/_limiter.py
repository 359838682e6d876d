"""Pacing: one limiter per vendor account, adaptive to the vendor's throttling.

The limiter starts from the rate the connector declares (`BatchLimits.requests_per_second`,
with `burst` requests allowed at once), halves it when the vendor throttles (and holds every
request for the `Retry-After` the vendor asked for), and climbs back towards the declared rate
as requests succeed (additive increase, multiplicative decrease). A semaphore keeps at most
`concurrency_per_account` requests in flight on the account, across all audiences.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from freehold.core.capabilities import BatchLimits

__all__ = ["AccountLimiter", "LimiterRegistry"]

_FLOOR_SHARE = 1 / 64
"""The rate never falls below this share of the declared rate (or 0.5 request/s unpaced)."""
_RECOVERY_SHARE = 1 / 20
"""Each success gives back this share of the declared rate."""
_UNPACED_START = 50.0
"""When a connector declares no rate and the vendor throttles, pacing starts from here."""


class AccountLimiter:
    """Paces and bounds the requests of one vendor account.

    Use `async with limiter.slot():` around each request; report `throttled()` when the
    vendor pushed back and `succeeded()` when it answered.
    """

    def __init__(self, limits: BatchLimits) -> None:
        self.declared = limits.requests_per_second
        self.rate = limits.requests_per_second
        self.burst = float(limits.burst or 1)
        self.concurrency = limits.concurrency_per_account
        self.throttles = 0
        self._tokens = self.burst
        self._stamp = time.monotonic()
        self._held_until = 0.0
        self._lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(limits.concurrency_per_account)

    def __repr__(self) -> str:
        return (
            f"<AccountLimiter rate={self.rate} declared={self.declared} "
            f"concurrency={self.concurrency} throttles={self.throttles}>"
        )

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for a free request slot within the account's concurrency and rate."""
        async with self._in_flight:
            await self._pace()
            yield

    async def _pace(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                if now < self._held_until:
                    await asyncio.sleep(self._held_until - now)
                    continue
                if self.rate is None:
                    return
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                await asyncio.sleep((1.0 - self._tokens) / self.rate)

    def throttled(self, retry_after: float | None = None) -> None:
        """Slow down: halve the rate and hold every request for `retry_after` seconds."""
        self.throttles += 1
        base = self.declared or _UNPACED_START
        current = self.rate if self.rate is not None else base
        self.rate = max(base * _FLOOR_SHARE, 0.5 if self.declared is None else 0.0, current / 2)
        self._tokens = min(self._tokens, 0.0)
        if retry_after:
            self._held_until = max(self._held_until, time.monotonic() + retry_after)

    def succeeded(self) -> None:
        """Speed up again, by a small step, never past the declared rate."""
        if self.rate is None:
            return
        ceiling = self.declared if self.declared is not None else _UNPACED_START * 4
        self.rate = min(ceiling, self.rate + ceiling * _RECOVERY_SHARE)


class LimiterRegistry:
    """One `AccountLimiter` per vendor account key, shared by every audience synced to it."""

    def __init__(self) -> None:
        self._limiters: dict[str, AccountLimiter] = {}

    def for_account(self, account: str, limits: BatchLimits) -> AccountLimiter:
        """Return the limiter of `account`, created from `limits` the first time."""
        limiter = self._limiters.get(account)
        if limiter is None:
            limiter = AccountLimiter(limits)
            self._limiters[account] = limiter
        return limiter
