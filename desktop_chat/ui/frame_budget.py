"""How much streamed text the transcript draws per frame, fitted to how long frames take."""

from __future__ import annotations

FRAME_WORK_S = 0.004  # aim a frame's drawing at a quarter of a 60 Hz frame; the loop keeps the rest
MIN_BUDGET, MAX_BUDGET = 256, 65_536  # characters of streamed text taken in per frame


class FrameBudget:
    """Grow or shrink the characters drawn per frame so a frame takes about FRAME_WORK_S.

    Smoothed, so one slow frame (Qt rescanning the document after a table) does not shrink the
    budget for good; prose then gets larger bites than code or tables.
    """

    def __init__(self, characters: int = 1024) -> None:
        self.characters = characters
        self._work = FRAME_WORK_S  # smoothed seconds a frame took

    def fit(self, taken: int, spent: float) -> None:
        """Learn from a frame that drew `taken` characters in `spent` seconds."""
        self._work = 0.7 * self._work + 0.3 * spent
        if self._work > FRAME_WORK_S * 1.25:
            self.characters = max(MIN_BUDGET, int(self.characters * 0.8))
        elif self._work < FRAME_WORK_S * 0.8 and taken >= self.characters:
            self.characters = min(MAX_BUDGET, int(self.characters * 1.25))
