"""The window's keyboard: its shortcuts, named in the reader's language, and the Tab order.

Each shortcut is a window action found by its English name (`actions_by_name`), so tests and
the Tools menu reach it whatever the language; its text follows a language change.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from desktop_chat.i18n import N_, _

if TYPE_CHECKING:
    from desktop_chat.ui.chat.composer import Composer
    from desktop_chat.ui.chat.top_bar import TopBar
    from desktop_chat.ui.history.sidebar import HistorySidebar

SHORTCUTS = (  # (name, keys, method); the names are the actions' texts
    (N_("New chat"), "Ctrl+N", "new_chat"),
    (N_("Settings"), "Ctrl+,", "open_settings"),
    (N_("Focus composer"), "Ctrl+L", "focus_composer"),
    (N_("Find in conversation"), "Ctrl+F", "_find"),
    (N_("Stop or cancel"), "Esc", "_on_escape"),
    (N_("Quit"), "Ctrl+Q", "close"),  # Cmd+Q on macOS
)


def add_shortcuts(window: QWidget) -> dict[str, QAction]:
    """Give `window` an action per shortcut, calling its method of that name; by English name."""
    actions: dict[str, QAction] = {}
    for name, keys, method in SHORTCUTS:
        action = QAction(_(name), window)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(getattr(window, method))
        window.addAction(action)
        actions[name] = action
    return actions


def retranslate_shortcuts(actions: dict[str, QAction]) -> None:
    for name, action in actions.items():
        action.setText(_(name))


def set_tab_order(
    top_bar: TopBar, sidebar: HistorySidebar | None, transcript_view: QWidget, composer: Composer
) -> None:
    """Tab from the sidebar through the top bar and the conversation to the composer's buttons."""
    chain = [
        *(sidebar.focus_chain() if sidebar is not None else ()),
        top_bar.picker_button,
        top_bar.params_button,
        top_bar.settings_button,
        transcript_view,
        composer.editor,
        composer.attach_button,
        composer.send_button,
        composer.stop_button,
    ]
    for first, second in itertools.pairwise(chain):
        QWidget.setTabOrder(first, second)
