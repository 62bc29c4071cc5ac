"""The window on a settings file it cannot read: it says where, saves nothing, and lets the
person keep the file aside; and on endpoints with none active, it does not quietly use the demo.

Set DESKTOP_CHAT_SCREENSHOTS=DIR to keep pictures of the dialog (run under xvfb-run to see it as
a person would).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from desktop_chat import paths
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import load_settings, save_settings
from desktop_chat.ui.chat.top_bar import DEMO_LABEL
from desktop_chat.ui.settings.broken import BANNER, BrokenSettingsDialog
from tests.support.cli import cli

BROKEN = '{"version": 1,\n "endpoints": [}\n'
SUMMARY = "settings.json line 2 column 16: Expecting value"


def write_settings(text: str) -> Path:
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def dialog_of(window: QWidget) -> BrokenSettingsDialog | None:
    found = window.findChildren(BrokenSettingsDialog)
    visible = [dialog for dialog in found if dialog.isVisible()]
    return visible[-1] if visible else None


def screenshot(name: str, *widgets: QWidget) -> None:
    folder = os.environ.get("DESKTOP_CHAT_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for index, widget in enumerate(widgets):
        assert widget.grab().save(str(Path(folder) / f"{name}-{index}.png"))
    screen = QGuiApplication.primaryScreen()
    if screen is not None and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        assert screen.grabWindow(0).save(str(Path(folder) / f"{name}-screen.png"))


def test_an_unreadable_file_opens_the_window_says_where_and_is_kept_aside_on_request(
    qtbot, open_window
):
    path = write_settings(BROKEN)
    window = open_window()
    dialog = dialog_of(window)
    assert dialog is not None
    assert dialog.text() == SUMMARY
    assert str(path) in dialog.informativeText()
    banner = window.banners.banner(BANNER)
    assert banner is not None
    assert SUMMARY in banner.label.text()
    assert window.read_only
    qtbot.wait(50)  # let the dialog paint before the picture
    screenshot("broken-settings", dialog, window)

    window.update_settings(window.settings.with_option("ui.theme", "dark"))
    qtbot.wait(100)
    assert path.read_text(encoding="utf-8") == BROKEN  # nothing saved over it

    qtbot.mouseClick(dialog.keep_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.banners.banner(BANNER) is None, timeout=10_000)
    (aside,) = path.parent.glob("settings.json.broken-*")
    assert aside.read_text(encoding="utf-8") == BROKEN  # renamed, word for word
    notice = window.banners.banner("settings")
    assert notice is not None
    assert str(aside) in notice.label.text()
    assert not window.read_only
    # What was changed meanwhile is saved now, and from here on changes are saved.
    qtbot.waitUntil(lambda: path.exists() and load_settings().settings.ui.theme == "dark")
    window.update_settings(window.settings.with_option("ui.send_with_ctrl_enter", True))
    qtbot.waitUntil(lambda: load_settings().settings.ui.send_with_ctrl_enter, timeout=10_000)


def test_leaving_the_file_as_it_is_keeps_the_offer_in_the_banner(qtbot, open_window):
    path = write_settings(BROKEN)
    window = open_window()
    dialog = dialog_of(window)
    assert dialog is not None
    qtbot.mouseClick(dialog.leave_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog_of(window) is None, timeout=5_000)
    assert path.read_text(encoding="utf-8") == BROKEN
    assert sorted(p.name for p in path.parent.glob("settings.json*")) == ["settings.json"]
    banner = window.banners.banner(BANNER)
    assert banner is not None
    assert banner.action_button is not None
    qtbot.mouseClick(banner.action_button, Qt.LeftButton)
    again = dialog_of(window)
    assert again is not None
    qtbot.mouseClick(again.leave_button, Qt.LeftButton)
    assert path.read_text(encoding="utf-8") == BROKEN


def test_a_file_fixed_before_the_choice_is_taken_up_not_moved(qtbot, open_window):
    path = write_settings(BROKEN)
    window = open_window()
    dialog = dialog_of(window)
    assert dialog is not None
    fixed = Settings((Endpoint("Fixed", "openai", "http://127.0.0.1:9/v1", "m"),), "Fixed")
    save_settings(fixed)  # the person fixed it in an editor meanwhile
    qtbot.mouseClick(dialog.keep_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.settings.endpoint("Fixed") is not None, timeout=10_000)
    assert not list(path.parent.glob("settings.json.broken-*"))
    assert window.banners.banner(BANNER) is None
    assert not window.read_only


def test_a_file_broken_from_outside_is_left_alone_until_the_person_chooses(qtbot, open_window):
    window = open_window()
    cli("endpoint", "add", "Kept", "--preset", "Ollama")
    qtbot.waitUntil(lambda: window.settings.endpoint("Kept") is not None, timeout=10_000)
    path = write_settings("{ not json")
    qtbot.waitUntil(lambda: dialog_of(window) is not None, timeout=10_000)
    dialog = dialog_of(window)
    assert dialog is not None
    assert dialog.text().startswith("settings.json line 1 column 3:")
    assert path.read_text(encoding="utf-8") == "{ not json"
    assert window.settings.endpoint("Kept") is not None  # the settings in use stay
    qtbot.wait(50)
    screenshot("broken-from-outside", dialog, window)
    qtbot.mouseClick(dialog.keep_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: path.exists() and path.read_text() != "{ not json", timeout=10_000)
    qtbot.waitUntil(lambda: load_settings().settings.endpoint("Kept") is not None, timeout=10_000)
    (aside,) = path.parent.glob("settings.json.broken-*")
    assert aside.read_text(encoding="utf-8") == "{ not json"


def test_a_file_broken_then_fixed_from_outside_needs_no_choice(qtbot, open_window):
    window = open_window()
    cli("endpoint", "add", "First", "--preset", "Ollama")
    qtbot.waitUntil(lambda: window.settings.endpoint("First") is not None, timeout=10_000)
    good = paths.settings_path().read_text(encoding="utf-8")
    path = write_settings("{ not json")
    qtbot.waitUntil(lambda: dialog_of(window) is not None, timeout=10_000)
    path.write_text(good.replace('"First"', '"Second"'), encoding="utf-8")  # fixed in an editor
    qtbot.waitUntil(lambda: dialog_of(window) is None, timeout=10_000)
    qtbot.waitUntil(lambda: window.settings.endpoint("Second") is not None, timeout=10_000)
    assert window.banners.banner(BANNER) is None
    assert not list(path.parent.glob("settings.json.broken-*"))


def test_entries_left_out_by_a_save_are_kept_in_a_copy_the_window_names(qtbot, open_window):
    good = {"name": "Good", "protocol": "openai", "base_url": "http://127.0.0.1:9/v1"}
    bad = {"name": "Bad", "protocol": "gemini", "base_url": "http://127.0.0.1:9"}
    text = json.dumps({"version": 1, "endpoints": [good, bad], "active_endpoint": "Good"})
    path = write_settings(text)
    window = open_window()
    window.update_settings(window.settings.with_option("ui.theme", "dark"))
    qtbot.waitUntil(lambda: bool(list(path.parent.glob("settings.json.kept-*"))), timeout=10_000)
    (copy,) = path.parent.glob("settings.json.kept-*")
    assert copy.read_text(encoding="utf-8") == text

    def named() -> bool:
        banner = window.banners.banner("settings")
        return banner is not None and str(copy) in banner.label.text()

    qtbot.waitUntil(named, timeout=10_000)


def test_with_endpoints_but_none_active_the_window_does_not_pick_the_demo(qtbot, open_window):
    alpha = Endpoint("Alpha", "openai", "http://127.0.0.1:9/v1", "m")
    beta = Endpoint("Beta", "openai", "http://127.0.0.1:9/v1", "m")
    window = open_window(Settings((alpha, beta)))
    assert window.settings.active_endpoint is None
    assert window.target.current_endpoint() == alpha
    combo = window.top_bar.endpoint_combo
    # The demo stays a try away, listed last, but is not chosen over a saved endpoint.
    assert [combo.itemText(i) for i in range(combo.count())] == ["Alpha", "Beta", DEMO_LABEL]
    assert combo.currentText() == "Alpha"
