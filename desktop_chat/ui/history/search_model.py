"""Search hits across every conversation as a list model, read a page at a time.

The store marks each match in a snippet; the marks are private-use characters, so the snippet
can be escaped as a whole and only then turned into highlighting (`snippet_html`): text from the
history is never read as markup.
"""

from __future__ import annotations

import html

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from desktop_chat.i18n import _
from desktop_chat.storage.history import HistoryStore, SearchHit
from desktop_chat.storage.history_schema import HistoryError
from desktop_chat.ui.history.conversation_model import ID_ROLE, UNTITLED

MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 2
HTML_ROLE = Qt.ItemDataRole.UserRole + 3
PAGE = 50
MARKS = ("\ue000", "\ue001")  # private use: no message holds them in practice

Index = QModelIndex | QPersistentModelIndex


def snippet_html(title: str, snippet: str, highlight: str, ink: str) -> str:
    """A hit as HTML: the title, then the snippet with each match bold, `ink` on `highlight`."""
    body = html.escape(snippet)
    body = body.replace(MARKS[0], f'<b style="background-color:{highlight}; color:{ink};">')
    body = body.replace(MARKS[1], "</b>")
    return f"<b>{html.escape(title or _(UNTITLED))}</b><br>{body}"


def plain(snippet: str) -> str:
    return snippet.replace(MARKS[0], "").replace(MARKS[1], "")


class SearchModel(QAbstractListModel):
    """The hits for one query, newest first; more are read as the view scrolls."""

    failed = Signal(str)

    def __init__(
        self, store: HistoryStore, *, page: int = PAGE, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._page = page
        self._query = ""
        self._hits: list[SearchHit] = []
        self._more = False
        self.error = ""  # why the last read failed, if it did
        self.highlight = "#ffe680"  # the theme's colours for a match: set by the sidebar
        self.ink = "#1f2328"

    @property
    def query(self) -> str:
        return self._query

    @property
    def complete(self) -> bool:
        """Whether every hit is read (else there are more than rowCount)."""
        return not self._more

    def set_query(self, text: str) -> None:
        """Search for `text` and show its first page ("" shows nothing)."""
        self.beginResetModel()
        self._query = text.strip()
        self._hits = []
        self._more = bool(self._query)
        self.error = ""
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def retranslate(self) -> None:
        """Say again what every row says, in the language now in use."""
        if self._hits:
            self.dataChanged.emit(self.index(0), self.index(len(self._hits) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or not self._more:
            return
        try:
            hits = self._store.search(
                self._query, limit=self._page, offset=len(self._hits), mark=MARKS
            )
        except HistoryError as exc:
            self._more = False
            self.error = str(exc)
            self.failed.emit(self.error)
            return
        self._more = len(hits) == self._page
        if hits:
            first = len(self._hits)
            self.beginInsertRows(QModelIndex(), first, first + len(hits) - 1)
            self._hits.extend(hits)
            self.endInsertRows()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        title = hit.title or _(UNTITLED)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return _("{title}: {snippet}").format(title=title, snippet=plain(hit.snippet))
        if role == Qt.ItemDataRole.ToolTipRole:
            return title
        if role == HTML_ROLE:
            return snippet_html(hit.title, hit.snippet, self.highlight, self.ink)
        if role == ID_ROLE:
            return hit.conversation_id
        if role == MESSAGE_ROLE:
            return hit.message_id
        return None
