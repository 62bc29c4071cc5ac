"""The inspector's timeline as a Qt model that only grows, and the filter in front of it.

`EntryModel` shows an Inspection's append-only `entries` list in place: `sync()` announces the
rows added since the last call with one beginInsertRows/endInsertRows, so a view with 20,000
rows never rebuilds, and nothing is formatted until a row is painted. `EntryFilter` narrows the
rows by kind, request and text without touching the source.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from desktop_chat.i18n import N_, _
from desktop_chat.inspector.trace import KINDS, Entry, RequestTrace, format_seconds
from desktop_chat.ui.theme import colors, scheme_of

COLUMNS = (N_("Time"), N_("Req."), N_("Kind"), N_("Event"))
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
_LOUD = frozenset({"error", "retry"})
_QUIET = frozenset({"sse", "attempt"})

Index = QModelIndex | QPersistentModelIndex


def error_color(palette: QPalette) -> QColor:
    """The theme's error colour for the palette's scheme, high contrast's own included."""
    return QColor(colors(scheme_of(palette)).error_fg)


class EntryModel(QAbstractTableModel):
    """Rows of an Inspection's timeline: time, request, kind, summary."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[Entry] = []
        self._count = 0

    def set_entries(self, entries: list[Entry]) -> None:
        """Show another timeline (a reset: only when the inspection itself changes)."""
        self.beginResetModel()
        self._entries = entries
        self._count = len(entries)
        self.endResetModel()

    def sync(self, limit: int | None = None) -> int:
        """Announce (at most `limit` of) the entries appended since the last call; return how many.

        A limit keeps each refresh short while a fast stream outruns the view; the rest follows
        in the next refreshes (`behind` tells how many are waiting).
        """
        added = len(self._entries) - self._count
        if limit is not None:
            added = min(added, limit)
        if added > 0:
            self.beginInsertRows(QModelIndex(), self._count, self._count + added - 1)
            self._count += added
            self.endInsertRows()
        return max(added, 0)

    @property
    def behind(self) -> int:
        """Entries recorded but not yet announced to the view."""
        return len(self._entries) - self._count

    def entry(self, row: int) -> Entry:
        return self._entries[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= self._count:
            return None
        entry = self._entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return format_seconds(entry.t)
            if column == 1:
                request = entry.request
                return f"{request.step}.{request.attempt}" if request is not None else ""
            if column == 2:
                return entry.kind
            return entry.summary
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 1 and entry.request is not None:
                return _("Step {step}, attempt {attempt}").format(
                    step=entry.request.step, attempt=entry.request.attempt
                )
            return entry.summary if column == 3 else None
        if role == Qt.ItemDataRole.ForegroundRole:
            palette = QGuiApplication.palette()
            if entry.kind in _LOUD:
                return error_color(palette)
            if entry.kind in _QUIET:
                return palette.color(QPalette.ColorRole.PlaceholderText)
            return None
        if role == ENTRY_ROLE:
            return entry
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return _(COLUMNS[section])
        return None


class EntryFilter(QSortFilterProxyModel):
    """Keep the rows of chosen kinds, of one request (or all), whose text contains a needle."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._kinds: frozenset[str] = frozenset(KINDS)
        self._request: RequestTrace | None = None
        self._needle = ""

    @property
    def kinds(self) -> frozenset[str]:
        return self._kinds

    def set_kinds(self, kinds: Iterable[str]) -> None:
        self._begin()
        self._kinds = frozenset(kinds)
        self._end()

    def set_request(self, request: RequestTrace | None) -> None:
        self._begin()
        self._request = request
        self._end()

    def set_search(self, text: str) -> None:
        self._begin()
        self._needle = text.strip().casefold()
        self._end()

    # invalidateFilter() is deprecated from Qt 6.10: begin/endFilterChange replace it.
    def _begin(self) -> None:
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()

    def _end(self) -> None:
        if hasattr(self, "endFilterChange"):
            self.endFilterChange()
        else:  # Qt before 6.10
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        source = self.sourceModel()
        assert isinstance(source, EntryModel)
        entry = source.entry(source_row)
        if entry.kind not in self._kinds:
            return False
        if self._request is not None and entry.request is not self._request:
            return False
        return not self._needle or self._needle in entry.search_text.casefold()
