"""The saved conversations as a list model that reads the store a page at a time.

The view asks for more rows as it scrolls (`canFetchMore`/`fetchMore`), so 10,000 conversations
cost one page of 100 until someone scrolls. Rows are the conversations in the store's order
(pinned first, then the most recently updated), with a heading row before each date group;
headings cannot be selected, so the arrow keys step over them. Conversations hidden while their
deletion can still be undone are left out without a new query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QPalette

from desktop_chat.storage.history import ConversationInfo, HistoryStore
from desktop_chat.storage.history_schema import HistoryError
from desktop_chat.ui.history.dates import PINNED, group_of

ID_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE = 100
UNTITLED = "New conversation"

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class Row:
    group: str
    info: ConversationInfo | None = None  # None: the group's heading


class ConversationModel(QAbstractListModel):
    """Conversations of a HistoryStore, fetched page by page, under their date headings."""

    failed = Signal(str)  # a message for a person: the history could not be read or written

    def __init__(
        self,
        store: HistoryStore,
        *,
        page: int = PAGE,
        today: Callable[[], date] = date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._page = page
        self._today = today
        self._infos: list[ConversationInfo] = []  # as read, in the store's order
        self._hidden: set[str] = set()
        self._rows: list[Row] = []
        self._more = True

    # -- reading -----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index) -> None:
        """Read the next page and append its rows (a heading where a new group starts)."""
        if parent.isValid() or not self._more:
            return
        try:
            page = self._store.conversations(limit=self._page, offset=len(self._infos))
        except HistoryError as exc:
            self._more = False
            self.failed.emit(str(exc))
            return
        self._more = len(page) == self._page
        known = {info.id for info in self._infos}
        fresh = [info for info in page if info.id not in known]  # one that moved up meanwhile
        self._infos.extend(fresh)
        rows = self._rows_for(fresh, self._rows[-1].group if self._rows else None)
        if rows:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    def reload(self) -> None:
        """Read again as many conversations as are shown (a title, a pin or an order changed)."""
        try:
            infos = self._store.conversations(limit=max(self._page, len(self._infos)))
        except HistoryError as exc:
            self.failed.emit(str(exc))
            return
        self.beginResetModel()
        self._more = len(infos) == max(self._page, len(self._infos))
        self._infos = infos
        self._rows = self._rows_for(infos, None)
        self.endResetModel()

    def _rows_for(self, infos: list[ConversationInfo], group: str | None) -> list[Row]:
        today = self._today()
        rows = []
        for info in infos:
            if info.id in self._hidden:
                continue
            current = group_of(info.updated, info.pinned, today)
            if current != group:
                rows.append(Row(current))
                group = current
            rows.append(Row(current, info))
        return rows

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        info = row.info
        if info is None:
            return self._heading_data(row.group, role)
        title = info.title or UNTITLED
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return title
        if role == Qt.ItemDataRole.EditRole:
            return info.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            where = "pinned" if row.group == PINNED else row.group
            return f"{title}, {where}, {info.messages} messages"
        if role == ID_ROLE:
            return info.id
        return None

    def _heading_data(self, group: str, role: int) -> object:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return group
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            font.setPointSizeF(max(1.0, font.pointSizeF() * 0.85))
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            return QPalette().brush(QPalette.ColorGroup.Active, QPalette.ColorRole.PlaceholderText)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or self._rows[index.row()].info is None:
            return Qt.ItemFlag.NoItemFlags  # a heading: skipped by the arrow keys
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def info(self, index: Index) -> ConversationInfo | None:
        return self._rows[index.row()].info if index.isValid() else None

    def row_of(self, conversation_id: str) -> int | None:
        for number, row in enumerate(self._rows):
            if row.info is not None and row.info.id == conversation_id:
                return number
        return None

    def groups(self) -> list[str]:
        """The headings shown, top to bottom."""
        return [row.group for row in self._rows if row.info is None]

    # -- changing ----------------------------------------------------------------------------

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Rename a conversation (F2 or the context menu edits the row in place)."""
        info = self.info(index)
        title = " ".join(str(value).split()) if isinstance(value, str) else ""
        if role != Qt.ItemDataRole.EditRole or info is None or not title or title == info.title:
            return False
        try:
            self._store.rename(info.id, title)
        except HistoryError as exc:
            self.failed.emit(str(exc))
            return False
        self.reload()
        return True

    def set_hidden(self, conversation_id: str, hidden: bool) -> None:
        """Leave a conversation out (its deletion may still be undone), or show it again."""
        if hidden:
            self._hidden.add(conversation_id)
        else:
            self._hidden.discard(conversation_id)
        self.beginResetModel()
        self._rows = self._rows_for(self._infos, None)
        self.endResetModel()

    def forget(self, conversation_id: str) -> None:
        """Drop a conversation that was deleted from the store (no row shows it any more)."""
        self._hidden.discard(conversation_id)
        self._infos = [info for info in self._infos if info.id != conversation_id]
        self.beginResetModel()
        self._rows = self._rows_for(self._infos, None)
        self.endResetModel()
