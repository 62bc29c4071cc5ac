"""The window's colours: light, dark and high-contrast themes from one table, and which is in use.

ROLES is the only place a colour is written down: one row per role, one column per scheme. The
QPalette every widget paints with (`palette`) and the few colours a palette has no role for
(`Colors`: banners, errors, search marks) are both read from it, so a theme cannot be half
changed. PAIRS names every text/background pair the window draws with the contrast it must
keep (WCAG 2 AA: 4.5:1 for text, 3:1 for icons and focus rings; 7:1 in high contrast), and a test
measures them all.

Every choice, "system" included, paints with the Fusion style and our palette: the platform's
own palette is not checked for contrast and does not name the roles the window relies on
(PlaceholderText for secondary text, AlternateBase for tinted surfaces). "system" only picks
which of our schemes to use, from the colour scheme (and, where Qt reports it, the contrast
preference) the platform announces, and follows it while the window is open.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import shiboken6
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFocusFrame,
    QLineEdit,
    QPlainTextEdit,
    QProxyStyle,
    QStyle,
    QStyleHintReturn,
    QStyleOption,
    QStyleOptionComplex,
    QTabBar,
    QWidget,
)

SCHEMES = ("light", "dark", "high-contrast")
CHOICES = ("system", *SCHEMES)

# fmt: off
ROLES: dict[str, tuple[str, str, str]] = {
    # role              light      dark       high-contrast
    # QPalette roles (design.md says what each is for)
    "Window":          ("#f3f4f6", "#25272b", "#000000"),
    "WindowText":      ("#1f2328", "#e6e7e9", "#ffffff"),
    "Base":            ("#ffffff", "#1c1d20", "#000000"),
    "AlternateBase":   ("#eef1f5", "#2c2f34", "#1a1a1a"),
    "Text":            ("#1f2328", "#e6e7e9", "#ffffff"),
    "PlaceholderText": ("#5c6370", "#a3a9b3", "#d0d0d0"),
    "Button":          ("#f8f9fb", "#33363b", "#000000"),
    "ButtonText":      ("#1f2328", "#e6e7e9", "#ffffff"),
    "BrightText":      ("#ffffff", "#ffffff", "#ffffff"),
    "Highlight":       ("#1d5fc4", "#4a89ee", "#1aebff"),
    "HighlightedText": ("#ffffff", "#0b1220", "#000000"),
    "Link":            ("#1857b8", "#8cb4ff", "#ffff00"),
    "LinkVisited":     ("#6a3fa5", "#c5a6f5", "#ff9cff"),
    "ToolTipBase":     ("#ffffff", "#33363b", "#000000"),
    "ToolTipText":     ("#1f2328", "#e6e7e9", "#ffffff"),
    "Light":           ("#ffffff", "#4a4e55", "#ffffff"),
    "Midlight":        ("#e4e7eb", "#3b3e44", "#ffffff"),
    "Mid":             ("#c9ced6", "#474b52", "#ffffff"),
    "Dark":            ("#a2a9b3", "#15161a", "#ffffff"),
    "Shadow":          ("#6b7280", "#000000", "#ffffff"),
    "Disabled":        ("#8a9099", "#737984", "#a0a0a0"),  # text of disabled controls
    # theme.Colors: what a palette has no role for
    "info_bg":         ("#e6effc", "#1d2b3f", "#000000"),
    "info_fg":         ("#123a6b", "#cfe2ff", "#ffffff"),
    "warn_bg":         ("#fff4d6", "#3b3118", "#000000"),
    "warn_fg":         ("#5c4300", "#ffe08a", "#ffff00"),
    "error_fg":        ("#b3261e", "#ff8a80", "#ff9e9e"),
    "muted_fg":        ("#5c6370", "#a3a9b3", "#d0d0d0"),
    "mark_bg":         ("#ffe680", "#6b5a12", "#ffff00"),
    "mark_fg":         ("#1f2328", "#ffffff", "#000000"),
}
# fmt: on

TEXT, LARGE = 4.5, 3.0  # WCAG 2 AA: body text; large text, icons and focus rings
STRONGER = 7.0  # AAA, what high contrast keeps wherever it can

# (foreground, background, minimum): every pair the window draws; high contrast asks STRONGER.
PAIRS: tuple[tuple[str, str, float], ...] = (
    ("Text", "Base", TEXT),
    ("Text", "AlternateBase", TEXT),  # the user's turn, code blocks, table headers
    ("WindowText", "Window", TEXT),
    ("ButtonText", "Button", TEXT),
    ("ButtonText", "Window", TEXT),  # flat tool buttons sit on the window
    ("PlaceholderText", "Base", TEXT),
    ("PlaceholderText", "AlternateBase", TEXT),
    ("PlaceholderText", "Window", TEXT),  # headings in the sidebar, the status bar
    ("HighlightedText", "Highlight", TEXT),
    ("Link", "Base", TEXT),
    ("Link", "AlternateBase", TEXT),
    ("ToolTipText", "ToolTipBase", TEXT),
    ("info_fg", "info_bg", TEXT),
    ("warn_fg", "warn_bg", TEXT),
    ("error_fg", "Base", TEXT),
    ("error_fg", "Window", TEXT),
    ("muted_fg", "Base", TEXT),
    ("muted_fg", "AlternateBase", TEXT),
    ("muted_fg", "Window", TEXT),
    ("mark_fg", "mark_bg", TEXT),
    ("ButtonText", "Base", LARGE),  # icons on inputs and the transcript
    ("Highlight", "Window", LARGE),  # the focus ring and the accent
    ("Highlight", "Base", LARGE),
    ("Highlight", "Button", LARGE),
)


@dataclass(frozen=True, slots=True)
class Colors:
    """Colours the window's own widgets use (banners, status text, search marks) for one scheme."""

    info_bg: str
    info_fg: str
    warn_bg: str
    warn_fg: str
    error_fg: str
    muted_fg: str
    mark_bg: str
    mark_fg: str


def color_table(scheme: str) -> dict[str, str]:
    """Every role's colour in `scheme` (one of SCHEMES), as #rrggbb."""
    column = SCHEMES.index(scheme)
    return {role: values[column] for role, values in ROLES.items()}


def colors(scheme: str) -> Colors:
    table = color_table(scheme)
    return Colors(**{f.name: table[f.name] for f in fields(Colors)})


LIGHT_COLORS = colors("light")
DARK_COLORS = colors("dark")
HIGH_CONTRAST_COLORS = colors("high-contrast")


def scheme_of(painted: QPalette) -> str:
    """The scheme whose palette `painted` is; a palette of none of ours is judged by lightness."""
    window = painted.color(QPalette.ColorRole.Window).name()
    for scheme in SCHEMES:
        if color_table(scheme)["Window"] == window:
            return scheme
    return "dark" if painted.color(QPalette.ColorRole.Window).lightness() < 128 else "light"


def palette(scheme: str) -> QPalette:
    """The QPalette of `scheme`: every role of ROLES, with disabled text greyed."""
    table = color_table(scheme)
    result = QPalette()
    for role in QPalette.ColorRole:
        if role.name in table:
            result.setColor(role, QColor(table[role.name]))
    result.setColor(QPalette.ColorRole.Accent, QColor(table["Highlight"]))
    disabled = QColor(table["Disabled"])
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.PlaceholderText,
    ):
        result.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return result


def style_sheet(scheme: str) -> str:
    """The application's style sheet: visible edges, and a ring on what has the keyboard's focus.

    Fusion draws the edge of an input a shade darker than the window, which vanishes in the dark
    theme: text inputs get an edge in the Mid colour instead, and the ring when focused (spin
    and combo boxes get theirs from EdgedFusion: a styled edge would strip their arrows).
    Fusion marks a focused button or list row too faintly to find (a tint of the accent), so
    tool buttons, push buttons and list rows draw a 2 px ring in the accent colour (a selected
    row's ring is in the text colour, to stand out from both the selection and the page). Each
    rule keeps the widget's size: the ring replaces a border of the same width.
    """
    t = color_table(scheme)
    return f"""
QToolButton {{ border: 2px solid transparent; border-radius: 4px; padding: 2px; }}
QToolButton:hover {{ background: {t["AlternateBase"]}; border-color: {t["Mid"]}; }}
QToolButton:pressed, QToolButton:checked {{ background: {t["Midlight"]}; }}
QToolButton:focus {{ border-color: {t["Highlight"]}; }}
QPushButton {{
    background: {t["Button"]}; color: {t["ButtonText"]};
    border: 1px solid {t["Mid"]}; border-radius: 4px; padding: 4px 8px; min-height: 18px;
}}
QPushButton:hover {{ background: {t["AlternateBase"]}; }}
QPushButton:pressed, QPushButton:checked {{ background: {t["Midlight"]}; }}
QPushButton:default {{ border-color: {t["Highlight"]}; }}
QPushButton:disabled {{ color: {t["Disabled"]}; }}
QPushButton:focus {{ border: 2px solid {t["Highlight"]}; padding: 3px 7px; }}
QLineEdit, QPlainTextEdit {{
    background: {t["Base"]}; border: 1px solid {t["Mid"]}; border-radius: 4px; padding: 2px;
}}
QLineEdit:focus, QPlainTextEdit:focus {{
    border: 2px solid {t["Highlight"]}; padding: 1px;
}}
QComboBox QLineEdit, QComboBox QLineEdit:focus, QAbstractSpinBox QLineEdit,
QAbstractSpinBox QLineEdit:focus {{ border: none; padding: 0; background: transparent; }}
QFocusFrame {{ border: 2px solid {t["Highlight"]}; border-radius: 4px; margin: 2px; }}
QAbstractItemView::item {{ border: 2px solid transparent; }}
QAbstractItemView::item:focus {{ border-color: {t["Highlight"]}; }}
QAbstractItemView::item:selected {{
    background: {t["Highlight"]}; color: {t["HighlightedText"]};
}}
QAbstractItemView::item:selected:focus {{ border-color: {t["Text"]}; }}
"""


def system_scheme() -> str:
    """The scheme the platform asks for now: "high-contrast", "dark", or "light"."""
    hints = QGuiApplication.styleHints()
    return _scheme_for(hints.colorScheme(), _prefers_more_contrast())


def _prefers_more_contrast() -> bool:
    hints = QGuiApplication.styleHints()
    if not hasattr(hints, "accessibility"):  # Qt before 6.10 does not say
        return False
    accessibility = hints.accessibility()
    return bool(accessibility.contrastPreference() == Qt.ContrastPreference.HighContrast)


def _scheme_for(color_scheme: Qt.ColorScheme, more_contrast: bool) -> str:
    if more_contrast:
        return "high-contrast"
    return "dark" if color_scheme == Qt.ColorScheme.Dark else "light"


class FocusRing(QObject):
    """Ring the widget with the keyboard's focus where the style sheet draws no ring itself.

    One QFocusFrame follows the focus round the application: it sits in the focused widget's
    parent, above it, and is painted by the style sheet's `QFocusFrame` rule, its ring on the
    widget's own edge (a list or the transcript fills its parent, which would clip a ring drawn
    outside). Buttons and text inputs ring themselves (style_sheet), so the frame leaves them.
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._frame: QFocusFrame | None = None
        self._style = _FrameAbove()  # the frame's alone: every other widget keeps Fusion
        app.focusChanged.connect(self._on_focus_changed)

    @property
    def ringed(self) -> QWidget | None:
        """The widget the frame is round now, if any."""
        frame = self._live_frame()
        return frame.widget() if frame is not None and frame.isVisible() else None

    def _live_frame(self) -> QFocusFrame | None:
        # The frame is a child of the last widget's parent: deleted with it.
        if self._frame is not None and not shiboken6.isValid(self._frame):
            self._frame = None
        return self._frame

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        frame = self._live_frame()
        if new is None or not _wants_frame(new):
            if frame is not None:
                frame.setWidget(None)  # type: ignore[arg-type]  # Qt takes None: follow nothing
            return
        if frame is None:
            frame = self._frame = QFocusFrame(new)
            frame.setStyle(self._style)
        frame.setWidget(new)


class EdgedFusion(QProxyStyle):
    """Fusion, with the edge of spin boxes and combo boxes in the palette's Mid colour.

    Fusion draws that edge a shade darker than the window or button colour: faint in the dark
    theme and black on black in high contrast, where a spin box or a combo box had no visible
    edge at all. Text inputs take Mid from the style sheet; these cannot (a styled edge strips a
    spin box of its arrows), so the style draws the same edge over Fusion's.
    """

    def __init__(self) -> None:
        super().__init__("Fusion")

    def drawComplexControl(  # Qt's name
        self,
        control: QStyle.ComplexControl,
        option: QStyleOptionComplex,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        super().drawComplexControl(control, option, painter, widget)
        framed = isinstance(widget, QAbstractSpinBox | QComboBox) and widget.hasFrame()
        if not framed or control not in _EDGED:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(option.palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(QRectF(option.rect).adjusted(0.5, 0.5, -0.5, -0.5), 2.0, 2.0)
        painter.restore()


_EDGED = (QStyle.ComplexControl.CC_SpinBox, QStyle.ComplexControl.CC_ComboBox)


class _FrameAbove(QProxyStyle):
    """Fusion, but a focus frame goes above its widget (Fusion puts it below, out of sight)."""

    def __init__(self) -> None:
        super().__init__("Fusion")

    def styleHint(  # Qt's name
        self,
        hint: QStyle.StyleHint,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
        returnData: QStyleHintReturn | None = None,
    ) -> int:
        if hint == QStyle.StyleHint.SH_FocusFrame_AboveWidget:
            return 1
        return super().styleHint(hint, option, widget, returnData)


def _wants_frame(widget: QWidget) -> bool:
    if widget.isWindow() or isinstance(widget, QAbstractButton | QLineEdit | QPlainTextEdit):
        return False
    return isinstance(widget, QAbstractScrollArea | QComboBox | QAbstractSpinBox | QTabBar)


class ThemeController(QObject):
    """Own the application's style, palette and style sheet; say when the scheme changes."""

    scheme_changed = Signal(str)  # one of SCHEMES

    def __init__(self, app: QApplication, choice: str = "system") -> None:
        super().__init__(app)
        self._app = app
        self._choice = ""
        self._scheme = ""
        hints = QGuiApplication.styleHints()
        # The platform's scheme as last announced: the signal carries it, so a change is
        # followed even where colorScheme() is read from a cache.
        self._system_colors = hints.colorScheme()
        self._more_contrast = _prefers_more_contrast()
        hints.colorSchemeChanged.connect(self._on_system_changed)
        self.focus_ring = FocusRing(app)
        app.setStyle(EdgedFusion())  # Fusion: the one style that paints a whole custom palette
        if hasattr(hints, "accessibility"):
            hints.accessibility().contrastPreferenceChanged.connect(self._on_contrast_changed)
        self.set_choice(choice)

    @property
    def choice(self) -> str:
        return self._choice

    @property
    def scheme(self) -> str:
        """The scheme in effect: one of SCHEMES."""
        return self._scheme

    @property
    def colors(self) -> Colors:
        return colors(self._scheme)

    def set_choice(self, choice: str) -> None:
        """Apply "system" or one of SCHEMES (anything else counts as "system")."""
        choice = choice if choice in CHOICES else "system"
        if choice != self._choice:
            self._choice = choice
            self._apply()

    def _apply(self) -> None:
        wanted = self._choice
        if wanted == "system":
            wanted = _scheme_for(self._system_colors, self._more_contrast)
        if wanted == self._scheme:
            return
        self._scheme = wanted
        self._app.setPalette(palette(wanted))
        self._app.setStyleSheet(style_sheet(wanted))
        self.scheme_changed.emit(wanted)

    def _on_system_changed(self, scheme: Qt.ColorScheme) -> None:
        self._system_colors = scheme
        if self._choice == "system":
            self._apply()

    def _on_contrast_changed(self, preference: object) -> None:
        self._more_contrast = preference == Qt.ContrastPreference.HighContrast
        if self._choice == "system":
            self._apply()
