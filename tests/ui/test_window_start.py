"""What the window reads before its frame shows: the settings, left as they are when unreadable."""

from __future__ import annotations

from pathlib import Path

from desktop_chat import paths
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import save_settings
from desktop_chat.storage.validation import SettingsFileError
from desktop_chat.ui.window_start import read_start_settings


def write(text: str) -> Path:
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_readable_file_is_used_and_remembered_as_what_is_on_disk() -> None:
    saved = Settings((Endpoint("Local", "openai", "http://127.0.0.1:1/v1", "m"),), "Local")
    save_settings(saved)
    start = read_start_settings()
    assert start.settings == saved
    assert start.on_disk == saved
    assert (start.notice, start.read_only, start.unreadable) == (None, None, None)


def test_no_file_starts_with_the_defaults_and_saves_them() -> None:
    start = read_start_settings()
    assert start.settings == Settings()
    assert start.read_only is None


def test_an_unreadable_file_is_left_as_it_is_and_the_window_saves_nothing() -> None:
    broken = '{"version": 1,\n "endpoints": [}\n'
    path = write(broken)
    start = read_start_settings()
    assert start.settings == Settings()
    assert start.on_disk is None
    assert isinstance(start.unreadable, SettingsFileError)
    assert start.read_only is not None
    assert start.read_only.endswith("Settings changes are not saved in this session.")
    assert path.read_text(encoding="utf-8") == broken


def test_a_newer_version_s_file_is_left_as_it_is_and_offered_no_fresh_start() -> None:
    newer = '{"version": 99}\n'
    path = write(newer)
    start = read_start_settings()
    assert start.read_only is not None
    assert start.unreadable is None  # readable, only newer: nothing to keep aside
    assert path.read_text(encoding="utf-8") == newer
