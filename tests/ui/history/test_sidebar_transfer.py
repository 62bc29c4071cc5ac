"""Export and import from the sidebar, on real widgets, real files and a real SQLite history.

The file dialogs are driven as a person would: the dialog the menu opened gets a file and is
accepted. Only the failing write names its file straight through the dialog's `fileSelected`
(a directory that does not exist cannot be chosen in the dialog itself).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from desktop_chat.core.conversation import Message, ToolCall
from desktop_chat.storage.history import ConversationInfo, HistoryStore
from desktop_chat.storage.history_export import all_ids, dumps, export_json, markdown
from desktop_chat.ui.history.sidebar import HistorySidebar
from desktop_chat.ui.history.transfer import file_name
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import apply_language
from tests.support.gui import POPUP_ON_OFFSCREEN
from tests.support.window import WindowFactory

pytestmark = POPUP_ON_OFFSCREEN


def converse(store: HistoryStore, question: str) -> str:
    """A conversation with a model, reasoning, a tool call and a regenerated answer."""
    cid = store.create_conversation("Be brief.")
    q = store.add_message(cid, None, Message("user", text=question))
    store.add_message(cid, q, Message("assistant", text="An older answer."))
    answer = Message(
        "assistant",
        text="The answer.",
        reasoning="thinking it over",
        tool_calls=[ToolCall("c1", "calculator", '{"expression": "1+1"}')],
    )
    store.add_message(cid, q, answer, meta={"model": "m"})
    return cid


def make(qtbot: QtBot, store: HistoryStore) -> HistorySidebar:
    sidebar = HistorySidebar(store)
    qtbot.addWidget(sidebar)
    sidebar.resize(240, 600)
    sidebar.show()
    qtbot.waitExposed(sidebar)
    return sidebar


def info_of(store: HistoryStore, cid: str) -> ConversationInfo:
    info = store.conversation(cid)
    assert info is not None
    return info


def export_from_menu(qtbot: QtBot, sidebar: HistorySidebar, cid: str, entry: int) -> QFileDialog:
    """Open the row's menu, Export, and its `entry` (0 Markdown, 1 with details, 2 JSON)."""
    row = sidebar.model.row_of(cid)
    assert row is not None
    pos = sidebar.list.visualRect(sidebar.model.index(row, 0)).center()
    sidebar.list.customContextMenuRequested.emit(pos)
    menu = sidebar.context_menu
    exports = [action.menu() for action in menu.actions() if action.menu()]
    assert [action.text() for action in exports[0].actions()] == [
        "&Markdown…",
        "Markdown with &reasoning and tool calls…",
        "&JSON…",
    ]
    exports[0].actions()[entry].trigger()
    menu.close()
    return shown_dialog(qtbot, sidebar)


def shown_dialog(qtbot: QtBot, sidebar: HistorySidebar) -> QFileDialog:
    dialog = sidebar.transfer.dialog
    assert isinstance(dialog, QFileDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    return dialog


def choose(qtbot: QtBot, sidebar: HistorySidebar, dialog: QFileDialog, path: Path) -> str:
    """Pick `path` in `dialog` and accept it; what the sidebar reported when the work was done."""
    reported: list[str] = []
    sidebar.reported.connect(reported.append)
    dialog.setDirectory(str(path.parent))
    dialog.selectFile(path.name)
    dialog.accept()
    qtbot.waitUntil(lambda: sidebar.transfer.dialog is None, timeout=3000)
    finish(qtbot, sidebar)
    sidebar.reported.disconnect(reported.append)
    assert len(reported) == 2, reported  # what it is doing, then what it did
    assert reported[0].endswith("…")
    return reported[1]


def finish(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    """Wait for the export or import thread (it tells the sidebar through a queued signal)."""
    qtbot.waitUntil(lambda: sidebar.transfer.running == 0, timeout=10_000)


def test_a_file_name_from_a_title_keeps_safe_characters_only() -> None:
    assert file_name("Plan: a/b \\ c? <d>", ".md") == "Plan a b c d.md"
    assert file_name("1+1, (quick)\tnote\n", ".md") == "1+1, (quick) note.md"
    assert file_name("..hidden", ".json") == "hidden.json"
    assert file_name("天气怎么样？", ".md") == "天气怎么样？.md"
    assert file_name("con", ".md") == "_con.md"
    assert file_name("///", ".md") == "Untitled.md"
    assert len(file_name("x" * 500, ".md")) == 83


def test_one_conversation_exports_as_markdown_and_json_through_its_menu(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path
) -> None:
    cid = converse(store, "What is 1+1?")
    sidebar = make(qtbot, store)

    dialog = export_from_menu(qtbot, sidebar, cid, 0)
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert Path(dialog.selectedFiles()[0]).name == "What is 1+1.md"
    plain = tmp_path / "What is 1+1.md"
    assert choose(qtbot, sidebar, dialog, plain) == f"Exported to {plain}"
    assert plain.read_text(encoding="utf-8") == markdown(store, cid)
    assert "thinking it over" not in plain.read_text(encoding="utf-8")

    detailed = tmp_path / "detailed.md"
    choose(qtbot, sidebar, export_from_menu(qtbot, sidebar, cid, 1), detailed)
    assert detailed.read_text(encoding="utf-8") == markdown(store, cid, details=True)
    assert "> thinking it over" in detailed.read_text(encoding="utf-8")

    dialog = export_from_menu(qtbot, sidebar, cid, 2)
    assert Path(dialog.selectedFiles()[0]).name == "What is 1+1.json"
    exported = tmp_path / "one.json"
    choose(qtbot, sidebar, dialog, exported)
    assert json.loads(exported.read_text(encoding="utf-8")) == export_json(store, [cid])
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_replacing_a_file_is_asked_first_without_a_nested_loop(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path
) -> None:
    cid = converse(store, "hello")
    sidebar = make(qtbot, store)
    target = tmp_path / "kept.md"
    target.write_text("mine", encoding="utf-8")

    for answer, expected in (
        (QMessageBox.StandardButton.No, "mine"),
        (QMessageBox.StandardButton.Yes, markdown(store, cid)),
    ):
        dialog = export_from_menu(qtbot, sidebar, cid, 0)
        dialog.setDirectory(str(tmp_path))
        dialog.selectFile(target.name)
        dialog.accept()
        question = sidebar.transfer.question
        assert isinstance(question, QMessageBox)
        qtbot.waitUntil(question.isVisible, timeout=3000)
        assert "kept.md already exists" in question.text()
        question.button(answer).click()
        qtbot.waitUntil(lambda: sidebar.transfer.question is None, timeout=3000)
        finish(qtbot, sidebar)
        assert target.read_text(encoding="utf-8") == expected


def test_a_failed_write_says_why_and_leaves_nothing_behind(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path
) -> None:
    cid = converse(store, "hello")
    sidebar = make(qtbot, store)
    dialog = export_from_menu(qtbot, sidebar, cid, 0)
    missing = tmp_path / "gone" / "out.md"
    dialog.fileSelected.emit(str(missing))
    dialog.reject()
    finish(qtbot, sidebar)
    assert sidebar.status.isVisible()
    assert sidebar.status.text() == f"Could not write {missing}: No such file or directory"
    assert not missing.parent.exists()


def test_export_all_then_import_into_a_fresh_profile_gives_the_same_conversations(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path
) -> None:
    converse(store, "first")
    converse(store, "第二个问题")
    sidebar = make(qtbot, store)
    # By keyboard: Tab reaches the button (between New chat and the search field in the
    # window), Space opens its menu, a mnemonic picks the entry.
    assert sidebar.more_button.focusPolicy() & Qt.FocusPolicy.TabFocus
    sidebar.more_button.setFocus()
    qtbot.keyClick(sidebar.more_button, Qt.Key.Key_Space)
    menu = sidebar.more_menu
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    assert [a.text() for a in menu.actions()] == [
        "&Export all conversations…",
        "&Import conversations…",
    ]
    qtbot.keyClick(menu, Qt.Key.Key_E)
    dialog = shown_dialog(qtbot, sidebar)
    assert Path(dialog.selectedFiles()[0]).name.startswith("desktop-chat-history-")
    everything = tmp_path / "all.json"
    choose(qtbot, sidebar, dialog, everything)

    fresh = HistoryStore.open(tmp_path / "fresh" / "history.sqlite3")
    try:
        other = make(qtbot, fresh)
        assert other.model.rowCount() == 0
        other.import_action.trigger()
        dialog = shown_dialog(qtbot, other)
        assert dialog.fileMode() == QFileDialog.FileMode.ExistingFile
        assert choose(qtbot, other, dialog, everything) == "Imported 2 conversations."
        assert export_json(fresh, all_ids(fresh)) == json.loads(everything.read_text("utf-8"))
        titles = [str(other.model.index(r, 0).data()) for r in range(other.model.rowCount())]
        assert {"first", "第二个问题"} <= set(titles)

        other.import_action.trigger()
        said = choose(qtbot, other, shown_dialog(qtbot, other), everything)
        assert said == "Imported 0 conversations. 2 were here already."
    finally:
        fresh.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "desktop-chat-hist', "bad.json is not a JSON file."),
        (
            '{"conversations": []}',
            "Nothing was imported from bad.json: not a desktop-chat history export"
            ' (no "format": "desktop-chat-history")',
        ),
    ],
)
def test_a_bad_import_file_says_so_once_and_changes_nothing(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path, content: str, message: str
) -> None:
    cid = converse(store, "keep me")
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    sidebar = make(qtbot, store)
    sidebar.import_action.trigger()
    dialog = shown_dialog(qtbot, sidebar)
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(bad.name)
    reported: list[str] = []
    sidebar.reported.connect(reported.append)
    dialog.accept()
    finish(qtbot, sidebar)
    sidebar.reported.disconnect(reported.append)
    assert reported == ["Importing bad.json…"]  # and nothing done
    assert sidebar.status.text() == message
    assert all_ids(store) == [cid]

    good = tmp_path / "good.json"
    good.write_text(dumps(export_json(store, [cid])), encoding="utf-8")
    sidebar.import_action.trigger()
    said = choose(qtbot, sidebar, shown_dialog(qtbot, sidebar), good)
    assert said == "Imported 0 conversations. 1 was here already."
    assert not sidebar.status.isVisible()  # the problem said before is over


def test_a_markdown_export_made_in_chinese_reads_in_chinese(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path
) -> None:
    cid = converse(store, "你好")
    store.add_message(cid, info_of(store, cid).leaf_id, Message("user", text="再见"))
    sidebar = make(qtbot, store)
    apply_language("zh_CN")
    target = tmp_path / "中文.md"
    said = choose(qtbot, sidebar, export_from_menu_zh(qtbot, sidebar, cid), target)
    assert str(target) in said
    text = target.read_text(encoding="utf-8")
    assert "## 用户" in text
    assert "## 助手（m） — 第 2 个版本，共 2 个" in text
    assert "**系统提示：** Be brief." in text
    assert "> thinking it over" in text
    assert "工具调用 `calculator`：" in text
    for english in ("User", "Assistant", "version", "System", "Tool call"):
        assert english not in text


def export_from_menu_zh(qtbot: QtBot, sidebar: HistorySidebar, cid: str) -> QFileDialog:
    """The Chinese menu's Export → with reasoning and tool calls."""
    row = sidebar.model.row_of(cid)
    assert row is not None
    sidebar.list.customContextMenuRequested.emit(
        sidebar.list.visualRect(sidebar.model.index(row, 0)).center()
    )
    menu = sidebar.context_menu
    exports = next(action.menu() for action in menu.actions() if action.menu())
    assert exports.title() == "导出(&E)"
    exports.actions()[1].trigger()
    menu.close()
    return shown_dialog(qtbot, sidebar)


def test_the_window_says_where_the_export_went_and_tab_reaches_the_menu_button(
    qtbot: QtBot, open_window: WindowFactory, tmp_path: Path
) -> None:
    window = open_window()
    sidebar = window.sidebar
    assert sidebar is not None
    assert window.history is not None
    # Tab goes from New chat to the export and import button, then on to the search field.
    assert sidebar.new_button.nextInFocusChain() is sidebar.more_button
    assert sidebar.more_button.nextInFocusChain() is sidebar.search_field
    cid = converse(window.history, "from the window")
    sidebar.conversation_changed(cid)
    target = tmp_path / "window.md"
    choose(qtbot, sidebar, export_from_menu(qtbot, sidebar, cid, 0), target)
    assert window.status.currentMessage() == f"Exported to {target}"
    assert target.read_text(encoding="utf-8").startswith("# from the window\n")


def test_a_button_squeezed_to_no_width_draws_its_icon_without_a_warning(qtbot: QtBot) -> None:
    # The strip's third button (export and import) is squeezed to no width while the sidebar
    # unfolds; Qt then asks for its icon at width 0, and a null pixmap cannot be painted on.
    assert icon("ellipsis").pixmap(QSize(0, 16)).isNull()
