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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolButton, QWidget

from desktop_chat.i18n import _
from desktop_chat.inspector.inspection import Inspection
from desktop_chat.ui.icons import icon
from desktop_chat.ui.language import Retranslating

if TYPE_CHECKING:
    from desktop_chat.core.conversation import Message
    from desktop_chat.ui.chat.top_bar import TopBar
    from desktop_chat.ui.inspector.dock import InspectorDock

DOCK_WIDTH = 420


class InspectorLink(QObject):
    """Record each turn into an Inspection kept with its message; feed the dock.

    The chat calls `observe` as each turn starts and `turn_ended` as it ends; `messages` and
    `last_error` read the conversation the turns belong to.
    """

    def __init__(
        self,
        messages: Callable[[], Sequence[Message]],
        last_error: Callable[[], str],
        make_dock: Callable[[], InspectorDock],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._messages = messages
        self._last_error = last_error
        self.dock: InspectorDock | None = None
        self._make_dock = make_dock
        self._starts: list[int] = []  # transcript index of each kept turn's first entry, sorted
        self._inspections: dict[int, Inspection] = {}
        self._shown: tuple[Inspection | None, str] = (None, "")
        self._live: Inspection | None = None
        self._secrets: set[str] = set()

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

    def observe(self, index: int) -> Callable[[object, float], None]:
        """Start the inspection of the turn whose first entry is transcript entry `index`."""
        position = bisect.bisect_left(self._starts, index)
        for stale in self._starts[position:]:
            del self._inspections[stale]
        del self._starts[position:]
        inspection = self._live = Inspection(secrets=self._secrets)
        self._starts.append(index)
        self._inspections[index] = inspection
        self._show(inspection, self._title(index))
        return inspection.feed

    def turn_ended(self, outcome: str) -> None:
        """Close the live inspection: "finished", "failed" or "stopped"."""
        inspection, self._live = self._live, None
        if inspection is None or inspection.finished:
            return
        if outcome == "failed":
            inspection.finish(self._last_error() or "the answer failed")
        elif outcome == "stopped":
            inspection.stopped_by_user()
        else:
            inspection.finish()

    def _title(self, index: int) -> str:
        messages = self._messages()
        asked = next(
            (m.text for m in reversed(messages[: index + 1]) if m.role == "user" and m.text), ""
        )
        line = " ".join(asked.split())
        return line if len(line) <= 60 else line[:59] + "…"


class _InspectorButton(Retranslating, QToolButton):
    """The top bar's Inspector button: its action's icon and text, retranslated."""

    def __init__(self, action: QAction, parent: QWidget) -> None:
        super().__init__(parent)
        self.setDefaultAction(action)
        self.setIconSize(QSize(16, 16))
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._retranslate()

    def _retranslate(self) -> None:
        action = self.defaultAction()
        action.setText(_("Inspector"))
        action.setToolTip(_("Show every request, its streamed events and tool calls (Ctrl+I)"))
        self.setAccessibleName(_("Inspector"))


def install_inspector(
    window: QMainWindow,
    top_bar: TopBar,
    after: QWidget,
    messages: Callable[[], Sequence[Message]],
    last_error: Callable[[], str],
) -> InspectorLink:
    """Ctrl+I and a button in `top_bar` (after `after`) open the dock at the right.

    The dock can be moved to either side or the bottom, floated as a window of its own, or
    tabbed with another dock; hidden and shown again it comes back where it was (Qt keeps its
    place), and so it does in the next run (the window keeps its layout). The caller feeds the
    link each turn (`observe`, `turn_ended`, `show_message`, `add_secret`).
    """
    del after  # the top bar puts the button after the window's other buttons itself
    toggle = QAction(icon("scan-search"), "", window)
    toggle.setCheckable(True)
    toggle.setShortcut(QKeySequence("Ctrl+I"))
    window.addAction(toggle)
    link: InspectorLink

    def make_dock() -> InspectorDock:
        from desktop_chat.ui.inspector.dock import InspectorDock

        dock = InspectorDock(window)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        window.setDockOptions(window.dockOptions() | QMainWindow.DockOption.AllowTabbedDocks)
        if not window.restoreDockWidget(dock):  # where it was last time, else at the right
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            window.resizeDocks([dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
        dock.visibilityChanged.connect(lambda _visible: toggle.setChecked(dock.isVisible()))
        return dock

    link = InspectorLink(messages, last_error, make_dock, window)

    def toggled(checked: bool) -> None:
        if checked:
            link.open_dock()
        elif link.dock is not None:
            link.dock.hide()

    toggle.toggled.connect(toggled)
    top_bar.add_before_settings(_InspectorButton(toggle, top_bar))
    return link
