"""The open window follows settings that `desktop-chat` commands write to the same file."""

from __future__ import annotations

from desktop_chat.storage.settings_file import load_settings
from tests.support.cli import cli


def endpoints_listed(window) -> list[str]:
    combo = window.top_bar.endpoint_combo
    return [combo.itemText(i) for i in range(combo.count())]


def test_an_endpoint_added_from_the_cli_appears_in_the_open_window(qtbot, open_window):
    window = open_window()
    assert window.settings.endpoints == ()
    cli("endpoint", "add", "Ollama here", "--preset", "Ollama")
    qtbot.waitUntil(lambda: "Ollama here" in endpoints_listed(window), timeout=10_000)
    assert window.settings.endpoint("Ollama here") is not None
    assert window.banners.banner("first-run") is None  # no longer on the demo alone
    assert "outside the window" in window.status.currentMessage()


def test_the_windows_own_saves_are_not_taken_for_outside_changes(qtbot, open_window):
    window = open_window()
    messages: list[str] = []
    window.status.messageChanged.connect(messages.append)
    noticed: list[bool] = []
    watcher = window.settings_keeper.watcher
    assert watcher is not None
    watcher.changed.connect(lambda: noticed.append(True))
    window.update_settings(window.settings.with_option("ui.send_with_ctrl_enter", True))
    qtbot.waitUntil(lambda: load_settings().settings.ui.send_with_ctrl_enter, timeout=10_000)
    qtbot.wait(600)  # past the watcher's settling time
    assert not any("outside the window" in message for message in messages)
    assert noticed == []  # not even reread: the watcher knows the write was this window's
    assert window.settings.ui.send_with_ctrl_enter


def test_a_save_from_the_window_keeps_what_the_cli_wrote_just_before(qtbot, open_window):
    window = open_window()
    # The command's write lands while the window has not looked at the file again yet (no
    # event is processed in between), and the window then saves a change of its own.
    cli("endpoint", "add", "From the terminal", "--preset", "Ollama")
    window.update_settings(window.settings.with_option("ui.send_with_ctrl_enter", True))
    qtbot.waitUntil(lambda: not window.settings_keeper.saving, timeout=10_000)
    on_disk = load_settings().settings
    assert on_disk.endpoint("From the terminal") is not None
    assert on_disk.ui.send_with_ctrl_enter
    assert window.settings == on_disk
    qtbot.waitUntil(lambda: "From the terminal" in endpoints_listed(window), timeout=10_000)
