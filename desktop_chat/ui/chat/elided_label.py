"""A one-line label that ends in "…" where its room ends, with the whole text as its tooltip.

A plain QLabel that gets less room than its text cuts the text off mid-letter, and as long as
its minimum is its whole text it also stops the window from getting narrower. This one draws
as much as fits, elided, asks for no more than the ellipsis as its minimum, and keeps the whole
text in `text()` (so screen readers read all of it) and in its tooltip. Text is always plain:
it comes from outside (endpoint and model names).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QStyle, QWidget

ELLIPSIS = "…"


class ElidedLabel(QLabel):
    """Show one line of plain text, elided with `mode` when it does not fit."""

    def __init__(
        self,
        parent: QWidget | None,
        name: str,
        *,
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
    ) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName(name)
        self._mode = mode

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def shown_text(self) -> str:
        """The text as drawn now: whole, or elided to the label's width."""
        width = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), self._mode, width)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if not self.text():
            return hint
        margins = self.contentsMargins()
        room = self.fontMetrics().horizontalAdvance(ELLIPSIS) + margins.left() + margins.right()
        return QSize(min(hint.width(), room), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        alignment = QStyle.visualAlignment(self.layoutDirection(), self.alignment())
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(alignment.value),
            self.palette(),
            self.isEnabled(),
            self.shown_text(),
            self.foregroundRole(),
        )
