"""The window's icons: Lucide's line icons (ISC licence, `lucide/LICENSE`), in the theme's colours.

Each icon is an SVG drawn with `stroke="currentColor"`; the engine below paints it in the colour
the palette gives its role at the moment it is drawn, so a theme change recolours every icon on
the next repaint with nothing to rebuild, and draws it at the screen's scale (crisp at 100 %,
150 % and 200 %). The set is the `.svg` files beside this module, from lucide-static 1.62.0;
to add one, copy it from that package and name it here in NAMES (a test checks both agree).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

FOLDER = Path(__file__).resolve().parent / "lucide"
NAMES = frozenset((
    "activity", "app-window", "arrow-down", "arrow-down-to-line", "arrow-up", "ban", "bot",
    "brain", "bug", "check", "chevron-down", "chevron-left", "chevron-right", "chevron-up",
    "circle-alert", "circle-check", "circle-stop", "circle-x", "clock", "code", "contrast",
    "copy", "cpu", "download", "ellipsis", "ellipsis-vertical", "external-link", "file",
    "file-text", "globe", "hammer", "history", "image", "info", "key-round", "languages",
    "list-tree", "loader", "maximize-2", "message-square", "message-square-plus", "minimize-2",
    "monitor", "moon", "panel-left", "panel-left-close", "panel-left-open", "panel-right",
    "panel-right-close", "paperclip", "pencil", "picture-in-picture-2", "pin", "pin-off", "play",
    "plug", "plus", "refresh-cw", "rotate-ccw", "scan-search", "search", "send", "settings",
    "sliders-horizontal", "sparkles", "square", "square-pen", "sun", "terminal", "thermometer",
    "trash-2", "triangle-alert", "undo-2", "upload", "user", "wrench", "x", "zoom-in", "zoom-out",
))  # fmt: skip


@cache
def _svg(name: str) -> bytes:
    return (FOLDER / f"{name}.svg").read_bytes()


class ThemedIconEngine(QIconEngine):
    """Paints one SVG in the palette colour of `role` (disabled and selected states follow)."""

    def __init__(self, name: str, role: QPalette.ColorRole) -> None:
        super().__init__()
        self._name = name
        self._role = role

    def _color(self, mode: QIcon.Mode) -> QColor:
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
        if mode == QIcon.Mode.Selected:
            return palette.color(QPalette.ColorRole.HighlightedText)
        return palette.color(self._role)

    def _renderer(self, color: QColor) -> QSvgRenderer:
        svg = _svg(self._name).replace(b"currentColor", color.name().encode())
        return QSvgRenderer(QByteArray(svg))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        self._renderer(self._color(mode)).render(painter, rect.toRectF())

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(  # Qt's name
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        if size.isEmpty():  # a button squeezed to no width: painting a null pixmap warns
            return QPixmap()
        pixmap = QPixmap(size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer(self._color(mode)).render(painter)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:  # Qt's name
        return size

    def clone(self) -> QIconEngine:
        return ThemedIconEngine(self._name, self._role)

    def iconName(self) -> str:  # Qt's name
        return self._name


def icon(name: str, role: QPalette.ColorRole = QPalette.ColorRole.ButtonText) -> QIcon:
    """The icon called `name` (one of NAMES), drawn in the palette's colour for `role`."""
    if name not in NAMES:
        raise KeyError(f"no icon named {name!r}")
    return QIcon(ThemedIconEngine(name, role))
