"""The themes: one table makes every palette role and colour, each text keeps its contrast, the
system's scheme is followed while the window is open, and keyboard focus is always visible."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop_chat.ui import theme
from desktop_chat.ui.chat.safe_browser import theme_from_palette
from tests.support.window import WindowFactory

# The roles design.md gives a meaning; each theme must set every one of them itself.
DESIGN_ROLES = (
    "Window", "WindowText", "Base", "AlternateBase", "Text", "Mid", "PlaceholderText",
    "Highlight", "HighlightedText", "Link", "ToolTipBase", "ToolTipText", "Button", "ButtonText",
)  # fmt: skip


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.x) of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_is_measured_as_wcag_defines_it() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near miss
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


@pytest.mark.parametrize("scheme", theme.SCHEMES)
def test_every_text_keeps_its_contrast(scheme: str) -> None:
    table = theme.color_table(scheme)
    failures = []
    for fg, bg, minimum in theme.PAIRS:
        wanted = theme.STRONGER if scheme == "high-contrast" and minimum == theme.TEXT else minimum
        ratio = contrast(table[fg], table[bg])
        if ratio < wanted:
            failures.append(f"{fg} {table[fg]} on {bg} {table[bg]}: {ratio:.2f} < {wanted}")
    assert failures == []


@pytest.mark.parametrize("scheme", theme.SCHEMES)
def test_the_transcript_colours_made_from_the_palette_keep_their_contrast(
    qapp: QApplication, scheme: str
) -> None:
    made = theme_from_palette(theme.palette(scheme))
    base = theme.color_table(scheme)["Base"]
    pairs = [
        ("text", made.text, base),
        ("muted", made.muted, base),
        ("link", made.link, base),
        ("warning", made.warning, base),
        ("error", made.error_text, base),
        ("error on its tint", made.error_text, made.error_background),
        ("text in code", made.text, made.code_background),
        ("muted in code", made.muted, made.code_background),
        ("link in code", made.link, made.code_background),
    ]
    low = [f"{name}: {contrast(fg, bg):.2f}" for name, fg, bg in pairs if contrast(fg, bg) < 4.5]
    assert low == []


@pytest.mark.parametrize("scheme", theme.SCHEMES)
def test_the_palette_and_the_colours_come_from_the_one_table(
    qapp: QApplication, scheme: str
) -> None:
    table = theme.color_table(scheme)
    made = theme.palette(scheme)
    for name in DESIGN_ROLES:
        role = getattr(QPalette.ColorRole, name)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            assert made.color(group, role).name() == table[name], (scheme, name)
    disabled = made.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert disabled.name() == table["Disabled"]
    assert theme.colors(scheme).error_fg == table["error_fg"]
    assert theme.colors(scheme).mark_bg == table["mark_bg"]


def test_the_three_schemes_differ_where_it_shows() -> None:
    windows = {theme.color_table(s)["Window"] for s in theme.SCHEMES}
    assert len(windows) == 3
    high = theme.color_table("high-contrast")
    assert (high["Base"], high["Text"]) == ("#000000", "#ffffff")
    assert theme.colors("light") == theme.LIGHT_COLORS
    assert theme.colors("dark") == theme.DARK_COLORS


@pytest.fixture
def controller(qapp: QApplication) -> Iterator[theme.ThemeController]:
    """A theme controller of its own; the app's style, palette and sheet are put back after."""
    style, palette, sheet = qapp.style().name(), QPalette(qapp.palette()), qapp.styleSheet()
    made = theme.ThemeController(qapp, "system")
    yield made
    shiboken6.delete(made)
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def _window_colour() -> str:
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).name()


def test_an_explicit_choice_paints_its_own_palette(controller: theme.ThemeController) -> None:
    for scheme in theme.SCHEMES:
        controller.set_choice(scheme)
        assert controller.scheme == scheme
        assert _window_colour() == theme.color_table(scheme)["Window"]
        assert controller.colors == theme.colors(scheme)
    controller.set_choice("purple")
    assert controller.choice == "system"


def test_system_follows_the_platform_scheme_while_open(
    qapp: QApplication, controller: theme.ThemeController
) -> None:
    hints = QGuiApplication.styleHints()
    seen: list[str] = []
    controller.scheme_changed.connect(seen.append)
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # as the platform announces a switch
        assert controller.scheme == "dark"
        assert _window_colour() == theme.color_table("dark")["Window"]
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert controller.scheme == "light"
        assert _window_colour() == theme.color_table("light")["Window"]
        controller.set_choice("dark")  # an explicit choice is not moved by the platform
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert controller.scheme == "dark"
        assert seen == ["dark", "light", "dark"]
    finally:
        hints.colorSchemeChanged.emit(hints.colorScheme())


def test_system_follows_the_platform_contrast_preference(
    qapp: QApplication, controller: theme.ThemeController
) -> None:
    hints = QGuiApplication.styleHints()
    if not hasattr(hints, "accessibility"):
        pytest.skip("this Qt does not report a contrast preference")
    accessibility = hints.accessibility()
    try:
        accessibility.contrastPreferenceChanged.emit(Qt.ContrastPreference.HighContrast)
        assert controller.scheme == "high-contrast"
        assert _window_colour() == "#000000"
    finally:
        accessibility.contrastPreferenceChanged.emit(accessibility.contrastPreference())
    assert controller.scheme in ("light", "dark")


# -- focus is always visible ----------------------------------------------------------------------


def _ring_pixels(widget: QWidget, colour: str) -> int:
    image = widget.grab().toImage()
    wanted = QColor(colour)
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if image.pixelColor(x, y) == wanted
    )


@pytest.mark.parametrize("scheme", theme.SCHEMES)
def test_keyboard_focus_draws_a_ring_in_every_theme(
    qtbot: QtBot, controller: theme.ThemeController, scheme: str
) -> None:
    controller.set_choice(scheme)
    ring = theme.color_table(scheme)["Highlight"]
    selected_ring = theme.color_table(scheme)["Text"]
    row = QWidget()
    qtbot.addWidget(row)
    layout = QHBoxLayout(row)
    tool = QToolButton(row)
    tool.setText("T")
    tool.setAutoRaise(True)
    push = QPushButton("Push", row)
    items = QListWidget(row)
    items.addItems(["one", "two"])
    for widget in (tool, push, items):
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout.addWidget(widget)
    row.show()
    qtbot.waitExposed(row)
    QApplication.sendPostedEvents(None, QEvent.Type.Polish)
    for widget in (tool, push):
        before = _ring_pixels(widget, ring)
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus, timeout=2000)
        assert _ring_pixels(widget, ring) > before + 2 * widget.height(), type(widget).__name__
    items.setCurrentRow(0)
    before = _ring_pixels(items.viewport(), selected_ring)  # selected, focus on the button
    items.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(items.hasFocus, timeout=2000)
    # The current row (selected) is ringed in the text colour, to show on it and the page.
    after = _ring_pixels(items.viewport(), selected_ring)
    assert after > before + 2 * items.viewport().width()


def _focus_chain(window: QWidget) -> list[QWidget]:
    """The widgets Tab visits in `window`, in order (each once), as Qt's focus chain has them."""
    chain: list[QWidget] = []
    widget = window.nextInFocusChain()
    for _ in range(2000):  # the chain is a ring; bounded all the same
        if widget is None or widget is window:
            break
        tabbable = widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        if tabbable and widget.isVisibleTo(window) and widget.isEnabled():
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def test_every_stop_of_the_window_tab_chain_shows_its_focus(
    qtbot: QtBot, open_window: WindowFactory
) -> None:
    window = open_window()
    window.resize(1366, 768)
    chain = _focus_chain(window)
    assert len(chain) > 5
    unseen = []
    for widget in chain:
        editor: QWidget = window.composer.editor
        away = window.transcript.view if widget is editor else editor
        away.setFocus()  # away from the widget, then to it as Tab would
        qtbot.waitUntil(away.hasFocus, timeout=2000)
        # With what is drawn round it: a ring may lie just outside the widget.
        area = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size()).adjusted(-4, -4, 4, 4)
        before = window.grab(area).toImage()
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(widget.hasFocus, timeout=2000)
        if window.grab(area).toImage() == before:
            unseen.append(f"{type(widget).__name__} {widget.accessibleName()!r}")
    assert unseen == [], unseen


@pytest.mark.parametrize("make", [QSpinBox, QComboBox])
def test_a_spin_box_or_combo_box_has_a_visible_edge_in_high_contrast(
    qtbot: QtBot, controller: theme.ThemeController, make: type[QWidget]
) -> None:
    """Fusion drew their edge a shade darker than black: no edge at all on a black window."""
    controller.set_choice("high-contrast")
    page = QWidget()
    qtbot.addWidget(page)
    field = make(page)
    field.setGeometry(10, 10, 120, 24)
    page.resize(140, 44)
    page.show()
    qtbot.waitExposed(page)
    image = page.grab().toImage()
    middle = 10 + 12
    left_edge = max(image.pixelColor(x, middle).lightness() for x in range(9, 13))
    assert image.pixelColor(4, middle).lightness() < 20  # the black window beside it
    assert left_edge > 200


@pytest.mark.parametrize("scheme", theme.SCHEMES)
def test_the_inspector_marks_errors_in_the_schemes_own_colour(scheme: str) -> None:
    from desktop_chat.ui.inspector.model import error_color

    assert error_color(theme.palette(scheme)).name() == theme.colors(scheme).error_fg
