"""The inspector pane: a dock beside the transcript showing what one answer did on the wire.

The dock never hears events itself: the window feeds an `Inspection` from its event callback
and hands it over with `show_inspection`. While visible, a timer polls `revision` and appends
only the new rows; switching requests or filters narrows a proxy, never the model. Copy as
cURL puts a command with the key as an environment variable on the clipboard; Save JSONL
writes the selected request's events (all of them under "All requests") atomically.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_chat.i18n import _, ngettext
from desktop_chat.inspector.export import curl_command, jsonl_lines
from desktop_chat.inspector.inspection import Inspection
from desktop_chat.inspector.trace import KINDS, RequestTrace
from desktop_chat.storage.atomic_file import replace_file
from desktop_chat.ui.inspector.details import EntryDetails
from desktop_chat.ui.inspector.model import ENTRY_ROLE, EntryFilter, EntryModel
from desktop_chat.ui.inspector.request import RequestView
from desktop_chat.ui.inspector.tools import ToolCallsView
from desktop_chat.ui.language import Retranslating
from desktop_chat.ui.message_label import message_label

POLL_MS = 100
ROWS_PER_TICK = 1_000  # ~7 ms of the event loop: a stream faster than that is caught up later
SaveChooser = Callable[[QWidget, str], str | None]


def ask_save_path(parent: QWidget, suggested: str) -> str | None:
    """Ask where to save, with the platform's dialog (from a button click, never a coroutine)."""
    path, _filter = QFileDialog.getSaveFileName(
        parent,
        _("Save events as JSON Lines"),
        suggested,
        _("JSON Lines (*.jsonl);;All files (*)"),
    )
    return path or None


class InspectorDock(Retranslating, QDockWidget):
    """Timeline, request, details and tool calls of one Inspection, kept up to date by polling."""

    saved = Signal(str)  # the path a JSONL export was written to
    copied = Signal(str)  # the cURL command put on the clipboard

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        choose_save_path: SaveChooser = ask_save_path,
        poll_ms: int = POLL_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("inspectorDock")
        self.choose_save_path = choose_save_path
        self.inspection: Inspection | None = None
        self._title = ""
        self._seen = -1
        self._requests_shown = 0

        self.picker = QComboBox()
        self.picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.picker.setMinimumContentsLength(16)
        self.copy_button = QPushButton()
        self.save_button = QPushButton()
        self.summary = message_label(None, "")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice = message_label(None, "")
        self.notice.hide()

        self.kinds_button = QPushButton()
        self.kinds_menu = QMenu(self.kinds_button)
        self.kind_actions: dict[str, QAction] = {}
        for kind in KINDS:
            action = self.kinds_menu.addAction(kind)
            action.setCheckable(True)
            action.setChecked(True)
            action.toggled.connect(self._on_kinds_toggled)
            self.kind_actions[kind] = action
        self.kinds_button.setMenu(self.kinds_menu)
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)

        self.model = EntryModel(self)
        self.proxy = EntryFilter(self)
        self.proxy.setSourceModel(self.model)
        # A table, not a tree: appending rows costs what they add, where QTreeView lays out
        # every row again (a 40,000-row timeline took ~0.1 s per refresh).
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 4)
        self.view.setAlternatingRowColors(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        for column, width in enumerate((72, 40, 72)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.view.setColumnWidth(column, width)

        self.details = EntryDetails()
        self.request_view = RequestView()
        self.tool_view = ToolCallsView()
        self.tabs = QTabWidget()
        for page in (self.details, self.request_view, self.tool_view):
            self.tabs.addTab(page, "")

        top = QHBoxLayout()
        top.addWidget(self.picker, 1)
        top.addWidget(self.copy_button)
        top.addWidget(self.save_button)
        filters = QHBoxLayout()
        filters.addWidget(self.kinds_button)
        filters.addWidget(self.search, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        self.setWidget(body)

        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(lambda: self.refresh(ROWS_PER_TICK))
        self.picker.currentIndexChanged.connect(self._on_request_picked)
        self.search.textChanged.connect(self.proxy.set_search)
        self.copy_button.clicked.connect(self.copy_curl)
        self.save_button.clicked.connect(self.save_jsonl)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self._retranslate()
        self.show_inspection(None)

    def _retranslate(self) -> None:
        self._show_title()
        self._name_title_buttons()
        self.picker.setAccessibleName(_("Request"))
        self.picker.setToolTip(_("Which HTTP attempt to show (step · attempt · status · duration)"))
        if self.picker.count():
            self.picker.setItemText(0, _("All requests"))
        self.copy_button.setText(_("Copy as cURL"))
        self.copy_button.setAccessibleName(_("Copy request as cURL command"))
        self.save_button.setText(_("Save JSONL…"))
        self.save_button.setAccessibleName(_("Save events as JSON Lines"))
        self.summary.setAccessibleName(_("Request summary"))
        self.notice.setAccessibleName(_("Inspector notice"))
        self.kinds_button.setAccessibleName(_("Event kinds shown"))
        self.search.setPlaceholderText(_("Search events"))
        self.search.setAccessibleName(_("Search events"))
        self.view.setAccessibleName(_("Event timeline"))
        self.tabs.setAccessibleName(_("Inspector views"))
        for index, text in enumerate((_("Event"), _("Request"), _("Tool calls"))):
            self.tabs.setTabText(index, text)
        self.model.headerDataChanged.emit(
            Qt.Orientation.Horizontal, 0, self.model.columnCount() - 1
        )
        self._update_kinds_label()
        self._seen = -1  # the summary is drawn again in the new language
        self.refresh()

    def _name_title_buttons(self) -> None:
        # Qt names its own float and close buttons once, in the language of the moment.
        for name, text in (
            ("qt_dockwidget_floatbutton", _("Float or dock the inspector")),
            ("qt_dockwidget_closebutton", _("Close the inspector")),
        ):
            button = self.findChild(QAbstractButton, name)
            if button is not None:
                button.setAccessibleName(text)
                button.setAccessibleDescription("")
                button.setToolTip(text)

    def _show_title(self) -> None:
        title = self._title
        self.setWindowTitle(
            _("Inspector — {title}").format(title=title) if title else _("Inspector")
        )

    # --- what the window calls ---------------------------------------------------------------

    def show_inspection(self, inspection: Inspection | None, title: str = "") -> None:
        """Show `inspection` (the live answer, or an older one); None empties the pane."""
        self.inspection = inspection
        self._title = title
        self._show_title()
        self._seen = -1
        self._requests_shown = 0
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItem(_("All requests"))
        self.picker.blockSignals(False)
        self.proxy.set_request(None)
        self.model.set_entries(inspection.entries if inspection is not None else [])
        self.tool_view.show_calls(inspection.tool_calls if inspection is not None else [])
        self.details.show_entry(None)
        self.notice.hide()
        self.refresh()

    def refresh(self, limit: int | None = None) -> None:
        """Bring the pane up to date (by at most `limit` new rows); cheap when nothing changed."""
        inspection = self.inspection
        if inspection is None:
            self._seen = -1
            self.summary.setText(_("No answer to inspect yet."))
            self.request_view.show_request(None)
            self._update_buttons()
            return
        if inspection.revision == self._seen and not self.model.behind:
            return
        self._seen = inspection.revision
        bar = self.view.verticalScrollBar()
        following = bar.value() >= bar.maximum()
        if self.model.sync(limit) and following:
            self.view.scrollToBottom()
        self._sync_picker(inspection)
        self.tool_view.sync(inspection.tool_calls)
        request = self.selected_request()
        self.request_view.show_request(request)
        self.summary.setText(self._summary(inspection, request))
        self._update_buttons()

    def selected_request(self) -> RequestTrace | None:
        """The request picked, or the latest one under "All requests"."""
        inspection = self.inspection
        if inspection is None or not inspection.requests:
            return None
        row = self.picker.currentIndex()
        if 1 <= row <= len(inspection.requests):
            return inspection.requests[row - 1]
        return inspection.requests[-1]

    def copy_curl(self) -> str | None:
        """Put the selected request as a cURL command on the clipboard; return it."""
        request = self.selected_request()
        if request is None or not request.method:
            self._say(_("There is no request to copy yet."))
            return None
        command = curl_command(request)
        QGuiApplication.clipboard().setText(command)
        self._say(_("Copied the request as a cURL command; the key is read from the environment."))
        self.copied.emit(command)
        return command

    def save_jsonl(self) -> Path | None:
        """Ask where, then write the shown request's events (all of them for "All requests")."""
        inspection = self.inspection
        if inspection is None:
            return None
        request = None if self.picker.currentIndex() <= 0 else self.selected_request()
        suggested = (
            "inspection.jsonl"
            if request is None
            else (f"request-step{request.step}-attempt{request.attempt}.jsonl")
        )
        chosen = self.choose_save_path(self, suggested)
        if not chosen:
            return None
        path = Path(chosen)
        try:
            lines = jsonl_lines(request if request is not None else inspection)
            replace_file(path, lines.encode("utf-8"))
        except OSError as exc:
            self._say(
                _("Could not save {name}: {error}").format(
                    name=path.name, error=exc.strerror or exc
                )
            )
            return None
        self._say(_("Saved {path}").format(path=path))
        self.saved.emit(str(path))
        return path

    # --- Qt overrides --------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()  # a hidden pane costs nothing
        super().hideEvent(event)

    # --- inside ------------------------------------------------------------------------------

    def _sync_picker(self, inspection: Inspection) -> None:
        requests = inspection.requests
        for request in requests[self._requests_shown :]:
            self.picker.addItem(request.label)
        self._requests_shown = len(requests)
        for row, request in enumerate(requests, start=1):
            if self.picker.itemText(row) != request.label:
                self.picker.setItemText(row, request.label)

    def _summary(self, inspection: Inspection, request: RequestTrace | None) -> str:
        if request is None:
            return _("Waiting for the first request…")
        line = request.summary_line()
        if self.picker.currentIndex() <= 0 and len(inspection.requests) > 1:
            line = _("{count} requests; latest: {line}").format(
                count=len(inspection.requests), line=line
            )
        calls = len(inspection.tool_calls)
        if calls:
            line += " · " + ngettext("{n} tool call", "{n} tool calls", calls).format(n=calls)
        if inspection.error is not None and inspection.error != request.error:
            line += " · " + _("failed: {error}").format(error=inspection.error)
        elif inspection.stopped and request.outcome != "stopped":
            line += " · " + _("stopped by you")  # between attempts or tool steps
        return line

    def _update_buttons(self) -> None:
        request = self.selected_request()
        self.copy_button.setEnabled(request is not None and bool(request.method))
        self.save_button.setEnabled(self.inspection is not None and bool(self.inspection.entries))

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _update_kinds_label(self) -> None:
        shown = sum(action.isChecked() for action in self.kind_actions.values())
        self.kinds_button.setText(
            _("Kinds: all")
            if shown == len(KINDS)
            else _("Kinds: {shown} of {count}").format(shown=shown, count=len(KINDS))
        )

    def _on_kinds_toggled(self, checked: bool) -> None:
        self.proxy.set_kinds(k for k, action in self.kind_actions.items() if action.isChecked())
        self._update_kinds_label()

    def _on_request_picked(self, row: int) -> None:
        inspection = self.inspection
        request = None
        if inspection is not None and 1 <= row <= len(inspection.requests):
            request = inspection.requests[row - 1]
        self.proxy.set_request(request)
        self._seen = -1  # the summary and the request view follow the pick
        self.refresh()

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        entry = indexes[0].data(ENTRY_ROLE) if indexes else None
        self.details.show_entry(entry)
        if entry is not None:
            self.tabs.setCurrentWidget(self.details)
