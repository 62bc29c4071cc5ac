"""The sidebar in the real window: what is sent appears in it, a click opens a conversation, a
search result opens at its message, New chat and deleting the open conversation leave an empty
chat."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_chat.ui.history.conversation_model import ID_ROLE
from desktop_chat.ui.main_window import MainWindow
from tests.support.sse_server import Reply
from tests.support.streams import openai_stream
from tests.support.window import keyed, local, outcomes, send, wait_outcome


def titles(window: MainWindow) -> list[str]:
    assert window.sidebar is not None
    model = window.sidebar.model
    return [str(model.index(row, 0).data()) for row in range(model.rowCount())]


def current(window: MainWindow) -> str | None:
    assert window.sidebar is not None
    index = window.sidebar.list.currentIndex()
    return str(index.data(ID_ROLE)) if index.isValid() else None


def test_conversations_sent_in_the_window_are_listed_opened_and_found(
    qtbot, open_window, sse_server
):
    sse_server.script(*(Reply(chunks=openai_stream([text])) for text in ("晴天 answer", "B1")))
    window = open_window(local(sse_server), keyed())
    sidebar = window.sidebar
    assert sidebar is not None
    seen = outcomes(window)
    send(qtbot, window, "明天天气怎么样")
    wait_outcome(qtbot, seen, window=window)
    first = window.chat.conversation_id
    qtbot.waitUntil(lambda: any("明天天气" in t for t in titles(window)), timeout=3000)

    qtbot.keyClick(window.composer.editor, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.chat.conversation_id is None
    assert window.composer.editor.hasFocus()
    send(qtbot, window, "second question")
    wait_outcome(qtbot, seen, 2, window=window)
    second = window.chat.conversation_id
    assert second not in (None, first)
    qtbot.waitUntil(lambda: any("second question" in t for t in titles(window)), timeout=3000)

    row = next(r for r, t in enumerate(titles(window)) if "明天天气" in t)
    sidebar.list.clicked.emit(sidebar.model.index(row, 0))
    assert window.chat.conversation_id == first
    assert "晴天 answer" in window.transcript_text()
    assert current(window) == first

    sidebar.search_field.setFocus()
    sidebar.search_field.insert("天气")  # QTest types ASCII only
    qtbot.waitUntil(lambda: sidebar.results_model.rowCount() > 0, timeout=3000)
    window.new_chat()
    assert window.chat.conversation_id is None
    sidebar.results.clicked.emit(sidebar.results_model.index(0, 0))
    assert window.chat.conversation_id == first


def test_deleting_the_open_conversation_leaves_a_new_chat(qtbot, open_window, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["A1"])))
    window = open_window(local(sse_server), keyed())
    sidebar = window.sidebar
    assert sidebar is not None
    seen = outcomes(window)
    send(qtbot, window, "to be deleted")
    wait_outcome(qtbot, seen, window=window)
    conversation_id = window.chat.conversation_id
    assert conversation_id is not None
    sidebar.deleted.emit(conversation_id)
    assert window.chat.conversation_id is None
    assert "to be deleted" not in window.transcript_text()


def test_an_opened_conversation_goes_on_with_its_own_system_prompt(qtbot, open_window, sse_server):
    sse_server.script(*(Reply(chunks=openai_stream([text])) for text in ("A1", "B1", "A2")))
    window = open_window(local(sse_server), keyed())
    sidebar = window.sidebar
    assert sidebar is not None
    seen = outcomes(window)
    window.top_bar.system_edit.setPlainText("Answer in French.")
    send(qtbot, window, "first")
    wait_outcome(qtbot, seen, window=window)
    first = window.chat.conversation_id
    window.new_chat()
    window.top_bar.system_edit.setPlainText("Answer in German.")
    send(qtbot, window, "second")
    wait_outcome(qtbot, seen, 2, window=window)

    sidebar.open_requested.emit(first, "")
    assert window.top_bar.system_prompt() == "Answer in French."
    send(qtbot, window, "more")
    wait_outcome(qtbot, seen, 3, window=window)
    assert sse_server.requests[2].json()["messages"][0] == {
        "role": "system",
        "content": "Answer in French.",
    }
