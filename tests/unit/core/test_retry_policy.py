"""The retry policy retries only retriable errors, honours vendor back-off, and stops in time."""

from __future__ import annotations

import time

import pytest
from tenacity import RetryCallState

from freehold.core.errors import (
    AuthError,
    BatchRejectedError,
    RetriableError,
    RowRejectedError,
    ThrottledError,
    TransientError,
)
from freehold.core.retry import RetryPolicy, retry_call

FAST = RetryPolicy(max_attempts=4, initial_wait=0.001, max_wait=0.002)


class Flaky:
    """Fails with each error in `errors` in turn, then returns "done"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def state_after(error: BaseException, attempt: int) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    state.set_exception((type(error), error, None))  # type: ignore[arg-type]
    return state


@pytest.mark.anyio
async def test_retriable_errors_are_retried_until_success() -> None:
    call = Flaky(ThrottledError("429"), TransientError("503"), RetriableError("x"))
    assert await retry_call(FAST, call) == "done"
    assert call.calls == 4


@pytest.mark.anyio
@pytest.mark.parametrize(
    "error",
    [AuthError("401"), BatchRejectedError("400"), RowRejectedError("row"), ValueError("bug")],
    ids=type,
)
async def test_other_errors_are_raised_at_once(error) -> None:
    call = Flaky(error)
    with pytest.raises(type(error)):
        await retry_call(FAST, call)
    assert call.calls == 1


@pytest.mark.anyio
async def test_attempts_are_bounded_and_the_last_error_is_raised() -> None:
    errors = [TransientError(f"try {n}") for n in range(1, 10)]
    call = Flaky(*errors)
    with pytest.raises(TransientError, match="try 4"):
        await retry_call(FAST, call)
    assert call.calls == 4


@pytest.mark.anyio
async def test_a_vendor_wait_longer_than_the_budget_ends_retries_at_once() -> None:
    policy = RetryPolicy(max_attempts=5, max_total_seconds=0.5, initial_wait=0.001)
    call = Flaky(ThrottledError("429", retry_after=60))
    started = time.monotonic()
    with pytest.raises(ThrottledError):
        await retry_call(policy, call)
    assert call.calls == 1
    assert time.monotonic() - started < 30


@pytest.mark.anyio
async def test_retry_after_is_slept_before_the_next_attempt() -> None:
    seen: list[float] = []
    call = Flaky(ThrottledError("429", retry_after=0.05))

    async def timed() -> str:
        seen.append(time.monotonic())
        return await call()

    assert await retry_call(FAST, timed) == "done"
    assert seen[1] - seen[0] >= 0.05


def test_wait_is_the_vendor_retry_after_when_longer_than_the_backoff() -> None:
    policy = RetryPolicy(initial_wait=0.001, max_wait=0.002)
    assert policy.wait_seconds(state_after(ThrottledError("x", retry_after=3), 1)) == 3


def test_the_connector_hint_is_honoured_and_the_longest_advice_wins() -> None:
    policy = RetryPolicy(initial_wait=0.001, max_wait=0.002, hint=lambda exc: 5.0)
    assert policy.wait_seconds(state_after(TransientError("x"), 1)) == 5.0
    assert policy.wait_seconds(state_after(TransientError("x", retry_after=9), 1)) == 9
    silent = RetryPolicy(initial_wait=0.001, max_wait=0.002, hint=lambda exc: None)
    assert silent.wait_seconds(state_after(TransientError("x"), 1)) <= 0.002


def test_backoff_is_full_jitter_exponential_capped_at_max_wait(monkeypatch) -> None:
    monkeypatch.setattr("freehold.core.retry.random.uniform", lambda low, high: high)
    policy = RetryPolicy(initial_wait=0.5, max_wait=3.0)
    waits = [policy.wait_seconds(state_after(TransientError("x"), n)) for n in range(1, 6)]
    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]
    monkeypatch.setattr("freehold.core.retry.random.uniform", lambda low, high: low)
    assert policy.wait_seconds(state_after(TransientError("x"), 4)) == 0


def test_the_default_policy_is_bounded() -> None:
    policy = RetryPolicy()
    assert policy.max_attempts == 8
    assert policy.max_total_seconds == 600
    assert policy.max_wait == 60
