"""The Settings dialog and its editors by keyboard, for screen readers, and in Chinese.

Each test walks the real dialog page by page (each page with the dialog's tabs and buttons, as a
person meets them), in English and in Chinese: no Alt+letter taken twice, no control that Tab
reaches without an accessible name, and in Chinese no English left.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QWidget

from desktop_chat.ui.language import apply_language
from desktop_chat.ui.settings.dialog import SettingsDialog
from tests.support.keyboard import duplicate_mnemonics, nameless, tab_chain
from tests.support.settings_dialog import open_dialog
from tests.support.settings_sample import KEPT, SETTINGS
from tests.support.visible_text import untranslated


@pytest.fixture(params=["en", "zh_CN"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    apply_language(request.param)
    yield request.param
    apply_language("en")


def opened(qtbot) -> SettingsDialog:
    """The dialog on SETTINGS, once it knows where the shown endpoint's key is."""
    dialog, _applied = open_dialog(qtbot, SETTINGS)
    task = dialog.endpoints._status_task
    qtbot.waitUntil(lambda: task is None or task.done())
    return dialog


def check(qtbot, root: QWidget, language: str) -> None:
    qtbot.wait(10)  # let a language change reach every widget
    assert duplicate_mnemonics(root) == {}
    assert nameless(root) == []
    if language == "zh_CN":
        left = untranslated(root, KEPT)
        assert left == [], "\n".join(left)


def test_each_settings_page(qtbot, loop, language):
    dialog = opened(qtbot)
    for page in (dialog.endpoints, dialog.network, dialog.appearance, dialog.tools):
        dialog.tabs.setCurrentWidget(page)
        check(qtbot, dialog, language)
    dialog.tabs.setCurrentWidget(dialog.endpoints)
    dialog.endpoints.select("Claude")  # the Anthropic rows: thinking budget, caching
    task = dialog.endpoints._status_task
    qtbot.waitUntil(lambda: task is None or task.done())
    check(qtbot, dialog, language)


@pytest.mark.parametrize("row", [0, 1])
def test_the_mcp_server_editor(qtbot, loop, language, row):
    dialog = opened(qtbot)
    dialog.tabs.setCurrentWidget(dialog.tools)
    editor = dialog.tools.open_server_editor(row)
    qtbot.waitUntil(editor.isVisible)
    check(qtbot, editor, language)
    editor.reject()


def test_the_user_tool_editor(qtbot, loop, language):
    dialog = opened(qtbot)
    dialog.tabs.setCurrentWidget(dialog.tools)
    editor = dialog.tools.open_tool_editor(0)
    qtbot.waitUntil(editor.isVisible)
    check(qtbot, editor, language)
    editor.reject()


def test_tab_goes_down_each_form_in_reading_order(qtbot, loop):
    dialog = opened(qtbot)
    pages = ((dialog.endpoints, dialog.endpoints.form_widget), (dialog.network, dialog.network),
             (dialog.appearance, dialog.appearance))  # fmt: skip
    for page, form in pages:
        dialog.tabs.setCurrentWidget(page)
        qtbot.wait(10)
        inside = [w for w in tab_chain(dialog) if form.isAncestorOf(w)]
        assert len(inside) >= 3
        middles = [w.mapTo(dialog, w.rect().center()).y() for w in inside]
        assert _reading_order(middles), [f"{type(w).__name__} {w.accessibleName()}" for w in inside]


@pytest.mark.parametrize("row", [0, 1])
def test_tab_goes_down_the_server_editor_in_reading_order(qtbot, loop, row):
    dialog = opened(qtbot)
    dialog.tabs.setCurrentWidget(dialog.tools)
    editor = dialog.tools.open_server_editor(row)
    qtbot.waitUntil(editor.isVisible)
    editor.secret_rows.add_row("X-Team")
    chain = tab_chain(editor)
    middles = [w.mapTo(editor, w.rect().center()).y() for w in chain]
    assert _reading_order(middles), [f"{type(w).__name__} {w.accessibleName()}" for w in chain]
    editor.reject()


def _reading_order(middles: list[int]) -> bool:
    """Top to bottom: each control's middle is not above the one before it, give or take the few
    pixels by which a button and a field of the same row differ (styles pad buttons)."""
    return all(later >= earlier - 6 for earlier, later in itertools.pairwise(middles))
