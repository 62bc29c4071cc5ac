"""Block regions in a QTextDocument: appended, truncated and replaced pieces keep their formats."""

from __future__ import annotations

import random

import pytest
from PySide6.QtGui import QTextBlockFormat, QTextCursor, QTextDocument

from desktop_chat.ui.chat.block_writer import BlockWriter

PIECES = [
    "<h2>Heading</h2>",
    "<p>para</p>",
    "<ul><li>a</li><li>b</li></ul>",
    '<table border="1"><tr><td>cell</td></tr></table>',
    "<pre>code\nmore</pre>",
    "<blockquote><p>quoted</p></blockquote>",
    "<p>x</p><h3>y</h3>",
    "<ol><li><p>l1</p><ul><li>nested</li></ul></li></ol>",
    "<ul><li></li></ul>",
]

Signature = list[tuple[object, ...]]


def signature(doc: QTextDocument) -> Signature:
    """Describe every visible block: text, heading level, margins, code, list, table, indent.

    Empty blocks are left out: Qt adds one after each table, we squeeze one before a table that
    starts a region, and Qt's importer keeps or drops an empty list item depending on what
    surrounds it; none of them shows any text.
    """
    blocks = []
    block = doc.begin()
    while block.isValid():
        fmt = block.blockFormat()
        in_table = QTextCursor(block).currentTable() is not None
        in_list = block.textList() is not None
        spacer = fmt.lineHeightType() == QTextBlockFormat.LineHeightTypes.FixedHeight.value
        if block.text() and not spacer:
            blocks.append(
                (
                    block.text(),
                    fmt.headingLevel(),
                    fmt.topMargin(),
                    fmt.bottomMargin(),
                    fmt.leftMargin(),
                    fmt.nonBreakableLines(),
                    in_list,
                    in_table,
                )
            )
        block = block.next()
    return blocks


def reference(pieces: list[str]) -> Signature:
    doc = QTextDocument()
    doc.setHtml("".join(pieces))
    return signature(doc)


@pytest.mark.parametrize("seed", range(40))
def test_append_truncate_and_replace_match_a_fresh_document(qapp: object, seed: int) -> None:
    rng = random.Random(seed)
    pieces = [rng.choice(PIECES) for _ in range(rng.randint(2, 6))]
    doc = QTextDocument()
    writer = BlockWriter(doc)
    markers = []
    with writer.batch():
        for html in pieces:
            markers.append(writer.end())
            writer.append(html)
    assert signature(doc) == reference(pieces)

    k = rng.randrange(len(pieces))
    writer.truncate(markers[k])
    assert signature(doc) == reference(pieces[:k])
    with writer.batch():
        for html in pieces[k:]:
            markers[pieces.index(html, k)] = writer.end()
            writer.append(html)
    assert signature(doc) == reference(pieces)

    # Replace one region in the middle; later markers move by the returned delta.
    markers = []
    doc.clear()
    for html in pieces:
        markers.append(writer.end())
        writer.append(html)
    k = rng.randrange(len(pieces))
    new = rng.choice(PIECES)
    stop = markers[k + 1] if k + 1 < len(pieces) else None
    delta = writer.replace(markers[k], stop, new)
    pieces[k] = new
    assert signature(doc) == reference(pieces)
    if k + 1 < len(pieces):
        writer.truncate(markers[k + 1] + delta)
        assert signature(doc) == reference(pieces[: k + 1])


def test_a_heading_does_not_leak_its_format_into_the_next_region(qapp: object) -> None:
    doc = QTextDocument()
    writer = BlockWriter(doc)
    writer.append("<h1>Big</h1>")
    writer.append("<p>small</p>")
    last = doc.lastBlock()
    assert last.text() == "small"
    assert last.blockFormat().headingLevel() == 0


def test_truncate_restores_the_document_exactly(qapp: object) -> None:
    doc = QTextDocument()
    writer = BlockWriter(doc)
    writer.append("<p>keep</p><ul><li></li></ul>")
    before = doc.toHtml()
    marker = writer.end()
    writer.append('<table border="1"><tr><td>gone</td></tr></table><p>also gone</p>')
    writer.truncate(marker)
    assert doc.toHtml() == before
    assert not doc.isUndoAvailable()
