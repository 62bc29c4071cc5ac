"""Turn what the user pastes, drops or picks into attachments, or into sentences saying why not.

What counts as an attachment on the clipboard or in a drop: local files (a file manager's copy
or drag gives their URLs), or an image with no plain text beside it (a screenshot, a browser's
"Copy image"). An image WITH text (a spreadsheet's cells, a word processor's selection, which
also put a picture of themselves there) is pasted as the text, as the user meant. Links to the
web are text too.

Files are read by the core (`attachment_from_file`), which decides image, PDF or text by content
and refuses anything else with a message naming the file; every refusal is kept for the user
to read, none is dropped quietly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData
from PySide6.QtGui import QImage, QImageWriter

from desktop_chat.core.attachment import attachment_from_file
from desktop_chat.core.conversation import Attachment
from desktop_chat.core.errors import AttachmentError
from desktop_chat.i18n import _

PASTED_STEM = "pasted-image"


@dataclass(slots=True)
class Intake:
    """What was read, in order, and a sentence for each thing that could not be attached."""

    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def local_files(mime: QMimeData) -> list[Path]:
    """The local files named in `mime` (file URLs), in order."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def is_attachment(mime: QMimeData) -> bool:
    """Whether `mime` is something to attach rather than text to insert."""
    return bool(local_files(mime)) or (mime.hasImage() and not mime.hasText())


def from_mime(mime: QMimeData, taken: Iterable[str] = ()) -> Intake:
    """Read the files or the image in `mime`; `taken` are names in use, for a pasted image's."""
    files = local_files(mime)
    if files:
        return from_paths(files)
    intake = Intake()
    image = QImage(mime.imageData()) if mime.hasImage() else QImage()
    if image.isNull():
        intake.problems.append(_("The clipboard holds no image or file that can be attached."))
        return intake
    data = _png(image)
    if data is None:
        intake.problems.append(_("The pasted image could not be stored as PNG."))
    else:
        intake.attachments.append(Attachment(pasted_name(taken), "image/png", data))
    return intake


def from_paths(paths: Iterable[Path]) -> Intake:
    """Read each file as an attachment; each one that cannot be gets its own sentence."""
    intake = Intake()
    for path in paths:
        if path.is_dir():
            intake.problems.append(
                _("{name} is a folder: attach the files in it instead.").format(name=path.name)
            )
            continue
        try:
            intake.attachments.append(attachment_from_file(path))
        except AttachmentError as exc:
            intake.problems.append(str(exc))
    return intake


def pasted_name(taken: Iterable[str]) -> str:
    """ "pasted-image.png", or "pasted-image-2.png"... when that name is in use, so each differs."""
    used = set(taken)
    name, number = f"{PASTED_STEM}.png", 1
    while name in used:
        number += 1
        name = f"{PASTED_STEM}-{number}.png"
    return name


def _png(image: QImage) -> bytes | None:
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"PNG"))
    if not writer.write(image):
        return None
    buffer.close()
    return bytes(array.data())
