"""Editing a tool call's arguments on its card: the edit's own buttons stay in view, and the
card's decisions wait until the edit is run or given up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QVBoxLayout, QWidget

from desktop_chat.ui.tools.approval import ApprovalPanel
from tests.support.gui import click
from tests.support.keyboard import nameless, tab_chain
from tests.support.tool_calls import pending


@pytest.fixture
def panel(qtbot) -> Iterator[ApprovalPanel]:
    # As in the window: the transcript takes what is left, the panel sits above the composer.
    host = QWidget()
    qtbot.addWidget(host)
    column = QVBoxLayout(host)
    column.addWidget(QPlainTextEdit(host), 1)
    made = ApprovalPanel(host)
    column.addWidget(made)
    column.addWidget(QPlainTextEdit(host))
    host.resize(780, 560)  # within the offscreen screen (800×600), where clicks land
    host.show()
    host.activateWindow()
    qtbot.waitExposed(host)
    yield made
    host.close()


def in_view(panel: ApprovalPanel, widget: QWidget) -> bool:
    """Whether all of `widget` shows inside the panel's viewport, on top where a click lands."""
    viewport = panel.viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    inside = viewport.rect().contains(QRect(top_left, widget.size()))
    return inside and QApplication.widgetAt(widget.mapToGlobal(widget.rect().center())) is widget


def test_the_edit_buttons_stay_in_view_and_the_decisions_wait(qtbot, loop, panel):
    long = "{" + ", ".join(f'"k{n}": {n}' for n in range(40)) + "}"
    for n, name in enumerate(("lookup", "calculator", "current_time")):
        loop.create_task(panel.approve(pending(name, long if n == 0 else "{}", f"c{n}")))
    qtbot.waitUntil(lambda: len(panel.cards()) == 3)
    card = panel.cards()[0]
    qtbot.waitUntil(card.edit_button.isVisible)
    click(qtbot, card.edit_button)
    qtbot.waitUntil(lambda: in_view(panel, card.run_edited) and in_view(panel, card.cancel_edit))
    assert card.editor.height() <= 12 * card.editor.fontMetrics().lineSpacing()
    for button in (card.run_button, card.deny_button, card.always_button, card.edit_button):
        assert not button.isEnabled(), button.text()
    click(qtbot, card.cancel_edit)
    for button in (card.run_button, card.deny_button, card.edit_button):
        assert button.isEnabled(), button.text()
    assert card.edit_button.hasFocus()


def test_tab_reads_a_card_top_to_bottom_and_left_to_right(qtbot, loop, panel):
    loop.create_task(panel.approve(pending("read_text_file", '{"path": "/tmp/x"}')))
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    card = panel.cards()[0]
    qtbot.waitUntil(card.edit_button.isVisible)
    for editing in (False, True):
        if editing:
            click(qtbot, card.edit_button)
            qtbot.waitUntil(lambda: in_view(panel, card.run_edited))
        chain = tab_chain(card)
        spots = [(w.mapTo(card, QPoint(0, 0)).y(), w.mapTo(card, QPoint(0, 0)).x()) for w in chain]
        assert spots == sorted(spots), [w.accessibleName() for w in chain]
        assert nameless(card) == []
