"""The answer's tool calls, live: each call a row, what became of it in the rows beneath.

A call appears as soon as its name and id are known; its argument string grows with every
delta; then come the parsed arguments (or the parse error with its position), the schema check,
the approval, and the result with its duration. Rows are updated in place on each poll.
"""

from __future__ import annotations

import json

from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from desktop_chat.i18n import N_, _
from desktop_chat.inspector.trace import ToolCallTrace, format_seconds
from desktop_chat.ui.inspector.model import error_color
from desktop_chat.ui.language import Retranslating

PREVIEW_CHARS = 300
TOOLTIP_CHARS = 4000
FIELDS = (N_("Arguments"), N_("Parsed"), N_("Schema"), N_("Approval"), N_("Result"))


def _clip(text: str, limit: int = PREVIEW_CHARS) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[:limit] + "…"


def details(call: ToolCallTrace) -> dict[str, tuple[str, bool]]:
    """The text of each detail row of a call, and whether it reports a problem."""
    rows: dict[str, tuple[str, bool]] = {"Arguments": (call.arguments, False)}
    if call.parse_error is not None:
        rows["Parsed"] = (_("Not a JSON object: {error}").format(error=call.parse_error), True)
    elif call.complete:
        rows["Parsed"] = (json.dumps(call.parsed, ensure_ascii=False), False)
    else:
        rows["Parsed"] = (_("(arguments still streaming)"), False)
    if not call.checked:
        rows["Schema"] = (_("(not checked yet)"), False)
    elif not call.known_tool:
        rows["Schema"] = (_("No tool of this name is offered"), True)
    elif call.schema_problems:
        rows["Schema"] = ("; ".join(call.schema_problems), True)
    elif call.parse_error is None:
        rows["Schema"] = (_("The arguments match the tool's schema"), False)
    else:
        rows["Schema"] = (_("(not checked: the arguments are not JSON)"), True)
    if call.approval == "denied":
        rows["Approval"] = (_("Denied: {reason}").format(reason=call.denial_reason), True)
    elif call.approval == "edited":
        rows["Approval"] = (
            _("Approved with edited arguments: {arguments}").format(
                arguments=call.edited_arguments
            ),
            False,
        )
    elif call.approval is not None:
        how = _("Always allowed") if call.approval == "always" else _("Approved when asked")
        rows["Approval"] = (how, False)
    else:
        rows["Approval"] = (
            _("Not run: {reason}").format(reason=call.not_run) if call.not_run else _("(not yet)"),
            False,
        )
    if call.result is not None:
        template = (
            _("Error after {duration}: {result}")
            if call.is_error
            else _("Result after {duration}: {result}")
        )
        rows["Result"] = (
            template.format(duration=format_seconds(call.duration), result=call.result),
            call.is_error,
        )
    else:
        rows["Result"] = (_("(running)") if call.running else _("(none yet)"), False)
    return rows


class ToolCallsView(Retranslating, QTreeWidget):
    """One top-level row per tool call (name, id, state, duration), its details beneath."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(4)
        self._retranslate()
        self.setUniformRowHeights(True)
        self.setWordWrap(False)
        # The dock opens 420 px wide: the name and id give way (elided, whole in the tooltip of
        # the details), the state and duration are read in full.
        self.setColumnWidth(0, 130)
        self.setColumnWidth(1, 90)
        self.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self._items: list[tuple[ToolCallTrace, QTreeWidgetItem, list[QTreeWidgetItem]]] = []

    def _retranslate(self) -> None:
        self.setHeaderLabels([_("Tool"), _("Id"), _("State"), _("Duration")])
        self.setAccessibleName(_("Tool calls"))
        for _call, _item, children in getattr(self, "_items", []):
            for child in children:
                child.setText(0, "")  # drawn again by the next sync, in the new language

    def show_calls(self, calls: list[ToolCallTrace]) -> None:
        """Show `calls` from scratch (another inspection)."""
        self.clear()
        self._items = []
        self.sync(calls)

    def sync(self, calls: list[ToolCallTrace]) -> None:
        """Add rows for new calls and bring every row up to date."""
        for call in calls[len(self._items) :]:
            item = QTreeWidgetItem([call.name, call.id, "", ""])
            children = [QTreeWidgetItem([field]) for field in FIELDS]
            item.addChildren(children)
            self.addTopLevelItem(item)
            for child in children:
                child.setFirstColumnSpanned(True)  # details get the whole width
            item.setExpanded(not call.void)
            self._items.append((call, item, children))
        alarm = error_color(QGuiApplication.palette())
        normal = self.palette().color(QPalette.ColorRole.Text)
        for call, item, children in self._items:
            _set(item, 2, call.state)
            _set(item, 3, format_seconds(call.duration) if call.duration is not None else "")
            for child, (field, (text, bad)) in zip(children, details(call).items(), strict=True):
                shown = _("{field}: {text}").format(field=_(field), text=_clip(text))
                if _set(child, 0, shown):
                    child.setToolTip(0, text[:TOOLTIP_CHARS])
                    child.setForeground(0, alarm if bad else normal)

    def call_item(self, call_id: str) -> QTreeWidgetItem | None:
        """The row of the call with `call_id` (the latest, when an id repeats)."""
        found = [item for call, item, _ in self._items if call.id == call_id]
        return found[-1] if found else None


def _set(item: QTreeWidgetItem, column: int, text: str) -> bool:
    """Set a cell's text if it changed; say whether it did (repaints only what changed)."""
    if item.text(column) == text:
        return False
    item.setText(column, text)
    return True
