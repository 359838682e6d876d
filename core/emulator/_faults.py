"""Fault switches: throttling, server errors, timeouts, dropped connections and latency."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Fault", "FaultSwitch"]


class Fault(StrEnum):
    """A kind of misbehaviour an emulator can inject."""

    THROTTLE = "throttle"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    DROP = "drop"
    LATENCY = "latency"


@dataclass(slots=True)
class FaultSwitch:
    """Inject `fault` on a share of requests (`rate`) or on chosen request numbers (`on`).

    Request numbers count from 1, from when the switch is injected, over the requests whose path
    matches `path` (a regex searched in the path; None matches all). `seconds` is the added
    latency, or how long a timeout holds.
    """

    fault: Fault
    rate: float = 0.0
    on: frozenset[int] = frozenset()
    path: str | None = None
    seconds: float = 0.0
    seen: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            msg = "rate must be between 0 and 1"
            raise ValueError(msg)
        self._pattern = re.compile(self.path) if self.path else None

    def fires(self, path: str, rng: random.Random) -> bool:
        """Count a request on `path` and say whether this switch fires for it."""
        if self._pattern is not None and not self._pattern.search(path):
            return False
        self.seen += 1
        if self.seen in self.on:
            return True
        return self.rate > 0 and rng.random() < self.rate
