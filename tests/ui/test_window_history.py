"""The window keeps its conversations: real widgets, the profile's real SQLite file, restarts."""

from __future__ import annotations

import re
import sqlite3

from PySide6.QtCore import Qt, QUrl

from desktop_chat import paths
from desktop_chat.core.conversation import Message
from desktop_chat.storage.history import HistoryStore
from desktop_chat.ui.main_window import MainWindow
from tests.support.gui import click
from tests.support.sse_server import Reply
from tests.support.streams import openai_stream
from tests.support.window import (
    keyed,
    local,
    opened,
    outcomes,
    send,
    settings_for,
    wait_card,
    wait_outcome,
)
from tests.support.wire import OPENAI


def restart(window: MainWindow, open_window, run_async, settings) -> MainWindow:
    """Close the window as a person does, then start it again on the same profile."""
    window.close()
    run_async(window.aclose())
    return open_window(settings, keyed())


def click_link(window: MainWindow, action: str) -> None:
    """Follow the transcript's last link for `action` ("older", "retry"), as a click or Enter."""
    html = window.transcript.view.toHtml()
    found = re.findall(r'<a href="(dc-[0-9a-f]+:' + action + r'[/0-9]*)"', html)
    assert found, f"no {action!r} link"
    window.transcript.view.anchorClicked.emit(QUrl(found[-1]))


def test_a_version_chosen_under_an_answer_is_the_one_shown_after_a_restart(
    qtbot, open_window, run_async, sse_server
):
    sse_server.script(*(Reply(chunks=openai_stream([f"answer {n}"])) for n in (1, 2)))
    settings = local(sse_server)
    window = open_window(settings, keyed())
    seen = outcomes(window)
    send(qtbot, window, "question")
    wait_outcome(qtbot, seen, window=window)
    assert window.chat.conversation_id is not None
    window.transcript.regenerate_requested.emit()
    wait_outcome(qtbot, seen, 2, window=window)
    assert "‹ 2/2 ›" in window.transcript_text()
    click_link(window, "older")
    assert "answer 1" in window.transcript_text()
    assert "‹ 1/2 ›" in window.transcript_text()
    conversation_id = window.chat.conversation_id

    window = restart(window, open_window, run_async, settings)
    assert window.chat.conversation_id == conversation_id
    shown = window.transcript_text()
    assert "question" in shown
    assert "answer 1" in shown
    assert "answer 2" not in shown
    assert "‹ 1/2 ›" in shown
    click_link(window, "newer")
    assert "answer 2" in window.transcript_text()


def test_new_chat_loses_nothing_and_the_window_reopens_the_latest_conversation(
    qtbot, open_window, run_async, sse_server
):
    sse_server.script(*(Reply(chunks=openai_stream([text])) for text in ("A1", "B1")))
    settings = local(sse_server)
    window = open_window(settings, keyed())
    changed: list[str] = []
    window.chat.history_changed.connect(changed.append)
    seen = outcomes(window)
    send(qtbot, window, "first chat")
    wait_outcome(qtbot, seen, window=window)
    first = window.chat.conversation_id
    assert first in changed
    qtbot.keyClick(window, Qt.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.chat.conversation_id is None
    assert "first chat" not in window.transcript_text()
    send(qtbot, window, "second chat")
    wait_outcome(qtbot, seen, 2, window=window)
    second = window.chat.conversation_id
    assert second not in (None, first)

    window.chat.open_conversation(str(first))  # what the sidebar asks for
    assert window.chat.conversation_id == first
    assert "A1" in window.transcript_text()
    assert window.history is not None
    titles = [info.title for info in window.history.conversations()]
    assert sorted(titles) == ["first chat", "second chat"]

    window = restart(window, open_window, run_async, settings)
    assert window.chat.conversation_id == second  # the one sent to last
    assert "B1" in window.transcript_text()


def test_an_interrupted_answer_reopens_with_retry_and_a_message_is_found_on_its_branch(
    qtbot, open_window, sse_server
):
    store = HistoryStore.open(paths.history_path())
    conversation = store.create_conversation()
    question = store.add_message(conversation, None, Message("user", text="tell me"))
    old = store.add_message(conversation, question, Message("assistant", text="the old one"))
    store.add_message(
        conversation, question, Message("assistant", text="half an ans"), state="interrupted"
    )
    store.close()
    sse_server.script(Reply(chunks=openai_stream(["a whole answer"])))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    shown = window.transcript_text()
    assert "half an ans" in shown
    assert "Interrupted" in shown
    assert "Retry" in shown
    assert "‹ 2/2 ›" in shown
    click_link(window, "retry")
    wait_outcome(qtbot, seen, window=window)
    shown = window.transcript_text()
    assert "a whole answer" in shown
    assert "half an ans" not in shown
    assert "‹ 2/2 ›" in shown  # the cut-off answer was replaced, the earlier version kept
    window.chat.open_conversation(conversation, old)
    assert "the old one" in window.transcript_text()
    assert "‹ 1/2 ›" in window.transcript_text()


def test_a_damaged_history_is_kept_aside_and_said_once(qtbot, open_window, run_async):
    path = paths.history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    window = open_window()
    banner = window.banners.banner("history")
    assert banner is not None
    assert "kept as history.sqlite3.damaged-" in banner.label.text()
    assert len(list(path.parent.glob("history.sqlite3.damaged-*"))) == 1
    assert window.history is not None
    window = restart(window, open_window, run_async, None)
    assert window.banners.banner("history") is None  # said once
    assert len(list(path.parent.glob("history.sqlite3.damaged-*"))) == 1


def test_a_newer_history_is_left_untouched_and_the_window_runs_without_it(
    qtbot, open_window, sse_server
):
    path = paths.history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    before = path.read_bytes()
    sse_server.script(Reply(chunks=openai_stream(["still answers"])))
    window = open_window(local(sse_server), keyed())
    banner = window.banners.banner("history")
    assert banner is not None
    assert "History is off" in banner.label.text()
    assert "newer version" in banner.label.text()
    assert window.history is None
    seen = outcomes(window)
    send(qtbot, window, "hello")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert window.chat.conversation_id is None
    assert path.read_bytes() == before


def test_a_tool_turn_is_saved_and_reopened_with_its_calls_and_inspect_shows_what_was_kept(
    qtbot, open_window, run_async, sse_server
):
    sse_server.script(
        OPENAI.calls(("call_1", "calculator", ['{"expression": "6*7"}']), text=["Let me."]),
        OPENAI.text("The answer is 42."),
    )
    settings = settings_for(OPENAI, sse_server)
    window = opened(open_window, settings, "builtin:calculator")
    seen = outcomes(window)
    send(qtbot, window, "what is 6*7?")
    click(qtbot, wait_card(qtbot, window).run_button)
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    before = window.transcript_text()
    assert "calculator · built-in — ✓ done" in before

    window = restart(window, open_window, run_async, settings)
    shown = window.transcript_text()
    assert [m.role for m in window.chat.messages] == ["user", "assistant", "tool", "assistant"]
    assert "Let me." in shown
    assert "calculator · built-in — ✓ done" in shown
    assert "The answer is 42." in shown
    assert window.chat.last_error == ""
    window.transcript.inspect_requested.emit(3)  # no wire record: what the history kept
    box = window.chat.details_box
    assert box.isVisible()
    assert "Model: m (endpoint Local)" in box.text()
    assert "Stop reason: stop" in box.text()
    box.close()


def test_opening_a_long_conversation_at_a_message_unfolds_and_scrolls_to_it(qtbot, open_window):
    store = HistoryStore.open(paths.history_path())
    conversation = store.create_conversation()
    parent, questions = None, []
    for n in range(100):
        parent = store.add_message(conversation, parent, Message("user", text=f"question {n}"))
        questions.append(parent)
        parent = store.add_message(conversation, parent, Message("assistant", text=f"answer {n}"))
    store.close()
    window = open_window()
    assert window.transcript.count() == 200
    assert window.transcript.first_shown > 0  # the oldest are folded, never drawn
    assert "question 0\n" not in window.transcript_text()
    window.chat.open_conversation(conversation, questions[2])
    assert window.transcript.first_shown <= 4
    assert "question 2" in window.transcript_text()
    bar = window.transcript.view.verticalScrollBar()
    assert bar.value() < bar.maximum()  # there, not at the end
