"""Find labels whose text Qt cuts: drawn at their size, they differ from themselves drawn wider."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def cut_labels(root: QWidget) -> list[str]:
    """The text of each visible one-line label under `root` that loses ink at its size.

    A label is drawn at its size and again 40 px wider; left-aligned text with room to spare
    draws the same pixels, so any difference is ink the label's edge cut off.
    """
    found = []
    for label in root.findChildren(QLabel):
        if not label.isVisible() or label.wordWrap() or not label.text():
            continue
        horizontal = label.alignment() & Qt.AlignmentFlag.AlignHorizontal_Mask
        if horizontal not in (Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignLeading):
            continue  # centred or right-aligned text moves when the label widens
        size = label.size()
        drawn = label.grab().toImage()
        label.resize(size.width() + 40, size.height())
        roomy = label.grab().toImage().copy(0, 0, size.width(), size.height())
        label.resize(size)
        if drawn != roomy:
            found.append(label.text())
    return found
