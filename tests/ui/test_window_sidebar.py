"""The history sidebar folds when the window's middle runs out of room, and only then."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QHBoxLayout, QLineEdit, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.storage.history import HistoryStore
from desktop_chat.ui.history.sidebar import HistorySidebar
from desktop_chat.ui.window_sidebar import FOLD_SIDEBAR_BELOW, SidebarFit

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
    fit.fit(WIDE, None)
    assert not sidebar.collapsed
    fit.fit(NARROW, None)
    assert sidebar.collapsed
    fit.fit(WIDE, None)
    assert not sidebar.collapsed


def test_a_fold_or_unfold_by_hand_is_respected_until_the_width_crosses_again(sidebar) -> None:
    fit = SidebarFit(sidebar)
    fit.fit(WIDE, None)
    sidebar.toggle_collapsed()  # folded by hand while wide
    fit.fit(NARROW, None)
    fit.fit(WIDE, None)
    assert sidebar.collapsed  # it was not the width that folded it
    sidebar.toggle_collapsed()
    fit.fit(NARROW, None)
    assert sidebar.collapsed
    sidebar.toggle_collapsed()  # unfolded by hand while narrow
    fit.fit(NARROW - 50, None)
    assert not sidebar.collapsed  # still narrow: no crossing, no fold


def test_the_focus_stays_where_it_was_when_the_width_folds_the_sidebar(qtbot, sidebar) -> None:
    editor = sidebar.parentWidget().findChild(QLineEdit, "editor")
    sidebar.window().activateWindow()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=2000)
    SidebarFit(sidebar).fit(NARROW, None)
    assert sidebar.collapsed
    assert editor.hasFocus()  # a fold by hand would have moved it to the toggle


def test_a_docked_dock_takes_its_width_and_a_floating_one_none(qtbot: QtBot, sidebar) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QWidget())
    dock = QDockWidget("Dock", window)
    dock.setWidget(QWidget())
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.resize(WIDE + 400, 600)
    window.show()
    dock.setMinimumWidth(300)
    qtbot.waitUntil(lambda: dock.isVisible() and dock.width() >= 300, timeout=2000)
    fit = SidebarFit(sidebar)
    fit.fit(WIDE, dock)
    assert sidebar.collapsed  # WIDE less the dock is below the fold
    dock.setFloating(True)
    fit.fit(WIDE, dock)
    assert not sidebar.collapsed
