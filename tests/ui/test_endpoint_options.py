"""The endpoint form's reasoning, prompt caching and price rows, in the real settings dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_chat.storage.price import ModelPrice
from desktop_chat.storage.secrets import KeyStore
from desktop_chat.storage.settings import Endpoint, Settings
from tests.support.settings_dialog import open_dialog, press


def test_anthropic_rows_are_edited_saved_and_shown_again(qtbot, loop):
    base = Settings((Endpoint("Claude", "anthropic", "https://api.anthropic.com", "claude-x"),))
    dialog, applied = open_dialog(qtbot, base, KeyStore(session_only=True))
    options = dialog.endpoints.options
    assert options.thinking_spin.isVisibleTo(dialog)
    assert options.caching_check.isVisibleTo(dialog)
    assert not options.effort_combo.isVisibleTo(dialog)  # an OpenAI-style setting
    options.thinking_spin.setValue(2048)
    qtbot.mouseClick(options.caching_check, Qt.MouseButton.LeftButton)
    options.prices_edit.setPlainText("claude-x = 3/15/0.3")
    saved = press(qtbot, dialog, applied, "Apply").endpoint("Claude")
    assert saved is not None
    assert (saved.thinking_budget, saved.prompt_caching) == (2048, True)
    assert saved.prices == {"claude-x": ModelPrice(3, 15, 0.3)}

    again, _ = open_dialog(qtbot, applied[-1], KeyStore(session_only=True))
    shown = again.endpoints.options
    assert shown.thinking_spin.value() == 2048
    assert shown.caching_check.isChecked()
    assert shown.prices_edit.toPlainText() == "claude-x = 3/15/0.3"


def test_openai_effort_is_saved_and_a_bad_price_line_is_named(qtbot, loop):
    base = Settings((Endpoint("GPT", "openai", "https://api.openai.com/v1", "o4"),))
    dialog, applied = open_dialog(qtbot, base, KeyStore(session_only=True))
    options = dialog.endpoints.options
    assert options.effort_combo.isVisibleTo(dialog)
    assert not options.thinking_spin.isVisibleTo(dialog)
    combo = options.effort_combo
    combo.setCurrentIndex(combo.findData("medium"))
    combo.activated.emit(combo.currentIndex())
    options.prices_edit.setPlainText("o4 = 1.1/4.4\no4-mini = cheap")
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "price line 2" in dialog.message.text(), timeout=5000)
    assert applied == []
    options.prices_edit.setPlainText("o4 = 1.1/4.4")
    saved = press(qtbot, dialog, applied).endpoint("GPT")
    assert saved is not None
    assert saved.reasoning_effort == "medium"
    assert saved.prices == {"o4": ModelPrice(1.1, 4.4)}


def test_a_duplicated_endpoint_keeps_every_option_under_a_name_of_its_own(qtbot, loop):
    claude = Endpoint(
        "Claude", "anthropic", "https://api.anthropic.com", "claude-x",
        thinking_budget=2048, prompt_caching=True, prices={"claude-x": ModelPrice(3, 15, 0.3)},
    )  # fmt: skip
    dialog, applied = open_dialog(qtbot, Settings((claude,)), KeyStore(session_only=True))
    dialog.endpoints.duplicate_endpoint()
    copy = dialog.endpoints.current()
    assert copy is not None
    assert (copy.original, copy.name, copy.copy_key_from) == (None, "Claude copy", "Claude")
    saved = press(qtbot, dialog, applied, "Apply").endpoint("Claude copy")
    assert saved is not None
    assert (saved.protocol, saved.default_model) == ("anthropic", "claude-x")
    assert (saved.thinking_budget, saved.prompt_caching) == (2048, True)
    assert saved.prices == claude.prices
