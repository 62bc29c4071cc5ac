"""An image's type and pixel size from its header, for PNG, JPEG, GIF and WebP files."""

from __future__ import annotations

import pytest

from desktop_chat.image_header import image_size, image_type
from tests.support.images import (
    GIF_1x1,
    JPEG_37x21,
    WEBP_EXTENDED_37x21,
    WEBP_LOSSLESS_37x21,
    WEBP_LOSSY_37x21,
    gif_header,
    png,
)


@pytest.mark.parametrize(
    ("data", "kind", "size"),
    [
        (png(37, 21), "image/png", (37, 21)),
        (png(6000, 1), "image/png", (6000, 1)),
        (JPEG_37x21, "image/jpeg", (37, 21)),
        (GIF_1x1, "image/gif", (1, 1)),
        (gif_header(640, 480), "image/gif", (640, 480)),
        (WEBP_LOSSY_37x21, "image/webp", (37, 21)),
        (WEBP_LOSSLESS_37x21, "image/webp", (37, 21)),
        (WEBP_EXTENDED_37x21, "image/webp", (37, 21)),
    ],
    ids=["png", "wide-png", "jpeg", "gif", "gif-header", "webp-lossy", "webp-lossless", "webp-x"],
)
def test_type_and_size_come_from_the_header(data: bytes, kind: str, size: tuple[int, int]) -> None:
    assert image_type(data) == kind
    assert image_size(data) == size


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", b"%PDF-1.4", b"\x89PNG\r\n\x1a\n", JPEG_37x21[:100], WEBP_LOSSY_37x21[:20]],
    ids=["empty", "text", "pdf", "png-signature-only", "jpeg-cut", "webp-cut"],
)
def test_what_is_no_readable_image_has_no_size(data: bytes) -> None:
    assert image_size(data) is None


def test_a_jpeg_without_a_frame_ends_within_its_bound() -> None:
    looping = b"\xff\xd8" + b"\xff\xe0\x00\x02" * 5000  # empty segments, never a frame
    assert image_size(looping) is None
