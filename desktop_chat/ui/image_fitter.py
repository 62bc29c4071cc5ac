"""Downscale an attached image with Qt's own image code: the core's `ImageFitter`.

QImage alone, never QPixmap: it needs no QApplication and may run on any thread, so the command
line (`desktop-chat ask --attach`, given one by `desktop_chat.__main__`) uses it as the window
does. It imports only QtCore and QtGui.

A JPEG stays JPEG; any other image becomes PNG (Qt writes no GIF, and PNG keeps transparency).
When the fitted image is still over the byte limit it is re-encoded as JPEG at falling quality
(transparency on white), then made smaller a step at a time: a bounded number of tries.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QImageWriter, QPainter

from desktop_chat.core.attachment import ImageLimits
from desktop_chat.core.conversation import Attachment
from desktop_chat.core.errors import AttachmentError

_JPEG_QUALITIES = (85, 70, 50)
_SHRINK_STEPS = 6  # 0.75 ** 6: down to a fifth of the long side before giving up


class QImageFitter:
    """The `ImageFitter` of the window and of `ask`."""

    def fit(self, image: Attachment, limits: ImageLimits) -> Attachment:
        decoded = QImage.fromData(image.data)
        if decoded.isNull():
            raise AttachmentError(f"{image.name} cannot be sent: the image cannot be read")
        long_side = min(limits.fit_long_side, max(decoded.width(), decoded.height()))
        for _ in range(_SHRINK_STEPS + 1):
            scaled = _scaled(decoded, long_side)
            for media_type, data in _encodings(scaled, image.media_type):
                if len(data) <= limits.max_bytes:
                    return Attachment(image.name, media_type, data)
            long_side = max(1, long_side * 3 // 4)
        raise AttachmentError(f"{image.name} could not be made small enough to send")


def _scaled(image: QImage, long_side: int) -> QImage:
    if max(image.width(), image.height()) <= long_side:
        return image
    return image.scaled(
        long_side,
        long_side,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def _encodings(image: QImage, original_type: str) -> Iterator[tuple[str, bytes]]:
    """The encodings to try, best first: the original's kind, then JPEG of falling quality."""
    if original_type != "image/jpeg":
        yield "image/png", _encoded(image, "PNG", -1)
    opaque = _on_white(image) if image.hasAlphaChannel() else image
    for quality in _JPEG_QUALITIES:
        yield "image/jpeg", _encoded(opaque, "JPEG", quality)


def _encoded(image: QImage, kind: str, quality: int) -> bytes:
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(kind.encode()))
    writer.setQuality(quality)
    if not writer.write(image):
        raise AttachmentError(f"The image could not be encoded as {kind}: {writer.errorString()}")
    buffer.close()
    return bytes(array.data())


def _on_white(image: QImage) -> QImage:
    """JPEG has no transparency: draw the image on white rather than on black."""
    flat = QImage(image.size(), QImage.Format.Format_RGB32)
    flat.fill(QColor("white"))
    painter = QPainter(flat)
    painter.drawImage(0, 0, image)
    painter.end()
    return flat
