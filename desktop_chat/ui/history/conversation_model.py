"""The saved conversations as a list model that reads the store a page at a time.

The view asks for more rows as it scrolls (`canFetchMore`/`fetchMore`), so 10,000 conversations
cost one page of 100 until someone scrolls. Rows are the conversations in the store's order
(pinned first, then the most recently updated), with a heading row before each date group;
headings cannot be selected, so the arrow keys step over them. Conversations hidden while their
deletion can still be undone are left out without a new query.

The rows are QStandardItems: laying out the view asks the model for every row's index, which
would call into Python once per row and page (the view took ~70 ms a page at 10,000 rows with
a Python `rowCount`); here only paging, renaming and the lookups are Python.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QPalette, QStandardItem, QStandardItemModel

from desktop_chat.i18n import N_, _, ngettext
from desktop_chat.storage.history import ConversationInfo, HistoryStore
from desktop_chat.storage.history_schema import HistoryError
from desktop_chat.ui.history.dates import Group, group_of
from desktop_chat.ui.icons import icon

ID_ROLE = Qt.ItemDataRole.UserRole + 1
PAGE = 100
UNTITLED = N_("New conversation")  # `_()` it where it is shown
_CONVERSATION_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
)

Index = QModelIndex | QPersistentModelIndex


class ConversationModel(QStandardItemModel):
    """Conversations of a HistoryStore, fetched page by page, under their date headings."""

    failed = Signal(str)  # a message for a person: the history could not be read or written
    rebuilding = Signal()  # every row is about to be made again (the view loses its current)
    rebuilt = Signal()

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
        self._by_id: dict[str, ConversationInfo] = {}
        self._hidden: set[str] = set()
        self._last_group: Group | None = None  # of the last row shown
        self._more = True
        # Bold at the rows' own size: the view takes every row's height from the first one.
        self._heading_font = QFont()
        self._heading_font.setBold(True)

    # -- reading -----------------------------------------------------------------------------

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
        fresh = [info for info in page if info.id not in self._by_id]  # one moved up meanwhile
        self._remember(fresh)
        self._append(fresh)

    def reload(self) -> None:
        """Read again as many conversations as are shown (a title, a pin or an order changed)."""
        limit = max(self._page, len(self._infos))
        try:
            infos = self._store.conversations(limit=limit)
        except HistoryError as exc:
            self.failed.emit(str(exc))
            return
        self._more = len(infos) == limit
        self._infos, self._by_id = [], {}
        self._remember(infos)
        self._rebuild()

    def _remember(self, infos: list[ConversationInfo]) -> None:
        self._infos.extend(infos)
        self._by_id.update((info.id, info) for info in infos)

    def _rebuild(self) -> None:
        self.rebuilding.emit()
        self.removeRows(0, self.rowCount())
        self._last_group = None
        self._append(self._infos)
        self.rebuilt.emit()

    def _append(self, infos: list[ConversationInfo]) -> None:
        """Add the rows of `infos` after the last one, in one insertion."""
        today = self._today()
        items = []
        for info in infos:
            if info.id in self._hidden:
                continue
            group = group_of(info.updated, info.pinned, today)
            if group != self._last_group:
                items.append(self._heading(group))
                self._last_group = group
            items.append(self._item(info, group))
        if items:
            self.invisibleRootItem().appendRows(items)

    def _heading(self, group: Group) -> QStandardItem:
        label = group.label()
        item = QStandardItem(label)
        item.setFlags(Qt.ItemFlag.NoItemFlags)  # skipped by the arrow keys
        item.setFont(self._heading_font)
        item.setForeground(QPalette().brush(QPalette.ColorRole.PlaceholderText))
        item.setData(label, Qt.ItemDataRole.AccessibleTextRole)
        if group.pinned:
            item.setIcon(icon("pin", QPalette.ColorRole.PlaceholderText))
        return item

    def _item(self, info: ConversationInfo, group: Group) -> QStandardItem:
        title = info.title or _(UNTITLED)
        item = QStandardItem(title)
        item.setFlags(_CONVERSATION_FLAGS)
        item.setToolTip(title)
        spoken = ngettext(
            "{title}, {group}, {n} message", "{title}, {group}, {n} messages", info.messages
        )
        item.setData(
            spoken.format(title=title, group=group.label(), n=info.messages),
            Qt.ItemDataRole.AccessibleTextRole,
        )
        item.setData(info.id, ID_ROLE)
        return item

    def info(self, index: Index) -> ConversationInfo | None:
        """The conversation of a row; None for a heading."""
        return self._by_id.get(str(index.data(ID_ROLE))) if index.isValid() else None

    def row_of(self, conversation_id: str) -> int | None:
        found = self.match(self.index(0, 0), ID_ROLE, conversation_id, 1, Qt.MatchFlag.MatchExactly)
        return found[0].row() if found else None

    def groups(self) -> list[str]:
        """The headings shown, top to bottom."""
        rows = (self.index(row, 0) for row in range(self.rowCount()))
        return [str(index.data()) for index in rows if index.data(ID_ROLE) is None]

    def retranslate(self) -> None:
        """Make the rows again in the language now in use (headings, untitled rows, names)."""
        self._rebuild()

    # -- changing ----------------------------------------------------------------------------

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Rename a conversation (F2 or the context menu edits the row in place)."""
        info = self.info(index)
        title = " ".join(value.split()) if isinstance(value, str) else ""
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
        self._rebuild()

    def forget(self, conversation_id: str) -> None:
        """Drop a conversation that was deleted from the store (no row shows it any more)."""
        self._hidden.discard(conversation_id)
        self._by_id.pop(conversation_id, None)
        self._infos = [info for info in self._infos if info.id != conversation_id]
        self._rebuild()
