"""Decode an attached image at the size it is shown: chips, the transcript, the viewer.

QImageReader decodes a JPEG straight at a reduced size (and scales any other format after
reading), so a 12-megapixel photo's thumbnail never holds the whole photo's pixels. It also turns
a photo the way its EXIF orientation says, as every image viewer does. The original bytes are
never changed: they are what is kept and sent.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader


def decoded(data: bytes, fit: QSize | None = None) -> QImage | None:
    """The image in `data`, scaled down to fit `fit` (never up); None when it cannot be read."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    turned = bool(reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90)
    if turned:
        size = size.transposed()  # the box is for the image as shown, after turning
    if fit is not None and size.isValid() and fit.expandedTo(size) != fit:  # larger on a side
        scaled = size.scaled(fit, Qt.AspectRatioMode.KeepAspectRatio)
        if turned:  # the reader scales before it turns
            scaled = scaled.transposed()
        reader.setScaledSize(scaled.expandedTo(QSize(1, 1)))
    image = reader.read()
    return None if image.isNull() else image


def thumbnail(data: bytes, box: int, scale: float = 1.0) -> QImage | None:
    """A preview fitting a `box`-pixel square at the screen's `scale`, for crisp HiDPI drawing.

    Its device pixel ratio is `scale`, so Qt draws it `box` logical pixels across at most.
    """
    image = decoded(data, QSize(round(box * scale), round(box * scale)))
    if image is not None:
        image.setDevicePixelRatio(scale)
    return image
