"""The small-number rule: a share of fewer than SMALL_N answers is shown as a count, never a percentage.

"2 of 3" says what happened; "67%" of three answers claims a precision the data does not have.
From SMALL_N answers up, the share is a whole percentage (rounded half up) and the count stays
in the table view.
"""

from __future__ import annotations

from dataclasses import dataclass

SMALL_N = 10
"""Below this many answers a share is shown as "k of n"."""


@dataclass(frozen=True)
class Share:
    """k of n, with `percent` only when n is large enough to carry one."""

    k: int
    n: int

    @property
    def percent(self) -> int | None:
        if self.n < SMALL_N:
            return None
        return (200 * self.k + self.n) // (2 * self.n)

    @property
    def text(self) -> str:
        """"4 of 5" below SMALL_N, "80%" from it; "none" when nobody answered."""
        if self.n == 0:
            return "none"
        percent = self.percent
        return f"{self.k} of {self.n}" if percent is None else f"{percent}%"

    def __str__(self) -> str:
        return self.text
