"""Clicks that check first what a user would see (a click on a hidden or disabled button is a
test's mistake, not a user's), and the Qt warnings a GUI test may expect."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

# A popup menu shown on the offscreen platform: the warnings say that there is no window system to
# raise it or grab the keyboard for it, which a test expects rather than fixes.
POPUP_ON_OFFSCREEN = pytest.mark.qt_log_ignore(
    r"^This plugin does not support (raise\(\)|grabbing the keyboard)$"
)


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    assert button.isVisible(), button.text()
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
