"""Sending a batch so one bad row cannot sink it: splitting, bisection, one outcome per row."""

from __future__ import annotations

import pytest

from freehold.core.errors import (
    AuthError,
    BatchRejectedError,
    BatchTooLargeError,
    TransientError,
)
from freehold.core.models import Outcome, OutcomeStatus
from freehold.core.sync import Isolation, send_isolating

pytestmark = pytest.mark.anyio


class Vendor:
    """Refuses whole batches holding a poisoned item, or more than `max_items` items."""

    def __init__(self, *, poison=(), max_items=1000, failing=False):
        self.poison = set(poison)
        self.max_items = max_items
        self.failing = failing
        self.calls: list[int] = []

    async def send(self, items):
        self.calls.append(len(items))
        if self.failing:
            msg = "POST /v1/x -> 503"
            raise TransientError(msg)
        if len(items) > self.max_items:
            msg = "POST /v1/x -> 413 [too_large]"
            raise BatchTooLargeError(msg, vendor_code="too_large")
        if self.poison & set(items):
            msg = "POST /v1/x -> 400 [batch_rejected]: refused"
            raise BatchRejectedError(msg, vendor_code="batch_rejected")
        return [Outcome.accepted(item) for item in items]


async def test_a_poisoned_item_is_isolated_and_the_others_are_accepted():
    vendor = Vendor(poison={"k13", "k40"})
    items = [f"k{i}" for i in range(64)]
    isolation = Isolation(fit=64)
    outcomes = await send_isolating(items, vendor.send, key=str, isolation=isolation, vendor="fake")
    assert [o.key for o in outcomes] == items
    rejected = {o.key for o in outcomes if o.status is OutcomeStatus.REJECTED}
    assert rejected == {"k13", "k40"}
    assert all(o.code == "batch_rejected" for o in outcomes if o.key in rejected)
    assert isolation.bisections >= 6
    assert isolation.fit == 64


async def test_a_batch_too_large_is_split_and_the_size_that_fits_is_remembered():
    vendor = Vendor(max_items=10)
    items = [f"k{i}" for i in range(40)]
    isolation = Isolation(fit=40)
    outcomes = await send_isolating(items, vendor.send, key=str, isolation=isolation, vendor="fake")
    assert all(o.status is OutcomeStatus.ACCEPTED for o in outcomes)
    assert isolation.fit == 10
    assert isolation.splits == 3
    assert max(size for size in vendor.calls if size <= 10) == 10


async def test_one_item_too_large_alone_is_rejected():
    vendor = Vendor(max_items=0)
    outcomes = await send_isolating(
        ["only"], vendor.send, key=str, isolation=Isolation(fit=1), vendor="fake"
    )
    assert outcomes[0].status is OutcomeStatus.REJECTED
    assert outcomes[0].code == "too_large"


async def test_exhausted_retries_answer_every_item_retriable():
    vendor = Vendor(failing=True)
    outcomes = await send_isolating(
        ["a", "b"], vendor.send, key=str, isolation=Isolation(fit=2), vendor="fake"
    )
    assert [o.status for o in outcomes] == [OutcomeStatus.RETRIABLE] * 2


async def test_a_permanent_error_propagates():
    async def refuse(items):
        msg = "POST /v1/x -> 401"
        raise AuthError(msg)

    with pytest.raises(AuthError):
        await send_isolating(["a"], refuse, key=str, isolation=Isolation(fit=1), vendor="fake")


async def test_a_connector_answering_out_of_order_is_a_permanent_error():
    from freehold.core.errors import PermanentError

    async def shuffled(items):
        return [Outcome.accepted(item) for item in reversed(items)]

    with pytest.raises(PermanentError, match="not one per row in order"):
        await send_isolating(
            ["a", "b"], shuffled, key=str, isolation=Isolation(fit=2), vendor="fake"
        )
