"""The whole window, drawn offscreen in each theme, against the stored images in expected/.

The window opens at SIZE on a fixed conversation (scene.py: Markdown, code, a table, a tool call
and its result) with an error shown under it, in English, with the app font pinned to FONT (DejaVu
Sans, shipped on the CI image with the fonts-dejavu-core package; code takes the system's fixed
font, DejaVu Sans Mono there). It is compared with expected/<scheme>.png within the tolerance of
compare.py. On a mismatch the drawn image and a diff (what differs, in red) are written to
failed/ beside expected/ and named in the failure.

A deliberate change of look updates the images in the same commit:
    DESKTOP_CHAT_UPDATE_VISUAL=1 pytest tests/ui/visual
writes every image afresh (and the test passes); look at them before committing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtGui import QFont, QFontDatabase, QFontInfo, QImage
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat import paths
from desktop_chat.storage.history import HistoryStore
from desktop_chat.storage.settings import Settings
from desktop_chat.ui.theme import SCHEMES
from tests.support.window import WindowFactory
from tests.ui.visual import scene
from tests.ui.visual.compare import CHANNEL_DELTA, MAX_DIFFERING, compare, save

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"
FAILED = HERE / "failed"
SIZE = (1366, 768)  # the laptop screen the window must fit (design.md)
FONT = "DejaVu Sans"
UPDATE = os.environ.get("DESKTOP_CHAT_UPDATE_VISUAL") == "1"


@pytest.fixture
def pinned_look(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One font, one time zone and a steady text cursor, whatever machine draws the window."""
    if FONT not in QFontDatabase.families():
        pytest.fail(f"the visual tests need the {FONT} font (Debian: fonts-dejavu-core)")
    font, flash = qapp.font(), qapp.cursorFlashTime()
    pinned = QFont(FONT)
    pinned.setPixelSize(12)
    qapp.setFont(pinned)
    qapp.setCursorFlashTime(0)  # a text cursor that never blinks is drawn the same each time
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    qapp.setFont(font)
    qapp.setCursorFlashTime(flash)
    monkeypatch.undo()
    time.tzset()


def drawn(qtbot: QtBot, open_window: WindowFactory, scheme: str) -> QImage:
    """The window on the scene in `scheme`, as it is painted."""
    store = HistoryStore.open(paths.history_path())
    try:
        scene.fill(store)
    finally:
        store.close()
    settings = Settings().with_option("ui.theme", scheme).with_option("ui.language", "en")
    window = open_window(settings)
    try:
        assert QFontInfo(window.font()).family() == FONT
        window.resize(*SIZE)
        window.transcript.show_error(scene.ERROR)
        qtbot.waitUntil(lambda: not window.transcript.busy, timeout=10_000)
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        qtbot.wait(200)  # the last layout and paint
        bar = window.transcript.view.verticalScrollBar()
        bar.setValue(bar.maximum())  # the end: the answer and the error under it
        window.focus_composer()
        hovered = [w for w in window.findChildren(QWidget) if w.underMouse()]
        assert not hovered, f"hovered: {hovered}"
        qtbot.wait(50)
        return window.grab().toImage()
    finally:
        window.theme.set_choice("system")


@pytest.mark.usefixtures("pinned_look")
@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_window_looks_as_stored(qtbot: QtBot, open_window: WindowFactory, scheme: str) -> None:
    image = drawn(qtbot, open_window, scheme)
    assert (image.width(), image.height()) == SIZE
    expected_path = EXPECTED / f"{scheme}.png"
    if UPDATE:
        EXPECTED.mkdir(exist_ok=True)
        assert save(image, str(expected_path)), expected_path
        return
    if not expected_path.exists():
        pytest.fail(f"no stored image {expected_path}: run with DESKTOP_CHAT_UPDATE_VISUAL=1")
    expected = QImage(str(expected_path))
    difference = compare(image, expected)
    if difference.within_tolerance:
        return
    FAILED.mkdir(exist_ok=True)
    actual_path, diff_path = FAILED / f"{scheme}.actual.png", FAILED / f"{scheme}.diff.png"
    image.save(str(actual_path))
    difference.diff.save(str(diff_path))
    pytest.fail(
        f"the {scheme} window differs from {expected_path.name}: {difference.differing} pixels "
        f"({difference.fraction:.2%}, allowed {MAX_DIFFERING:.2%}) by more than {CHANNEL_DELTA}"
        f"/255; drawn: {actual_path}, differences in red: {diff_path}. If the change is meant, "
        "run again with DESKTOP_CHAT_UPDATE_VISUAL=1 and commit the new images with it."
    )
