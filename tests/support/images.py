"""Real image files for attachment tests, made without Qt so the core's tests stay Qt-free.

PNG of any size is built here (zlib, one colour, so even 6000 px compress to a few KB); JPEG
and WebP are small files Qt wrote (37 x 21 px), kept as base64; GIF is built whole for 1 x 1 and
as a header of any size (enough for everything that only reads the header).
"""

from __future__ import annotations

import base64
import random
import struct
import zlib

JPEG_37x21 = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEAZABkAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsj"
    "HBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgo"
    "KCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAVACUDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAA"
    "AAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAk"
    "M2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKT"
    "lJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QA"
    "HwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdh"
    "cRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hp"
    "anN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk"
    "5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDkKKKK+nPnQooooAKKKKACiiigAooooAKKKKAP/9k="
)
WEBP_LOSSY_37x21 = base64.b64decode(
    "UklGRkQAAABXRUJQVlA4IDgAAAAwAwCdASolABUAPm02l0ikIyIhJWgAgA2JZwB2AABjV8LwAP7uCmf/3BmfV2OH"
    "/+Lc/brl8AAAAA=="
)
WEBP_LOSSLESS_37x21 = base64.b64decode("UklGRh4AAABXRUJQVlA4TBEAAAAvJAAFAAdQs840s/+BiOh/AAA=")
WEBP_EXTENDED_37x21 = base64.b64decode(
    "UklGRmgAAABXRUJQVlA4WAoAAAAQAAAAJAAAFAAAQUxQSAoAAAARB1DAiAhERP8DVlA4IDgAAAAwAwCdASolABUA"
    "Pm02l0ikIyIhJWgAgA2JZwB2AABjV8LwAP7uCmf/3BmfV2OH/+Lc/brl8AAAAA=="
)
# The classic one-pixel GIF: a whole, decodable file.
GIF_1x1 = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")

PDF_ONE_PAGE = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def png(width: int, height: int, grey: int = 0x80, *, noise: bool = False) -> bytes:
    """A whole, decodable greyscale PNG of one colour, or of noise that does not compress
    (the same noise every time: a seeded generator)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    if noise:
        rng = random.Random(width * 65536 + height)
        pixels = b"".join(b"\x00" + rng.randbytes(width) for _ in range(height))
    else:
        pixels = (b"\x00" + bytes([grey]) * width) * height  # filter byte "none", the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels, 9))
        + chunk(b"IEND", b"")
    )


def gif_header(width: int, height: int) -> bytes:
    """The first bytes of a GIF of that size: the signature and the logical screen."""
    return b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)
