"""The line that offers to undo a deletion: "Deleted “title”  [Undo]", for UNDO_MS.

It only keeps time and says so: the sidebar decides what hiding and deleting mean.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

UNDO_MS = 6000


class UndoBar(QWidget):
    """Offer Undo for a while; `expired` once the offer ends unused, `undone` if taken."""

    undone = Signal()
    expired = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.button = QPushButton("Undo", self)
        self.button.setAccessibleName("Undo delete")
        self.button.clicked.connect(self.undone)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.expired)
        self.hide()

    def offer(self, title: str) -> None:
        """Show the offer for `title` and start counting (again)."""
        self.label.setText(f"Deleted “{title}”")
        self.label.setToolTip(title)
        self._timer.start(UNDO_MS)

    def end(self) -> None:
        """Stop counting and hide: the offer was taken, or ended by another deletion."""
        self._timer.stop()
        self.hide()
