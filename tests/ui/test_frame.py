"""The window's frame: one picker for endpoint and model, a parameters popover, an overflow menu,
a width that fits half a laptop screen, and what screen readers are told."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent, QCursor
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QPushButton,
    QStyle,
)
from pytestqt.qtbot import QtBot

from desktop_chat import paths
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.ui.chat.top_bar import DEMO_LABEL, TopBar
from desktop_chat.ui.main_window import MainWindow
from tests.support.clipping import cut_labels
from tests.support.sse_server import Reply
from tests.support.streams import openai_stream
from tests.support.window import keyed, local, outcomes, send, wait_outcome

# Popups ask the platform to raise them and grab the keyboard; offscreen it cannot, and says so.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)


def settle(window: QMainWindow) -> None:
    for _round in range(3):  # a fold or an unfold lays the bar out again
        QApplication.processEvents()


def needed(button: QAbstractButton) -> QSize:
    """The size a button asks for; a push button's style minimum width (80 px) aside, its text
    and icon with the style's margins, so a short label ("+") in a narrow button passes."""
    hint = button.sizeHint()
    if isinstance(button, QPushButton):
        style = button.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin, None, button)
        frame = style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, None, button)
        content = button.fontMetrics().horizontalAdvance(button.text()) + margin + 2 * frame
        if not button.icon().isNull():
            content += button.iconSize().width() + 4
        hint.setWidth(min(hint.width(), content))
    return hint


def clipped(window: QMainWindow) -> list[str]:
    """Each visible button narrower or lower than it asks to be."""
    found = []
    for button in window.findChildren(QAbstractButton):
        if not button.isVisible() or button.objectName().startswith("qt_"):
            continue
        hint = needed(button)
        if button.width() < hint.width() or button.height() < hint.height():
            where = button.accessibleName() or button.text() or type(button).__name__
            found.append(f"{where}: {button.size().toTuple()} < {hint.toTuple()}")
    return found


def test_one_picker_shows_endpoint_and_model_and_opens_both_boxes(qtbot: QtBot, open_window):
    window = open_window()
    bar = window.top_bar
    assert bar.picker_button.text() == "Offline demo · demo-model"
    assert bar.picker_button.accessibleName() == "Endpoint and model"
    assert not bar.endpoint_combo.isVisible()  # inside the picker's popover
    bar.picker_button.click()
    qtbot.waitUntil(bar.target_panel.isVisible, timeout=2000)
    assert bar.endpoint_combo.isVisible()
    assert bar.model_combo.isVisible()
    assert bar.endpoint_combo.hasFocus()
    chosen: list[str] = []
    bar.model_chosen.connect(chosen.append)
    editor = bar.model_combo.lineEdit()
    editor.selectAll()
    qtbot.keyClicks(editor, "my-own-model")  # free entry: any id the endpoint accepts
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert chosen[-1] == "my-own-model"
    assert bar.picker_button.text() == "Offline demo · my-own-model"
    qtbot.keyClick(bar.model_combo, Qt.Key.Key_Escape)
    qtbot.keyClick(bar.target_panel, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not bar.target_panel.isVisible(), timeout=2000)


def test_typing_in_the_model_box_filters_the_list(qtbot: QtBot) -> None:
    bar = TopBar()
    qtbot.addWidget(bar)
    bar.set_models(["gpt-4o", "gpt-4o-mini", "o3", "claude-sonnet"], "o3")
    completer = bar.model_combo.completer()
    assert completer.filterMode() == Qt.MatchFlag.MatchContains
    completer.setCompletionPrefix("4o")
    assert completer.completionCount() == 2  # any part of an id matches


def test_the_demo_stays_listed_last_beside_saved_endpoints(qtbot: QtBot, open_window):
    alpha = Endpoint("Alpha", "openai", "http://127.0.0.1:9/v1", "m")
    window = open_window(Settings((alpha,), "Alpha"))
    combo = window.top_bar.endpoint_combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["Alpha", DEMO_LABEL]
    assert window.top_bar.current_endpoint() == "Alpha"
    combo.setCurrentIndex(1)
    combo.activated.emit(1)  # the user picks the demo
    assert window.target.current_endpoint() is None
    assert window.top_bar.current_model() == "demo-model"
    assert window.settings.active_endpoint == "Alpha"  # a try, not a change of settings


def test_parameters_open_from_the_keyboard_and_esc_closes_them(qtbot: QtBot, open_window):
    window = open_window()
    bar = window.top_bar
    button = bar.params_button
    assert button.icon().name() == "sliders-horizontal"
    assert button.accessibleName() == "Parameters"
    assert button.toolTip()
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    panel = bar.parameters
    qtbot.waitUntil(panel.isVisible, timeout=2000)
    assert bar.system_edit.hasFocus()
    qtbot.keyClicks(bar.system_edit, "Answer in French.")
    for control in (bar.temperature, bar.max_tokens, bar.effort_combo):
        assert control.isVisible()
    qtbot.keyClick(bar.system_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=2000)
    assert button.hasFocus()  # back where the keyboard user was
    assert bar.turn_options().system == "Answer in French."  # applied as typed
    assert button.text() == "•"


def test_no_label_of_the_bar_is_clipped(qtbot: QtBot, open_window):
    """A label with a mnemonic ("&Temperature") used to lose its last glyph's ink."""
    window = open_window()
    bar = window.top_bar
    bar.parameters.open()
    bar.target_panel.open()
    settle(window)
    labels = [label for label in bar.findChildren(QLabel) if label.isVisible()]
    assert len(labels) >= 6
    for label in labels:
        text = label.text().replace("&", "")
        ink = label.fontMetrics().boundingRect(text).width()
        room = label.width() - label.contentsRect().left()  # Qt clips at the widget's edge
        assert room >= ink, (text, room, ink)
    assert cut_labels(bar.parameters) == []
    assert cut_labels(bar.target_panel) == []
    bar.parameters.hide()
    bar.target_panel.hide()


def test_the_refresh_button_has_an_icon_a_name_and_a_tooltip(qtbot: QtBot) -> None:
    bar = TopBar()
    qtbot.addWidget(bar)
    button = bar.refresh_button
    assert button.text() in ("", button.accessibleName())  # no bare glyph
    assert button.icon().name() == "refresh-cw"
    assert button.accessibleName() == "Refresh model list"
    assert button.toolTip() == "Fetch the endpoint's model list again"


def test_what_does_not_fit_goes_into_the_overflow_menu(qtbot: QtBot, open_window):
    window = open_window()
    bar = window.top_bar
    window.resize(1366, 768)
    settle(window)
    assert not bar.overflow_button.isVisible()
    assert bar.settings_button.isVisible()
    window.resize(window.minimumSizeHint().width(), 768)
    settle(window)
    assert bar.overflow_button.isVisible()
    assert not bar.settings_button.isVisible()
    assert bar.overflow_button.icon().name() == "ellipsis"
    assert bar.overflow_button.accessibleName() == "More"
    bar.overflow_button.click()
    menu = bar.overflow_menu
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    names = [action.text() for action in menu.actions()]
    assert names[-1] == "Open settings"
    assert any(name.startswith("Tools") for name in names)
    assert "Inspector" in names
    asked: list[bool] = []
    bar.settings_requested.connect(lambda: asked.append(True))
    menu.actions()[-1].trigger()
    assert asked == [True]
    menu.hide()


def test_the_window_fits_half_a_laptop_screen(qtbot: QtBot, open_window):
    window: MainWindow = open_window()
    settle(window)
    assert window.minimumSizeHint().width() <= 720
    window.resize(720, 700)
    settle(window)
    assert window.width() == 720
    assert clipped(window) == []
    assert window.sidebar is not None
    assert window.sidebar.collapsed
    window.inspector.open_dock()
    settle(window)
    assert window.minimumSizeHint().width() <= 1024
    window.resize(1024, 700)
    settle(window)
    assert window.width() == 1024
    assert clipped(window) == []
    window.inspector.dock.hide()
    window.resize(1366, 768)
    settle(window)
    assert not window.sidebar.collapsed  # room again: unfolded, as it was


def test_a_sidebar_folded_by_hand_stays_folded(qtbot: QtBot, open_window):
    window: MainWindow = open_window()
    window.resize(1366, 768)
    settle(window)
    sidebar = window.sidebar
    assert sidebar is not None
    assert not sidebar.collapsed
    sidebar.toggle_collapsed()
    window.resize(700, 768)
    settle(window)
    window.resize(1366, 768)
    settle(window)
    assert sidebar.collapsed


def test_the_inspector_docks_floats_and_tabs_and_comes_back_where_it_was(qtbot: QtBot, open_window):
    window: MainWindow = open_window()
    dock = window.inspector.open_dock()
    features = dock.features()
    for feature in (
        QDockWidget.DockWidgetFeature.DockWidgetMovable,
        QDockWidget.DockWidgetFeature.DockWidgetFloatable,
        QDockWidget.DockWidgetFeature.DockWidgetClosable,
    ):
        assert features & feature
    assert window.dockOptions() & QMainWindow.DockOption.AllowTabbedDocks
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    dock.hide()
    window.inspector.open_dock()
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    dock.setFloating(True)
    dock.hide()
    window.inspector.open_dock()
    assert dock.isFloating()
    dock.setFloating(False)


def test_the_inspector_opens_where_it_was_in_the_last_run(qtbot: QtBot, open_window):
    first: MainWindow = open_window()
    dock = first.inspector.open_dock()
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    first.close()
    assert paths.window_state_path().is_file()
    second: MainWindow = open_window()
    again = second.inspector.open_dock()
    assert second.dockWidgetArea(again) == Qt.DockWidgetArea.LeftDockWidgetArea


def test_a_layout_qt_cannot_read_is_passed_over(qtbot: QtBot, open_window):
    path = paths.window_state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a layout")
    window: MainWindow = open_window()
    dock = window.inspector.open_dock()
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    window.close()
    assert path.read_bytes() != b"not a layout"  # replaced by the layout of this run


# --- screen readers -------------------------------------------------------------------------


@pytest.fixture
def announcements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bool]]]:
    """Every announcement the app sends, as (text, urgent), with Qt's accessibility on.

    Qt delivers the event to the platform's bridge, which a test cannot listen to; the app's
    calls still go through `QAccessible.updateAccessibility`, so they are recorded on the way.
    """
    seen: list[tuple[str, bool]] = []
    original = QAccessible.updateAccessibility

    def record(event: QAccessibleEvent) -> None:
        if isinstance(event, QAccessibleAnnouncementEvent):
            urgent = event.politeness() == QAccessible.AnnouncementPoliteness.Assertive
            seen.append((event.message(), urgent))
        original(event)

    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(record))
    QAccessible.setActive(True)
    try:
        yield seen
    finally:
        QAccessible.setActive(False)


def test_a_finished_answer_is_announced(qtbot: QtBot, open_window, sse_server, announcements):
    sse_server.script(Reply(chunks=openai_stream(["Bonjour ", "à tous"])))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert any("finished" in text and "Bonjour à tous" in text for text, _ in announcements)


def test_an_error_is_announced(qtbot: QtBot, open_window, sse_server, announcements):
    sse_server.script(Reply(401, body=b'{"error": {"message": "Incorrect API key provided"}}'))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    assert any("API key was rejected" in text for text, _ in announcements)


def test_a_retry_countdown_is_announced_once_then_the_new_attempt(
    qtbot: QtBot, open_window, sse_server, announcements
):
    sse_server.script(
        Reply(503, headers={"retry-after": "2"}, body=b'{"error": {"message": "busy"}}'),
        Reply(chunks=openai_stream(["after ", "retry"])),
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    send(qtbot, window, "hi")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    waits = [text for text, _ in announcements if "retrying in" in text]
    assert waits == ["server error 503 — retrying in 2 s, attempt 2 of 4"]  # not every second
    assert "server error 503 — attempt 2 of 4…" in [text for text, _ in announcements]
    # A reader that does not speak announcements finds the last one on the status bar.
    interface = QAccessible.queryAccessibleInterface(window.status)
    assert interface is not None
    assert interface.text(QAccessible.Text.Description) == "server error 503 — attempt 2 of 4…"


def test_a_model_list_that_cannot_be_fetched_is_announced_urgently(
    qtbot: QtBot, open_window, sse_server, announcements
):
    sse_server.route("GET", "/v1/models", Reply(500, body=b'{"error": {"message": "down"}}'))
    settings = local(sse_server)
    window = open_window(settings, keyed())
    window.top_bar.refresh_button.click()
    qtbot.waitUntil(
        lambda: any(t.startswith("Could not fetch the model list") for t, _ in announcements),
        timeout=10_000,
    )
    assert all(urgent for t, urgent in announcements if t.startswith("Could not fetch"))


def test_no_button_of_the_bar_starts_hovered(qtbot: QtBot, open_window) -> None:
    """A button the window adds once shown used to be shown at (0, 0) before the layout placed
    it, and took the hover of a pointer up there until the pointer moved."""
    QCursor.setPos(10, 10)  # where the window's top-left corner opens
    window = open_window()
    settle(window)
    corner = window.mapFromGlobal(QCursor.pos())
    assert window.rect().contains(corner)  # the pointer is on the window, over the bar's start
    pointer = QCursor.pos()
    wrongly = [
        button.accessibleName()
        for button in window.top_bar.findChildren(QAbstractButton)
        if button.underMouse() and not button.rect().contains(button.mapFromGlobal(pointer))
    ]
    assert wrongly == []
