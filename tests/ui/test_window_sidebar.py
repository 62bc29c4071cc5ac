"""The history sidebar folds when the window's middle runs out of room, and only then."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.storage.history import HistoryStore
from desktop_chat.ui.history.sidebar import HistorySidebar
from desktop_chat.ui.window_sidebar import FOLD_SIDEBAR_BELOW, SidebarFit
from tests.support.window import WindowFactory

WIDE, NARROW = FOLD_SIDEBAR_BELOW + 200, FOLD_SIDEBAR_BELOW - 100


@pytest.fixture
def sidebar(qtbot: QtBot, tmp_path: Path) -> Iterator[HistorySidebar]:
    """A sidebar beside an editor, as in the window."""
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    frame = QWidget()
    qtbot.addWidget(frame)
    row = QHBoxLayout(frame)
    made = HistorySidebar(store, frame)
    row.addWidget(made)
    editor = QLineEdit(frame)
    editor.setObjectName("editor")
    row.addWidget(editor)
    frame.show()
    yield made
    store.close()


def test_it_folds_when_room_runs_out_and_unfolds_when_room_returns(sidebar) -> None:
    fit = SidebarFit(sidebar)
    fit.fit(WIDE)
    assert not sidebar.collapsed
    fit.fit(NARROW)
    assert sidebar.collapsed
    fit.fit(WIDE)
    assert not sidebar.collapsed


def test_a_fold_or_unfold_by_hand_is_respected_until_the_width_crosses_again(sidebar) -> None:
    fit = SidebarFit(sidebar)
    fit.fit(WIDE)
    sidebar.toggle_collapsed()  # folded by hand while wide
    fit.fit(NARROW)
    fit.fit(WIDE)
    assert sidebar.collapsed  # it was not the width that folded it
    sidebar.toggle_collapsed()
    fit.fit(NARROW)
    assert sidebar.collapsed
    sidebar.toggle_collapsed()  # unfolded by hand while narrow
    fit.fit(NARROW - 50)
    assert not sidebar.collapsed  # still narrow: no crossing, no fold


def test_the_focus_stays_where_it_was_when_the_width_folds_the_sidebar(qtbot, sidebar) -> None:
    editor = sidebar.parentWidget().findChild(QLineEdit, "editor")
    sidebar.window().activateWindow()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=2000)
    SidebarFit(sidebar).fit(NARROW)
    assert sidebar.collapsed
    assert editor.hasFocus()  # a fold by hand would have moved it to the toggle


def test_whatever_narrows_the_middle_folds_it_the_inspector_docked_or_dragged_wider(
    qtbot: QtBot, open_window: WindowFactory
) -> None:
    window = open_window()
    window.resize(FOLD_SIDEBAR_BELOW + 600, 700)
    qtbot.waitUntil(lambda: window.centralWidget().width() > FOLD_SIDEBAR_BELOW, timeout=2000)
    assert window.sidebar is not None
    assert not window.sidebar.collapsed
    window.inspector.open_dock()
    dock = window.inspector.dock
    assert dock is not None
    window.resizeDocks([dock], [400], Qt.Orientation.Horizontal)  # the middle has room
    qtbot.waitUntil(lambda: window.centralWidget().width() > FOLD_SIDEBAR_BELOW, timeout=2000)
    assert not window.sidebar.collapsed
    window.resizeDocks([dock], [800], Qt.Orientation.Horizontal)  # as a drag of its splitter
    qtbot.waitUntil(lambda: window.sidebar.collapsed, timeout=2000)
    dock.setFloating(True)  # a floating dock takes nothing from the middle
    qtbot.waitUntil(lambda: not window.sidebar.collapsed, timeout=2000)
