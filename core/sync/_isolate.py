"""Sending one batch so that one bad row cannot sink the others: split, bisect, answer every row.

Shared by audience sync and event delivery: `send_isolating` sends a batch through `send`
(which paces and retries) and always returns one outcome per item, in order, as compact
`Outcomes` (a common answer plus exceptions):

- a batch too large once encoded (`BatchTooLargeError`) is split in two, and `Isolation.fit`
  remembers the size that fitted, so the caller cuts later batches smaller; one item too large
  on its own is rejected with code `too_large`;
- a batch the vendor refused whole because of some item (`BatchRejectedError`) is bisected until
  the bad items are isolated: each is rejected with the vendor's message and code, and the
  innocent items go through;
- when retries run out (`RetriableError`) every item of the batch is answered `retriable`;
- anything else (`PermanentError`) propagates: the caller stops.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from freehold.core.errors import (
    BatchRejectedError,
    BatchTooLargeError,
    PermanentError,
    RetriableError,
)
from freehold.core.models import Outcome, Outcomes, OutcomeStatus

__all__ = ["Isolation", "send_isolating"]

T = TypeVar("T")


@dataclass(slots=True)
class Isolation:
    """What isolating cost, and the batch size that fits.

    Attributes:
        fit: the largest batch size known to fit once encoded (starts at the declared limit).
        splits: batches split because they were too large.
        bisections: batches split to isolate the items that made the vendor refuse them.
    """

    fit: int
    splits: int = 0
    bisections: int = 0


async def send_isolating(
    items: Sequence[T],
    send: Callable[[Sequence[T]], Awaitable[Sequence[Outcome]]],
    *,
    key: Callable[[T], str],
    isolation: Isolation,
    vendor: str,
) -> Outcomes:
    """Send `items` as one batch (or as many as isolating needs); one outcome per item, in order.

    Args:
        items: the batch.
        send: sends a batch and returns one outcome per item, in order (pacing and retries
            are its business).
        key: an item's key, which its outcome must carry.
        isolation: the running counts and the size that fits; updated in place.
        vendor: the connector's name, for the error raised when it answers out of order.

    Raises:
        PermanentError: the vendor's permanent answer, or a connector that did not return one
            outcome per item in order.
    """
    try:
        outcomes = await send(items)
    except BatchTooLargeError as exc:
        if len(items) == 1:
            return Outcomes.of([Outcome.rejected(key(items[0]), str(exc), code="too_large")])
        isolation.splits += 1
        half = len(items) // 2
        isolation.fit = max(1, min(isolation.fit, half))
        return await _halves(items, half, send, key=key, isolation=isolation, vendor=vendor)
    except BatchRejectedError as exc:
        if len(items) == 1:
            code = exc.vendor_code or "batch_rejected"
            return Outcomes.of([Outcome.rejected(key(items[0]), str(exc), code=code)])
        isolation.bisections += 1
        half = len(items) // 2
        return await _halves(items, half, send, key=key, isolation=isolation, vendor=vendor)
    except RetriableError as exc:
        keys = [key(item) for item in items]
        return Outcomes(keys, OutcomeStatus.RETRIABLE, reason=str(exc), code=exc.vendor_code)
    answered = Outcomes.of(outcomes)
    if list(answered.keys) != [key(item) for item in items]:
        msg = (
            f"connector {vendor!r} answered {len(outcomes)} outcomes for a batch of "
            f"{len(items)} rows, not one per row in order"
        )
        raise PermanentError(msg)
    return answered


async def _halves(
    items: Sequence[T],
    half: int,
    send: Callable[[Sequence[T]], Awaitable[Sequence[Outcome]]],
    *,
    key: Callable[[T], str],
    isolation: Isolation,
    vendor: str,
) -> Outcomes:
    first = await send_isolating(items[:half], send, key=key, isolation=isolation, vendor=vendor)
    second = await send_isolating(items[half:], send, key=key, isolation=isolation, vendor=vendor)
    return Outcomes.concat([first, second])
