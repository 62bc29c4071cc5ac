"""Read an image's type and pixel size from its first bytes: PNG, JPEG, GIF and WebP.

Standard library only, at the bottom of the layers, because two sides need it and may not
import each other: the core decides from it whether an image must be downscaled before it is
sent (only the window's Qt code may decode pixels), and the offline demo, which speaks the wire
protocols on its own, tells the user what it was shown. Nothing here decodes pixels.
"""

from __future__ import annotations

import struct

_MAX_JPEG_SEGMENTS = 1000  # a JPEG's header has a few dozen; a broken file must not loop long


def image_type(data: bytes) -> str | None:
    """The media type the bytes' signature names ("image/png"...), or None if not one of ours."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels from the header, or None when the header cannot be read."""
    try:
        kind = image_type(data)
        if kind == "image/png":
            width, height = struct.unpack(">II", data[16:24])
            return (width, height) if data[12:16] == b"IHDR" else None
        if kind == "image/gif":
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if kind == "image/webp":
            return _webp_size(data)
        if kind == "image/jpeg":
            return _jpeg_size(data)
    except struct.error:  # cut short inside a header field
        return None
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":  # extended: 24-bit width and height, minus one
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return (width, height) if len(data) >= 30 else None
    if chunk == b"VP8L":  # lossless: 14-bit fields after the 0x2f signature
        if data[20] != 0x2F:
            return None
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":  # lossy: a key frame's start code, then 14-bit sizes
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk the segments to the first start-of-frame marker, which holds the size."""
    at = 2
    for _ in range(_MAX_JPEG_SEGMENTS):
        while at < len(data) and data[at] == 0xFF and at + 1 < len(data) and data[at + 1] == 0xFF:
            at += 1  # fill bytes
        if at + 4 > len(data) or data[at] != 0xFF:
            return None
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        # SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which are not frames
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None
