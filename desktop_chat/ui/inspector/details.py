"""The selected timeline row in full: what it was, its raw text, and its parsed JSON as a tree."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QTabWidget, QVBoxLayout, QWidget

from desktop_chat.inspector.trace import Entry, format_seconds
from desktop_chat.ui.inspector.json import JsonTree
from desktop_chat.ui.message_label import message_label

MAX_RAW_CHARS = 1_000_000  # a whole request body fits; a runaway one does not freeze the pane


class EntryDetails(QWidget):
    """Raw and parsed views of one entry; the parsed tree is shown first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = message_label(None, "Selected event", "Select an event to see it in full.")
        self.parsed = JsonTree(name="Parsed event")
        self.raw = QPlainTextEdit()
        self.raw.setReadOnly(True)
        self.raw.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.raw.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.raw.setAccessibleName("Raw event")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.parsed, "Parsed")
        self.tabs.addTab(self.raw, "Raw")
        self.tabs.setAccessibleName("Event views")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.tabs, 1)
        self.entry: Entry | None = None

    def show_entry(self, entry: Entry | None) -> None:
        """Show `entry` (None clears the pane)."""
        self.entry = entry
        if entry is None:
            self.heading.setText("Select an event to see it in full.")
            self.parsed.clear()
            self.raw.clear()
            return
        where = ""
        if entry.request is not None:
            where = f" · step {entry.request.step}, attempt {entry.request.attempt}"
        self.heading.setText(
            f"{entry.kind} · {type(entry.event).__name__} · {format_seconds(entry.t)}{where}"
        )
        raw = entry.raw()
        if len(raw) > MAX_RAW_CHARS:
            raw = raw[:MAX_RAW_CHARS] + f"\n[… {len(raw) - MAX_RAW_CHARS:,} more characters]"
        self.raw.setPlainText(raw)
        self.parsed.show_value(entry.parsed(), depth=2)
