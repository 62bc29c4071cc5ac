"""The sidebar's words follow the language while it is open; its buttons are icons with names."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.conversation import Message
from desktop_chat.storage.history import ConversationInfo, HistoryStore, StoredMessage
from desktop_chat.ui.history.conversation_model import ConversationModel
from desktop_chat.ui.history.search_model import HTML_ROLE
from desktop_chat.ui.history.sidebar import HistorySidebar
from desktop_chat.ui.language import apply_language
from desktop_chat.ui.theme import colors, scheme_of
from tests.support.gui import POPUP_ON_OFFSCREEN
from tests.support.visible_text import untranslated

OLD = datetime(2025, 1, 15, 12).timestamp()
TITLE_WORDS = ("kept", "top", "weather")  # the user's own words, shown as they are


def add(store: HistoryStore, title: str, stamp: float, *, pinned: bool = False) -> str:
    cid, q, a = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
    messages = [
        StoredMessage(q, cid, None, Message("user", text=title), "complete", stamp, stamp),
        StoredMessage(a, cid, q, Message("assistant", text="weather ok"), "complete", stamp, stamp),
    ]
    info = ConversationInfo(cid, title, True, False, "", stamp, stamp, a, 2)
    assert store.insert_conversation(info, messages)
    if pinned:
        store.pin(cid)
    return cid


def headings(model: ConversationModel) -> list[str]:
    return model.groups()


def shown(qtbot: QtBot, store: HistoryStore) -> HistorySidebar:
    sidebar = HistorySidebar(store)
    qtbot.addWidget(sidebar)
    sidebar.resize(240, 600)
    sidebar.show()
    qtbot.waitExposed(sidebar)
    return sidebar


@POPUP_ON_OFFSCREEN
def test_every_word_of_the_sidebar_changes_language_while_open(
    qtbot: QtBot, store: HistoryStore
) -> None:
    add(store, "weather today", time.time())
    add(store, "weather long ago", OLD)
    gone = add(store, "kept on top", OLD, pinned=True)
    sidebar = shown(qtbot, store)
    assert headings(sidebar.model) == ["Pinned", "Today", "January 2025"]

    apply_language("zh_CN")
    qtbot.waitUntil(lambda: headings(sidebar.model)[0] == "已置顶", timeout=2000)
    assert headings(sidebar.model) == [
        "已置顶",
        "今天",
        "2025年1月",
    ]  # the month in QLocale's words
    assert untranslated(sidebar, TITLE_WORDS) == []
    spoken = sidebar.model.index(1, 0).data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken == "kept on top，已置顶，2 条消息"

    sidebar.list.setCurrentIndex(sidebar.model.index(1, 0))
    sidebar.list.setFocus()
    qtbot.keyClick(sidebar.list, Qt.Key.Key_Menu)
    words = [action.text() for action in sidebar.context_menu.actions()]
    assert words == [
        "打开(&O)",
        "重命名(&R)\tF2",
        "取消置顶(&U)",
        "导出(&E)",
        "删除(&D)\tDel",
    ]
    sidebar.context_menu.close()

    sidebar.delete(gone)
    assert sidebar.undo_bar.label.text() == "已删除“kept on top”"
    assert untranslated(sidebar, TITLE_WORDS) == []

    sidebar.search_field.setText("weather")
    qtbot.waitUntil(lambda: sidebar.status.text().startswith("找到 "), timeout=3000)
    count = sidebar.results_model.rowCount()
    assert sidebar.status.text() == f"找到 {count} 条"
    assert untranslated(sidebar, TITLE_WORDS) == []

    apply_language("en")
    qtbot.waitUntil(lambda: sidebar.status.text() == f"{count} found", timeout=2000)
    assert sidebar.undo_bar.label.text() == "Deleted “kept on top”"
    assert headings(sidebar.model) == ["Today", "January 2025"]  # the pinned one is deleted
    sidebar.undo_delete()


def test_the_buttons_are_icons_with_a_name_and_a_tooltip(qtbot: QtBot, store: HistoryStore) -> None:
    sidebar = shown(qtbot, store)
    for collapsed in (False, True):
        if sidebar.collapsed != collapsed:
            sidebar.toggle_collapsed()
        buttons = [
            b
            for b in sidebar.findChildren(QToolButton)
            if b.isVisibleTo(sidebar) and b.parent() is not sidebar.search_field  # its icons
        ]
        assert {sidebar.new_button, sidebar.toggle_button} <= set(buttons)
        for button in buttons:
            assert not button.icon().isNull()
            assert button.text() == "" or button.toolButtonStyle() != (
                Qt.ToolButtonStyle.ToolButtonTextOnly
            )
            assert button.accessibleName(), button
            assert button.toolTip(), button
            assert button.autoRaise()
    assert sidebar.new_button.toolTip() == "New chat (Ctrl+N)"
    assert sidebar.toggle_button.toolTip() == "Show conversations (Ctrl+B)"
    assert sidebar.new_button.icon().name() == "square-pen"
    assert sidebar.search_icon.icon().name() == "search"
    assert sidebar.search_icon.toolTip() == "Search all (Ctrl+K)"


def test_search_marks_take_the_theme_colours(qtbot: QtBot, store: HistoryStore) -> None:
    add(store, "weather today", time.time())
    sidebar = shown(qtbot, store)
    sidebar.search_field.setText("weather")
    qtbot.waitUntil(lambda: sidebar.results_model.rowCount() >= 1, timeout=3000)
    marks = colors(scheme_of(sidebar.palette()))
    html = str(sidebar.results_model.index(0).data(HTML_ROLE))
    assert f"background-color:{marks.mark_bg}; color:{marks.mark_fg};" in html
