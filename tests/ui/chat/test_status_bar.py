"""A narrow window elides the status bar's text, and each part keeps its whole text as tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.core.events import TextDelta, Usage
from desktop_chat.ui.chat.status_bar import StatusBar

ENDPOINT = "A rather long endpoint name for the team's own gateway"
MODEL = "claude-3-7-sonnet-20250219-with-a-long-suffix"
ERROR = (
    "Could not fetch the model list: the server closed the connection before it answered, "
    "and the next try waits for the rate limit to pass"
)


def _window(qtbot: QtBot, width: int) -> tuple[QMainWindow, StatusBar]:
    """A window with a status bar showing a long target and a finished answer's figures."""
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QWidget())
    now = [0.0]
    bar = StatusBar(window, clock=lambda: now[0])
    window.setStatusBar(bar)
    bar.set_target(ENDPOINT, MODEL)
    bar.turn_started()
    now[0] = 0.5
    bar.record([TextDelta("Hello")])
    now[0] = 2.5
    bar.record([TextDelta(" there"), Usage(input_tokens=12345, output_tokens=678)])
    window.resize(width, 300)
    window.show()
    qtbot.waitExposed(window)
    return window, bar


def test_a_narrow_window_elides_the_figures_and_keeps_them_whole_in_tooltips(qtbot: QtBot) -> None:
    window, bar = _window(qtbot, 720)
    target = bar.target_label
    assert target.text() == f"{ENDPOINT} · {MODEL}"  # whole for screen readers
    assert "…" in target.shown_text()
    assert target.shown_text().startswith("A rather")  # the endpoint's start and the model's end
    assert target.shown_text().endswith("suffix")
    assert target.toolTip() == target.text()

    window.resize(400, 300)
    qtbot.waitUntil(lambda: window.width() == 400, timeout=2000)
    usage = bar.usage_label
    assert usage.text() == "in 12,345 · out 678"
    assert usage.shown_text().endswith("…")
    assert usage.toolTip() == usage.text()
    # The figures no longer hold the window wide (their whole width was ~575 px).
    assert window.minimumSizeHint().width() <= 400
    bar.grab()  # drawn elided without a warning


def test_a_long_passing_message_is_elided_with_the_whole_as_tooltip(qtbot: QtBot) -> None:
    _, bar = _window(qtbot, 720)
    bar.show_error(ERROR)
    assert bar.currentMessage() == ERROR
    assert bar.shown_message().endswith("…")
    assert len(bar.shown_message()) < len(ERROR)
    assert bar.toolTip() == ERROR
    bar.grab()

    bar.showMessage("Copied")
    assert bar.shown_message() == "Copied"
    bar.clearMessage()
    assert bar.toolTip() == ""
