"""The transcript's text view: loads nothing, follows no link by itself, themed by its palette.

Also the small helpers that go with it: following the end while text streams in, and the
colours derived from the palette.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QFontDatabase, QPalette, QTextDocument
from PySide6.QtWidgets import QScrollBar, QTextBrowser, QWidget

from desktop_chat.ui.chat.markdown import Theme


class SafeBrowser(QTextBrowser):
    """A read-only QTextBrowser that never fetches a resource and never navigates.

    The HTML we generate names no resource; this is the second wall. Every request is refused
    and the last few are remembered so tests (and a debugging session) can see them.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setViewportMargins(10, 6, 10, 6)  # text must not touch the frame
        self.refused_resources: deque[str] = deque(maxlen=32)

    def loadResource(self, type: int, name: QUrl | str, /) -> object:
        """Refuse every resource: no images, no style sheets, no files, no network."""
        self.refused_resources.append(QUrl(name).toString())
        return None

    def setSource(
        self,
        name: QUrl | str,
        /,
        type: QTextDocument.ResourceType = QTextDocument.ResourceType.UnknownResource,
    ) -> None:
        """Ignore navigation: the document is only ever built by the transcript."""
        self.refused_resources.append(QUrl(name).toString())


class EndFollower:
    """Keep a scroll bar at its end while the user is there, and still when they scrolled up.

    Our own edits move the bar too (the document shrinks and grows while the tail is redrawn);
    only moves outside `editing()` are taken as the user's.
    """

    SLACK = 8  # pixels from the end that still count as "at the end"

    def __init__(self, bar: QScrollBar) -> None:
        self._bar = bar
        self._depth = 0
        self.following = True
        bar.valueChanged.connect(self._on_value_changed)
        bar.rangeChanged.connect(self._on_range_changed)

    @contextmanager
    def editing(self) -> Iterator[None]:
        """Make changes; afterwards go to the end if the user was following it."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if not self._depth and self.following:
            self._bar.setValue(self._bar.maximum())

    def _on_value_changed(self, value: int) -> None:
        if not self._depth:
            self.following = value >= self._bar.maximum() - self.SLACK

    def _on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self.following and not self._depth:
            self._bar.setValue(maximum)


def _hex(colour: QColor) -> str:
    return colour.name(QColor.NameFormat.HexRgb)


def _mix(a: QColor, b: QColor, amount: float) -> str:
    """Return a blended `amount` of the way from a to b, as #rrggbb."""
    return _hex(
        QColor.fromRgbF(
            a.redF() + (b.redF() - a.redF()) * amount,
            a.greenF() + (b.greenF() - a.greenF()) * amount,
            a.blueF() + (b.blueF() - a.blueF()) * amount,
        )
    )


def theme_from_palette(palette: QPalette) -> Theme:
    """Derive the transcript colours from a palette, so the text follows the app's light/dark."""
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    dark = base.lightnessF() < 0.5
    red = QColor("#ff6b6b") if dark else QColor("#b3261e")
    amber = QColor("#f0b429") if dark else QColor("#8a5300")
    link = palette.color(QPalette.ColorRole.Link)
    if dark and link.lightnessF() < 0.5:
        link = QColor("#8ab4f8")  # many palettes keep a dark-blue link colour on dark themes
    return Theme(
        dark=dark,
        text=_hex(text),
        muted=_hex(palette.color(QPalette.ColorRole.PlaceholderText)),
        accent=_hex(link),
        link=_hex(link),
        code_background=_mix(base, text, 0.12 if dark else 0.06),
        border=_mix(base, text, 0.3),
        warning=_mix(amber, text, 0.15),
        error_text=_hex(red),
        error_background=_mix(base, red, 0.15),
        mono_family=QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family(),
    )
