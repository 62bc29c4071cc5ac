"""Paint a search hit as rich text: its conversation's title over a snippet with the match bold.

The HTML comes from `search_model.snippet_html` (escaped first), so the document only ever holds
our own markup. A hit is at most `LINES` lines high; the rest of a long snippet is cut.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop_chat.ui.history.search_model import HTML_ROLE

LINES = 4
PADDING = 4

Index = QModelIndex | QPersistentModelIndex


class HitDelegate(QStyledItemDelegate):
    """Rich text rows for the search results view."""

    def __init__(self, view: QWidget) -> None:
        super().__init__(view)
        self._view = view

    def _document(self, option: QStyleOptionViewItem, index: Index, width: int) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(PADDING)
        document.setHtml(str(index.data(HTML_ROLE) or ""))
        document.setTextWidth(max(40, width))
        return document

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        self.initStyleOption(option, index)
        rect = option.rect
        option.text = ""
        style = option.widget.style() if option.widget else self._view.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        document = self._document(option, index, rect.width())
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, option.palette.color(role))
        painter.save()
        painter.translate(rect.topLeft())
        painter.setClipRect(0, 0, rect.width(), rect.height())
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        width = self._view.width() - 8
        document = self._document(option, index, width)
        line = option.fontMetrics.lineSpacing()
        height = min(int(document.size().height()), LINES * line + 2 * PADDING)
        return QSize(width, height)
