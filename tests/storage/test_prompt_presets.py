"""The "presets" section of the settings: saved system prompts with their model and options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_chat.storage.settings import Preset, Settings
from desktop_chat.storage.settings_file import load_settings, save_settings
from desktop_chat.storage.settings_update import save_merged
from desktop_chat.storage.validation import SettingsError

TERSE = Preset("terse", "Answer in one line.", "m-small", 0.2, 200)


def test_a_file_from_before_presets_loads_with_none(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "endpoints": [], "network": {}, "ui": {}}))
    loaded = load_settings(path)
    assert loaded.notice is None
    assert loaded.settings.presets == ()


def test_presets_are_saved_and_read_back(tmp_path: Path) -> None:
    settings = Settings().with_preset(TERSE).with_preset(Preset("plain", "Be plain."))
    path = save_settings(settings, tmp_path / "settings.json")
    again = load_settings(path)
    assert again.notice is None
    assert again.settings.presets == (TERSE, Preset("plain", "Be plain."))
    assert again.settings.preset("TERSE") == TERSE


def test_a_preset_of_the_same_name_is_replaced_and_one_can_be_removed() -> None:
    settings = Settings().with_preset(TERSE).with_preset(Preset("Terse", "Shorter."))
    assert settings.presets == (Preset("Terse", "Shorter."),)
    assert settings.without_preset("terse").presets == ()
    with pytest.raises(SettingsError, match="no preset named 'x'"):
        settings.without_preset("x")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": " ", "system": "s"}, "a preset needs a name"),
        ({"name": "t", "system": "s", "temperature": 3}, "between 0 and 2"),
        ({"name": "t", "system": "s", "max_tokens": 0}, "whole number"),
        ({"name": "t", "system": 5}, "must be text"),
    ],
)
def test_an_unusable_preset_is_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Preset(**fields)  # type: ignore[arg-type]


def test_an_unusable_preset_in_the_file_is_left_out_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    presets = [
        {"name": "ok", "system": "fine"},
        {"name": "hot", "system": "s", "temperature": 9},
        {"name": "OK", "system": "again"},
        "text",
    ]
    path.write_text(json.dumps({"version": 1, "presets": presets}))
    loaded = load_settings(path)
    assert loaded.settings.presets == (Preset("ok", "fine"),)
    assert loaded.notice is not None
    assert "presets #2: dropped: preset 'hot': the temperature must be between 0 and 2" in (
        loaded.notice
    )
    assert "presets #3: a second preset named 'OK' was dropped" in loaded.notice
    assert "presets #4: not an object; dropped" in loaded.notice


def test_presets_added_by_two_processes_are_both_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    base = Settings()
    save_settings(base, path)
    save_merged(base, base.with_preset(TERSE), path)  # another process
    save_merged(base, base.with_preset(Preset("plain", "Be plain.")), path)
    assert [p.name for p in load_settings(path).settings.presets] == ["terse", "plain"]
