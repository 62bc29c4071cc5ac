"""Attaching files in the composer, on real widgets: paste, drop, the picker, chips, problems."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.image_header import image_size
from desktop_chat.ui.chat.composer import ATTACH_SHORTCUT, Composer
from desktop_chat.ui.language import apply_language
from tests.support.images import PDF_ONE_PAGE, png
from tests.support.visible_text import untranslated


@pytest.fixture
def composer(qtbot: QtBot) -> Composer:
    widget = Composer()
    qtbot.addWidget(widget)
    widget.resize(700, 200)
    widget.show()
    qtbot.waitExposed(widget)
    widget.editor.setFocus()
    return widget


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "chart.png": png(320, 200),
        "notes.txt": b"first line\nsecond line\n",
        "paper.pdf": PDF_ONE_PAGE,
        "tool.exe": b"MZ\x90\x00\x03\x00\x00\x00",
    }
    for name, data in made.items():
        (tmp_path / name).write_bytes(data)
    return {name: tmp_path / name for name in made}


@pytest.fixture(autouse=True)
def _empty_clipboard() -> Iterator[None]:
    yield
    QApplication.clipboard().clear()


def picture(width: int, height: int, colour: str) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


def paste(qtbot: QtBot, composer: Composer) -> None:
    qtbot.keyClick(composer.editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def file_urls(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    mime.setText("\n".join(str(p) for p in paths))  # a file manager puts the paths as text too
    return mime


def drop(target: QWidget, mime: QMimeData, at: QPoint) -> QDropEvent:
    """Drag `mime` in over `target` and drop it at `at`, as the platform's drag does."""
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    action = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(at, action, mime, buttons, keys)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDragMoveEvent(at, action, mime, buttons, keys))
    event = QDropEvent(QPointF(at), action, mime, buttons, keys)
    QApplication.sendEvent(target, event)
    return event


def test_pasting_an_image_attaches_it_as_a_png_with_a_thumbnail(qtbot, composer):
    QApplication.clipboard().setImage(picture(64, 48, "red"))
    paste(qtbot, composer)
    [attachment] = composer.attachments()
    assert attachment.name == "pasted-image.png"
    assert attachment.media_type == "image/png"
    assert image_size(attachment.data) == (64, 48)
    assert composer.text() == ""
    [chip] = composer.chips()
    assert chip.isVisible()
    assert chip.has_thumbnail
    assert chip.accessibleName() == "Attachment pasted-image.png, " + chip.size_label.text()
    # A second paste is a second file, with a name of its own.
    QApplication.clipboard().setImage(picture(30, 30, "blue"))
    paste(qtbot, composer)
    assert [a.name for a in composer.attachments()] == ["pasted-image.png", "pasted-image-2.png"]
    assert composer.send_button.isEnabled()  # an image alone may be sent


def test_pasting_text_pastes_text_even_with_a_picture_beside_it(qtbot, composer):
    mime = QMimeData()
    mime.setText("cells A1:B2")
    mime.setImageData(picture(20, 10, "green"))  # spreadsheets put a picture of the cells too
    QApplication.clipboard().setMimeData(mime)
    paste(qtbot, composer)
    assert composer.text() == "cells A1:B2"
    assert composer.attachments() == ()


def test_pasting_files_copied_in_a_file_manager_attaches_them(qtbot, composer, files):
    QApplication.clipboard().setMimeData(file_urls(files["notes.txt"], files["paper.pdf"]))
    paste(qtbot, composer)
    assert [(a.name, a.kind) for a in composer.attachments()] == [
        ("notes.txt", "text"),
        ("paper.pdf", "pdf"),
    ]
    assert composer.text() == ""  # not their paths


def test_dropping_files_on_the_editor_or_the_composer_attaches_them(qtbot, composer, files):
    composer.set_text("about these:")
    event = drop(composer.editor.viewport(), file_urls(files["chart.png"]), QPoint(20, 20))
    assert event.isAccepted()
    assert [a.name for a in composer.attachments()] == ["chart.png"]
    assert composer.text() == "about these:"  # the drop inserted no path
    # Onto the composer beside the editor (the chips' row, the buttons): attached as well.
    corner = composer.attach_button.geometry().topLeft() + QPoint(0, -2)
    event = drop(composer, file_urls(files["notes.txt"]), corner)
    assert event.isAccepted()
    assert [a.name for a in composer.attachments()] == ["chart.png", "notes.txt"]
    assert [c.has_thumbnail for c in composer.chips()] == [True, False]


def test_a_chip_is_removed_with_delete_backspace_or_its_close_button(qtbot, composer, files):
    composer.attach_files([files["chart.png"], files["notes.txt"], files["paper.pdf"]])
    chips = composer.chips()
    assert [c.remove_button.accessibleName() for c in chips] == [
        "Remove chart.png",
        "Remove notes.txt",
        "Remove paper.pdf",
    ]
    assert all(c.focusPolicy() & Qt.FocusPolicy.TabFocus for c in chips)
    # Tab reaches the chips after the paperclip, one stop each, before Send.
    composer.attach_button.setFocus()
    qtbot.keyClick(composer.attach_button, Qt.Key.Key_Tab)
    assert chips[0].hasFocus()
    qtbot.keyClick(chips[0], Qt.Key.Key_Tab)
    assert chips[1].hasFocus()
    qtbot.keyClick(chips[1], Qt.Key.Key_Delete)
    assert [a.name for a in composer.attachments()] == ["chart.png", "paper.pdf"]
    assert chips[2].hasFocus()  # focus stays among the chips: the next one
    qtbot.keyClick(chips[2], Qt.Key.Key_Backspace)
    assert [a.name for a in composer.attachments()] == ["chart.png"]
    assert chips[0].hasFocus()
    qtbot.mouseClick(chips[0].remove_button, Qt.MouseButton.LeftButton)
    assert composer.attachments() == ()
    assert not composer.tray.isVisible()


def test_what_cannot_be_attached_is_said_by_name_and_the_rest_is_kept(
    qtbot, composer, files, tmp_path
):
    composer.attach_files([files["tool.exe"], files["notes.txt"], tmp_path])
    assert [a.name for a in composer.attachments()] == ["notes.txt"]
    assert composer.problem.isVisible()
    said = composer.problem.text()
    assert "tool.exe cannot be attached: only images (PNG, JPEG, GIF, WebP), PDFs" in said
    assert f"{tmp_path.name} is a folder" in said
    composer.attach_files([files["notes.txt"]])
    assert composer.problem.text() == "notes.txt is attached already."
    assert len(composer.attachments()) == 1
    composer.mark_sent()
    assert not composer.problem.isVisible()
    assert composer.attachments() == ()


def test_the_paperclip_and_its_shortcut_open_a_file_picker(qtbot, composer, files):
    button = composer.attach_button
    assert button.autoRaise()
    assert not button.icon().isNull()
    assert button.accessibleName() == "Attach files"
    assert ATTACH_SHORTCUT in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    picker = composer.picker
    assert isinstance(picker, QFileDialog)
    qtbot.waitUntil(picker.isVisible, timeout=3000)
    picker.setDirectory(str(files["chart.png"].parent))
    picker.selectFile(files["chart.png"].name)
    picker.accept()
    qtbot.waitUntil(lambda: composer.picker is None, timeout=3000)
    assert [a.name for a in composer.attachments()] == ["chart.png"]
    # The shortcut opens it again; Esc puts it away with nothing added.
    qtbot.keyClick(
        composer.editor,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    picker = composer.picker
    assert picker is not None
    qtbot.waitUntil(picker.isVisible, timeout=3000)
    picker.reject()
    qtbot.waitUntil(lambda: composer.picker is None, timeout=3000)
    assert len(composer.attachments()) == 1


def test_an_attachment_alone_is_sent_and_edits_bring_attachments_back(qtbot, composer, files):
    texts: list[str] = []
    composer.send_requested.connect(texts.append)
    composer.attach_files([files["chart.png"]])
    qtbot.keyClick(composer.editor, Qt.Key.Key_Return)
    assert texts == [""]
    attachments = composer.attachments()
    composer.mark_sent()
    assert composer.attachments() == ()
    composer.begin_edit("look", "Editing message 1", attachments)
    assert composer.attachments() == attachments
    composer.cancel_edit()
    assert composer.attachments() == ()


def test_the_attachment_controls_speak_chinese(qtbot, composer, files):
    composer.attach_files([files["notes.txt"]])
    apply_language("zh_CN")
    try:
        qtbot.waitUntil(lambda: composer.attach_button.accessibleName() != "Attach files")
        assert untranslated(composer, kept=("notes", "txt")) == []
    finally:
        apply_language("en")
    qtbot.waitUntil(lambda: composer.attach_button.accessibleName() == "Attach files")
