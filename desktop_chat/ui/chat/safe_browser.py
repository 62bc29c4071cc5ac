"""The transcript's text view: loads nothing, follows no link by itself, themed by its palette.

Also the small helpers that go with it: following the end while text streams in, and the
colours derived from the palette.

Message actions are icon links in the document (markdown.icon_img), not widgets over it: they
stay in the text's Tab order and its context menu, cost nothing per message beyond one image
character, and scroll with the text. The view paints them from ui/icons.py at the screen's scale;
those of a message the mouse or the keyboard is not on are painted blank (the link, its tooltip
and its place stay), which swaps a pixmap and repaints, with no layout.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QResizeEvent,
    QTextCursor,
    QTextDocument,
    QTextTable,
)
from PySide6.QtWidgets import QScrollBar, QTextBrowser, QWidget

from desktop_chat.ui.chat.markdown import ICON_SCHEME, Theme
from desktop_chat.ui.chat.message_html import SURFACE_PADDING
from desktop_chat.ui.icons import NAMES, icon

_ICON_KEY = re.compile(r"([a-z0-9-]+)@(\d{1,2})(?:/(\d+))?")
MARGIN = 16  # the least space beside the reading column, in pixels
RADIUS = 6  # of a surface's corners


class SafeBrowser(QTextBrowser):
    """A read-only QTextBrowser that never fetches a resource and never navigates.

    The HTML we generate names no resource but our icons; this is the second wall. Every other
    request is refused and the last few are remembered so tests (and a debugging session) can
    see them.
    """

    link_focused = Signal()  # Tab or Shift+Tab moved to a link (Qt emits nothing of its own)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setViewportMargins(0, 6, 0, 6)  # text must not touch the frame
        self.refused_resources: deque[str] = deque(maxlen=32)
        self.column = 0  # the reading column's width in pixels; 0: the whole view
        self._shown: set[int] = set()  # messages whose action icons show
        self._icons: dict[int, set[str]] = {}  # message -> icon keys its action line drew
        # The surfaces (user turns) between two heights of the document; set by the transcript.
        self.surfaces: Callable[[float, float], list[QTextTable]] | None = None

    def loadResource(self, type: int, name: QUrl | str, /) -> object:
        """Refuse every resource but our own icons: no images, no files, no network."""
        url = QUrl(name)
        if url.scheme() == ICON_SCHEME and type == QTextDocument.ResourceType.ImageResource:
            found = _ICON_KEY.fullmatch(url.path())
            if found and found[1] in NAMES:
                owner = None if found[3] is None else int(found[3])
                if owner is not None:
                    self._icons.setdefault(owner, set()).add(url.path())
                return self._icon_pixmap(found[1], int(found[2]), owner)
        self.refused_resources.append(url.toString())
        return None

    def _icon_pixmap(self, name: str, px: int, owner: int | None) -> QPixmap:
        scale = self.devicePixelRatioF()
        if owner is None or owner in self._shown:
            role = QPalette.ColorRole.PlaceholderText
            return icon(name, role).pixmap(QSize(px, px), scale)
        blank = QPixmap(QSize(px, px) * scale)
        blank.fill(QColor(0, 0, 0, 0))
        blank.setDevicePixelRatio(scale)
        return blank

    def show_actions_of(self, owners: set[int]) -> None:
        """Show the action icons of messages `owners` only; a repaint, no new layout."""
        if owners == self._shown:
            return
        changed = owners ^ self._shown
        self._shown = set(owners)
        document = self.document()
        for owner in changed:
            for key in self._icons.get(owner, ()):
                found = _ICON_KEY.fullmatch(key)
                assert found is not None
                pixmap = self._icon_pixmap(found[1], int(found[2]), owner)
                document.addResource(
                    QTextDocument.ResourceType.ImageResource, QUrl(f"{ICON_SCHEME}:{key}"), pixmap
                )
        self.viewport().update()

    def forget_icons(self) -> None:
        """Drop the icons painted so far (the document was cleared, or the palette changed)."""
        self._icons.clear()

    def fit_column(self) -> None:
        """Centre a reading column of `column` pixels; a narrow view gets the whole width."""
        width = self.viewport().width()
        side = max(MARGIN, (width - self.column) // 2) if self.column else MARGIN
        frame = self.document().rootFrame()
        fmt = frame.frameFormat()
        if fmt.leftMargin() != side or fmt.rightMargin() != side:
            fmt.setLeftMargin(side)
            fmt.setRightMargin(side)
            frame.setFrameFormat(fmt)

    def cursorForPosition(self, pos: QPoint, /) -> QTextCursor:  # Qt's name
        """The cursor at `pos`, a point beside the reading column meaning the line there.

        Beside a table Qt finds no cell and answers a position after the table, so a point in
        the margin would name the wrong message (what is read at the top, the hovered one).
        """
        side = int(self.document().rootFrame().frameFormat().leftMargin())
        return super().cursorForPosition(QPoint(max(pos.x(), side + 2), pos.y()))

    def focusNextPrevChild(self, next: bool, /) -> bool:  # Qt's name
        """Walk the links with Tab as Qt does, then say where the focus went."""
        moved = super().focusNextPrevChild(next)
        if moved and self.textCursor().hasSelection():
            self.link_focused.emit()
        return moved

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint the rounded surfaces under the text, then the text.

        Qt's rich text draws a cell's background square; a user's turn (a table without a
        border and with SURFACE_PADDING, message_html.user_html) has none, and is given its
        rounded, tinted surface here. `surfaces(top, bottom)` names the tables between two
        heights of the document (the transcript knows where its messages are), so a paint
        costs what is on screen, not what the document holds.
        """
        if self.surfaces is not None:
            self._paint_surfaces(event.rect())
        super().paintEvent(event)

    def _paint_surfaces(self, exposed: QRect) -> None:
        dx = -self.horizontalScrollBar().value()
        dy = -self.verticalScrollBar().value()
        assert self.surfaces is not None
        tables = self.surfaces(exposed.top() - dy, exposed.bottom() - dy)
        if not tables:
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().color(QPalette.ColorRole.AlternateBase))
        layout = self.document().documentLayout()
        for table in tables:
            fmt = table.format()
            if fmt.border() or fmt.cellPadding() != SURFACE_PADDING:
                continue
            # A table's frameBoundingRect comes back moved by its cell padding (as measured
            # with Qt 6.11's layout); move it back.
            rect = layout.frameBoundingRect(table).translated(-SURFACE_PADDING, -SURFACE_PADDING)
            painter.drawRoundedRect(rect.translated(dx, dy), RADIUS, RADIUS)
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the reading column centred as the view's width changes."""
        super().resizeEvent(event)
        self.fit_column()

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


def theme_from_palette(palette: QPalette, font_pt: float = 10.0) -> Theme:
    """Derive the transcript colours from a palette, so the text follows the app's light/dark.

    Surfaces and lines are the palette's own roles (AlternateBase, Mid, PlaceholderText), so the
    theme decides them once for every part of the window; `font_pt` is the body size.
    """
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    tint = palette.color(QPalette.ColorRole.AlternateBase)
    mid = palette.color(QPalette.ColorRole.Mid)
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
        code_background=_hex(tint),
        code_header=_mix(tint, mid, 0.35),
        tint=_hex(tint),
        border=_hex(mid),
        background=_hex(base),
        warning=_mix(amber, text, 0.15),
        error_text=_hex(red),
        error_background=_mix(base, red, 0.15),
        mono_family=QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family(),
        font_pt=font_pt,
    )
