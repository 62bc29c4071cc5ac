"""The transcript's text sizes: the steps Ctrl+= and Ctrl+- walk, and their limits. Qt-free."""

from __future__ import annotations

ZOOM_STEPS = (50, 67, 75, 80, 90, 100, 110, 125, 150, 175, 200, 250, 300)  # percent, as browsers
DEFAULT_ZOOM = 100


def clamp_zoom(percent: int) -> int:
    """`percent` within the steps' range (the setting's 50..300)."""
    return max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], percent))


def zoom_step(current: int, step: int) -> int:
    """The next step larger (1) or smaller (-1) than `current`, or the default (0)."""
    if step == 0:
        return DEFAULT_ZOOM
    if step > 0:
        return next((z for z in ZOOM_STEPS if z > current), ZOOM_STEPS[-1])
    return next((z for z in reversed(ZOOM_STEPS) if z < current), ZOOM_STEPS[0])
