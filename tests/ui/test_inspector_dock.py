"""The inspector dock fed live by the real engine and tool loop against the scripted server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.core.errors import ConnectionFailedError
from desktop_chat.core.events import AttemptStarted, RetryScheduled, TextDelta
from desktop_chat.inspector.export import curl_command
from desktop_chat.inspector.inspection import Inspection
from desktop_chat.tools.events import Decision, PendingCall, Run
from desktop_chat.ui.inspector.dock import InspectorDock
from desktop_chat.ui.inspector.json import JsonNode
from tests.inspector.recording import (
    ANTHROPIC,
    KEY,
    OPENAI,
    Recording,
    make_engine,
    run_all,
    run_loop,
    run_turn,
)
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

RunAsync = Callable[..., object]


class Growth:
    """Counts how the dock's model changed: inserts (rows added) and full resets."""

    def __init__(self, dock: InspectorDock) -> None:
        self.inserts: list[tuple[int, int]] = []
        self.resets = 0
        dock.model.rowsInserted.connect(lambda _, first, last: self.inserts.append((first, last)))
        dock.model.modelReset.connect(self._on_reset)

    def _on_reset(self) -> None:
        self.resets += 1


@pytest.fixture
def dock(qtbot: QtBot) -> Iterator[InspectorDock]:
    widget = InspectorDock(poll_ms=20)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    yield widget
    widget.timer.stop()


async def loop_run(server: ScriptedServer, recording: Recording, approve: object = run_all) -> None:
    await run_loop(OPENAI.endpoint(server), recording, approve=approve)
    recording.inspection.finish()


def shown_answer(dock: InspectorDock, run_async: RunAsync, server: ScriptedServer) -> Recording:
    """Stream a short Anthropic answer into a recording the dock shows; return it."""
    server.script(ANTHROPIC.text("Hi"))
    recording = Recording()
    dock.show_inspection(recording.inspection)
    run_async(run_turn(make_engine(), ANTHROPIC.endpoint(server), recording))
    dock.refresh()
    return recording


def script_tool_answer(server: ScriptedServer) -> None:
    server.script(
        OPENAI.calls(
            ("c1", "calculator", ['{"expres', 'sion": "(2+3)', '*4"}']),
            ("c2", "calculator", ['{"expression": ', '"1+']),
            text=["Let me compute."],
        ),
        OPENAI.text("It is ", "20."),
    )


def test_rows_appear_while_the_answer_streams_by_inserts_only(
    dock: InspectorDock,
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(chunks=openai_stream(list("streaming")), delay=0.03))
    recording = Recording()
    dock.show_inspection(recording.inspection, "live answer")
    growth = Growth(dock)
    task = loop.create_task(run_turn(make_engine(), OPENAI.endpoint(sse_server), recording))
    qtbot.waitUntil(lambda: dock.model.rowCount() >= 6, timeout=5000)
    assert not task.done()  # the rows came while the stream was still running
    qtbot.waitUntil(task.done, timeout=10_000)
    task.result()
    qtbot.waitUntil(lambda: dock.model.rowCount() == len(recording.inspection.entries))
    assert growth.resets == 0
    assert len(growth.inserts) >= 2
    starts = [first for first, _ in growth.inserts]
    ends = [last for _, last in growth.inserts]
    assert starts == [0, *(end + 1 for end in ends[:-1])]  # each batch follows the one before
    assert dock.windowTitle() == "Inspector — live answer"
    assert dock.summary.text().startswith("HTTP 200 · TTFB ")
    assert dock.picker.count() == 2
    assert dock.picker.itemText(1).startswith("Step 1 · attempt 1 · HTTP 200")


def test_filter_by_kind_search_and_request_narrow_the_rows(
    dock: InspectorDock, run_async: RunAsync, sse_server: ScriptedServer
) -> None:
    script_tool_answer(sse_server)
    recording = Recording()
    dock.show_inspection(recording.inspection)
    run_async(loop_run(sse_server, recording))
    dock.refresh()
    entries = recording.inspection.entries
    assert dock.proxy.rowCount() == len(entries)

    dock.kind_actions["sse"].setChecked(False)
    assert dock.proxy.rowCount() == sum(e.kind != "sse" for e in entries)
    assert dock.kinds_button.text() == "Kinds: 11 of 12"
    for kind in ("step", "attempt", "request", "response", "text", "usage", "stop"):
        dock.kind_actions[kind].setChecked(False)
    shown = [dock.proxy.index(row, 2).data() for row in range(dock.proxy.rowCount())]
    assert set(shown) == {"tool"}

    dock.search.setText("CHECKED")
    rows = [dock.proxy.index(row, 3).data() for row in range(dock.proxy.rowCount())]
    assert rows == [
        "calculator checked: arguments match the schema",
        "calculator checked: arguments not JSON: Unterminated string starting at line 1 "
        "column 16 (character 15)",
    ]
    dock.search.clear()
    dock.picker.setCurrentIndex(2)  # step 2's request: no tool calls streamed there
    assert dock.proxy.rowCount() == 0
    for action in dock.kind_actions.values():
        action.setChecked(True)
    assert dock.proxy.rowCount() == len(recording.inspection.requests[1].entries)
    assert dock.summary.text().startswith("HTTP 200")
    assert "2 tool calls" in dock.summary.text()


def test_tool_calls_show_their_live_state(
    dock: InspectorDock, qtbot: QtBot, loop: asyncio.AbstractEventLoop, sse_server: ScriptedServer
) -> None:
    script_tool_answer(sse_server)
    go_on = asyncio.Event()

    async def approve(pending: PendingCall) -> Decision:
        await go_on.wait()
        return Run()

    recording = Recording()
    dock.show_inspection(recording.inspection)
    task = loop.create_task(loop_run(sse_server, recording, approve))
    qtbot.waitUntil(lambda: dock.tool_view.topLevelItemCount() == 2, timeout=5000)
    first = dock.tool_view.call_item("c1")
    assert first is not None
    qtbot.waitUntil(lambda: first.text(2) == "awaiting approval", timeout=5000)
    assert first.child(0).text(0) == 'Arguments: {"expression": "(2+3)*4"}'
    go_on.set()
    qtbot.waitUntil(task.done, timeout=10_000)
    task.result()
    qtbot.waitUntil(lambda: first.text(2) == "done")
    assert first.child(4).text(0).startswith("Result: Result after ")
    assert first.child(4).text(0).endswith(": 20")
    second = dock.tool_view.call_item("c2")
    assert second is not None
    assert second.text(2) == "failed"
    assert second.child(1).text(0) == (
        "Parsed: Not a JSON object: Unterminated string starting at line 1 column 16 (character 15)"
    )


def test_selecting_a_row_shows_raw_and_parsed(
    dock: InspectorDock, run_async: RunAsync, sse_server: ScriptedServer
) -> None:
    recording = shown_answer(dock, run_async, sse_server)
    row = next(n for n, e in enumerate(recording.inspection.entries) if e.kind == "request")
    dock.view.setCurrentIndex(dock.proxy.index(row, 0))
    assert dock.tabs.currentWidget() is dock.details
    assert dock.details.raw.toPlainText().startswith(f"POST {sse_server.url}/v1/messages\n")
    assert KEY not in dock.details.raw.toPlainText()
    body = dock.details.parsed.expand_path("body", "messages")
    assert isinstance(body, JsonNode)
    assert body.text(1) == "[1 item]"
    assert body.childCount() == 1  # children made when it was expanded
    sse_row = next(n for n, e in enumerate(recording.inspection.entries) if e.kind == "sse")
    dock.view.setCurrentIndex(dock.proxy.index(sse_row, 0))
    assert dock.details.raw.toPlainText().startswith("event: message_start\ndata: {")
    top = dock.details.parsed.topLevelItem(0)
    assert top is not None
    assert (top.text(0), top.text(1)) == ("type", '"message_start"')
    assert dock.request_view.expand_path("response", "status") is not None
    assert dock.request_view.expand_path("response", "status").text(1) == "200"  # type: ignore[union-attr]


def test_switching_inspections_shows_the_other_one(
    dock: InspectorDock, run_async: RunAsync, sse_server: ScriptedServer
) -> None:
    script_tool_answer(sse_server)
    sse_server.script(OPENAI.text("plain"))
    first, second = Recording(), Recording()
    run_async(loop_run(sse_server, first))
    run_async(run_turn(make_engine(), OPENAI.endpoint(sse_server), second))
    dock.show_inspection(first.inspection, "first")
    assert dock.model.rowCount() == len(first.inspection.entries)
    assert dock.tool_view.topLevelItemCount() == 2
    assert dock.picker.count() == 3
    dock.picker.setCurrentIndex(1)
    dock.show_inspection(second.inspection, "second")
    assert dock.windowTitle() == "Inspector — second"
    assert dock.model.rowCount() == dock.proxy.rowCount() == len(second.inspection.entries)
    assert dock.tool_view.topLevelItemCount() == 0
    assert dock.picker.count() == 2
    assert dock.picker.currentIndex() == 0
    dock.show_inspection(None)
    assert dock.model.rowCount() == 0
    assert dock.summary.text() == "No answer to inspect yet."
    assert not dock.copy_button.isEnabled()
    assert not dock.save_button.isEnabled()


def test_copy_as_curl_puts_a_command_without_the_key_on_the_clipboard(
    dock: InspectorDock, run_async: RunAsync, sse_server: ScriptedServer
) -> None:
    recording = shown_answer(dock, run_async, sse_server)
    QGuiApplication.clipboard().clear()
    dock.copy_button.click()
    text = QGuiApplication.clipboard().text()
    assert text == curl_command(recording.inspection.requests[0])
    assert '-H "x-api-key: ${ANTHROPIC_API_KEY}"' in text
    assert KEY not in text
    assert "the key is read from the environment" in dock.notice.text()


def test_save_jsonl_writes_the_chosen_file(
    dock: InspectorDock, run_async: RunAsync, sse_server: ScriptedServer, tmp_path: Path
) -> None:
    sse_server.script(Reply(status=503), OPENAI.text("ok"))
    recording = Recording()
    dock.show_inspection(recording.inspection)
    run_async(run_turn(make_engine(), OPENAI.endpoint(sse_server), recording))
    dock.refresh()
    asked: list[str] = []

    def choose(parent: QWidget, suggested: str) -> str | None:
        asked.append(suggested)
        return str(tmp_path / suggested) if len(asked) < 3 else None

    dock.choose_save_path = choose
    dock.picker.setCurrentIndex(1)
    dock.save_button.click()
    first = tmp_path / "request-step1-attempt1.jsonl"
    lines = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(recording.inspection.requests[0].entries)
    assert lines[-1]["kind"] == "retry"
    dock.picker.setCurrentIndex(0)
    path = dock.save_jsonl()
    assert path == tmp_path / "inspection.jsonl"
    assert path.read_text(encoding="utf-8").count("\n") == len(recording.inspection.entries)
    assert KEY not in path.read_text(encoding="utf-8")
    assert dock.save_jsonl() is None  # the chooser was cancelled
    assert asked == ["request-step1-attempt1.jsonl", "inspection.jsonl", "inspection.jsonl"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".jsonl") == [
        "inspection.jsonl",
        "request-step1-attempt1.jsonl",
    ]


def test_twenty_thousand_events_are_shown_without_a_rebuild(
    dock: InspectorDock,
    qtbot: QtBot,
    loop: asyncio.AbstractEventLoop,
    sse_server: ScriptedServer,
) -> None:
    pieces = [f"t{n} " for n in range(10_000)]
    sse_server.script(Reply(chunks=openai_stream(pieces)))
    recording = Recording()
    dock.show_inspection(recording.inspection, "long")
    growth = Growth(dock)
    task = loop.create_task(run_turn(make_engine(), OPENAI.endpoint(sse_server), recording))
    qtbot.waitUntil(task.done, timeout=60_000)
    task.result()
    qtbot.waitUntil(lambda: dock.model.rowCount() == len(recording.inspection.entries))
    assert len(recording.inspection.entries) > 20_000
    assert growth.resets == 0
    assert len(growth.inserts) >= 2  # rows were added tick by tick while streaming
    assert growth.inserts[-1][1] == len(recording.inspection.entries) - 1
    assert sum(last - first + 1 for first, last in growth.inserts) == dock.model.rowCount()
    dock.search.setText("t9999 ")
    assert dock.proxy.rowCount() == 2  # the raw event and its text piece
    assert Inspection().revision == 0


def test_a_tick_adds_a_bounded_number_of_rows_and_catches_up_after(dock: InspectorDock) -> None:
    inspection = Inspection()
    dock.show_inspection(inspection, "fast")
    for n in range(2_500):
        inspection.feed(TextDelta(f"t{n} "), n * 1e-4)
    dock.refresh(1_000)
    assert (dock.model.rowCount(), dock.model.behind) == (1_000, 1_500)
    dock.refresh(1_000)  # nothing new was recorded, yet the view is still behind
    dock.refresh(1_000)
    assert (dock.model.rowCount(), dock.model.behind) == (2_500, 0)
    assert dock.model.entry(2_499).summary == "'t2499 '"


def test_a_stop_between_attempts_is_said_in_the_summary_without_an_error(
    dock: InspectorDock,
) -> None:
    inspection = Inspection()
    inspection.feed(AttemptStarted(1, 4), 0.0)
    refused = ConnectionFailedError("Could not connect to 127.0.0.1:9")
    inspection.feed(RetryScheduled(1, 4, refused, 2.0, False), 0.01)
    inspection.stopped_by_user(0.5)  # during the wait before attempt 2
    dock.show_inspection(inspection, "stopped")
    dock.refresh()
    summary = dock.summary.text()
    assert summary.endswith("retried after 2.00 s · stopped by you")
    assert "failed" not in summary
    kinds = [dock.model.entry(row).kind for row in range(dock.model.rowCount())]
    assert kinds == ["attempt", "retry", "stop"]
