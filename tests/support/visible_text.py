"""Every text a person meets in a widget tree, and which of it is still in English.

For the translation tests: put the window (or a dialog) in Chinese, then ask `untranslated(widget)`.
A text counts as English when a run of three or more Latin letters is left after taking out the
words that stay English in every language (names of products, protocols, keys on the keyboard).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

# Words a translation keeps as they are.
KEPT = {
    "Desktop", "Chat", "OpenAI", "Anthropic", "Responses", "API", "URL", "URLs", "JSON", "HTTP",
    "HTTPS", "MCP", "cURL", "curl", "Markdown", "SSE", "TLS", "CA", "PEM", "DeepSeek", "Ollama",
    "OpenRouter", "vLLM", "LM", "Studio", "stdio", "Ctrl", "Shift", "Alt", "Enter", "Esc", "Tab",
    "Del", "Delete", "PgUp", "PgDown", "Home", "End", "Meta", "Cmd", "Space", "Backspace",
    "F1", "F2", "F3", "max_tokens", "max_completion_tokens", "SQLite", "PDF", "PNG", "JPEG",
    "GIF", "WebP", "XDG", "Qt", "Python", "tok", "ms", "KB", "MB", "GB", "KiB", "MiB",
}  # fmt: skip
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z_'-]{2,}")
TAG = re.compile(r"<[^>]+>")


def texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for each visible widget's text, tooltip, placeholder and accessible name."""
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        name = f"{type(widget).__name__}({widget.objectName()})"
        yield from _own_texts(widget, name)


def _own_texts(widget: QWidget, name: str) -> Iterator[tuple[str, str]]:
    yield f"{name}.toolTip", widget.toolTip()
    yield f"{name}.accessibleName", widget.accessibleName()
    yield f"{name}.accessibleDescription", widget.accessibleDescription()
    if widget.isWindow():
        yield f"{name}.windowTitle", widget.windowTitle()
    if isinstance(widget, QLabel):
        yield f"{name}.text", TAG.sub(" ", widget.text())
    elif isinstance(widget, QAbstractButton):
        yield f"{name}.text", widget.text()
    elif isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
        yield f"{name}.placeholder", widget.placeholderText()
    elif isinstance(widget, QGroupBox):
        yield f"{name}.title", widget.title()
    elif isinstance(widget, QComboBox):
        for index in range(widget.count()):
            yield f"{name}.item{index}", widget.itemText(index)
    elif isinstance(widget, QTabWidget):
        for index in range(widget.count()):
            yield f"{name}.tab{index}", widget.tabText(index)
    for action in widget.actions():
        yield f"{name}.action", action.text().replace("&", "")
        yield f"{name}.action.toolTip", action.toolTip()
    if isinstance(widget, QMenu):
        yield f"{name}.title", widget.title()


def english(text: str, kept: Iterable[str] = ()) -> list[str]:
    """The words of `text` that read as untranslated English."""
    allowed = KEPT | set(kept)
    return [word for word in LATIN_WORD.findall(text) if word not in allowed]


def untranslated(root: QWidget, kept: Iterable[str] = ()) -> list[str]:
    """Each visible text under `root` that still has English words, as `where: text`."""
    keep = set(kept)
    return [f"{where}: {text!r}" for where, text in texts(root) if text and english(text, keep)]
