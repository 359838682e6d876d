"""The retry policy: retry only retriable errors, honour vendor back-off, stop in bounded time.

Only operations that are safe to replay are retried: freehold's audience writes are idempotent
at the vendor (adding a member twice, or removing one already gone, changes nothing), event
sends carry a deduplication id, and a bare 429 means the vendor did not act. A connector whose
call is not idempotent must not raise `RetriableError` after the vendor may have acted.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_any
from tenacity.stop import stop_after_attempt, stop_before_delay

from freehold.core.errors import RetriableError

__all__ = ["BackoffHint", "RetryPolicy", "retry_call"]

T = TypeVar("T")

BackoffHint = Callable[[BaseException], float | None]
"""Extracts a vendor's own back-off advice (seconds) from an error, or None."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Jittered exponential back-off for retriable errors, bounded in attempts and total time.

    The wait before attempt n+1 is the largest of: the error's `retry_after` (from a
    `Retry-After` header), the connector's hint, and a full-jitter exponential delay
    (`initial * 2**n`, capped at `max_wait`). A vendor asking for longer than the time left
    ends the retries at once rather than sleeping past the budget.
    """

    max_attempts: int = 8
    max_total_seconds: float = 600.0
    initial_wait: float = 0.5
    max_wait: float = 60.0
    hint: BackoffHint | None = None

    def wait_seconds(self, state: RetryCallState) -> float:
        """Return how long to sleep before the next attempt."""
        exc = state.outcome.exception() if state.outcome else None
        exponential = min(self.max_wait, self.initial_wait * 2 ** (state.attempt_number - 1))
        jittered = random.uniform(0, exponential)  # noqa: S311 - jitter, not cryptography
        advised = 0.0
        if isinstance(exc, RetriableError) and exc.retry_after is not None:
            advised = exc.retry_after
        if exc is not None and self.hint is not None:
            advised = max(advised, self.hint(exc) or 0.0)
        return max(jittered, advised)

    def retrying(self) -> AsyncRetrying:
        """Return a tenacity `AsyncRetrying` configured with this policy."""
        return AsyncRetrying(
            retry=retry_if_exception_type(RetriableError),
            wait=self.wait_seconds,
            stop=stop_any(
                stop_after_attempt(self.max_attempts), stop_before_delay(self.max_total_seconds)
            ),
            reraise=True,
        )


async def retry_call(policy: RetryPolicy, call: Callable[[], Awaitable[T]]) -> T:
    """Await `call()` under `policy`, re-raising the last error when retries run out."""
    async for attempt in policy.retrying():
        with attempt:
            return await call()
    msg = "unreachable: tenacity re-raises when it stops"  # pragma: no cover
    raise AssertionError(msg)  # pragma: no cover
