"""Soak: tens of thousands of streamed updates with the event loop running, nothing lost.

PySide6 6.12.0 on CPython 3.11 aborted ("Fatal Python error: none_dealloc") after a few thousand
QTextCursor edits (see ENV-NOTES). This drives the real Transcript through 50,000 append_text
calls and thousands of redraws, so a release that brings the bug back fails here, and checks
that the answer arrives whole: no piece lost, none duplicated.
"""

from __future__ import annotations

import re
import time

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat.transcript import Transcript

UPDATES = 50_000
BUDGET_S = 90.0


def pieces() -> list[str]:
    """Return 50,000 pieces: unique words in paragraphs, list items and code fences."""
    out: list[str] = []
    i = 0
    while len(out) < UPDATES:
        if i % 2_000 == 1_000:
            out.append("```python\n")
            out.extend(f"line_{i}_{k} = {k}\n" for k in range(40))
            out.append("```\n\n")
        elif i % 300 == 150:
            out.extend(f"- item w{i:06d}x{k}\n" for k in range(5))
            out.append("\n")
        out.append(f"w{i:06d}")
        out.append("\n\n" if i % 40 == 39 else " ")
        i += 1
    return out[:UPDATES]


def test_fifty_thousand_updates_arrive_complete_and_exact(qtbot: QtBot) -> None:
    view = Transcript(frame_ms=0)  # a frame whenever the loop turns: as many redraws as can be
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    view.add_message("user", "Stream a very long answer, please.")
    view.begin_assistant()
    view.append_reasoning("Planning the answer. " * 50)
    parts = pieces()
    started = time.monotonic()
    for n, piece in enumerate(parts):
        view.append_text(piece)
        if n % 10 == 0:
            QApplication.processEvents()  # frames run between updates, as with a network
        assert time.monotonic() - started < BUDGET_S, f"too slow: {n} updates"
    view.finish()
    qtbot.waitUntil(lambda: not view.busy, timeout=int(BUDGET_S * 1000))
    source = "".join(parts)
    assert view.message_markdown(1) == source
    assert view.stats.frames > 2_000  # it really redrew the view thousands of times

    plain = view.view.toPlainText()
    words = re.findall(r"\bw\d{6}\b", plain)
    expected = re.findall(r"\bw\d{6}\b", source)
    assert words == expected  # every word once, in order: nothing lost or doubled
    for code_line in re.findall(r"line_\d+_\d+ = \d+", source):
        assert plain.count(code_line + "\n") == 1, code_line

    loaded = Transcript()
    qtbot.addWidget(loaded)
    loaded.add_message("user", "Stream a very long answer, please.")
    loaded.add_message("assistant", source)
    assert [line for line in plain.splitlines() if line and line != "▸ Show reasoning"] == [
        line for line in loaded.view.toPlainText().splitlines() if line
    ]
