"""Export, check and import settings files (`settings_transfer`), and the lines problems are on."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from desktop_chat.storage.settings import Endpoint, Preset, Settings
from desktop_chat.storage.settings_document import decode
from desktop_chat.storage.settings_file import load_settings
from desktop_chat.storage.settings_position import line_map, line_of, path_text
from desktop_chat.storage.settings_transfer import changes, check_file, exported, imported
from desktop_chat.storage.tool_settings import McpServer, ToolSettings, UserTool
from desktop_chat.storage.validation import SettingsFileError, SettingsVersionError

TEXT = """{
  "a": [1, {"b": "x\\"}y"},
    true],
  "c": {}, "d": -1.5e3,
  "e": {"f": [[], null]}
}"""


def test_line_map_finds_every_value_even_after_tricky_strings() -> None:
    json.loads(TEXT)
    lines = line_map(TEXT)
    assert lines[("a",)] == 2
    assert lines[("a", 1, "b")] == 2
    assert lines[("a", 2)] == 3
    assert lines[("d",)] == 4
    assert lines[("e", "f", 1)] == 5
    assert line_of(lines, ("e", "f", 1, "missing", 3)) == 5  # the nearest enclosing value
    assert line_of({}, ("x",)) is None


def test_path_text_reads_as_people_write_it() -> None:
    assert path_text(("tools", "mcp_servers", 0, "env")) == "tools.mcp_servers[0].env"
    assert path_text(("endpoints", 2)) == "endpoints[2]"
    assert path_text(()) == ""


def test_decode_says_where_each_problem_is() -> None:
    document = {
        "version": 1,
        "endpoints": [{"name": "A", "protocol": "x", "base_url": "https://a.example"}],
        "network": {"max_retries": -1, "colour": 1},
        "tools": {"mcp_servers": [{"name": "s", "command": "c", "shoe": 1}], "always_allow": 3},
        "extra": True,
    }
    _settings, problems = decode(document)
    assert sorted(problems.places) == sorted(
        [
            ("extra",),
            ("endpoints", 0),
            ("network", "max_retries"),
            ("network", "colour"),
            ("tools", "mcp_servers", 0, "shoe"),
            ("tools", "always_allow"),
        ]
    )
    assert len(problems) == len(problems.places)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_file_gives_each_problem_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{"version": 1,\n "network": {\n  "max_retries": 99}}')
    (problem,) = check_file(path).problems
    assert str(problem).startswith("in.json line 3: network.max_retries: network.max_retries must")
    assert check_file(tmp_path / "none.json").problems == ()


def test_check_file_refuses_what_loading_refuses(tmp_path: Path) -> None:
    with pytest.raises(SettingsFileError, match="line 1 column 2"):
        check_file(write(tmp_path, "{,}"))
    with pytest.raises(SettingsVersionError):
        check_file(write(tmp_path, '{"version": 2}'))


def settings_here() -> Settings:
    work = Endpoint("Work", "openai", "https://api.openai.com/v1", "gpt-4o")
    local = Endpoint("Local", "openai", "http://localhost:11434/v1")
    tools = ToolSettings(
        (UserTool("lookup"),), (McpServer("clock", command="c"),), ("user:lookup",)
    )
    settings = Settings((work, local), "Local", "llama3", tools=tools)
    return settings.with_models("Work", ["gpt-4o"]).with_option("ui.theme", "dark")


def test_an_export_has_no_state_and_loads_as_settings(tmp_path: Path) -> None:
    document = exported(settings_here())
    assert set(document) == {"version", "endpoints", "network", "ui", "tools", "presets"}
    assert all("key_origin" not in ep for ep in document["endpoints"])  # type: ignore[attr-defined]
    path = write(tmp_path, json.dumps(document))
    loaded = load_settings(path)
    assert loaded.notice is None
    assert loaded.settings.endpoints == settings_here().endpoints
    assert loaded.settings.tools == settings_here().tools


def test_merge_adds_replaces_and_keeps_this_profiles_state(tmp_path: Path) -> None:
    here = settings_here()
    moved = Endpoint("WORK", "openai", "https://elsewhere.example/v1", "o3")
    new = Endpoint("New", "anthropic", "https://api.anthropic.com")
    doc = exported(Settings((moved, new)))
    doc["network"] = {"max_retries": 9}
    doc["tools"] = {"always_allow": ["builtin:calculator"]}
    del doc["ui"]
    result = imported(here, check_file(write(tmp_path, json.dumps(doc))), "merge")
    work = result.endpoint("work")
    assert work is not None
    assert work.name == "Work"  # the spelling its key is stored under
    assert work.default_model == "o3"
    assert work.key_origin == "https://api.openai.com"  # the key stays held back
    assert [ep.name for ep in result.endpoints] == ["Work", "Local", "New"]
    assert (result.active_endpoint, result.active_model) == ("Local", "llama3")
    assert result.models_cache == {"Work": ("gpt-4o",)}
    assert result.network.max_retries == 9
    assert result.ui.theme == "dark"  # not named by the file: kept
    assert result.tools.always_allow == ("user:lookup", "builtin:calculator")
    assert result.tools.user_tools == here.tools.user_tools


def test_replace_keeps_only_state_that_still_applies(tmp_path: Path) -> None:
    here = settings_here()
    doc = exported(Settings((Endpoint("Work", "openai", "https://api.openai.com/v1"),)))
    result = imported(here, check_file(write(tmp_path, json.dumps(doc))), "replace")
    assert [ep.name for ep in result.endpoints] == ["Work"]
    assert result.active_endpoint == "Work"  # Local went, so the first endpoint is in use
    assert result.active_model is None
    assert result.models_cache == {"Work": ("gpt-4o",)}
    assert result.tools == ToolSettings()
    assert result.ui.theme == "system"


# A settings file as the previous release wrote it: the state lives in it beside the configuration.
EARLIER_FILE = """{
  "version": 1,
  "endpoints": [{"name": "OpenAI", "protocol": "openai", "base_url": "https://api.openai.com/v1",
                 "default_model": "", "extra_headers": {}, "output_limit_field": "auto",
                 "key_origin": "https://api.openai.com"}],
  "active_endpoint": "OpenAI", "active_model": "gpt-4o",
  "network": {"max_retries": 3}, "ui": {"theme": "dark"},
  "models_cache": {"OpenAI": ["gpt-4o"]},
  "tools": {"user_tools": [], "mcp_servers": [], "always_allow": ["builtin:calculator"]}
}"""


def test_a_file_the_previous_release_wrote_loads_as_it_did_and_exports_without_state(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, EARLIER_FILE)
    checked = check_file(path)
    assert checked.problems == ()
    assert checked.settings == load_settings(path).settings
    assert (checked.settings.active_endpoint, checked.settings.active_model) == ("OpenAI", "gpt-4o")
    assert checked.settings.models_cache == {"OpenAI": ("gpt-4o",)}
    document = exported(checked.settings)
    assert "models_cache" not in json.dumps(document)
    assert "key_origin" not in json.dumps(document)


def test_presets_travel_merged_by_name_or_replaced(tmp_path: Path) -> None:
    here = dataclasses.replace(
        settings_here(), presets=(Preset("Terse", "Be brief."), Preset("Mine", "Only here."))
    )
    doc = exported(Settings(presets=(Preset("terse", "Be very brief.", model="o3"),)))
    path = write(tmp_path, json.dumps(doc))
    merged = imported(here, check_file(path), "merge")
    assert [(p.name, p.system) for p in merged.presets] == [
        ("terse", "Be very brief."),
        ("Mine", "Only here."),
    ]
    assert "preset 'terse': changed" in list(changes(here, merged))
    replaced = imported(here, check_file(path), "replace")
    assert [p.name for p in replaced.presets] == ["terse"]
