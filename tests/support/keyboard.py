"""What a keyboard and a screen reader meet in a widget tree: mnemonics, names, the Tab order.

For the accessibility tests: `duplicate_mnemonics(root)` lists each Alt+letter taken twice by
what is visible under `root` (buttons, labels with a buddy, tabs, checkable group boxes), in
either convention ("&Save", "保存(&S)"); `nameless(root)` lists each visible control that Tab
reaches and Qt's accessibility interface gives no name; `tab_chain(root)` is the order Tab
visits them in.
"""

from __future__ import annotations

import re
from collections import defaultdict

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTabBar, QWidget

MNEMONIC = re.compile(r"&([^&\s])")


def mnemonic(text: str) -> str | None:
    """The letter Alt reaches in `text`, casefolded, or None."""
    found = MNEMONIC.search(text.replace("&&", ""))
    return found.group(1).casefold() if found else None


def _shown(widget: QWidget, root: QWidget) -> bool:
    return widget is root or widget.isVisibleTo(root)


def mnemonics(root: QWidget) -> dict[str, list[str]]:
    """Letter -> the texts that take it, for everything visible under `root`."""
    taken: dict[str, list[str]] = defaultdict(list)
    for widget in [root, *root.findChildren(QWidget)]:
        if not _shown(widget, root):
            continue
        texts: list[str] = []
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if isinstance(widget, QAbstractButton) or labelled:
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            texts.append(widget.title())
        elif isinstance(widget, QTabBar):
            texts.extend(widget.tabText(i) for i in range(widget.count()) if widget.isTabVisible(i))
        for text in texts:
            letter = mnemonic(text)
            if letter is not None:
                taken[letter].append(text)
    return dict(taken)


def duplicate_mnemonics(root: QWidget) -> dict[str, list[str]]:
    return {letter: texts for letter, texts in mnemonics(root).items() if len(texts) > 1}


def tab_chain(root: QWidget) -> list[QWidget]:
    """The visible, enabled controls under `root` that Tab stops at, in Tab's order."""
    chain: list[QWidget] = []
    widget = root.nextInFocusChain()
    for _ in range(10_000):  # bounded: the chain is a ring
        if widget is root:
            break
        if (
            root.isAncestorOf(widget)
            and widget.isVisibleTo(root)
            and widget.isEnabled()
            and widget.focusPolicy() & widget.focusPolicy().TabFocus
            and widget.focusProxy() is None
        ):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def accessible_name(widget: QWidget) -> str:
    """The name a screen reader announces for `widget`, from Qt's accessibility interface."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def nameless(root: QWidget) -> list[str]:
    """Each control Tab reaches under `root` that has no accessible name."""
    return [
        f"{type(widget).__name__} {widget.objectName()!r} in {type(widget.parent()).__name__}"
        for widget in tab_chain(root)
        if not accessible_name(widget)
    ]
