"""Tool calls in the real window, both protocols, against the scripted SSE server.

Each test drives the MainWindow as a user would: enable tools, send, answer the approval card,
and reads what the transcript shows and what the server received next.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_chat.core.events import AttemptStarted, RequestSent, ResponseStarted, WireEvent
from desktop_chat.storage.secrets import MCP_HEADER_SERVICE, mcp_header_entry
from desktop_chat.storage.settings_file import load_settings
from desktop_chat.storage.tool_settings import McpServer, UserTool
from desktop_chat.tools.events import (
    StepStarted,
    ToolCallApproved,
    ToolCallFinished,
    ToolCallReady,
    ToolCallStarted,
)
from desktop_chat.ui.main_window import MainWindow
from tests.support.gui import click
from tests.support.mcp_http import http_mcp_server
from tests.support.transcript import action_line, click_link
from tests.support.window import (
    keyed,
    opened,
    outcomes,
    send,
    settings_for,
    wait_card,
    wait_outcome,
)
from tests.support.wire import ALL, ANTHROPIC, BOTH, OPENAI

ROOT = Path(__file__).resolve().parents[2]
SLEEPY = McpServer(
    "sleepy", command=sys.executable, args=("-m", "tests.ui.sleepy_mcp_server"), cwd=str(ROOT)
)
MCP_WAIT = 60_000


def roles(window: MainWindow) -> list[str]:
    return [m.role for m in window.chat.messages]


@ALL
def test_a_call_streamed_in_pieces_is_approved_and_the_answer_continues(
    qtbot, open_window, sse_server, wire
):
    sse_server.script(
        wire.calls(("call_1", "calculator", ['{"expre', 'ssion":', ' "6*7"}']), text=["Let me."]),
        wire.text("The answer is 42."),
    )
    window = opened(open_window, settings_for(wire, sse_server), "builtin:calculator")
    seen = outcomes(window)
    send(qtbot, window, "what is 6*7?")
    card = wait_card(qtbot, window)
    assert QApplication.focusWidget() is card.run_button
    assert card.accessibleName() == "Tool call calculator"
    assert "built-in" in card.title.text()
    assert '"expression": "6*7"' in card.arguments.toPlainText()
    qtbot.waitUntil(lambda: "waiting for approval" in window.transcript_text())
    shown = window.transcript_text()
    assert "Let me." in shown
    assert "calculator · built-in — ● waiting for approval" in shown
    assert '"expression": "6*7"' in shown  # pretty JSON of the pieces joined
    click(qtbot, card.run_button)
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    shown = window.transcript_text()
    assert re.search(r"calculator · built-in — ✓ done in \d+\.\d\d s", shown)
    assert "Result:\n42" in shown
    assert shown.replace("\ufffc", "").rstrip().endswith("The answer is 42.")
    assert action_line(window.transcript) == "Copy · Regenerate · Inspect"
    assert roles(window) == ["user", "assistant", "tool", "assistant"]
    assert window.chat.messages[1].tool_calls[0].name == "calculator"
    assert window.last_answer_text() == "The answer is 42."
    assert wire.results(sse_server.requests[1]) == [("call_1", "42", False)]
    assert not window.tools.panel.isVisible()
    assert window.status.state_label.text() == "Done"
    # The history stays valid: the next message sends the whole chain back.
    sse_server.script(wire.text("You are welcome."))
    send(qtbot, window, "thanks")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    assert wire.sent_calls(sse_server.requests[2]) == [
        ("call_1", "calculator", {"expression": "6*7"})
    ]


@BOTH
def test_edit_arguments_validates_then_runs_the_edited_call(qtbot, open_window, sse_server, wire):
    sse_server.script(
        wire.calls(("call_1", "calculator", ['{"expression": "6*7"}'])), wire.text("Four.")
    )
    window = opened(open_window, settings_for(wire, sse_server), "builtin:calculator")
    seen = outcomes(window)
    send(qtbot, window, "compute")
    card = wait_card(qtbot, window)
    click(qtbot, card.edit_button)
    assert card.editor.hasFocus()
    card.editor.setPlainText('{"expression": ')
    assert not card.run_edited.isEnabled()
    assert "not valid JSON" in card.edit_status.text()
    card.editor.setPlainText('{"expression": 5}')
    assert not card.run_edited.isEnabled()
    assert "$.expression: 5 is not of type 'string'" in card.edit_status.text()
    card.editor.setPlainText('{"expression": "2+2"}')
    assert card.edit_status.text() == "✓ valid arguments"
    click(qtbot, card.run_edited)
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert wire.sent_calls(sse_server.requests[1]) == [
        ("call_1", "calculator", {"expression": "2+2"})
    ]
    assert wire.results(sse_server.requests[1]) == [("call_1", "4", False)]
    assert "done in" in window.transcript_text()
    assert "(arguments edited)" in window.transcript_text()


@BOTH
def test_deny_sends_an_error_result_in_the_protocols_own_form(qtbot, open_window, sse_server, wire):
    sse_server.script(
        wire.calls(("call_9", "current_time", ['{"timezone": "UTC"}'])), wire.text("Understood.")
    )
    window = opened(open_window, settings_for(wire, sse_server), "builtin:current_time")
    seen = outcomes(window)
    send(qtbot, window, "what time is it?")
    click(qtbot, wait_card(qtbot, window).deny_button)
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    messages = sse_server.requests[1].json()["messages"]
    denial = "Not run: the user denied this call."
    if wire is OPENAI:
        assert messages[-1] == {"role": "tool", "tool_call_id": "call_9", "content": denial}
    else:
        assert messages[-1]["content"] == [
            {"type": "tool_result", "tool_use_id": "call_9", "content": denial, "is_error": True}
        ]
    assert "current_time · built-in — ⊘ denied" in window.transcript_text()
    assert "Error:\nNot run: the user denied this call." in window.transcript_text()


def test_always_allow_persists_and_skips_the_card_next_time(
    qtbot, open_window, sse_server, run_async
):
    sse_server.script(
        OPENAI.calls(("c1", "calculator", ['{"expression": "1+1"}'])),
        OPENAI.text("Two."),
        OPENAI.calls(("c2", "calculator", ['{"expression": "2+2"}'])),
        OPENAI.text("Four."),
    )
    window = opened(open_window, settings_for(OPENAI, sse_server), "builtin:calculator")
    seen = outcomes(window)
    send(qtbot, window, "1+1?")
    click(qtbot, wait_card(qtbot, window).always_button)
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert window.settings.tools.always_allow == ("builtin:calculator",)
    qtbot.waitUntil(lambda: load_settings().settings.tools.always_allow == ("builtin:calculator",))
    asked: list[object] = []

    async def refuse(pending: object) -> object:
        asked.append(pending)
        raise AssertionError("asked again")

    window.tools.panel.approve = refuse  # type: ignore[method-assign]
    send(qtbot, window, "2+2?")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    assert asked == []  # no card asked this time
    assert OPENAI.results(sse_server.requests[3])[-1] == ("c2", "4", False)
    assert "(always allowed)" in window.transcript_text()


@BOTH
def test_malformed_arguments_are_shown_and_sent_back_as_an_error(
    qtbot, open_window, sse_server, wire
):
    sse_server.script(
        wire.calls(("bad_1", "calculator", ['{"expression": "6*7"'])), wire.text("Oops, fixed.")
    )
    window = opened(open_window, settings_for(wire, sse_server), "builtin:calculator")
    seen = outcomes(window)
    send(qtbot, window, "go")
    card = wait_card(qtbot, window)
    assert card.problem.isVisible()
    assert "the arguments are not valid JSON" in card.problem.text()
    assert card.run_button.text() == "&Report the problem"
    assert not card.always_button.isEnabled()
    qtbot.waitUntil(lambda: "⚠ the arguments are not valid JSON" in window.transcript_text())
    click(qtbot, card.run_button)
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    ((call_id, content, is_error),) = wire.results(sse_server.requests[1])
    assert call_id == "bad_1"
    assert content.startswith("Not run: the arguments are not valid JSON")
    assert is_error or wire is OPENAI  # OpenAI's tool message has no error flag
    assert "calculator · built-in — ⊘ not run" in window.transcript_text()


def test_step_limit_stops_and_says_so(qtbot, open_window, sse_server):
    sse_server.script(
        OPENAI.calls(("s1", "calculator", ['{"expression": "1"}'])),
        OPENAI.calls(("s2", "calculator", ['{"expression": "2"}'])),
    )
    settings = settings_for(OPENAI, sse_server, always_allow=("builtin:calculator",))
    window = opened(open_window, settings, "builtin:calculator")
    window.tools.session.max_steps = 2
    seen = outcomes(window)
    send(qtbot, window, "loop forever")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    shown = window.transcript_text()
    assert "Stopped after 2 steps: the model still wanted to call calculator." in shown
    assert "Not run: the limit of 2 steps was reached." in shown
    assert window.status.state_label.text() == "Stopped at the step limit"
    assert len(sse_server.requests) == 2
    assert roles(window) == ["user", "assistant", "tool", "assistant", "tool"]
    assert window.chat.messages[-1].tool_results[0].is_error


@BOTH
def test_a_user_defined_tool_is_answered_by_typing(qtbot, open_window, sse_server, wire):
    lookup = UserTool(
        "lookup",
        "Look a word up in the team glossary",
        {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]},
    )
    sse_server.script(
        wire.calls(("u1", "lookup", ['{"word": "flux"}'])), wire.text("Flux means change.")
    )
    window = opened(
        open_window, settings_for(wire, sse_server, user_tools=(lookup,)), "user:lookup"
    )
    seen = outcomes(window)
    send(qtbot, window, "what is flux?")
    card = wait_card(qtbot, window)
    assert "user-defined" in card.title.text()
    assert card.result_edit.isVisible()
    assert card.result_edit.hasFocus()
    qtbot.keyClicks(card.result_edit, "a change of state")
    click(qtbot, card.run_button)
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert wire.results(sse_server.requests[1]) == [("u1", "a change of state", False)]
    assert "Result:\na change of state" in window.transcript_text()


def test_stop_while_a_card_waits_cancels_the_loop_and_keeps_history_valid(
    qtbot, open_window, sse_server
):
    sse_server.script(
        OPENAI.calls(
            ("p1", "calculator", ['{"expression": "1"}']),
            ("p2", "calculator", ['{"expression": "2"}']),
        ),
        OPENAI.text("Fine."),
    )
    window = opened(open_window, settings_for(OPENAI, sse_server), "builtin:calculator")
    seen = outcomes(window)
    send(qtbot, window, "two sums")
    wait_card(qtbot, window)
    assert window.chat.stop()
    assert wait_outcome(qtbot, seen, window=window) == "stopped"
    qtbot.waitUntil(lambda: not window.tools.panel.isVisible())
    assert window.tools.panel.cards() == []
    assert "■ stopped with the answer" in window.transcript_text()
    results = window.chat.messages[2].tool_results
    assert [(r.call_id, r.is_error) for r in results] == [("p1", True), ("p2", True)]
    send(qtbot, window, "never mind")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    sent = sse_server.requests[1].json()["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool", "user"]


def test_regenerate_after_a_tool_turn_keeps_the_old_answer(qtbot, open_window, sse_server):
    sse_server.script(
        OPENAI.calls(("r1", "calculator", ['{"expression": "3*3"}'])),
        OPENAI.text("Nine."),
        OPENAI.text("It is 9."),
    )
    settings = settings_for(OPENAI, sse_server, always_allow=("builtin:calculator",))
    window = opened(open_window, settings, "builtin:calculator")
    seen = outcomes(window)
    send(qtbot, window, "3*3?")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    window.chat.regenerate()
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    assert roles(window) == ["user", "assistant"]
    assert window.last_answer_text() == "It is 9."
    assert "‹ 2/2 ›" in window.transcript_text()
    assert [m["role"] for m in sse_server.requests[2].json()["messages"]] == ["user"]
    window.chat.switch_version(1, -1)  # the tool turn is the earlier version
    assert roles(window) == ["user", "assistant", "tool", "assistant"]
    assert "Nine." in window.transcript_text()
    assert "calculator" in window.transcript_text()


def test_parallel_calls_run_concurrently_and_one_can_be_cancelled(qtbot, open_window, sse_server):
    sse_server.script(
        OPENAI.calls(
            ("n1", "nap", ['{"seconds": ', "0.8}"]),
            ("n2", "nap", ['{"seconds": ', "0.8}"]),
        ),
        OPENAI.text("Both napped."),
        OPENAI.calls(("n3", "nap", ['{"seconds": 30}'])),
        OPENAI.text("Cut short."),
    )
    settings = settings_for(
        OPENAI, sse_server, mcp_servers=(SLEEPY,), always_allow=("mcp:sleepy:nap",)
    )
    window = opened(open_window, settings, "mcp:sleepy")
    seen = outcomes(window)
    send(qtbot, window, "nap twice")
    assert wait_outcome(qtbot, seen, timeout=MCP_WAIT, window=window) == "finished"
    spans = [
        tuple(map(float, re.findall(r"[\d.]+", content)))
        for _id, content, _error in OPENAI.results(sse_server.requests[1])
    ]
    (a_start, a_end), (b_start, b_end) = spans
    assert a_start < b_end  # the naps overlapped
    assert b_start < a_end
    assert "MCP server 'sleepy'" in window.transcript_text()

    send(qtbot, window, "nap long")
    qtbot.waitUntil(lambda: window.tools.panel.cards() != [], timeout=10_000)
    card = window.tools.panel.cards()[0]
    qtbot.waitUntil(card.cancel_button.isVisible, timeout=10_000)
    qtbot.waitUntil(lambda: card.state_label.text().startswith("Running… "), timeout=2000)
    click(qtbot, card.cancel_button)
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    assert OPENAI.results(sse_server.requests[3])[-1] == (
        "n3",
        "The user cancelled this call.",
        False,
    )
    assert re.search(r"nap · MCP server 'sleepy' — ■ cancelled after", window.transcript_text())
    assert window.last_answer_text() == "Cut short."


def test_mcp_server_time_through_the_window(qtbot, open_window, sse_server):
    server = McpServer("time", command=sys.executable, args=("-m", "mcp_server_time"))
    sse_server.script(
        ANTHROPIC.calls(("toolu_t", "get_current_time", ['{"timezone": ', '"Europe/Paris"}'])),
        ANTHROPIC.text("It is evening in Paris."),
    )
    settings = settings_for(ANTHROPIC, sse_server, mcp_servers=(server,))
    window = opened(open_window, settings, "mcp:time")
    assert window.tools.menu.text() == "Tools (1)"
    seen = outcomes(window)
    send(qtbot, window, "time in Paris?")
    card = wait_card(qtbot, window, timeout=MCP_WAIT)
    assert "MCP server 'time'" in card.title.text()
    click(qtbot, card.run_button)
    assert wait_outcome(qtbot, seen, window=window, timeout=30_000) == "finished"
    ((call_id, content, is_error),) = ANTHROPIC.results(sse_server.requests[1])
    assert (call_id, is_error) == ("toolu_t", False)
    assert '"timezone": "Europe/Paris"' in content
    tools = sse_server.requests[0].json()["tools"]
    assert "get_current_time" in [tool["name"] for tool in tools]
    assert window.last_answer_text() == "It is evening in Paris."


def test_an_http_server_gets_its_keyring_header_from_the_windows_key_store(
    qtbot, open_window, sse_server
):
    store = keyed()
    entry = mcp_header_entry("web", "Authorization")
    store.set(entry, "Bearer tok-w", service=MCP_HEADER_SERVICE)
    sse_server.script(OPENAI.calls(("c1", "shout", ['{"text": "hey"}'])), OPENAI.text("Done."))
    with http_mcp_server(token="tok-w") as url:
        server = McpServer(
            "web", url=url, headers={"X-Team": "blue"}, keyring_headers=("Authorization",)
        )
        settings = settings_for(OPENAI, sse_server, mcp_servers=(server,))
        settings = dataclasses.replace(
            settings, tools=dataclasses.replace(settings.tools, always_allow=("mcp:web:shout",))
        )
        window = open_window(settings, store)
        window.tools.session.set_enabled("mcp:web", True)
        seen = outcomes(window)
        send(qtbot, window, "shout hey")
        assert wait_outcome(qtbot, seen, window=window, timeout=MCP_WAIT) == "finished"
    ((call_id, content, _),) = OPENAI.results(sse_server.requests[1])
    assert (call_id, content) == ("c1", "HEY")
    assert window.banners.banner("mcp:web") is None


def test_mcp_servers_that_fail_show_their_stderr_and_the_window_survives(
    qtbot, open_window, sse_server
):
    broken = McpServer(
        "broken",
        command=sys.executable,
        args=("-c", "import sys; print('config missing: ~/.srv.toml', file=sys.stderr); exit(2)"),
    )
    crashing = McpServer(
        "crashing",
        command=sys.executable,
        args=("-m", "tests.tools.crashing_mcp_server"),
        cwd=str(ROOT),
    )
    sse_server.script(
        OPENAI.calls(("x1", "crash", [""])),
        OPENAI.text("The server died."),
        OPENAI.calls(("x2", "echo", ['{"text": "back again"}'])),
        OPENAI.text("It is back."),
    )
    settings = settings_for(
        OPENAI,
        sse_server,
        mcp_servers=(broken, crashing),
        always_allow=("mcp:crashing:crash", "mcp:crashing:echo"),
    )
    window = opened(open_window, settings, "mcp:broken", "mcp:crashing")
    seen = outcomes(window)
    send(qtbot, window, "crash please")
    assert wait_outcome(qtbot, seen, timeout=MCP_WAIT, window=window) == "finished"
    banner = window.banners.banner("mcp:broken")
    assert banner is not None
    assert "config missing: ~/.srv.toml" in banner.label.text()
    assert "could not start" in banner.label.text()
    ((_id, content, _error),) = OPENAI.results(sse_server.requests[1])
    assert "fatal: the disk is on fire" in content
    assert "fatal: the disk is on fire" in window.transcript_text()
    assert "crash · MCP server 'crashing' — ✗ failed" in window.transcript_text()
    window.tools.menu.rebuild()
    labels = [a.text() for a in window.tools.menu.choices.actions()]
    assert "broken — failed to start" in labels
    assert window.isVisible()
    assert window.last_answer_text() == "The server died."
    # The next turn starts the crashed server again.
    send(qtbot, window, "echo please")
    assert wait_outcome(qtbot, seen, 2, timeout=MCP_WAIT, window=window) == "finished"
    assert OPENAI.results(sse_server.requests[3])[-1] == ("x2", "back again", False)


def test_the_observer_gets_every_event_in_order(qtbot, open_window, sse_server, caplog):
    sse_server.script(
        OPENAI.calls(("o1", "calculator", ['{"expression": "5-3"}'])), OPENAI.text("Two.")
    )
    settings = settings_for(OPENAI, sse_server, always_allow=("builtin:calculator",))
    window = opened(open_window, settings, "builtin:calculator")
    calls: list[int] = []
    received: list[tuple[object, float]] = []

    def factory(index: int):
        calls.append(index)

        def observe(event: object, at: float) -> None:
            received.append((event, at))
            if len(received) == 3:
                raise RuntimeError("inspector bug")

        return observe

    window.chat.set_observer_factory(factory)
    batches: list[list[object]] = []
    window.chat.bridge.events_received.connect(batches.append)
    seen = outcomes(window)
    with caplog.at_level(logging.ERROR):
        send(qtbot, window, "5-3?")
        assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert calls == [1]
    assert [r.message for r in caplog.records].count(
        "the turn's observer failed; the stream continues"
    ) == 1
    kinds = [type(event) for event, _at in received]
    assert kinds[0] is StepStarted
    assert kinds[1:4] == [AttemptStarted, RequestSent, ResponseStarted]
    assert kinds.count(RequestSent) == 2
    assert WireEvent in kinds
    order = [ToolCallReady, ToolCallApproved, ToolCallStarted, ToolCallFinished, StepStarted]
    positions = [kinds.index(kind, kinds.index(ToolCallReady)) for kind in order]
    assert positions == sorted(positions)
    assert kinds.index(StepStarted, 1) < len(kinds) - kinds[::-1].index(RequestSent) - 1
    times = [at for _event, at in received]
    assert times == sorted(times)
    batched = [event for batch in batches for event in batch]
    assert not any(isinstance(e, RequestSent | ResponseStarted | WireEvent) for e in batched)
    assert window.last_answer_text() == "Two."


def test_inspect_action_emits_the_message_index(qtbot, open_window, sse_server):
    sse_server.script(OPENAI.text("Hello there."))
    window = opened(open_window, settings_for(OPENAI, sse_server))
    seen = outcomes(window)
    send(qtbot, window, "hi")
    wait_outcome(qtbot, seen, window=window)
    with qtbot.waitSignal(window.chat.inspect_requested, timeout=2000) as signal:
        click_link(qtbot, window.transcript, "Inspect")
    assert signal.args == [1]


def test_read_text_file_reads_only_the_file_the_user_picks(
    qtbot, open_window, sse_server, tmp_path
):
    picked = tmp_path / "notes.txt"
    picked.write_text("meeting at noon", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("do not read", encoding="utf-8")

    def asking(name: str) -> str:
        return json.dumps({"path": str(tmp_path / name)})

    sse_server.script(
        OPENAI.calls(("f1", "read_text_file", [asking("x.txt")])),
        OPENAI.text("Noon."),
        OPENAI.calls(("f2", "read_text_file", [asking("secret.txt")])),
        OPENAI.text("Refused."),
    )
    window = opened(open_window, settings_for(OPENAI, sse_server), "builtin:read_text_file")
    seen = outcomes(window)
    send(qtbot, window, "read my notes")
    card = wait_card(qtbot, window)
    card.use_file(str(picked))  # what choosing it in the file dialog does
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert OPENAI.results(sse_server.requests[1]) == [("f1", "meeting at noon", False)]
    send(qtbot, window, "and the other one")
    click(qtbot, wait_card(qtbot, window).run_button)
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    _id, content, _error = OPENAI.results(sse_server.requests[3])[-1]
    assert content.startswith(f"reading {tmp_path / 'secret.txt'} is not allowed")


class LoopGaps:
    """The longest time the Qt event loop went without running a 5 ms timer."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._last = time.monotonic()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def stop(self) -> float:
        self.timer.stop()
        return self.longest


def test_a_calculator_call_hiding_a_huge_power_never_freezes_the_window(
    qtbot, open_window, sse_server
):
    sse_server.script(
        OPENAI.calls(("h1", "calculator", ['{"expression": "round(1, -10**7)"}'])),
        OPENAI.text("Zero."),
    )
    settings = settings_for(OPENAI, sse_server, always_allow=("builtin:calculator",))
    window = opened(open_window, settings, "builtin:calculator")
    window.tools.session.timeout = 2.0
    seen = outcomes(window)
    gaps = LoopGaps()
    started = time.monotonic()
    send(qtbot, window, "round it")
    assert wait_outcome(qtbot, seen, timeout=20_000, window=window) == "finished"
    took, longest = time.monotonic() - started, gaps.stop()
    assert OPENAI.results(sse_server.requests[1]) == [("h1", "0", False)]
    assert took < 2.0
    assert longest < 0.25, f"the event loop stalled for {longest:.3f} s"


def running(window: MainWindow) -> bool:
    return any(c.state_label.text().startswith("Running… ") for c in window.tools.panel.cards())


def test_a_running_call_ends_on_stop_and_on_its_timeout_at_once(qtbot, open_window, sse_server):
    sse_server.script(
        OPENAI.calls(("s1", "nap", ['{"seconds": 30}'])),
        OPENAI.calls(("s2", "nap", ['{"seconds": 30}'])),
        OPENAI.text("Too slow."),
    )
    settings = settings_for(
        OPENAI, sse_server, mcp_servers=(SLEEPY,), always_allow=("mcp:sleepy:nap",)
    )
    window = opened(open_window, settings, "mcp:sleepy")
    seen = outcomes(window)
    send(qtbot, window, "nap")
    qtbot.waitUntil(lambda: running(window), timeout=MCP_WAIT)
    gaps = LoopGaps()
    asked = time.monotonic()
    assert window.chat.stop()
    assert wait_outcome(qtbot, seen, window=window) == "stopped"
    stopped_after, longest = time.monotonic() - asked, gaps.stop()
    assert stopped_after < 0.5, f"Stop took {stopped_after:.3f} s"
    assert longest < 0.25
    # The next turn's call is held to the tool timeout, which fires on time.
    window.tools.session.timeout = 0.5
    send(qtbot, window, "nap again")
    qtbot.waitUntil(lambda: running(window), timeout=MCP_WAIT)
    began = time.monotonic()
    qtbot.waitUntil(lambda: len(sse_server.requests) >= 3, timeout=10_000)
    assert time.monotonic() - began < 1.5
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    assert OPENAI.results(sse_server.requests[2])[-1] == (
        "s2",
        "The tool did not finish within 0.5 s.",
        False,
    )


def test_a_server_printing_on_stdout_is_one_warning_banner_and_its_tools_work(
    qtbot, open_window, sse_server, capfd
):
    noisy = McpServer(
        "noisy", command=sys.executable, args=("-m", "tests.tools.noisy_mcp_server"), cwd=str(ROOT)
    )
    sse_server.script(OPENAI.calls(("e1", "echo", ['{"text": "hi"}'])), OPENAI.text("Echoed."))
    settings = settings_for(
        OPENAI, sse_server, mcp_servers=(noisy,), always_allow=("mcp:noisy:echo",)
    )
    window = opened(open_window, settings, "mcp:noisy")
    seen = outcomes(window)
    send(qtbot, window, "echo hi")
    assert wait_outcome(qtbot, seen, timeout=MCP_WAIT, window=window) == "finished"
    assert OPENAI.results(sse_server.requests[1]) == [("e1", "hi", False)]
    banner = window.banners.banner("mcp:noisy")
    assert banner is not None
    assert banner.label.text() == (
        "MCP server 'noisy' printed text on stdout, where only MCP messages belong: "
        "'Noisy MCP server 1.2 starting on stdio; reading the config from /etc/noisy/serv…'; "
        "it was ignored."
    )
    assert "Traceback" not in capfd.readouterr().err
