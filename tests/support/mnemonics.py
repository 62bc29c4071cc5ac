"""Which Alt+key mnemonics a window offers, and which of them more than one thing takes.

A mnemonic is the letter after a single `&` in a visible label, button, group box, tab or menu
title, or an action of the window (`&&` is a literal ampersand). Qt lets Alt+key reach only one
of two that share a letter and cycles between them on the next press: a person pressing Alt+E
for the Endpoint box lands on whatever else took E first. Popup menus are windows of their own
and are not counted with the window they open from.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMenu,
    QMenuBar,
    QTabBar,
    QWidget,
)

MNEMONIC = re.compile(r"(?<!&)&(?!&)(\w)")


def mnemonic(text: str) -> str | None:
    """The letter `text` takes with a single `&`, lower-case; None when it takes none."""
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).lower() if found else None


def labelled(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) of everything in `root`'s window that can carry a mnemonic and is shown."""
    for widget in [root, *root.findChildren(QWidget)]:
        if isinstance(widget, QMenu) or (widget is not root and not widget.isVisibleTo(root)):
            continue
        name = f"{type(widget).__name__}({widget.objectName() or widget.accessibleName()})"
        if isinstance(widget, QLabel | QAbstractButton):
            yield name, widget.text()
        elif isinstance(widget, QGroupBox):
            yield name, widget.title()
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                if widget.isTabVisible(index):
                    yield f"{name} tab {index}", widget.tabText(index)
        elif isinstance(widget, QMenuBar):
            for action in widget.actions():
                if action.isVisible():
                    yield f"{name} menu", action.text()
    for action in root.actions():
        if isinstance(action, QAction) and action.isVisible():
            yield f"action {action.objectName()}", action.text()


def taken_twice(root: QWidget) -> dict[str, list[str]]:
    """Each letter two or more things in `root`'s window take, with what takes it."""
    takers: dict[str, list[str]] = defaultdict(list)
    for where, text in labelled(root):
        letter = mnemonic(text)
        if letter is not None:
            takers[letter].append(f"{where}: {text!r}")
    return {letter: found for letter, found in takers.items() if len(found) > 1}
