"""What a vendor said about each row: one outcome per row, always."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from enum import StrEnum
from typing import overload

from pydantic import Field

from freehold.core.models._base import NeutralModel

__all__ = ["Outcome", "OutcomeStatus", "Outcomes"]


class OutcomeStatus(StrEnum):
    """The fate of one row sent to a vendor."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RETRIABLE = "retriable"
    PENDING = "pending"


class Outcome(NeutralModel):
    """The vendor's answer for one row, keyed by the row's key (member key or event id).

    `reason` and `code` are the vendor's words for a rejection; they never contain the row's
    personal values. `vendor_ref` is what the vendor assigned (a job id while pending, a
    profile id once accepted).
    """

    key: str
    status: OutcomeStatus
    reason: str | None = None
    code: str | None = None
    vendor_ref: str | None = Field(default=None)

    @classmethod
    def accepted(cls, key: str, *, vendor_ref: str | None = None) -> Outcome:
        """Return an accepted outcome for `key`."""
        return cls(key=key, status=OutcomeStatus.ACCEPTED, vendor_ref=vendor_ref)

    @classmethod
    def rejected(cls, key: str, reason: str, *, code: str | None = None) -> Outcome:
        """Return a rejected outcome for `key` with the vendor's reason and code."""
        return cls(key=key, status=OutcomeStatus.REJECTED, reason=reason, code=code)

    @classmethod
    def retriable(cls, key: str, reason: str, *, code: str | None = None) -> Outcome:
        """Return an outcome saying `key` should be sent again later."""
        return cls(key=key, status=OutcomeStatus.RETRIABLE, reason=reason, code=code)

    @classmethod
    def pending(cls, key: str, *, vendor_ref: str | None = None) -> Outcome:
        """Return an outcome awaiting an asynchronous vendor job (`vendor_ref`)."""
        return cls(key=key, status=OutcomeStatus.PENDING, vendor_ref=vendor_ref)


class Outcomes(Sequence[Outcome]):
    """One batch's outcomes in row order, held compactly: a common answer plus exceptions.

    Most batches are answered the same way for almost every row ("all accepted except these
    three"). Building a model per row costs more than the rest of a warm sync, so a connector
    returns `Outcomes(keys, exceptions={index: Outcome.rejected(...)})`; the engine reads the
    common answer and the exceptions without materializing the others. As a `Sequence` it
    still yields one `Outcome` per row, built on access.

    Args:
        keys: the rows' keys, in batch order.
        status, reason, code, vendor_ref: the answer of every row not in `exceptions`.
        exceptions: row index → that row's own outcome (its key must be `keys[index]`).
    """

    __slots__ = ("_exceptions", "code", "keys", "reason", "status", "vendor_ref")

    def __init__(
        self,
        keys: Sequence[str],
        status: OutcomeStatus = OutcomeStatus.ACCEPTED,
        *,
        reason: str | None = None,
        code: str | None = None,
        vendor_ref: str | None = None,
        exceptions: Mapping[int, Outcome] | None = None,
    ) -> None:
        self.keys = keys
        self.status = OutcomeStatus(status)
        self.reason = reason
        self.code = code
        self.vendor_ref = vendor_ref
        self._exceptions = dict(exceptions) if exceptions else {}
        for index, outcome in self._exceptions.items():
            if not 0 <= index < len(keys) or outcome.key != keys[index]:
                msg = f"exception at row {index} does not match the batch's keys"
                raise ValueError(msg)

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> Outcomes:
        """Return `outcomes` as `Outcomes`.

        From a plain list, accepted rows without a vendor reference take the common answer;
        the others become exceptions.
        """
        if isinstance(outcomes, Outcomes):
            return outcomes
        plain = OutcomeStatus.ACCEPTED
        return cls(
            [outcome.key for outcome in outcomes],
            exceptions={
                index: outcome
                for index, outcome in enumerate(outcomes)
                if outcome.status is not plain or outcome.vendor_ref is not None
            },
        )

    @classmethod
    def concat(cls, parts: Sequence[Outcomes]) -> Outcomes:
        """Join the outcomes of consecutive batches; the largest part's answer is the common one."""
        if len(parts) == 1:
            return parts[0]
        main = max(parts, key=len)
        keys: list[str] = []
        exceptions: dict[int, Outcome] = {}
        for part in parts:
            offset = len(keys)
            keys.extend(part.keys)
            if part.same_answer(main):
                exceptions.update({offset + i: o for i, o in part.exceptions.items()})
            else:
                exceptions.update({offset + i: part[i] for i in range(len(part))})
        return cls(
            keys,
            main.status,
            reason=main.reason,
            code=main.code,
            vendor_ref=main.vendor_ref,
            exceptions=exceptions,
        )

    @property
    def exceptions(self) -> Mapping[int, Outcome]:
        """Return row index → outcome for the rows not answered the common way."""
        return self._exceptions

    def take(self, indices: Sequence[int]) -> Outcomes:
        """Return the outcomes of the rows at `indices`, in that order."""
        exceptions = self._exceptions
        return Outcomes(
            [self.keys[i] for i in indices],
            self.status,
            reason=self.reason,
            code=self.code,
            vendor_ref=self.vendor_ref,
            exceptions={new: exceptions[i] for new, i in enumerate(indices) if i in exceptions},
        )

    def same_answer(self, other: Outcomes) -> bool:
        """Say whether `other` has the same common answer."""
        return (self.status, self.reason, self.code, self.vendor_ref) == (
            other.status,
            other.reason,
            other.code,
            other.vendor_ref,
        )

    def counts(self) -> dict[OutcomeStatus, int]:
        """Return the number of rows per status."""
        tally = {self.status: len(self.keys) - len(self._exceptions)}
        for outcome in self._exceptions.values():
            tally[outcome.status] = tally.get(outcome.status, 0) + 1
        return {status: n for status, n in tally.items() if n}

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, index: int) -> Outcome: ...

    @overload
    def __getitem__(self, index: slice) -> Outcomes: ...

    def __getitem__(self, index: int | slice) -> Outcome | Outcomes:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self.keys))
            if step != 1:
                msg = "Outcomes slices take every row"
                raise ValueError(msg)
            return Outcomes(
                self.keys[start:stop],
                self.status,
                reason=self.reason,
                code=self.code,
                vendor_ref=self.vendor_ref,
                exceptions={i - start: o for i, o in self._exceptions.items() if start <= i < stop},
            )
        if index < 0:
            index += len(self.keys)
        found = self._exceptions.get(index)
        if found is not None:
            return found
        return Outcome(
            key=self.keys[index],
            status=self.status,
            reason=self.reason,
            code=self.code,
            vendor_ref=self.vendor_ref,
        )

    def __add__(self, other: Sequence[Outcome]) -> Outcomes:
        return Outcomes.concat([self, Outcomes.of(other)])

    def __iter__(self) -> Iterator[Outcome]:
        for index in range(len(self.keys)):
            yield self[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        counts = ", ".join(f"{status.value}={n}" for status, n in self.counts().items())
        return f"<Outcomes rows={len(self)} {counts}>"
