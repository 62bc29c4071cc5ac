"""Give every answer its own Inspection and show the live or the chosen one in the dock.

Each turn starts at the end of the conversation, so when a turn starts at transcript index `i`,
every inspection kept at `i` or later belongs to entries that no longer exist (an edit and
resend, a retry, a new chat) and is dropped. A tool turn spans several entries (a step's answer,
its tool results, the final answer); all of them show the inspection of the turn's first entry.
Inspections are recorded from the first turn on; the dock itself is made the first time it is
opened, which keeps it out of the window's start-up.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolButton, QWidget

from desktop_chat.inspector.inspection import Inspection

if TYPE_CHECKING:
    from desktop_chat.ui.chat_controller import ChatController
    from desktop_chat.ui.inspector_dock import InspectorDock
    from desktop_chat.ui.main_window import MainWindow

DOCK_WIDTH = 520


class InspectorLink(QObject):
    """Record each turn of `chat` into an Inspection kept with its message; feed the dock."""

    def __init__(
        self, chat: ChatController, make_dock: Callable[[], InspectorDock], parent: QObject
    ) -> None:
        super().__init__(parent)
        self.chat = chat
        self.dock: InspectorDock | None = None
        self._make_dock = make_dock
        self._starts: list[int] = []  # transcript index of each kept turn's first entry, sorted
        self._inspections: dict[int, Inspection] = {}
        self._shown: tuple[Inspection | None, str] = (None, "")
        self._live: Inspection | None = None
        self._secrets: set[str] = set()
        chat.set_observer_factory(self._observe)
        chat.inspect_requested.connect(self.show_message)
        chat.turn_ended.connect(self._on_turn_ended)

    def inspection_for(self, index: int) -> Inspection | None:
        """The inspection of the turn that made transcript entry `index` (None for none)."""
        position = bisect.bisect_right(self._starts, index)
        return self._inspections[self._starts[position - 1]] if position else None

    def open_dock(self) -> InspectorDock:
        """Show the dock (made on first use) with the inspection last chosen or live."""
        if self.dock is None:
            self.dock = self._make_dock()
            self.dock.show_inspection(*self._shown)
        self.dock.show()
        self.dock.raise_()
        return self.dock

    def show_message(self, index: int) -> None:
        """Open the dock on the inspection of transcript entry `index`."""
        self._show(self.inspection_for(index), self._title(index))
        self.open_dock()

    def add_secret(self, secret: str) -> None:
        """Scrub `secret` (an API key a turn read) from this and every later inspection."""
        if not secret:
            return
        self._secrets.add(secret)
        if self._live is not None:
            self._live.add_secret(secret)

    def _show(self, inspection: Inspection | None, title: str) -> None:
        self._shown = (inspection, title)
        if self.dock is not None:
            self.dock.show_inspection(inspection, title)

    def _observe(self, index: int) -> Callable[[object, float], None]:
        position = bisect.bisect_left(self._starts, index)
        for stale in self._starts[position:]:
            del self._inspections[stale]
        del self._starts[position:]
        inspection = self._live = Inspection(secrets=self._secrets)
        self._starts.append(index)
        self._inspections[index] = inspection
        self._show(inspection, self._title(index))
        return inspection.feed

    def _on_turn_ended(self, outcome: str) -> None:
        inspection, self._live = self._live, None
        if inspection is None or inspection.finished:
            return
        if outcome == "failed":
            inspection.finish(self.chat.last_error or "the answer failed")
        elif outcome == "stopped":
            inspection.stopped_by_user()
        else:
            inspection.finish()

    def _title(self, index: int) -> str:
        messages = self.chat.messages
        asked = next(
            (m.text for m in reversed(messages[: index + 1]) if m.role == "user" and m.text), ""
        )
        line = " ".join(asked.split())
        return line if len(line) <= 60 else line[:59] + "…"


def install_inspector(window: MainWindow) -> InspectorLink:
    """Record every turn; Ctrl+I and a top-bar button open the dock at the window's right."""
    toggle = QAction("Inspector", window)
    toggle.setCheckable(True)
    toggle.setShortcut(QKeySequence("Ctrl+I"))
    toggle.setToolTip("Show every request, its streamed events and tool calls (Ctrl+I)")
    window.addAction(toggle)

    def make_dock() -> InspectorDock:
        from desktop_chat.ui.inspector_dock import InspectorDock

        dock = InspectorDock(window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
        dock.visibilityChanged.connect(lambda _visible: toggle.setChecked(dock.isVisible()))
        return dock

    link = InspectorLink(window.chat, make_dock, window)

    def toggled(checked: bool) -> None:
        if checked:
            link.open_dock()
        elif link.dock is not None:
            link.dock.hide()

    toggle.toggled.connect(toggled)
    button = QToolButton(window.top_bar)
    button.setDefaultAction(toggle)
    button.setAccessibleName("Inspector")
    window.top_bar.add_before_settings(button)
    QWidget.setTabOrder(window.tools.menu, button)
    QWidget.setTabOrder(button, window.top_bar.settings_button)
    window.target.key_listeners.append(link.add_secret)
    return link
