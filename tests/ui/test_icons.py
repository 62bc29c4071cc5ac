"""The bundled icons: every name has its file, and each is drawn crisp in the theme's colour."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from pytestqt.qtbot import QtBot

from desktop_chat.ui.icons import FOLDER, NAMES, icon


def test_every_named_icon_has_its_file_and_every_file_a_name() -> None:
    assert {path.stem for path in FOLDER.glob("*.svg")} == NAMES
    assert (FOLDER / "LICENSE").read_text().startswith("ISC License")


def _ink(drawn: QIcon, scale: float) -> tuple[QSize, set[str]]:
    pixmap = drawn.pixmap(QSize(16, 16), scale)
    image = pixmap.toImage()
    colours = {
        image.pixelColor(x, y).name()
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    }
    return image.size(), colours


def test_an_icon_is_drawn_at_the_screen_scale(qtbot: QtBot) -> None:
    for scale, pixels in ((1.0, 16), (1.5, 24), (2.0, 32)):
        size, _ = _ink(icon("copy"), scale)
        assert size == QSize(pixels, pixels)


def test_an_icon_takes_its_colour_from_the_palette(qtbot: QtBot) -> None:
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    before = app.palette()
    try:
        palette = QPalette(before)
        palette.setColor(QPalette.ColorRole.ButtonText, QColor("#ff0000"))
        app.setPalette(palette)
        _, colours = _ink(icon("square"), 2.0)
        assert colours == {"#ff0000"}
        palette.setColor(QPalette.ColorRole.ButtonText, QColor("#00ff00"))
        app.setPalette(palette)
        _, colours = _ink(icon("square"), 2.0)
        assert colours == {"#00ff00"}
    finally:
        app.setPalette(before)


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(KeyError, match="no-such-icon"):
        icon("no-such-icon")
