"""Compare a rendered image with the stored one, within a tolerance, and draw what differs.

Two images match when they have the same size and at most MAX_DIFFERING of their pixels differ
by more than CHANNEL_DELTA in some channel. The tolerance absorbs a few glyph edges drawn a shade
apart; a restyle (a colour, a margin, a font size) moves far more pixels, by more.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter

CHANNEL_DELTA = 8  # of 255: less is not seen
MAX_DIFFERING = 0.001  # of all pixels: 1,049 at 1366x768
RED = 0xFFFF0000


@dataclass(frozen=True, slots=True)
class Difference:
    differing: int  # pixels beyond CHANNEL_DELTA
    total: int
    diff: QImage  # the expected image dimmed, each differing pixel in red

    @property
    def fraction(self) -> float:
        return self.differing / self.total if self.total else 1.0

    @property
    def within_tolerance(self) -> bool:
        return self.fraction <= MAX_DIFFERING


def comparable(image: QImage) -> QImage:
    """The image as 32-bit RGB, the one format both sides are compared in."""
    return image.convertToFormat(QImage.Format.Format_RGB32)


def compare(actual: QImage, expected: QImage) -> Difference:
    """How far `actual` is from `expected`; a different size counts as every pixel differing."""
    actual, expected = comparable(actual), comparable(expected)
    total = max(actual.width() * actual.height(), 1)
    if actual.size() != expected.size():
        return Difference(total, total, comparable(actual))
    a = bytes(actual.constBits())
    e = bytes(expected.constBits())
    diff = _dimmed(expected)
    differing = 0
    if a != e:
        width = actual.width()
        stride = actual.bytesPerLine()
        for y in range(actual.height()):
            row = y * stride
            for x in range(width):
                i = row + 4 * x
                if (
                    abs(a[i] - e[i]) > CHANNEL_DELTA
                    or abs(a[i + 1] - e[i + 1]) > CHANNEL_DELTA
                    or abs(a[i + 2] - e[i + 2]) > CHANNEL_DELTA
                ):
                    differing += 1
                    diff.setPixel(x, y, RED)
    return Difference(differing, total, diff)


def _dimmed(expected: QImage) -> QImage:
    """The expected image at a quarter of its strength on white: the red marks stand out."""
    result = QImage(expected.size(), QImage.Format.Format_RGB32)
    result.fill(Qt.GlobalColor.white)
    painter = QPainter(result)
    painter.setOpacity(0.25)
    painter.drawImage(0, 0, expected)
    painter.end()
    return result


def save(image: QImage, path: str) -> bool:
    """Store `image` as a 24-bit PNG at the strongest compression (no alpha: a window has none).

    An 8-bit palette of the image's 256 commonest colours halves the file (36 KB instead of
    85 KB here), but the 1.5 % of pixels it cannot hold (anti-aliasing) then differ by up to 40
    per channel, which the tolerance would have to swallow, and with it a change of a
    surface's colour by a few steps. The images stay exact instead.
    """
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    saved: bool = rgb.save(path, "PNG", 0)  # type: ignore[call-overload]  # the stubs want bytes
    return saved
