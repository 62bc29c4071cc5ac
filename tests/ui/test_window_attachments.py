"""Attachments in the real window, sent to the scripted server on 127.0.0.1: paste and send,
the request's parts, an image fitted to the protocol, a refusal naming the file, a PDF too
large said before sending, and the thumbnail again after a restart."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from desktop_chat.image_header import image_size
from desktop_chat.ui.main_window import MainWindow
from tests.support.images import png
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream
from tests.support.window import keyed, local, outcomes, send, wait_outcome

HISTORY_KEEPS_ATTACHMENTS = (
    importlib.util.find_spec("desktop_chat.storage.history_attachments") is not None
)


@pytest.fixture(autouse=True)
def _empty_clipboard():
    yield
    QApplication.clipboard().clear()


def paste_picture(qtbot, window: MainWindow, width: int, height: int) -> None:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("orange"))
    QApplication.clipboard().setImage(image)
    window.composer.editor.setFocus()
    qtbot.keyClick(window.composer.editor, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def last_user_content(server: ScriptedServer, protocol: str = "openai") -> list[dict]:
    body = json.loads(server.requests[-1].body)
    content = body["messages"][-1]["content"]
    assert isinstance(content, list), content
    return content


def thumbnails(window: MainWindow) -> list[str]:
    found = []
    block = window.transcript.view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat() and "thumb/" in fmt.toImageFormat().name():
                found.append(fmt.toImageFormat().name())
            it += 1
        block = block.next()
    return found


def test_a_pasted_image_goes_with_the_message_and_shows_in_the_transcript(
    qtbot, open_window, sse_server
):
    sse_server.script(Reply(chunks=openai_stream(["An orange square."])))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    paste_picture(qtbot, window, 40, 30)
    [attachment] = window.composer.attachments()
    send(qtbot, window, "What is this?")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    image_part, text_part = last_user_content(sse_server)
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.removeprefix("data:image/png;base64,")) == attachment.data
    assert text_part == {"type": "text", "text": "What is this?"}
    assert window.composer.attachments() == ()  # taken with the message
    assert thumbnails(window) == [f"{window.chat.attachment_view.scheme}:thumb/{attachment.sha256}"]
    assert "pasted-image.png" in window.transcript_text()
    assert window.chat.messages[0].attachments == (attachment,)


def test_a_large_image_goes_fitted_to_the_protocol_and_the_transcript_keeps_the_original(
    qtbot, open_window, sse_server, tmp_path: Path
):
    sse_server.script(Reply(chunks=anthropic_stream(["Grey."])))
    window = open_window(local(sse_server, "anthropic"), keyed())
    seen = outcomes(window)
    photo = tmp_path / "photo.png"
    photo.write_bytes(png(3000, 2000))
    window.composer.attach_files([photo])
    fitter = window.chat.image_fitter
    qtbot.waitUntil(lambda: fitter.fitted == 1, timeout=10_000)  # on a worker, before sending
    send(qtbot, window, "Colour?")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert fitter.fitted == 1  # the check and the request used the copy made ahead
    image_block = last_user_content(sse_server, "anthropic")[0]
    sent = base64.b64decode(image_block["source"]["data"])
    assert image_size(sent) == (1568, 1045)  # Anthropic's recommended long side
    assert window.chat.messages[0].attachments[0].data == photo.read_bytes()


def test_a_model_that_refuses_images_is_told_by_the_attachments_name(
    qtbot, open_window, sse_server
):
    refusal = {"error": {"message": "image_url is only supported by certain models."}}
    sse_server.script(
        Reply(400, {"content-type": "application/json"}, body=json.dumps(refusal).encode())
    )
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    paste_picture(qtbot, window, 20, 20)
    send(qtbot, window, "Describe it")
    assert wait_outcome(qtbot, seen, window=window) == "failed"
    assert "The model refused the image pasted-image.png" in window.transcript_text()


def test_a_pdf_too_large_for_the_protocol_is_said_before_anything_is_sent(
    qtbot, open_window, sse_server, tmp_path: Path
):
    window = open_window(local(sse_server, "anthropic"), keyed())
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * 25_000_000)
    window.composer.attach_files([big])
    send(qtbot, window, "Summarise it")
    problem = window.composer.problem
    assert problem.isVisible()
    assert problem.text().startswith("scan.pdf (23.8 MB) is larger than this provider takes")
    assert sse_server.requests == []
    assert window.chat.messages == []
    assert window.composer.text() == "Summarise it"  # nothing lost: change it and send again
    assert [a.name for a in window.composer.attachments()] == ["scan.pdf"]


@pytest.mark.skipif(
    not HISTORY_KEEPS_ATTACHMENTS, reason="the history keeps attachments from schema 2 on"
)
def test_after_a_restart_the_sent_image_shows_again(qtbot, open_window, run_async, sse_server):
    sse_server.script(Reply(chunks=openai_stream(["Seen."])))
    settings = local(sse_server)
    window = open_window(settings, keyed())
    seen = outcomes(window)
    paste_picture(qtbot, window, 50, 20)
    [attachment] = window.composer.attachments()
    send(qtbot, window, "Keep this")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    window.close()
    run_async(window.aclose())
    again = open_window(settings, keyed())
    assert again.chat.messages[0].attachments == (attachment,)
    assert thumbnails(again) == [f"{again.chat.attachment_view.scheme}:thumb/{attachment.sha256}"]
    assert "pasted-image.png" in again.transcript_text()


def test_editing_a_message_brings_its_attachments_back_and_resends_them(
    qtbot, open_window, sse_server
):
    sse_server.script(*(Reply(chunks=openai_stream([f"answer {n}"])) for n in (1, 2)))
    window = open_window(local(sse_server), keyed())
    seen = outcomes(window)
    paste_picture(qtbot, window, 12, 12)
    [attachment] = window.composer.attachments()
    send(qtbot, window, "first words")
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    window.transcript.edit_requested.emit(0)  # the message's Edit link
    assert window.composer.editing
    assert window.composer.attachments() == (attachment,)
    send(qtbot, window, "better words")
    assert wait_outcome(qtbot, seen, 2, window=window) == "finished"
    image_part, text_part = last_user_content(sse_server)
    assert image_part["type"] == "image_url"
    assert text_part["text"] == "better words"
    assert window.chat.messages[0].attachments == (attachment,)
