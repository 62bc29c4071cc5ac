"""The history sidebar on real widgets over a real SQLite file: groups, paging, keyboard, search."""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.core.conversation import Message
from desktop_chat.storage.history import ConversationInfo, HistoryStore, StoredMessage, make_title
from desktop_chat.ui.history import undo_bar
from desktop_chat.ui.history.conversation_model import ID_ROLE, ConversationModel
from desktop_chat.ui.history.dates import group_of
from desktop_chat.ui.history.search_model import HTML_ROLE, MESSAGE_ROLE, SearchModel
from desktop_chat.ui.history.sidebar import HistorySidebar
from tests.support.gui import POPUP_ON_OFFSCREEN, click


def add(store: HistoryStore, text: str, *, days_ago: float = 0.0, answer: str = "ok") -> str:
    """A conversation last updated `days_ago` (an import keeps the times it is given)."""
    cid, q, a = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    stamp = time.time() - days_ago * 86_400
    messages = [
        StoredMessage(q, cid, None, Message("user", text=text), "complete", stamp, stamp),
        StoredMessage(a, cid, q, Message("assistant", text=answer), "complete", stamp, stamp),
    ]
    assert store.insert_conversation(
        ConversationInfo(cid, make_title(text), False, False, "", stamp, stamp, a, 2), messages
    )
    return cid


def make(qtbot: QtBot, store: HistoryStore) -> HistorySidebar:
    sidebar = HistorySidebar(store)
    qtbot.addWidget(sidebar)
    sidebar.resize(240, 600)
    sidebar.show()
    sidebar.activateWindow()
    # Keys go where a person's would: to the active window (offscreen activates it a bit later).
    qtbot.waitUntil(lambda: QApplication.activeWindow() is sidebar, timeout=2000)
    return sidebar


def titles(model: ConversationModel) -> list[str]:
    return [str(model.index(r, 0).data()) for r in range(model.rowCount())]


def test_date_groups_in_local_time() -> None:
    today = date(2026, 12, 4)

    def at(day: date, hour: int = 12) -> float:
        return datetime(day.year, day.month, day.day, hour).timestamp()

    def label(day: float, pinned: bool = False) -> str:
        return group_of(day, pinned, today).label()

    assert label(at(today, 0)) == "Today"
    assert label(at(today - timedelta(days=1), 23)) == "Yesterday"
    assert label(at(today - timedelta(days=2))) == "Previous 7 days"
    assert label(at(today - timedelta(days=7))) == "Previous 7 days"
    assert label(at(today - timedelta(days=8))) == "November 2026"
    assert label(at(date(2025, 1, 31))) == "January 2025"
    assert label(at(date(2025, 1, 31)), True) == "Pinned"
    assert label(at(today + timedelta(days=1))) == "Today"


def test_conversations_show_newest_first_under_date_headings(
    qtbot: QtBot, store: HistoryStore
) -> None:
    add(store, "old one", days_ago=60)
    add(store, "last week", days_ago=3)
    add(store, "yesterday's", days_ago=1)
    pinned = add(store, "kept", days_ago=400)
    add(store, "fresh")
    store.pin(pinned)

    sidebar = make(qtbot, store)

    month = datetime.fromtimestamp(time.time() - 60 * 86_400)
    assert titles(sidebar.model) == [
        "Pinned", "kept", "Today", "fresh", "Yesterday", "yesterday's",
        "Previous 7 days", "last week", f"{month:%B %Y}", "old one",
    ]  # fmt: skip
    heading = sidebar.model.index(0, 0)
    assert not heading.flags() & Qt.ItemFlag.ItemIsSelectable
    assert (
        sidebar.model.index(1, 0).data(Qt.ItemDataRole.AccessibleTextRole)
        == "kept, Pinned, 2 messages"
    )


def test_the_model_reads_a_page_at_a_time_as_the_view_scrolls(
    qtbot: QtBot, store: HistoryStore
) -> None:
    for n in range(250):
        add(store, f"conversation {n}", days_ago=n / 1000)
    sidebar = make(qtbot, store)
    model = sidebar.model

    shown = sum(1 for r in range(model.rowCount()) if model.index(r, 0).data(ID_ROLE))
    assert shown == 100  # one page, not 250
    assert model.canFetchMore(QModelIndex())

    for _ in range(10):
        sidebar.list.scrollToBottom()
        qtbot.wait(10)
    shown = sum(1 for r in range(model.rowCount()) if model.index(r, 0).data(ID_ROLE))
    assert shown == 250
    assert not model.canFetchMore(QModelIndex())
    assert titles(model)[-1] == "conversation 249"


def test_the_sidebar_is_narrow_and_adds_nothing_to_a_window_minimum_width(
    qtbot: QtBot, store: HistoryStore
) -> None:
    chat = QLineEdit()
    chat.setMinimumWidth(500)
    window = QWidget()
    qtbot.addWidget(window)
    row = QHBoxLayout(window)
    row.setSpacing(0)  # as the window's own column
    row.addWidget(chat, 1)
    before = window.minimumSizeHint().width()

    sidebar = HistorySidebar(store)
    row.insertWidget(0, sidebar)

    assert window.minimumSizeHint().width() == before
    assert sidebar.sizeHint().width() == 240
    window.resize(1366, 700)
    window.show()
    qtbot.waitExposed(window)
    assert sidebar.width() == 240


@POPUP_ON_OFFSCREEN
def test_keyboard_opens_renames_and_collapses(qtbot: QtBot, store: HistoryStore) -> None:
    first = add(store, "first", days_ago=1)
    second = add(store, "second")
    sidebar = make(qtbot, store)
    sidebar.list.setFocus()
    assert sidebar.list.currentIndex().data(ID_ROLE) == second  # focus lands on a row

    qtbot.keyClick(sidebar.list, Qt.Key.Key_Down)  # steps over the "Yesterday" heading
    assert sidebar.list.currentIndex().data(ID_ROLE) == first
    with qtbot.waitSignal(sidebar.open_requested, timeout=2000) as opened:
        qtbot.keyClick(sidebar.list, Qt.Key.Key_Return)
    assert opened.args == [first, ""]

    qtbot.keyClick(sidebar.list, Qt.Key.Key_F2)
    editor = sidebar.list.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "Renamed by hand")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits in a queued call

    def renamed() -> bool:
        info = store.conversation(first)
        return info is not None and info.title == "Renamed by hand"

    qtbot.waitUntil(renamed, timeout=2000)
    assert "Renamed by hand" in titles(sidebar.model)

    qtbot.keyClick(sidebar.list, Qt.Key.Key_Menu)  # the menu of the current row
    menu = sidebar.context_menu
    assert menu.isVisible()
    assert "Pin" in [action.text().replace("&", "") for action in menu.actions()]
    menu.close()

    with qtbot.waitSignal(sidebar.new_chat_requested, timeout=2000):
        click(qtbot, sidebar.new_button)

    qtbot.keyClick(sidebar, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert sidebar.collapsed
    assert not sidebar.search_field.isVisible()
    assert sidebar.sizeHint().width() < 60
    assert sidebar.toggle_button.accessibleName() == "Show conversations"
    click(qtbot, sidebar.toggle_button)
    assert not sidebar.collapsed
    assert sidebar.list.isVisible()


def test_delete_hides_at_once_undo_brings_it_back(
    qtbot: QtBot, store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(undo_bar, "UNDO_MS", 300)
    keep = add(store, "keep me", days_ago=1)
    gone = add(store, "delete me")
    sidebar = make(qtbot, store)
    sidebar.list.setFocus()
    assert sidebar.list.currentIndex().data(ID_ROLE) == gone

    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    assert "delete me" not in titles(sidebar.model)
    assert sidebar.undo_bar.isVisible()
    assert sidebar.undo_bar.label.text() == "Deleted “delete me”"
    assert store.conversation(gone) is not None  # not yet: it can be undone
    assert sidebar.list.currentIndex().data(ID_ROLE) == keep

    qtbot.keyClick(sidebar.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "delete me" in titles(sidebar.model)
    assert not sidebar.undo_bar.isVisible()
    qtbot.wait(400)
    assert store.conversation(gone) is not None

    sidebar.set_current(gone)
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)
    with qtbot.waitSignal(sidebar.deleted, timeout=3000) as deleted:
        pass
    assert deleted.args == [gone]
    assert store.conversation(gone) is None
    assert not sidebar.undo_bar.isVisible()
    assert titles(sidebar.model) == ["Yesterday", "keep me"]


def test_quitting_within_the_undo_window_keeps_the_conversation(
    qtbot: QtBot, store: HistoryStore
) -> None:
    cid = add(store, "still here")
    sidebar = make(qtbot, store)
    sidebar.delete(cid)
    sidebar.close()
    sidebar.deleteLater()
    qtbot.wait(10)

    assert store.conversation(cid) is not None


@POPUP_ON_OFFSCREEN
def test_context_menu_pins_and_the_changed_conversation_moves_up(
    qtbot: QtBot, store: HistoryStore
) -> None:
    old = add(store, "older", days_ago=2)
    add(store, "newer")
    sidebar = make(qtbot, store)
    row = sidebar.model.row_of(old)
    assert row is not None
    pos = sidebar.list.visualRect(sidebar.model.index(row, 0)).center()

    sidebar.list.customContextMenuRequested.emit(pos)
    menu = sidebar.context_menu
    assert [a.text() for a in menu.actions()] == [
        "&Open",
        "&Rename\tF2",
        "&Pin",
        "&Export",
        "&Delete\tDel",
    ]
    menu.actions()[2].trigger()
    menu.close()
    assert titles(sidebar.model)[:2] == ["Pinned", "older"]

    fresh = add(store, "brand new")
    sidebar.conversation_changed(fresh)
    assert titles(sidebar.model) == ["Pinned", "older", "Today", "brand new", "newer"]


def test_search_finds_a_two_character_chinese_query_and_opens_its_message(
    qtbot: QtBot, store: HistoryStore
) -> None:
    add(store, "What is the weather like?", answer="Sunny <b>all</b> day")
    cid = add(store, "今天天气怎么样？", answer="今天天气很好，适合散步。", days_ago=2)
    sidebar = make(qtbot, store)

    qtbot.keyClick(sidebar, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert sidebar.search_field.hasFocus()
    sidebar.search_field.insert("天气")  # as an input method commits it
    qtbot.waitUntil(lambda: sidebar.results_model.rowCount() == 2, timeout=3000)

    assert sidebar.stack.currentWidget() is sidebar.results
    assert sidebar.status.text() == "2 found"
    top = sidebar.results_model.index(0)
    assert "<b style=" in str(top.data(HTML_ROLE))
    assert "天气</b>" in str(top.data(HTML_ROLE))
    answer = next(m.id for m in store.messages(cid) if m.message.role == "assistant")
    assert top.data(MESSAGE_ROLE) == answer

    qtbot.keyClick(sidebar.search_field, Qt.Key.Key_Down)
    assert sidebar.results.hasFocus()
    with qtbot.waitSignal(sidebar.open_requested, timeout=2000) as opened:
        qtbot.keyClick(sidebar.results, Qt.Key.Key_Return)
    assert opened.args == [cid, answer]

    sidebar.focus_search()
    qtbot.keyClick(sidebar.search_field, Qt.Key.Key_Escape)
    assert sidebar.search_field.text() == ""
    assert sidebar.stack.currentWidget() is sidebar.list


def test_a_snippet_is_escaped_before_it_is_highlighted(qtbot: QtBot, store: HistoryStore) -> None:
    add(store, "<img src=x> needle <script>")
    model = SearchModel(store)

    model.set_query("needle")

    html = str(model.index(0).data(HTML_ROLE))
    assert "&lt;img src=x&gt;" in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html
    assert "needle</b>" in html


def test_search_results_page_as_the_view_scrolls(qtbot: QtBot, store: HistoryStore) -> None:
    for n in range(120):
        add(store, f"common word {n}")
    sidebar = make(qtbot, store)
    sidebar.search_field.setText("common")
    qtbot.waitUntil(lambda: sidebar.results_model.rowCount() > 0, timeout=3000)
    assert sidebar.results_model.rowCount() == 50
    assert sidebar.status.text() == "50+ found"

    for _ in range(20):
        sidebar.results.scrollToBottom()
        qtbot.wait(10)
    assert sidebar.results_model.rowCount() == 120


def test_typing_searches_once_when_the_typing_pauses(qtbot: QtBot, store: HistoryStore) -> None:
    add(store, "common ground")
    sidebar = make(qtbot, store)
    resets: list[str] = []
    sidebar.results_model.modelReset.connect(lambda: resets.append(sidebar.results_model.query))

    sidebar.focus_search()
    qtbot.keyClicks(sidebar.search_field, "common")
    qtbot.waitUntil(lambda: sidebar.results_model.rowCount() == 1, timeout=3000)

    assert resets == ["common"]


def test_an_unreadable_history_says_so_once_and_hides_nothing(
    qtbot: QtBot, store: HistoryStore
) -> None:
    cid = add(store, "kept while the file is away")
    sidebar = make(qtbot, store)
    store._db.close()  # the file can no longer be read nor written

    sidebar.delete(cid)
    sidebar._commit_delete()  # the undo window closes

    assert sidebar.status.isVisible()
    assert sidebar.status.text().startswith("cannot write the history: ")
    assert "kept while the file is away" in titles(sidebar.model)  # shown again, not lost
    sidebar.search_field.setText("kept")
    qtbot.waitUntil(lambda: sidebar.status.text().startswith("cannot read"), timeout=3000)
    assert sidebar.results_model.rowCount() == 0
