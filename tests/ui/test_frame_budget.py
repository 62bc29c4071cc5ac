"""The per-frame budget of streamed characters follows how long frames take."""

from __future__ import annotations

from desktop_chat.ui.chat.frame_budget import (
    FRAME_WORK_S,
    MAX_BUDGET,
    MIN_BUDGET,
    RATES_KEPT,
    FrameBudget,
)


def test_slow_frames_shrink_the_budget_down_to_its_floor() -> None:
    budget = FrameBudget(4096)
    sizes = []
    for _ in range(60):
        budget.fit(budget.characters, FRAME_WORK_S * 4)
        sizes.append(budget.characters)
    assert sizes[0] == int(0.8 * 4096)  # a fifth at most per frame: one slow frame is not obeyed
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-1] == MIN_BUDGET


def test_fast_full_frames_grow_it_up_to_its_ceiling_and_idle_ones_do_not() -> None:
    budget = FrameBudget(1024)
    budget.fit(10, FRAME_WORK_S / 10)  # a frame that had little to draw says nothing
    assert budget.characters == 1024
    for _ in range(80):
        budget.fit(budget.characters, FRAME_WORK_S / 10)
    assert budget.characters == MAX_BUDGET


def test_a_one_off_slow_frame_does_not_throttle_the_next_ones() -> None:
    budget = FrameBudget(4096)
    for _ in range(RATES_KEPT):
        budget.fit(budget.characters, FRAME_WORK_S)  # settled: a bite takes the aim
    settled = budget.characters
    for frame in range(60):
        slow = frame % 3 == 0  # a table inserted every third frame: Qt rescans the document
        budget.fit(budget.characters, FRAME_WORK_S * (3 if slow else 1))
        assert budget.characters >= settled * 0.95
    for _ in range(RATES_KEPT):
        budget.fit(budget.characters, FRAME_WORK_S * 3)  # but costly text throughout is obeyed
    assert budget.characters < settled / 2
