"""Parallel calls in the window: every card of a step at once, one Always allow for a tool."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication

from desktop_chat.ui.language import apply_language
from tests.support.gui import click
from tests.support.keyboard import duplicate_mnemonics, mnemonic
from tests.support.visible_text import untranslated
from tests.support.window import opened, outcomes, send, settings_for, wait_card, wait_outcome
from tests.support.wire import BOTH, OPENAI


@BOTH
def test_every_call_of_a_step_gets_its_card_at_once(qtbot, open_window, sse_server, wire):
    sse_server.script(
        wire.calls(
            ("c1", "calculator", ['{"expression": "1+1"}']),
            ("c2", "calculator", ['{"expression": "2+2"}']),
            ("t1", "current_time", ['{"timezone": "UTC"}']),
        ),
        wire.text("Two, four, and no time."),
    )
    window = opened(
        open_window,
        settings_for(wire, sse_server),
        "builtin:calculator",
        "builtin:current_time",
    )
    seen = outcomes(window)
    send(qtbot, window, "1+1, 2+2 and the time?")
    wait_card(qtbot, window, count=3)
    first, second, third = window.tools.panel.cards()
    assert [card.call_id for card in (first, second, third)] == ["c1", "c2", "t1"]
    assert "waiting for its turn" not in window.transcript_text()
    qtbot.waitUntil(third.deny_button.isVisible)  # Qt shows a card added to the panel a beat later
    click(qtbot, third.deny_button)
    click(qtbot, first.always_button)  # answers c2 too: the same tool, allowed from now on
    assert wait_outcome(qtbot, seen, window=window) == "finished"
    assert window.settings.tools.always_allow == ("builtin:calculator",)
    results = wire.results(sse_server.requests[1])
    assert [(call_id, content) for call_id, content, _error in results] == [
        ("c1", "2"),
        ("c2", "4"),
        ("t1", "Not run: the user denied this call."),
    ]
    assert window.tools.panel.cards() == []


@BOTH
def test_cards_take_no_letter_twice_in_the_window_and_speak_chinese(
    qtbot, open_window, sse_server, wire
):
    sse_server.script(
        wire.calls(
            ("c1", "calculator", ['{"expression": "1+1"}']),
            ("c2", "current_time", ['{"timezone": "UTC"}']),
        ),
        wire.text("Done."),
    )
    window = opened(
        open_window, settings_for(wire, sse_server), "builtin:calculator", "builtin:current_time"
    )
    seen = outcomes(window)
    send(qtbot, window, "1+1 and the time?")
    wait_card(qtbot, window, count=2)
    first, second = window.tools.panel.cards()
    qtbot.waitUntil(second.edit_button.isVisible)
    assert duplicate_mnemonics(window) == {}
    assert mnemonic(first.edit_button.text()) == "i"  # Alt+E is the Endpoint box's
    assert mnemonic(second.edit_button.text()) is None  # one card carries the letters
    second.deny_button.setFocus()
    qtbot.waitUntil(lambda: mnemonic(second.edit_button.text()) == "i")
    assert mnemonic(first.edit_button.text()) is None
    assert duplicate_mnemonics(window) == {}
    try:
        apply_language("zh_CN")
        qtbot.waitUntil(lambda: second.deny_button.text() == "拒绝(&D)", timeout=2000)
        names = ("calculator", "current_time", "expression", "timezone", "UTC")  # the model's
        assert untranslated(window.tools.panel, names) == []
        assert first.deny_button.text() == "拒绝"
        assert duplicate_mnemonics(window) == {}
    finally:
        apply_language("en")
    qtbot.waitUntil(lambda: second.deny_button.text() == "&Deny", timeout=2000)
    # Through the window system, as a person's key press comes: that is where shortcuts live.
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(second.editing, timeout=2000)  # a mnemonic clicks as an animation does
    assert not first.editing()
    click(qtbot, second.cancel_edit)
    click(qtbot, second.deny_button)
    click(qtbot, first.run_button)
    assert wait_outcome(qtbot, seen, window=window) == "finished"


def test_a_card_keeps_its_buttons_in_view_however_wide_the_inspector_is_dragged(
    qtbot, open_window, sse_server
):
    """The middle stops narrowing where a card's buttons would be cut (it scrolled them away)."""
    sse_server.script(
        OPENAI.calls(("c1", "calculator", ['{"expression": "1+1"}'])), OPENAI.text("Two.")
    )
    window = opened(open_window, settings_for(OPENAI, sse_server), "builtin:calculator")
    window.resize(1366, 768)
    window.inspector.open_dock()
    send(qtbot, window, "1+1?")
    card = wait_card(qtbot, window)
    qtbot.waitUntil(card.always_button.isVisible)
    window.resizeDocks([window.inspector.dock], [2000], Qt.Orientation.Horizontal)  # a drag
    qtbot.waitUntil(lambda: window.inspector.dock.width() > 500, timeout=2000)
    QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    panel = window.tools.panel
    view = panel.viewport().rect()
    for button in (card.run_button, card.edit_button, card.deny_button, card.always_button):
        seen = QRect(button.mapTo(panel.viewport(), QPoint(0, 0)), button.size())
        assert view.contains(seen), (button.text(), seen, view)
