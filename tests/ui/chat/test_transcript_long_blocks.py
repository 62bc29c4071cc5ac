"""Long blocks in the real transcript: the same document as drawn at once, and Copy exact."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QPalette, QTextBlockFormat, QTextTable
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_chat.ui.chat.block_pieces import PIECE_HARD
from desktop_chat.ui.chat.transcript import Transcript
from tests.support.transcript import click_link, drain, text
from tests.ui.chat.long_blocks import SHAPES, TABLE

BIG_TOKEN = "".join(f"{i:08x}" for i in range(1_000_000 // 8))  # 1 MB, not one space


@pytest.fixture
def views(qtbot: QtBot) -> Iterator[tuple[Transcript, Transcript]]:
    pair = (Transcript(frame_ms=1), Transcript(frame_ms=1))
    for view in pair:
        qtbot.addWidget(view)
        view.resize(700, 500)
        view.show()
    yield pair
    for view in pair:
        view.clear()


def shown_lines(view: Transcript) -> list[str]:
    """The document's text by block, without the zero-height blocks kept in front of tables."""
    lines = []
    block = view.view.document().begin()
    fixed = QTextBlockFormat.LineHeightTypes.FixedHeight.value
    while block.isValid():
        spacer = block.blockFormat().lineHeightType() == fixed and not block.text()
        if not spacer:
            lines.append(block.text())
        block = block.next()
    return lines


def block_lengths(view: Transcript) -> list[int]:
    lengths = []
    block = view.view.document().begin()
    while block.isValid():
        lengths.append(block.length())
        block = block.next()
    return lengths


@pytest.mark.parametrize("shape", SHAPES)
def test_a_streamed_long_block_is_the_document_drawn_at_once(
    qtbot: QtBot, views: tuple[Transcript, Transcript], shape: str
) -> None:
    answer = SHAPES[shape]
    live, whole = views
    rng = random.Random(shape)
    live.begin_assistant()
    at = 0
    while at < len(answer):
        size = rng.choice([1, 5, 40, 300])
        live.append_text(answer[at : at + size])
        at += size
        if rng.random() < 0.2:
            QApplication.processEvents()
    live.finish()
    qtbot.waitUntil(lambda: not live.busy, timeout=60_000)  # a loaded machine draws 30 KB slowly

    whole.add_message("assistant", answer)

    assert shown_lines(live) == shown_lines(whole)
    assert live.message_markdown(0) == answer


def test_copy_of_a_message_with_a_1_mb_token_is_the_token(
    qtbot: QtBot, views: tuple[Transcript, Transcript]
) -> None:
    view, _ = views
    view.begin_assistant()
    for at in range(0, len(BIG_TOKEN), 4096):
        view.append_text(BIG_TOKEN[at : at + 4096])
    view.finish()
    qtbot.waitUntil(lambda: not view.busy, timeout=60_000)

    # Broken up for display: no block holds more than a piece, and no character is lost.
    assert max(block_lengths(view)) <= 2 * PIECE_HARD
    assert BIG_TOKEN in text(view).replace("\n", "")
    with qtbot.waitSignal(view.copy_requested, timeout=5000) as copied:
        click_link(qtbot, view, "Copy")
    assert copied.args == [0]
    assert view.message_markdown(0) == BIG_TOKEN


def test_the_pieces_of_a_long_table_draw_their_lines_without_collapsed_borders(
    qtbot: QtBot, views: tuple[Transcript, Transcript]
) -> None:
    """Qt paints collapsed borders cell by cell and edge by edge: 4-6 ms a frame, painted
    again every frame while the table streams, for a view full of rows."""
    view, _ = views
    view.begin_assistant()
    for at in range(0, len(TABLE), 40):
        view.append_text(TABLE[at : at + 40])
        QApplication.processEvents()
    view.finish()
    drain(qtbot, view)

    tables = [
        frame
        for frame in view.view.document().rootFrame().childFrames()
        if isinstance(frame, QTextTable)
    ]
    assert len(tables) > 4
    base = view.view.palette().color(QPalette.ColorRole.Base)
    for table in tables:
        fmt = table.format()
        assert not fmt.borderCollapse()
        assert fmt.border() == 0
        assert fmt.cellSpacing() == 1  # the lines: the table's colour between the cells
        assert table.cellAt(table.rows() - 1, 0).format().background().color() == base
