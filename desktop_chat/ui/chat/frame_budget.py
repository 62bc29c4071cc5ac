"""How much streamed text the transcript draws per frame, fitted to how long frames take."""

from __future__ import annotations

import statistics
from collections import deque

FRAME_WORK_S = 0.004  # aim a frame's drawing at a quarter of a 60 Hz frame; the loop keeps the rest
MIN_BUDGET, MAX_BUDGET = 256, 65_536  # characters of streamed text taken in per frame
RATES_KEPT = 8  # recent full frames whose cost per character is weighed
STEP = 1.25  # the budget moves at most by this factor per frame, either way


class FrameBudget:
    """Size each frame's bite so that drawing it takes about FRAME_WORK_S.

    Every frame that drew a full bite tells what a character costs now; the budget follows the
    median of the last RATES_KEPT of those. So a run of costly text (code) shrinks it within a
    few frames, while a one-off slow frame does not: inserting a table makes Qt rescan the whole
    document (~3 ms more at 1,000 messages), and if those frames throttled the next ones, a
    long conversation would draw the same answer in more, smaller frames.
    """

    def __init__(self, characters: int = 1024) -> None:
        self.characters = characters
        self._rates: deque[float] = deque(maxlen=RATES_KEPT)  # seconds per character

    def fit(self, taken: int, spent: float) -> None:
        """Learn from a frame that drew `taken` characters in `spent` seconds."""
        if taken < self.characters:  # it had little to draw: its cost says little about a bite
            return
        self._rates.append(spent / taken)
        fitted = FRAME_WORK_S / max(statistics.median(self._rates), 1e-9)
        low, high = self.characters / STEP, self.characters * STEP
        self.characters = int(min(MAX_BUDGET, max(MIN_BUDGET, low, min(high, fitted))))
