"""A sent message's attachments in the real transcript: thumbnails, file chips, the viewer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QImage, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_chat.core.conversation import Attachment, Message
from desktop_chat.ui.chat.attachment_html import THUMB, TranscriptAttachments
from desktop_chat.ui.chat.image_viewer import ImageViewer
from desktop_chat.ui.chat.message_block import MessageBlock
from desktop_chat.ui.chat.transcript import Transcript
from tests.support.images import PDF_ONE_PAGE, png
from tests.support.transcript import anchors, click_link, text

CHART = Attachment("chart.png", "image/png", png(640, 400))
NOTES = Attachment("notes.md", "text/markdown", b"# Notes\n")
PAPER = Attachment("paper.pdf", "application/pdf", PDF_ONE_PAGE)
ASKED = Message("user", "What is in these?", attachments=(CHART, NOTES, PAPER))


@pytest.fixture
def transcript(qtbot: QtBot) -> Iterator[Transcript]:
    view = Transcript(frame_ms=1)
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    yield view
    view.clear()


@pytest.fixture
def pictures(transcript: Transcript) -> TranscriptAttachments:
    return TranscriptAttachments(transcript.view, lambda: [ASKED], transcript)


def images(view: Transcript) -> list[tuple[str, float, float]]:
    """(name, width, height) of every image in the document."""
    found = []
    block = view.view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat():
                image = fmt.toImageFormat()
                found.append((image.name(), image.width(), image.height()))
            it += 1
        block = block.next()
    return found


def resource(view: Transcript, name: str) -> QImage | None:
    found = view.view.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(name))
    return found if isinstance(found, QImage) else None


def test_a_message_shows_a_thumbnail_per_image_and_a_chip_per_file(transcript, pictures):
    transcript.add_message("user", ASKED.text, attachments=pictures.row(ASKED.attachments))
    shown = text(transcript)
    assert f"chart.png · {CHART.size} bytes" in shown.replace("\u00a0", " ")
    assert "notes.md · 8 bytes" in shown.replace("\u00a0", " ")
    assert "paper.pdf" in shown
    assert shown.index("chart.png") < shown.index("What is in these?")  # above the text
    thumbs = [i for i in images(transcript) if "thumb/" in i[0]]
    assert thumbs == [(f"{pictures.scheme}:thumb/{CHART.sha256}", THUMB, THUMB * 400 / 640)]
    thumb = resource(transcript, thumbs[0][0])
    assert thumb is not None
    assert thumb.deviceIndependentSize().toSize().width() == THUMB
    assert thumb.pixelColor(5, 5) == QColor(0x80, 0x80, 0x80)  # the image's own grey
    transcript.view.grab()  # lay out and paint: every picture is the document's own
    assert list(transcript.view.refused_resources) == []
    # The image's name and its thumbnail (named by its tooltip) open it; a text file's is no link.
    assert [t for t, h, _ in anchors(transcript) if h.startswith(pictures.scheme)] == [
        "Open chart.png",
        "chart.png",
    ]


def test_the_pictures_come_back_when_the_document_is_drawn_anew(qtbot, transcript, pictures):
    """Clearing a document drops its resources: a theme change or an opened conversation."""
    block = MessageBlock("user", ASKED.text, attachments=pictures.row(ASKED.attachments))
    transcript.add_messages([block])
    name = f"{pictures.scheme}:thumb/{CHART.sha256}"
    palette = QPalette(transcript.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#101010"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#f0f0f0"))
    transcript.setPalette(palette)  # the transcript draws every message again
    qtbot.waitUntil(lambda: resource(transcript, name) is not None, timeout=2000)
    transcript.view.grab()
    assert list(transcript.view.refused_resources) == []
    assert name in [i[0] for i in images(transcript)]


def test_a_click_opens_the_image_larger_and_esc_closes_it(qtbot, transcript, pictures):
    transcript.add_message("user", ASKED.text, attachments=pictures.row(ASKED.attachments))
    click_link(qtbot, transcript, "chart.png")
    viewer = pictures.viewer
    assert isinstance(viewer, ImageViewer)
    qtbot.waitUntil(viewer.isVisible, timeout=2000)
    assert viewer.attachment is CHART
    assert viewer.windowTitle() == "chart.png — 640 × 400 px"
    pixmap = viewer.image.pixmap()
    assert (pixmap.width(), pixmap.height()) == (640, 400)  # the original, not the thumbnail
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: pictures.viewer is None, timeout=2000)
    # The thumbnail opens it as well.
    click_link(qtbot, transcript, "Open chart.png")
    assert pictures.viewer is not None
    qtbot.waitUntil(pictures.viewer.isVisible, timeout=2000)
    pictures.viewer.close()
    QApplication.processEvents()


def test_an_image_that_cannot_be_read_is_still_named(transcript, pictures):
    broken = Attachment("broken.png", "image/png", b"\x89PNG\r\n\x1a\n not really")
    transcript.add_message("user", "", attachments=pictures.row((broken,)))
    assert "broken.png" in text(transcript)
    assert not [i for i in images(transcript) if "thumb/" in i[0]]
