"""The inspector in the real window: every turn recorded, kept with its message, shown on demand.

Both protocols, against the scripted SSE server, with the real tool loop and a key in the
(session) key store, as a user meets them: send, approve, press Ctrl+I or Inspect.
"""

from __future__ import annotations

import shlex

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from desktop_chat.inspector.export import curl_command, jsonl_lines
from desktop_chat.ui.main_window import MainWindow
from tests.support.sse_server import Reply
from tests.support.streams import openai_stream
from tests.support.transcript import click_link
from tests.support.window import (
    KEY,
    keyed,
    local,
    opened,
    outcomes,
    send,
    settings_for,
    wait_outcome,
)
from tests.support.wire import BOTH, OPENAI


def rows(window: MainWindow) -> list[str]:
    """The kinds of the rows the dock shows, top to bottom."""
    dock = window.inspector.dock
    assert dock is not None
    dock.refresh()
    return [dock.model.entry(row).kind for row in range(dock.model.rowCount())]


@BOTH
def test_a_tool_turn_is_recorded_and_shown_for_each_of_its_entries(
    qtbot, open_window, sse_server, wire
):
    sse_server.script(
        wire.calls(("c1", "calculator", ['{"expression"', ': "6*7"}']), text=["Let me."]),
        wire.text(f"It is 42. (A server echoing the key: {KEY})"),
    )
    settings = settings_for(wire, sse_server, always_allow=("builtin:calculator",))
    window = opened(open_window, settings, "builtin:calculator")
    seen = outcomes(window)
    assert window.inspector.dock is None  # made on first use, not at start-up
    send(qtbot, window, "what is 6*7?")
    assert wait_outcome(qtbot, seen, window=window) == "finished"

    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dock = window.inspector.dock
    assert dock is not None
    qtbot.waitUntil(dock.isVisible)
    assert dock.windowTitle() == "Inspector — what is 6*7?"
    kinds = rows(window)
    assert kinds.count("request") == 2  # one per step
    assert {"response", "sse", "text", "tool", "stop"} <= set(kinds)
    inspection = dock.inspection
    assert inspection is not None
    assert inspection.finished
    assert inspection.error is None
    (call,) = inspection.tool_calls
    assert (call.name, call.arguments, call.parsed) == (
        "calculator",
        '{"expression": "6*7"}',
        {"expression": "6*7"},
    )
    assert (call.approval, call.result, call.is_error) == ("always", "42", False)
    first, second = inspection.requests
    assert first.status == second.status == 200
    assert first.ttfb is not None
    assert first.first_token is not None
    assert first.last_token is not None
    assert first.ttfb <= first.first_token <= first.last_token
    # The step's answer, its tool results and the final answer all show this one inspection.
    assert [window.inspector.inspection_for(i) for i in (1, 2, 3)] == [inspection] * 3

    # The key reached the server and came back in the answer, but it is in nothing the
    # inspector holds or exports.
    assert KEY in repr(sse_server.requests[0].headers)
    assert KEY in window.transcript_text()
    command = curl_command(second)
    assert KEY not in command + jsonl_lines(inspection) + repr(first.headers)
    words = shlex.split(command)
    variable = "${OPENAI_API_KEY}" if wire is OPENAI else "${ANTHROPIC_API_KEY}"
    assert any(variable in word for word in words)
    assert dock.copy_curl() == command
    assert QGuiApplication.clipboard().text() == command


def two_answers(qtbot, open_window, sse_server, *answers: str) -> tuple[MainWindow, list[str]]:
    """A window that asked "one" and "two" and got the first two of `answers`."""
    sse_server.script(*(Reply(chunks=openai_stream([text])) for text in answers))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    for count, question in enumerate(("one", "two"), 1):
        send(qtbot, window, question)
        wait_outcome(qtbot, seen, count, window=window)
    return window, seen


def test_inspect_shows_an_earlier_answer_and_a_new_turn_goes_live(qtbot, open_window, sse_server):
    window, seen = two_answers(qtbot, open_window, sse_server, "First.", "Second.")
    first, second = (window.inspector.inspection_for(i) for i in (1, 3))
    assert first is not None
    assert second is not None
    assert first is not second

    click_link(qtbot, window.transcript, "Inspect", nth=0)  # the first answer's link
    dock = window.inspector.dock
    assert dock is not None
    qtbot.waitUntil(dock.isVisible)
    assert dock.inspection is first
    assert dock.windowTitle() == "Inspector — one"
    assert "'First.'" in [dock.model.entry(r).summary for r in range(dock.model.rowCount())]

    sse_server.script(Reply(chunks=openai_stream(["Third."])))
    send(qtbot, window, "three")
    wait_outcome(qtbot, seen, 3, window=window)
    assert dock.inspection is window.inspector.inspection_for(5)
    assert dock.windowTitle() == "Inspector — three"


def test_edit_and_resend_drops_the_inspections_of_replaced_answers(qtbot, open_window, sse_server):
    window, seen = two_answers(qtbot, open_window, sse_server, "A.", "B.", "C.")
    kept, replaced = (window.inspector.inspection_for(i) for i in (1, 3))
    window.chat.begin_edit(0)
    send(qtbot, window, "one, again")
    wait_outcome(qtbot, seen, 3, window=window)
    fresh = window.inspector.inspection_for(1)
    assert fresh is not kept
    assert fresh is not replaced
    assert window.inspector.inspection_for(3) is fresh  # nothing after it survives


def test_a_failed_and_a_stopped_answer_are_recorded_as_such(qtbot, open_window, sse_server):
    sse_server.script(
        Reply(status=401, body=b'{"error": {"message": "bad key"}}'),
        Reply(chunks=openai_stream(["slow "] * 200), delay=0.05),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    failed = window.inspector.inspection_for(1)
    assert failed is not None
    assert failed.finished
    assert failed.error is not None
    assert "bad key" in failed.error
    assert failed.requests[-1].status == 401

    window.chat.retry()
    qtbot.waitUntil(lambda: "slow" in window.transcript_text(), timeout=10_000)
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_Escape)
    assert wait_outcome(qtbot, seen, 2, window=window) == "stopped"
    stopped = window.inspector.inspection_for(1)
    assert stopped is not failed
    assert stopped is not None
    assert stopped.requests[-1].outcome == "stopped"
    assert (stopped.stopped, stopped.error) == (True, None)

    window.inspector.show_message(1)  # as the Inspect link does: a neutral end, no red row
    dock = window.inspector.dock
    assert dock is not None
    assert rows(window)[-1] == "stop"
    assert "error" not in rows(window)
    assert dock.model.entry(dock.model.rowCount() - 1).summary == "Stopped by you"
    assert "stopped by you" in dock.summary.text()
    assert "failed" not in dock.summary.text()
