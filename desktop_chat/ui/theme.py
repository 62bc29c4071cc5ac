"""Apply the light or dark theme: follow the system unless settings `ui.theme` overrides it.

With "system" the platform's own style and palette stay in charge (Windows and macOS switch them
with the OS). An explicit "light" or "dark" uses the Fusion style with a palette of our own,
because only Fusion honours a full custom palette on every platform.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

CHOICES = ("system", "light", "dark")


@dataclass(frozen=True, slots=True)
class Colors:
    """Accent colours the window's own widgets use (banners, status text) for one scheme."""

    info_bg: str
    info_fg: str
    warn_bg: str
    warn_fg: str
    error_fg: str
    muted_fg: str


LIGHT_COLORS = Colors("#e7f0fd", "#123a6b", "#fff4d6", "#5c4300", "#b3261e", "#5f6368")
DARK_COLORS = Colors("#1d2b3f", "#cfe2ff", "#3b3118", "#ffe08a", "#f28b82", "#a8adb4")


def system_scheme() -> str:
    """Return "dark" when the platform reports a dark colour scheme, else "light"."""
    hints = QGuiApplication.styleHints()
    return "dark" if hints.colorScheme() == Qt.ColorScheme.Dark else "light"


def dark_palette() -> QPalette:
    """Return the dark palette used with the Fusion style."""
    palette = QPalette()
    base, window, text = QColor("#1e1f22"), QColor("#2b2d30"), QColor("#e6e6e6")
    disabled = QColor("#7f848e")
    highlight = QColor("#3d7bd9")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#26282b"),
        QPalette.ColorRole.ToolTipBase: window,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: disabled,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#35373b"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Link: QColor("#78a9ff"),
        QPalette.ColorRole.LinkVisited: QColor("#b39ddb"),
        QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Light: QColor("#45484d"),
        QPalette.ColorRole.Midlight: QColor("#3a3d41"),
        QPalette.ColorRole.Mid: QColor("#2f3134"),
        QPalette.ColorRole.Dark: QColor("#18191b"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def light_palette() -> QPalette:
    """Return the light palette used with the Fusion style."""
    style = QStyleFactory.create("Fusion")
    palette = QPalette(style.standardPalette())
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fd0"))
    palette.setColor(QPalette.ColorRole.Link, QColor("#1a5fb4"))
    return palette


class ThemeController(QObject):
    """Own the application's style and palette; say when the effective scheme changes."""

    scheme_changed = Signal(str)  # "light" | "dark"

    def __init__(self, app: QApplication, choice: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._native_style = app.style().name()
        self._native_palette = QPalette(app.palette())
        self._choice = ""
        self._scheme = ""
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_changed)
        self.set_choice(choice)

    @property
    def choice(self) -> str:
        return self._choice

    @property
    def scheme(self) -> str:
        """Return the scheme in effect: "light" or "dark"."""
        return self._scheme

    @property
    def colors(self) -> Colors:
        return DARK_COLORS if self._scheme == "dark" else LIGHT_COLORS

    def set_choice(self, choice: str) -> None:
        """Apply "system", "light" or "dark" (anything else counts as "system")."""
        choice = choice if choice in CHOICES else "system"
        if choice != self._choice:
            self._choice = choice
            self._apply()

    def _apply(self) -> None:
        wanted = self._choice
        native = _lightness_scheme(self._native_palette)
        if wanted == "system":
            reported = QGuiApplication.styleHints().colorScheme()
            wanted = native if reported == Qt.ColorScheme.Unknown else system_scheme()
        if wanted == native and self._choice == "system":
            # The platform paints this scheme itself: keep its native look.
            self._app.setStyle(self._native_style)
            self._app.setPalette(self._native_palette)
        else:
            # Either an override, or a platform that reports dark but paints light.
            self._app.setStyle("Fusion")
            self._app.setPalette(dark_palette() if wanted == "dark" else light_palette())
        if wanted != self._scheme:
            self._scheme = wanted
            self.scheme_changed.emit(wanted)

    def _on_system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self._choice == "system":
            self._apply()


def _lightness_scheme(palette: QPalette) -> str:
    """Return the scheme a palette paints, judged by its window colour."""
    return "dark" if palette.color(QPalette.ColorRole.Window).lightness() < 128 else "light"
