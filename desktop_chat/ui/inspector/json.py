"""A collapsible tree of a JSON value: key, value preview and type, children made on expand.

Request bodies hold whole conversations; building every node up front would cost as much as
the largest body, so a container gets its children only when it is first expanded, at most
MAX_CHILDREN of them, and long strings are cut in the preview (the tooltip has more).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from desktop_chat.core.conversation import JSONValue
from desktop_chat.i18n import _
from desktop_chat.ui.language import Retranslating

MAX_CHILDREN = 500
PREVIEW_CHARS = 200
TOOLTIP_CHARS = 4000


class JsonNode(QTreeWidgetItem):
    """One key of an object or item of an array; a container fills its children lazily."""

    def __init__(self, key: str, value: JSONValue) -> None:
        super().__init__([key, preview(value), type_name(value)])
        self.value = value
        self.filled = False
        if isinstance(value, str) and len(value) > PREVIEW_CHARS:
            self.setToolTip(1, value[:TOOLTIP_CHARS])
        if isinstance(value, dict | list) and value:
            self.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)

    def fill(self) -> None:
        """Make the children (once)."""
        if self.filled:
            return
        self.filled = True
        self.addChildren(nodes(self.value))


def nodes(value: JSONValue) -> list[QTreeWidgetItem]:
    """The child nodes of a container (or one node for a scalar), capped at MAX_CHILDREN."""
    if isinstance(value, dict):
        pairs: Sequence[tuple[str, JSONValue]] = list(value.items())
    elif isinstance(value, list):
        pairs = [(f"[{n}]", item) for n, item in enumerate(value)]
    else:
        return [JsonNode("", value)]
    items: list[QTreeWidgetItem] = [JsonNode(str(k), v) for k, v in pairs[:MAX_CHILDREN]]
    if len(pairs) > MAX_CHILDREN:
        items.append(QTreeWidgetItem([f"… {len(pairs) - MAX_CHILDREN:,} more", "", ""]))
    return items


def type_name(value: JSONValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def preview(value: JSONValue) -> str:
    """A one-line look at a value: scalars as JSON, containers by size."""
    if isinstance(value, dict):
        return f"{{{len(value)} key{'s' if len(value) != 1 else ''}}}"
    if isinstance(value, list):
        return f"[{len(value)} item{'s' if len(value) != 1 else ''}]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= PREVIEW_CHARS else value[:PREVIEW_CHARS] + "…"
        return '"' + text.replace("\n", "⏎") + '"'
    return str(value)


class JsonTree(Retranslating, QTreeWidget):
    """Show a JSON value as a tree; expand the first `depth` levels at once."""

    def __init__(self, parent: QWidget | None = None, *, name: str = "") -> None:
        super().__init__(parent)
        self.setColumnCount(3)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self._name = name  # an English message id; translated when shown
        self._retranslate()
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(0, 160)
        self.setColumnWidth(2, 70)
        self.itemExpanded.connect(self._on_item_expanded)

    def _retranslate(self) -> None:
        self.setHeaderLabels([_("Key"), _("Value"), _("Type")])
        if self._name:
            self.setAccessibleName(_(self._name))

    def show_value(self, value: JSONValue, depth: int = 1) -> None:
        """Replace the tree with `value`; containers at the top are expanded `depth` levels."""
        self.clear()
        top = nodes(value)
        self.addTopLevelItems(top)
        self._expand(top, depth)

    def expand_path(self, *keys: str) -> JsonNode | None:
        """Expand the nodes along `keys` from the top; return the last one (None if missing)."""
        items = [self.topLevelItem(n) for n in range(self.topLevelItemCount())]
        found: JsonNode | None = None
        for key in keys:
            found = next((i for i in items if isinstance(i, JsonNode) and i.text(0) == key), None)
            if found is None:
                return None
            found.setExpanded(True)
            items = [child for n in range(found.childCount()) if (child := found.child(n))]
        return found

    def _expand(self, items: list[QTreeWidgetItem], depth: int) -> None:
        if depth <= 0:
            return
        for item in items:
            if isinstance(item, JsonNode) and isinstance(item.value, dict | list) and item.value:
                item.setExpanded(True)  # fills it through itemExpanded
                children = [child for n in range(item.childCount()) if (child := item.child(n))]
                self._expand(children, depth - 1)

    def _on_item_expanded(self, item: QTreeWidgetItem) -> None:
        if isinstance(item, JsonNode):
            item.fill()
