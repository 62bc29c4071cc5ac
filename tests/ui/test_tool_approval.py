"""The approval panel on its own: cards, decisions as futures, focus, editing, answers, files."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from desktop_chat.tools.events import AlwaysAllow, Deny, Edit, Run
from desktop_chat.ui.tools.approval import ApprovalPanel
from tests.support.gui import click
from tests.support.tool_calls import pending


@pytest.fixture
def panel(qtbot) -> Iterator[ApprovalPanel]:
    host = QWidget()  # held here: qtbot keeps only a weak reference
    qtbot.addWidget(host)
    made = ApprovalPanel(host)
    host.resize(900, 500)
    host.show()
    host.activateWindow()
    qtbot.waitExposed(host)
    yield made
    host.close()


def start(loop, coro):
    return loop.create_task(coro)


@pytest.mark.parametrize(
    ("button", "expected"),
    [
        ("run_button", Run()),
        ("deny_button", Deny()),
        ("always_button", AlwaysAllow()),
    ],
)
def test_each_button_resolves_the_decision(qtbot, loop, panel, button, expected):
    task = start(loop, panel.approve(pending("calculator", '{"expression": "1+1"}')))
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    assert panel.isVisible()
    card = panel.cards()[0]
    assert QApplication.focusWidget() is card.run_button  # focus moves to the first card
    click(qtbot, getattr(card, button))
    qtbot.waitUntil(task.done)
    assert task.result() == expected
    assert panel.cards() == []  # decided: a card returns only for a call still running
    assert not panel.isVisible()


def test_cards_have_accessible_names_and_keyboard_mnemonics(qtbot, loop, panel):
    start(loop, panel.approve(pending("calculator", '{"expression": "1+1"}')))
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    card = panel.cards()[0]
    names = [
        card.accessibleName(),
        card.run_button.accessibleName(),
        card.edit_button.accessibleName(),
        card.deny_button.accessibleName(),
        card.always_button.accessibleName(),
        card.arguments.accessibleName(),
    ]
    assert names == [
        "Tool call calculator",
        "Run calculator",
        "Edit the arguments of calculator",
        "Deny calculator",
        "Always allow calculator without asking",
        "Arguments of calculator",
    ]
    for button in (card.run_button, card.edit_button, card.deny_button, card.always_button):
        assert "&" in button.text()
    assert panel.accessibleName() == "Tool calls waiting for you"
    assert 'with arguments {"expression": "1+1"}' in card.accessibleDescription()


def test_a_second_card_keeps_the_focus_on_the_first(qtbot, loop, panel):
    start(loop, panel.approve(pending("calculator", '{"expression": "1"}', "a")))
    start(loop, panel.approve(pending("current_time", "{}", "b")))
    qtbot.waitUntil(lambda: len(panel.cards()) == 2)
    first, second = panel.cards()
    assert QApplication.focusWidget() is first.run_button
    click(qtbot, first.deny_button)
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    assert QApplication.focusWidget() is second.run_button


def test_edit_checks_json_and_schema_before_running(qtbot, loop, panel):
    task = start(loop, panel.approve(pending("calculator", '{"expression": "1+1"}')))
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    card = panel.cards()[0]
    click(qtbot, card.edit_button)
    assert card.edit_box.isVisible()
    assert not card.arguments.isVisible()
    assert json.loads(card.editor.toPlainText()) == {"expression": "1+1"}
    card.editor.setPlainText("[1, 2]")
    assert not card.run_edited.isEnabled()
    assert "must be a JSON object, not list" in card.edit_status.text()
    card.editor.setPlainText('{"expression": "9", "extra": 1}')
    assert not card.run_edited.isEnabled()
    assert "Additional properties are not allowed" in card.edit_status.text()
    card.editor.setPlainText('{"expression": "9*9"}')
    click(qtbot, card.run_edited)
    qtbot.waitUntil(task.done)
    assert task.result() == Edit('{"expression": "9*9"}')


def test_invalid_arguments_show_the_problem(qtbot, loop, panel):
    start(loop, panel.approve(pending("calculator", '{"expr": 1}')))
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    card = panel.cards()[0]
    assert card.problem.isVisible()
    assert "'expression' is a required property" in card.problem.text()
    assert card.run_button.text() == "&Report the problem"
    assert not card.always_button.isEnabled()


def test_a_user_tool_result_is_typed_on_the_card(qtbot, loop, panel):
    call = pending("lookup", "{}")
    approve = start(loop, panel.approve(call))
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    card = panel.cards()[0]
    assert card.result_edit.isVisible()
    assert card.result_edit.hasFocus()
    assert card.run_button.text() == "&Send result"
    qtbot.keyClicks(card.result_edit, "typed by hand")
    click(qtbot, card.run_button)
    qtbot.waitUntil(approve.done)
    assert approve.result() == Run()
    answer = start(loop, panel.answer(call))
    qtbot.waitUntil(answer.done)
    assert answer.result() == "typed by hand"


def test_an_always_allowed_user_tool_asks_only_for_the_result(qtbot, loop, panel):
    answer = start(loop, panel.answer(pending("lookup", "{}")))
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    card = panel.cards()[0]
    assert not card.deny_button.isVisible()
    click(qtbot, card.skip_button)
    qtbot.waitUntil(answer.done)
    assert answer.result() is None
    assert panel.cards() == []


def test_running_calls_show_elapsed_time_and_cancel(qtbot, loop, panel):
    call = pending("calculator", '{"expression": "1"}', "run1")
    panel.call_started(call)
    card = panel.card("run1")
    assert card is not None
    assert card.cancel_button.isVisible()
    qtbot.waitUntil(lambda: card.state_label.text().startswith("Running… 0."), timeout=2000)
    with qtbot.waitSignal(panel.cancel_requested) as signal:
        click(qtbot, card.cancel_button)
    assert signal.args == ["run1"]
    panel.call_finished("run1")
    assert panel.cards() == []


def test_cancelling_the_wait_removes_the_card(qtbot, loop, panel):
    task = start(loop, panel.approve(pending("calculator", '{"expression": "1"}')))
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    task.cancel()
    qtbot.waitUntil(task.done)
    assert task.cancelled()
    assert panel.cards() == []
    assert not panel.isVisible()


def test_read_file_card_picks_a_file(qtbot, loop, panel, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    asked = json.dumps({"path": str(tmp_path / "other.txt")})
    task = start(loop, panel.approve(pending("read_text_file", asked)))
    qtbot.waitUntil(lambda: len(panel.cards()) == 1)
    card = panel.cards()[0]
    assert card.file_button.isVisible()
    click(qtbot, card.file_button)
    dialog = card.file_dialog
    assert isinstance(dialog, QFileDialog)
    qtbot.waitUntil(dialog.isVisible)  # open(), not exec(): the loop keeps running
    assert not task.done()
    dialog.reject()
    with qtbot.waitSignal(panel.file_picked) as picked:
        card.use_file(str(notes))
    assert picked.args == [str(notes)]
    qtbot.waitUntil(task.done)
    assert task.result() == Edit(json.dumps({"path": str(notes)}))


def test_no_card_is_left_after_clear(qtbot, loop, panel):
    tasks = [start(loop, panel.approve(pending("calculator", "{}", f"id{n}"))) for n in range(3)]
    qtbot.waitUntil(lambda: len(panel.cards()) == 3)
    for task in tasks:
        task.cancel()
    qtbot.waitUntil(lambda: all(task.done() for task in tasks))
    panel.clear()
    assert panel.cards() == []
    assert asyncio.isfuture(tasks[0])
