"""The menu of one saved conversation: Open, Rename, Pin or Unpin, Export, Delete.

Made afresh each time it opens, so its words are in the language in use and Pin reads as the
row's state (Unpin on a pinned row).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QWidget

from desktop_chat.i18n import _
from desktop_chat.storage.history import ConversationInfo
from desktop_chat.ui.history.transfer import Form
from desktop_chat.ui.icons import icon


def row_menu(
    parent: QWidget,
    info: ConversationInfo,
    *,
    open_: Callable[[], None],
    rename: Callable[[], None],
    pin: Callable[[bool], None],
    export: Callable[[Form], None],
    delete: Callable[[], None],
) -> QMenu:
    """A menu for `info`'s row; each entry calls back with what it means (pin: the new state)."""
    menu = QMenu(parent)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    menu.addAction(icon("message-square"), _("&Open")).triggered.connect(open_)
    menu.addAction(icon("pencil"), _("&Rename") + "\tF2").triggered.connect(rename)
    if info.pinned:
        unpin = menu.addAction(icon("pin-off"), _("&Unpin"))
        unpin.triggered.connect(lambda: pin(False))
    else:
        menu.addAction(icon("pin"), _("&Pin")).triggered.connect(lambda: pin(True))
    exports = menu.addMenu(icon("download"), _("&Export"))
    forms: tuple[tuple[str, Form], ...] = (
        (_("&Markdown…"), "markdown"),
        (_("Markdown with &reasoning and tool calls…"), "details"),
        (_("&JSON…"), "json"),
    )
    for text, form in forms:
        exports.addAction(text).triggered.connect(lambda _checked=False, f=form: export(f))
    menu.addAction(icon("trash-2"), _("&Delete") + "\tDel").triggered.connect(delete)
    return menu
