"""Render the app icon from resources/icons/desktop-chat.svg into every format an installer needs.

Writes, next to the SVG:

- ``hicolor/NxN/apps/desktop-chat.png`` for N in 16..512 (the freedesktop icon theme layout, copied
  as is into the .deb and the tar.gz),
- ``desktop-chat.ico`` (Windows: the .exe and the installer; PNG-compressed entries, which every
  Windows since Vista reads),
- ``desktop-chat.icns`` (macOS: the .app bundle; PNG entries 16..1024 px).

Qt's own SVG renderer does the drawing, so no image library beyond PySide6 is needed. The outputs
are committed; run this again only after changing the SVG::

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICON_DIR / "desktop-chat.svg"
NAME = "desktop-chat"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types that hold PNG data, by pixel size (@2x types repeat sizes at another density).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)


def render_png(svg: Path, size: int) -> bytes:
    """Draw ``svg`` into a transparent ``size`` x ``size`` image and return it PNG-encoded."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"cannot encode a {size} px PNG")
    buffer.close()
    return bytes(data.data())


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """Pack PNG images into an ICO file (ICONDIR, one ICONDIRENTRY each, then the images)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = [], []
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset))
        images.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(images)


def build_icns(pngs: dict[int, bytes]) -> bytes:
    """Pack PNG images into an ICNS file: b"icns", total length, then (type, length, data) each."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: render_png(SVG, size) for size in sizes}
    for size in PNG_SIZES:
        target = ICON_DIR / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pngs[size])
    (ICON_DIR / f"{NAME}.ico").write_bytes(build_ico({s: pngs[s] for s in ICO_SIZES}))
    (ICON_DIR / f"{NAME}.icns").write_bytes(build_icns(pngs))
    del app
    sys.stdout.write(f"wrote {len(PNG_SIZES)} PNGs, {NAME}.ico and {NAME}.icns in {ICON_DIR}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
