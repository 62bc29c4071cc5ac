"""Text checks for `--self-test`: CJK text draws, and words sort as their language sorts them.

The Linux bundle carries ICU's data cut down to what Qt uses (packaging/linux/trim_icu.py): a
cut too deep must fail the installers' smoke test, not sort a user's list wrongly. Qt on Linux
collates and maps case with that ICU; on Windows and macOS it asks the OS, so the sorting
checks run on Linux only. Drawing needs a CJK font, which the system provides (the .deb
recommends one): without one the check says so instead of failing.
"""

from __future__ import annotations

import functools
import sys

from PySide6.QtCore import QCollator, QLocale
from PySide6.QtGui import QColor, QFont, QFontDatabase, QImage, QPainter

# Each list in its language's order; sorted by code point they come out otherwise.
SORTED_WORDS = {
    "zh_CN": ["阿", "李", "王", "张"],  # pinyin: a, li, wang, zhang
    "ja_JP": ["亜", "一"],  # JIS X 0208 order
    "sv_SE": ["Apfel", "Zebra", "Äpfel"],  # Swedish sorts Ä after Z
}


def check_text() -> tuple[list[str], str]:
    """Return the problems found (empty when all is well) and a note of what was checked."""
    problems: list[str] = []
    notes: list[str] = []
    if sys.platform.startswith("linux"):
        for locale, words in SORTED_WORDS.items():
            collator = QCollator(QLocale(locale))
            # From the reverse order, so a collator that finds all words equal cannot pass.
            backwards = list(reversed(words))
            got = sorted(backwards, key=functools.cmp_to_key(collator.compare))
            if got != words:
                problems.append(f"{locale} sorts {got}, expected {words}")
        if QLocale("tr_TR").toUpper("i") != "İ":
            problems.append("Turkish upper case of i is not İ")
        notes.append(f"{len(SORTED_WORDS)} collations")
    if QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        first, second = _draw("中"), _draw("文")
        if first == second or first == _draw(""):
            problems.append("Chinese characters draw as empty or identical boxes")
        notes.append("CJK text drawn")
    else:
        notes.append("no CJK font installed")
    return problems, ", ".join(notes)


def _draw(text: str) -> QImage:
    image = QImage(48, 48, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    font = QFont()
    font.setPixelSize(32)
    painter.setFont(font)
    painter.setPen(QColor("black"))
    painter.drawText(4, 38, text)
    painter.end()
    return image
