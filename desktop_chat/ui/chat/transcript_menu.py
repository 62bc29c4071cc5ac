"""The transcript's context menu: the view's own entries, then the message's actions."""

from __future__ import annotations

import bisect
from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMenu

from desktop_chat.i18n import _
from desktop_chat.ui.chat.message_block import MessageBlock
from desktop_chat.ui.chat.safe_browser import SafeBrowser

RunAction = Callable[[str, list[int]], None]


def message_at(blocks: list[MessageBlock], position: int, first: int = 0) -> int | None:
    """The index of the message holding document `position`, of those drawn from `first` on.

    None in an empty transcript, and on the line of folded messages above `first`.
    """
    starts = [block.start for block in blocks[first:]]
    if not starts or (first > 0 and position <= starts[0]):
        return None
    return first + max(bisect.bisect_left(starts, position) - 1, 0)


def show_menu(
    view: SafeBrowser, pos: QPoint, blocks: list[MessageBlock], run: RunAction, *, first: int = 0
) -> None:
    """Pop up the menu at `pos`; the message's entries call `run(action, [index])`."""
    menu = view.createStandardContextMenu(pos)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    index = message_at(blocks, view.cursorForPosition(pos).position(), first)
    if index is not None:
        block = blocks[index]
        menu.addSeparator()
        _add(menu, _("Copy message as Markdown"), "copy", index, run)
        if block.role == "user":
            _add(menu, _("Edit message"), "edit", index, run)
        if block.regenerate:
            _add(menu, _("Regenerate response"), "regenerate", index, run)
        if block.role == "assistant":
            _add(menu, _("Inspect requests and events"), "inspect", index, run)
        position, count = block.versions
        if position > 1:
            label = _("Previous version ({n} of {count})").format(n=position - 1, count=count)
            _add(menu, label, "older", index, run)
        if position < count:
            label = _("Next version ({n} of {count})").format(n=position + 1, count=count)
            _add(menu, label, "newer", index, run)
    # popup(), not exec(): a nested event loop would stall the asyncio tasks (qasync).
    menu.popup(view.viewport().mapToGlobal(pos))


def _add(menu: QMenu, label: str, action: str, index: int, run: RunAction) -> None:
    item = menu.addAction(label)
    item.setToolTip(label)
    item.triggered.connect(lambda: run(action, [index]))
