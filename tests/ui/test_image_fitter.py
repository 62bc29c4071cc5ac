"""Images downscaled with Qt's image code to a protocol's limits, originals untouched."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QImageWriter

from desktop_chat.core.attachment import LIMITS, ImageLimits, fit_image
from desktop_chat.core.conversation import Attachment
from desktop_chat.core.errors import AttachmentError
from desktop_chat.image_header import image_size
from desktop_chat.ui.image_fitter import QImageFitter
from tests.support.images import JPEG_37x21, png


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: random pixels, with transparency."""
    image = QImage(os.urandom(side * side * 4), side, side, QImage.Format.Format_ARGB32).copy()
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert QImageWriter(buffer, QByteArray(b"PNG")).write(image)
    return bytes(array.data())


def test_a_large_image_is_downscaled_to_the_protocols_long_side() -> None:
    original = Attachment("screen.png", "image/png", png(6000, 4000))
    fitted = fit_image(original, LIMITS["anthropic"].image, QImageFitter())
    assert (fitted.name, fitted.media_type) == ("screen.png", "image/png")
    assert image_size(fitted.data) == (1568, 1045)
    assert original.data == png(6000, 4000)  # the original is kept as it was
    openai = fit_image(original, LIMITS["openai"].image, QImageFitter())
    assert image_size(openai.data) == (2048, 1365)


def test_a_jpeg_stays_a_jpeg() -> None:
    fitted = QImageFitter().fit(
        Attachment("a.jpg", "image/jpeg", JPEG_37x21), ImageLimits(20, None, 10_000, "test")
    )
    assert fitted.media_type == "image/jpeg"
    assert image_size(fitted.data) == (20, 11)


def test_an_image_over_the_byte_limit_becomes_a_smaller_jpeg() -> None:
    noisy = noise_png(600)
    limits = ImageLimits(1568, 8000, 200_000, "test")
    assert len(noisy) > limits.max_bytes
    fitted = fit_image(Attachment("noise.png", "image/png", noisy), limits, QImageFitter())
    assert fitted.media_type == "image/jpeg"
    assert len(fitted.data) <= limits.max_bytes
    assert image_size(fitted.data) is not None


def test_an_image_that_cannot_be_made_small_enough_says_so() -> None:
    limits = ImageLimits(1568, 8000, 100, "test")
    with pytest.raises(AttachmentError, match=r"^noise\.png could not be made small enough"):
        QImageFitter().fit(Attachment("noise.png", "image/png", noise_png(300)), limits)


def test_an_unreadable_image_is_refused_by_name() -> None:
    broken = Attachment("broken.png", "image/png", png(10, 10)[:40])
    with pytest.raises(AttachmentError, match=r"^broken\.png cannot be sent: the image cannot"):
        QImageFitter().fit(broken, LIMITS["openai"].image)


def test_the_fitter_needs_no_application() -> None:
    """`ask` fits images with no QApplication, and must not load the widgets either."""
    code = (
        "import sys\n"
        "from desktop_chat.core.attachment import LIMITS, fit_image\n"
        "from desktop_chat.core.conversation import Attachment\n"
        "from desktop_chat.ui.image_fitter import QImageFitter\n"
        "from tests.support.images import png\n"
        "image = Attachment('a.png', 'image/png', png(3000, 100))\n"
        "fitted = fit_image(image, LIMITS['anthropic'].image, QImageFitter())\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "assert QGuiApplication.instance() is None\n"
        "assert 'PySide6.QtWidgets' not in sys.modules\n"
        "print(len(fitted.data))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0
