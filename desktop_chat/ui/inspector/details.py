"""The selected timeline row in full: what it was, its raw text, and its parsed JSON as a tree."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QTabWidget, QVBoxLayout, QWidget

from desktop_chat.i18n import _
from desktop_chat.inspector.trace import Entry, format_seconds
from desktop_chat.ui.inspector.json import JsonTree
from desktop_chat.ui.language import Retranslating
from desktop_chat.ui.message_label import message_label

MAX_RAW_CHARS = 1_000_000  # a whole request body fits; a runaway one does not freeze the pane


class EntryDetails(Retranslating, QWidget):
    """Raw and parsed views of one entry; the parsed tree is shown first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = message_label(None, "")
        self.parsed = JsonTree()
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.raw.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.parsed, "")
        self.tabs.addTab(self.raw, "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        self.entry: Entry | None = None
        self._retranslate()

    def _retranslate(self) -> None:
        self.heading.setAccessibleName(_("Selected event"))
        self.parsed.setAccessibleName(_("Parsed event"))
        self.raw.setAccessibleName(_("Raw event"))
        self.tabs.setTabText(0, _("Parsed"))
        self.tabs.setTabText(1, _("Raw"))
        self.tabs.setAccessibleName(_("Event views"))
        self.show_entry(self.entry)

    def show_entry(self, entry: Entry | None) -> None:
        """Show `entry` (None clears the pane)."""
        self.entry = entry
        if entry is None:
            self.heading.setText(_("Select an event to see it in full."))
            self.parsed.clear()
            self.raw.clear()
            return
        where = ""
        if entry.request is not None:
            where = " · " + _("step {step}, attempt {attempt}").format(
                step=entry.request.step, attempt=entry.request.attempt
            )
        self.heading.setText(
            f"{entry.kind} · {type(entry.event).__name__} · {format_seconds(entry.t)}{where}"
        )
        raw = entry.raw()
        if len(raw) > MAX_RAW_CHARS:
            more = _("[… {count} more characters]").format(count=f"{len(raw) - MAX_RAW_CHARS:,}")
            raw = raw[:MAX_RAW_CHARS] + "\n" + more
        self.raw.setPlainText(raw)
        self.parsed.show_value(entry.parsed(), depth=2)
