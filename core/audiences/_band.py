"""Hysteresis for computed audiences: enter inside a band, leave only when clearly outside."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Band"]


@dataclass(frozen=True, slots=True)
class Band:
    """The interval `[low, high)` a score must fall in; either edge may be open (None).

    A contact enters when its score is inside the band. A current member stays while its score is
    inside the band widened by the slack on each edge, so a score wobbling around an edge does not
    make the member flap in and out between runs.

    Attributes:
        low: the smallest score inside the band, or None for no lower edge.
        high: the first score above the band, or None for no upper edge.
    """

    low: float | None = None
    high: float | None = None

    def admits(
        self,
        value: float,
        *,
        member: bool,
        slack_low: float = 0.0,
        slack_high: float = 0.0,
    ) -> bool:
        """Return whether `value` belongs to the band for a member (`member=True`) or a newcomer.

        Args:
            value: the score.
            member: whether the contact is a member now.
            slack_low: how far below `low` a member may fall and stay.
            slack_high: how far above `high` a member may rise and stay.
        """
        below = slack_low if member else 0.0
        above = slack_high if member else 0.0
        if self.low is not None and value < self.low - below:
            return False
        return self.high is None or value < self.high + above
