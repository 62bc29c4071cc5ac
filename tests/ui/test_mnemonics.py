"""No mnemonic is taken twice in one window, and no label is cut: the main window and Settings."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.storage.settings import Settings
from tests.support.clipping import cut_labels
from tests.support.mnemonics import mnemonic, taken_twice
from tests.support.settings_dialog import open_dialog
from tests.support.window import WindowFactory


def test_a_mnemonic_is_the_letter_after_a_single_ampersand() -> None:
    assert mnemonic("&Endpoint") == "e"
    assert mnemonic("Max to&kens") == "k"
    assert mnemonic("Save && close") is None
    assert mnemonic("R&&D &Lab") == "l"
    assert mnemonic("打开(&O)") == "o"
    assert mnemonic("Plain") is None


def test_a_letter_taken_twice_is_found(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    QLabel("&Endpoint", root)
    QPushButton("&Edit arguments", root)
    QPushButton("&Run", root)
    hidden = QPushButton("&Reset", root)
    hidden.hide()
    root.show()
    clash = taken_twice(root)
    assert list(clash) == ["e"]
    assert len(clash["e"]) == 2


def test_the_main_window_takes_each_mnemonic_once(open_window: WindowFactory) -> None:
    window = open_window()
    assert taken_twice(window) == {}
    assert window.sidebar is not None
    window.sidebar.toggle_collapsed()  # the other layout of the sidebar
    assert taken_twice(window) == {}


def test_each_page_of_settings_takes_each_mnemonic_once(qtbot: QtBot, loop: object) -> None:
    dialog, _ = open_dialog(qtbot, Settings())
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        assert taken_twice(dialog) == {}, dialog.tabs.tabText(index)


def test_no_label_on_a_page_of_settings_is_cut(qtbot: QtBot, loop: object) -> None:
    dialog, _ = open_dialog(qtbot, Settings())
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        assert cut_labels(dialog) == [], dialog.tabs.tabText(index)


def test_no_label_of_the_main_window_is_cut(open_window: WindowFactory) -> None:
    assert cut_labels(open_window()) == []
