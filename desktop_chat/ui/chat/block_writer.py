"""Append and replace runs of whole blocks of a QTextDocument from HTML.

`QTextCursor.insertHtml` merges the first inserted block into the block at the cursor, which keeps
its own block format (a paragraph inserted after a heading becomes a heading), and a list or table
at the start gets an extra empty block. So every insertion starts with a throw-away paragraph that
takes the merge and is deleted afterwards; each inserted block keeps the format its HTML gave it.
A table needs a block before it, so in front of a table the throw-away block is kept, emptied and
squeezed to no height.

Positions are plain ints called markers: `end()` taken just before a region is appended. Deleting
from a marker to the end restores the document exactly as it was before that append, and
`replace(start, stop, html)` swaps one region in the middle, returning by how much later markers
move. Undo is switched off: an undo stack would keep every streamed frame alive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QTextBlockFormat, QTextCharFormat, QTextCursor, QTextDocument

_SCRATCH = "<p>#</p>"
# The first block is in a table, possibly inside lists, quotes or a div.
_STARTS_WITH_TABLE = re.compile(
    r"\s*(?:<(?:div|ul|ol|li|blockquote)\b[^>]*>\s*)*<table\b", re.IGNORECASE
)


def _spacer_formats() -> tuple[QTextBlockFormat, QTextCharFormat]:
    block = QTextBlockFormat()
    block.setLineHeight(0.0, QTextBlockFormat.LineHeightTypes.FixedHeight.value)
    block.setTopMargin(0.0)
    block.setBottomMargin(0.0)
    char = QTextCharFormat()
    char.setFontPointSize(1.0)
    return block, char


class BlockWriter:
    """Edit a document only in whole blocks, so regions stay independent of their neighbours."""

    def __init__(self, document: QTextDocument) -> None:
        self._doc = document
        document.setUndoRedoEnabled(False)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group edits, so the document is laid out and repainted once for all of them."""
        cursor = QTextCursor(self._doc)
        cursor.beginEditBlock()
        try:
            yield
        finally:
            cursor.endEditBlock()

    def end(self) -> int:
        """Return the marker for a region appended now."""
        return self._doc.characterCount() - 1

    def append(self, html: str) -> None:
        """Append blocks at the end of the document."""
        if html:
            self.replace(self.end(), None, html)

    def truncate(self, marker: int) -> None:
        """Delete everything from a marker to the end."""
        if marker < self.end():
            self.replace(marker, None, "")

    def replace(self, start: int, stop: int | None, html: str) -> int:
        """Replace the region from marker `start` to marker `stop` (None: the end) with `html`.

        Returns the change in document length, by which every later marker moves.
        """
        before = self._doc.characterCount()
        cursor = QTextCursor(self._doc)
        cursor.setPosition(start)
        cursor.setPosition(self.end() if stop is None else stop, QTextCursor.MoveMode.KeepAnchor)
        # Only a region at the document start is written into an existing (the first) block;
        # every other region begins with a block of its own, so regions never share a block.
        reuse = start == 0
        # Deleting the separator after an empty block hands that block the format of the block
        # that followed; put the kept block's own format back.
        kept = cursor.document().findBlock(start)
        kept_block, kept_char = kept.blockFormat(), kept.charFormat()
        cursor.removeSelectedText()
        if not reuse and cursor.block().blockFormat() != kept_block:
            cursor.setBlockFormat(kept_block)
            cursor.setBlockCharFormat(kept_char)
        if reuse:
            cursor.setBlockFormat(QTextBlockFormat())
            cursor.setBlockCharFormat(QTextCharFormat())
        if html:
            if not reuse:
                cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            scratch = cursor.block().position()
            cursor.setCharFormat(QTextCharFormat())
            cursor.insertHtml(_SCRATCH + html)
            # Decided from the HTML, not the document: inside an edit block a new table's
            # frame does not exist yet.
            self._drop_scratch(scratch, keep=bool(_STARTS_WITH_TABLE.match(html)))
        return self._doc.characterCount() - before

    def _drop_scratch(self, position: int, *, keep: bool) -> None:
        cursor = QTextCursor(self._doc)
        cursor.setPosition(position)
        following = cursor.block().next()
        if following.isValid() and not keep:
            block_format, char_format = following.blockFormat(), following.charFormat()
            cursor.setPosition(following.position(), QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            # An empty first block (an empty list item) loses its format in the merge.
            if cursor.block().blockFormat() != block_format:
                cursor.setBlockFormat(block_format)
                cursor.setBlockCharFormat(char_format)
            return
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        block_format, char_format = _spacer_formats()
        cursor.setBlockFormat(block_format)
        cursor.setBlockCharFormat(char_format)
