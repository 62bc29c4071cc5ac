"""Labels for text the app did not write itself: errors, server output, model-supplied values.

A QLabel guesses whether its text is HTML and, if it looks so, renders it: an MCP server's
stderr, a provider's error or a value in a model's tool arguments would then become markup
(images from local files included). These labels always show text as written.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def message_label(
    parent: QWidget | None, name: str, text: str = "", *, wrap: bool = True
) -> QLabel:
    """A plain-text label named `name` for assistive technology, wrapping long lines."""
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setAccessibleName(name)
    return label
