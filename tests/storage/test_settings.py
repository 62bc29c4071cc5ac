"""Settings: declarations, validation, the versioned file, corruption handling, no secrets."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from desktop_chat import paths
from desktop_chat.storage import settings_document, settings_file, validation
from desktop_chat.storage.price import ModelPrice
from desktop_chat.storage.settings import (
    OPTIONS,
    PRESETS,
    Endpoint,
    Network,
    Settings,
    Ui,
    find_option,
)
from desktop_chat.storage.settings_file import LoadResult, load_settings, save_settings
from desktop_chat.storage.tool_settings import McpServer, ToolSettings, UserTool
from desktop_chat.storage.validation import SecretValueError, SettingsError, SettingsVersionError

SECRET = "sk-test-NEVER-IN-A-FILE-0123456789"
NOW = datetime(2024, 5, 6, 7, 8, 9)


def write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def full_settings() -> Settings:
    """Settings with every field away from its default."""
    ep = Endpoint(
        "Work", "anthropic", "https://llm.example/v1/", "claude", {"X-Team": "blue"},
        thinking_budget=2048, prompt_caching=True,
        prices={"claude": ModelPrice(3, 15, 0.3), "claude-x": ModelPrice(1, 5)},
    )  # fmt: skip
    local = Endpoint(
        "Local", "openai", "http://127.0.0.1:11434/v1", output_limit_field="max_completion_tokens",
        reasoning_effort="high",
    )  # fmt: skip
    settings = (
        Settings((ep, local)).with_active("work", "claude-x").with_models("Local", ["a", "b"])
    )
    values = {
        "network.max_retries": 5,
        "network.backoff_base": 1.5,
        "network.backoff_max": 30,
        "network.connect_timeout": 3,
        "network.read_timeout": 90,
        "network.total_timeout": 600,
        "network.idle_timeout": 120,
        "network.proxy_mode": "custom",
        "network.proxy_url": "http://proxy.example:3128",
        "network.verify_tls": False,
        "network.ca_bundle": "/etc/ssl/corp.pem",
        "ui.theme": "dark",
        "ui.language": "zh_CN",
        "ui.send_with_ctrl_enter": True,
        "ui.check_for_updates": True,
        "ui.text_zoom": 150,
    }
    assert set(values) == set(OPTIONS)
    for key, value in values.items():
        settings = settings.with_option(key, value)
    tools = ToolSettings(
        user_tools=(UserTool("lookup", "Ask me", {"type": "object", "properties": {}}),),
        mcp_servers=(
            McpServer("time", command="uvx", args=("mcp-server-time",), env={"LOG_LEVEL": "1"},
                         pass_env=("HOME",), cwd="/srv"),
            McpServer("web", url="https://mcp.example/mcp/", headers={"X-Team": "blue"},
                         keyring_headers=("Authorization",)),
        ),
        always_allow=("builtin:calculator",),
    )  # fmt: skip
    return settings.with_tools(tools)


# --- paths ----------------------------------------------------------------------------------------


def test_profile_dir_holds_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.PROFILE_ENV, str(tmp_path))
    assert paths.profile_dir() == tmp_path
    assert paths.settings_path() == tmp_path / "settings.json"
    assert paths.history_path() == tmp_path / "history.sqlite3"
    assert paths.models_cache_path().parent == tmp_path
    assert paths.log_dir() == tmp_path / "logs"


def test_without_profile_dir_platform_dirs_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.PROFILE_ENV, "")  # empty counts as unset
    assert paths.profile_dir() is None
    for path in (paths.settings_path().parent, paths.history_path().parent, paths.log_dir()):
        assert "desktop-chat" in path.parts
        assert path.is_absolute()


def test_set_profile_dir_reaches_child_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    chosen = paths.set_profile_dir("relative/profile")
    assert chosen == tmp_path / "relative" / "profile"
    code = "from desktop_chat import paths; print(paths.settings_path())"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30,
        cwd=Path(settings_file.__file__).parents[2],
    ).stdout.strip()  # fmt: skip
    assert out == str(chosen / "settings.json")


def test_asking_for_paths_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(paths.PROFILE_ENV, str(tmp_path / "p"))
    paths.settings_path(), paths.history_path(), paths.log_dir(), paths.models_cache_path()
    assert not (tmp_path / "p").exists()


# --- declarations and validation -----------------------------------------------------------------


def test_options_come_from_the_dataclass_declarations() -> None:
    assert OPTIONS["network.max_retries"].default == Network().max_retries == 3
    assert OPTIONS["network.total_timeout"].nullable
    assert OPTIONS["network.proxy_mode"].choices == ("system", "none", "custom")
    assert OPTIONS["ui.theme"].choices == ("system", "light", "dark", "high-contrast")
    assert Settings().option_values() == {k: o.default for k, o in OPTIONS.items()}
    assert len(OPTIONS) == len(dataclasses.fields(Network)) + len(dataclasses.fields(Ui))
    assert all(o.description for o in OPTIONS.values())


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("network.max_retries", "7", 7),
        ("network.backoff_base", "0.25", 0.25),
        ("network.connect_timeout", "5", 5.0),
        ("network.total_timeout", "none", None),
        ("network.total_timeout", "120", 120.0),
        ("network.verify_tls", "off", False),
        ("ui.send_with_ctrl_enter", "Yes", True),
        ("ui.text_zoom", "125", 125),
        ("ui.theme", "dark", "dark"),
        ("ui.theme", "high-contrast", "high-contrast"),
        ("theme", "light", "light"),  # a bare name works when unambiguous
        ("network.proxy_url", "socks5://10.0.0.1:1080", "socks5://10.0.0.1:1080"),
    ],
)
def test_option_parses_command_line_text(key: str, text: str, expected: object) -> None:
    value = find_option(key).parse(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("key", "text", "why"),
    [
        ("network.max_retries", "three", "an integer"),
        ("network.max_retries", "99", "0..20"),
        ("ui.text_zoom", "400", "50..300"),
        ("network.max_retries", "1.5", "an integer"),
        ("network.connect_timeout", "0", "0.1..600"),
        ("network.read_timeout", "nan", "a number"),
        ("network.verify_tls", "maybe", "true or false"),
        ("network.connect_timeout", "none", "a number"),  # not nullable
        ("ui.theme", "purple", "one of system, light, dark, high-contrast"),
        ("network.proxy_url", "ftp://host", "http://host:port"),
        ("network.proxy_url", "http://user:pw@proxy:3128", "password"),
    ],
)
def test_option_refuses_bad_text(key: str, text: str, why: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(why)):
        find_option(key).parse(text)


def test_option_check_is_strict_about_json_types() -> None:
    with pytest.raises(SettingsError):
        OPTIONS["network.max_retries"].check(True)  # bool is not an int here
    with pytest.raises(SettingsError):
        OPTIONS["network.verify_tls"].check(1)
    assert OPTIONS["network.backoff_max"].check(4) == 4.0


def test_unknown_option_names_the_known_ones() -> None:
    with pytest.raises(SettingsError, match=r"network\.max_retries") as info:
        find_option("network.colour")
    assert "ui.theme" in str(info.value)


def test_endpoint_is_normalised() -> None:
    ep = Endpoint("  Work ", "openai", " https://h.example/v1/ ", " m ", {"X-A": " b "})
    assert (ep.name, ep.base_url, ep.default_model, ep.extra_headers) == (
        "Work", "https://h.example/v1", "m", {"X-A": "b"},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"name": ""}, "needs a name"),
        ({"name": "a\nb"}, "control characters"),
        ({"protocol": "gemini"}, "protocol"),
        ({"base_url": "api.openai.com"}, "http"),
        ({"base_url": "https://user:pw@h.example"}, "password"),
        ({"base_url": "https://h.example/v1?api_key=x"}, "query"),
        ({"base_url": "https://h.example/#x"}, "fragment"),
        ({"extra_headers": {"Bad Name": "x"}}, "header name"),
        ({"extra_headers": {"X-A": "a\r\nInjected: 1"}}, "one-line"),
        (
            {"output_limit_field": "max_output_tokens"},
            "output limit field must be auto, max_tokens",
        ),
    ],
)
def test_endpoint_refuses_invalid_values(kwargs: dict[str, object], why: str) -> None:
    base: dict[str, object] = {"name": "e", "protocol": "openai", "base_url": "http://h"}
    with pytest.raises(SettingsError, match=re.escape(why)):
        Endpoint(**{**base, **kwargs})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Authorization", "Bearer abc"),
        ("x-api-key", "abc"),
        ("api-key", "abc"),
        ("X-Goog-Api-Key", "abc"),
        ("Ocp-Apim-Subscription-Key", "abc"),
        ("Cookie", "session=abc"),
        ("X-Auth-Token", "abc"),
        ("X-Custom", "Bearer abc"),
        ("X-Custom", SECRET),
    ],
)
def test_headers_that_would_hold_a_key_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match="keyring") as info:
        Endpoint("e", "openai", "http://h", extra_headers={name: value})
    assert value not in str(info.value)


def test_harmless_headers_are_kept() -> None:
    headers = {
        "HTTP-Referer": "https://me.example",
        "X-Title": "Desktop Chat",
        "anthropic-beta": "x",
    }
    assert Endpoint("e", "openai", "http://h", extra_headers=headers).extra_headers == headers


@pytest.mark.parametrize("preset", list(PRESETS))
def test_every_preset_makes_a_valid_endpoint(preset: str) -> None:
    protocol, url = PRESETS[preset]
    assert Endpoint(preset, protocol, url).base_url == url


@pytest.mark.parametrize("protocol", ["openai", "openai-responses", "anthropic"])
def test_every_protocol_is_a_valid_choice(protocol: str) -> None:
    assert Endpoint("e", protocol, "http://h").protocol == protocol  # type: ignore[arg-type]


def test_an_unknown_protocol_names_the_known_ones() -> None:
    with pytest.raises(SettingsError) as caught:
        Endpoint("e", "responses", "http://h")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "protocol must be one of 'openai', 'openai-responses', 'anthropic', not 'responses'"
    )


def test_openai_offers_both_of_its_protocols_on_one_host() -> None:
    assert PRESETS["OpenAI"] == ("openai", "https://api.openai.com/v1")
    assert PRESETS["OpenAI Responses"] == ("openai-responses", "https://api.openai.com/v1")


# --- the Settings value ---------------------------------------------------------------------------


def test_endpoint_names_are_unique_ignoring_case() -> None:
    with pytest.raises(SettingsError, match="already"):
        Settings((Endpoint("Work", "openai", "http://a"), Endpoint("work", "openai", "http://b")))
    one = Settings().with_endpoint(Endpoint("Work", "openai", "http://a"))
    both = one.with_endpoint(
        Endpoint("WORK", "anthropic", "http://b")
    )  # replaces, never duplicates
    assert [(e.name, e.protocol) for e in both.endpoints] == [("WORK", "anthropic")]
    assert both.endpoint("work") == both.endpoint(" Work ") == both.endpoints[0]


def test_invariants_on_active_endpoint_and_model() -> None:
    ep = Endpoint("A", "openai", "http://a")
    with pytest.raises(SettingsError, match="no endpoint"):
        Settings((ep,), active_endpoint="B")
    with pytest.raises(SettingsError, match="together"):
        Settings((ep,), active_model="m")
    with pytest.raises(SettingsError, match="no endpoint"):
        Settings((ep,)).with_active("B")
    assert Settings([ep]).endpoints == (ep,)  # type: ignore[arg-type]  # a list is frozen too


def test_helpers_return_new_settings() -> None:
    a, b = Endpoint("A", "openai", "http://a"), Endpoint("B", "anthropic", "http://b")
    s0 = Settings()
    s1 = s0.with_endpoint(a).with_endpoint(b).with_active("a", "m1").with_models("A", ["m1", "m2"])
    assert s0.endpoints == ()
    assert s1.active() == a
    assert (s1.active_endpoint, s1.active_model) == ("A", "m1")
    assert s1.models_cache == {"A": ("m1", "m2")}
    edited = s1.with_endpoint(Endpoint("a", "openai", "http://a2"))  # replaces in place
    assert [e.name for e in edited.endpoints] == ["a", "B"]
    assert edited.active_endpoint == "a"
    assert edited.models_cache == {"a": ("m1", "m2")}
    removed = s1.without_endpoint("A")
    assert removed.endpoints == (b,)
    assert (removed.active_endpoint, removed.active_model, removed.models_cache) == (None, None, {})
    assert s1.without_endpoint("B").active_endpoint == "A"
    assert s1.with_active(None).active_model is None
    with pytest.raises(SettingsError):
        s1.without_endpoint("C")
    with pytest.raises(SettingsError):
        s1.with_option("network.max_retries", -1)


# --- the file -----------------------------------------------------------------------------------


def test_missing_file_gives_defaults_and_creates_nothing(tmp_path: Path) -> None:
    result = load_settings(tmp_path / "settings.json")
    assert result == LoadResult(Settings())
    assert list(tmp_path.iterdir()) == []


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    settings = full_settings()
    path = save_settings(settings, tmp_path / "sub" / "settings.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["version"] == settings_document.CURRENT_VERSION == 1
    assert doc["network"]["proxy_mode"] == "custom"
    assert load_settings(path) == LoadResult(settings)
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]  # no temp left
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0


def test_the_output_limit_field_round_trips(tmp_path: Path) -> None:
    path = save_settings(full_settings(), tmp_path / "settings.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    fields = [ep["output_limit_field"] for ep in doc["endpoints"]]
    assert fields == ["auto", "max_completion_tokens"]
    loaded = load_settings(path).settings
    assert loaded.endpoint("Local").output_limit_field == "max_completion_tokens"  # type: ignore[union-attr]


def test_a_responses_endpoint_round_trips_and_old_files_load_unchanged(tmp_path: Path) -> None:
    old = {
        "version": 1,
        "endpoints": [
            {"name": "A", "protocol": "anthropic", "base_url": "https://api.anthropic.com",
             "default_model": "", "extra_headers": {}, "output_limit_field": "auto"},
            {"name": "O", "protocol": "openai", "base_url": "https://api.openai.com/v1"},
        ],
    }  # fmt: skip
    path = write(tmp_path / "settings.json", old)
    loaded = load_settings(path)
    assert loaded.notice is None
    assert [(e.name, e.protocol) for e in loaded.settings.endpoints] == [
        ("A", "anthropic"), ("O", "openai"),
    ]  # fmt: skip
    responses = Endpoint("R", "openai-responses", "https://api.openai.com/v1")
    settings = loaded.settings.with_endpoint(responses)
    save_settings(settings, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["endpoints"][2]["protocol"] == "openai-responses"
    assert load_settings(path) == LoadResult(settings)


def test_an_endpoint_without_an_output_limit_field_loads_as_auto(tmp_path: Path) -> None:
    doc = {
        "version": 1,
        "endpoints": [{"name": "Old", "protocol": "openai", "base_url": "https://api.openai.com/v1",
                       "default_model": "", "extra_headers": {}}],
    }  # fmt: skip
    result = load_settings(write(tmp_path / "settings.json", doc))
    assert result.notice is None
    assert result.settings.endpoints == (Endpoint("Old", "openai", "https://api.openai.com/v1"),)
    assert result.settings.endpoints[0].output_limit_field == "auto"


def test_a_bad_output_limit_field_in_the_file_falls_back_to_auto(tmp_path: Path) -> None:
    doc = settings_document.encode(full_settings())
    doc["endpoints"][1]["output_limit_field"] = "max_output_tokens"  # type: ignore[index]
    result = load_settings(write(tmp_path / "settings.json", doc))
    assert [e.name for e in result.settings.endpoints] == ["Work", "Local"]  # the endpoint stays
    assert result.settings.endpoints[1].output_limit_field == "auto"
    assert result.notice is not None
    assert (
        "endpoint 'Local': the output limit field must be auto, max_tokens or "
        "max_completion_tokens, not 'max_output_tokens'; using auto"
    ) in result.notice


def test_default_path_follows_the_profile_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(paths.PROFILE_ENV, str(tmp_path / "prof"))
    save_settings(Settings().with_option("ui.theme", "light"))
    assert (tmp_path / "prof" / "settings.json").is_file()
    assert load_settings().settings.ui.theme == "light"


def test_failed_save_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.mkdir()  # os.replace onto a directory fails after the temp file was written
    (target / "keep").write_text("x")
    with pytest.raises(OSError, match="directory"):
        save_settings(full_settings(), target)
    assert (target / "keep").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


@pytest.mark.parametrize(
    ("content", "summary"),
    [
        (b"{not json", "settings.json line 1 column 2: Expecting property name enclosed in"),
        (b'{"version": 1,\n "ui": {}\n "x": 1}', "settings.json line 3 column 2: Expecting ','"),
        (b"[1, 2]", "settings.json: it does not hold a JSON object"),
        (b"null", "settings.json: it does not hold a JSON object"),
        (b'{"endpoints": []}', "settings.json: it has no valid 'version' field"),
        (b'{"version": "1"}', "settings.json: it has no valid 'version' field"),
        (b'{"version": 0}', "settings.json: format version 0 is not supported"),
        (b'{"version": 1}\n\xff\xfe', "settings.json line 2: it is not UTF-8 text"),
        (b"", "settings.json line 1 column 1: Expecting value"),
    ],
)
def test_an_unusable_file_is_refused_with_its_position_and_left_alone(
    tmp_path: Path, content: bytes, summary: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    for _ in range(2):  # and again: nothing was moved or rewritten by the first attempt
        with pytest.raises(validation.SettingsFileError) as info:
            load_settings(path)
        assert info.value.summary.startswith(summary)
        assert str(info.value).startswith(info.value.summary)
        assert str(path) in str(info.value)
    assert path.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_set_aside_renames_only_when_asked_and_never_clobbers(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    for content in (b"first", b"second"):
        path.write_bytes(content)
        settings_file.set_aside(path, now=NOW)
    stamp = "settings.json.broken-20240506-070809"
    assert (tmp_path / stamp).read_bytes() == b"first"
    assert (tmp_path / f"{stamp}-1").read_bytes() == b"second"
    assert load_settings(path) == LoadResult(Settings())  # a fresh start


@pytest.mark.parametrize("depth", [101, 1_000, 100_000])
def test_deep_nesting_is_refused_plainly(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"version": 1, "ui": ' + "[" * depth + "]" * depth + "}", encoding="utf-8")
    with pytest.raises(validation.SettingsFileError, match="nested more than 100 levels deep"):
        load_settings(path)


def test_nesting_up_to_the_limit_loads(tmp_path: Path) -> None:
    deep: object = {}
    for _ in range((settings_file.MAX_DEPTH - 6) // 2):  # two levels each, below the document's own
        deep = {"type": "object", "properties": {"x": deep}}
    doc = {"version": 1, "tools": {"user_tools": [{"name": "deep", "parameters": deep}]}}
    result = load_settings(write(tmp_path / "settings.json", doc))
    assert result.settings.tools.user_tools[0].name == "deep"


def test_a_directory_in_the_files_place_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.mkdir()
    with pytest.raises(validation.SettingsFileError, match="is not a regular file"):
        load_settings(path)
    assert path.is_dir()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_in_the_files_place_is_refused_without_waiting(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    os.mkfifo(path)  # a blocking open would wait for a writer for ever
    with pytest.raises(validation.SettingsFileError, match="is not a regular file"):
        load_settings(path)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_in_the_files_place_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.symlink_to("/dev/zero")  # endless: reading it would fill the memory
    with pytest.raises(validation.SettingsFileError, match="is not a regular file"):
        load_settings(path)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    with path.open("wb") as file:
        file.truncate(settings_file.MAX_FILE_BYTES + 1)  # sparse: costs no disk and is never read
    with pytest.raises(validation.SettingsFileError, match=r"more than the 64 MiB a settings file"):
        load_settings(path)
    small = write(tmp_path / "small.json", {"version": 1})
    with pytest.raises(validation.SettingsFileError, match="more than"):
        load_settings(small, max_bytes=5)
    with pytest.raises(SettingsError, match=r"not saved: it is 0\.0 MiB, more than"):
        save_settings(full_settings(), small, max_bytes=100)  # never what cannot be read back
    assert json.loads(small.read_text()) == {"version": 1}


def test_loading_many_endpoints_is_linear(tmp_path: Path) -> None:
    """30,000 endpoints: the file loads, looks names up and is saved in seconds (it took minutes
    when duplicate names were checked by scanning the endpoints once per endpoint)."""
    count = 30_000
    endpoints = [
        {"name": f"e{i}", "protocol": "openai", "base_url": "http://127.0.0.1:9/v1"}
        for i in range(count)
    ]
    doc = {"version": 1, "endpoints": endpoints, "active_endpoint": f"e{count - 1}"}
    path = write(tmp_path / "settings.json", doc)
    started = time.process_time()  # this process's CPU: other processes on the machine don't count
    settings = load_settings(path).settings
    assert all(settings.endpoint(f"E{i}") is not None for i in range(count))
    settings = settings.with_endpoint(Endpoint("New", "openai", "http://127.0.0.1:9/v1"))
    save_settings(settings, path)
    assert len(settings.endpoints) == count + 1
    assert time.process_time() - started < 15


def test_a_newer_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = write(tmp_path / "settings.json", {"version": 99, "whatever": True})
    before = path.read_bytes()
    with pytest.raises(SettingsVersionError, match="version 99") as info:
        load_settings(path)
    assert "untouched" in str(info.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_migrations_run_in_order_up_to_the_target() -> None:
    def one_to_two(doc: settings_document.JsonObject) -> settings_document.JsonObject:
        doc["ui"] = {"theme": doc.pop("colour")}
        return doc

    def two_to_three(doc: settings_document.JsonObject) -> settings_document.JsonObject:
        doc["steps"] = [3]
        return doc

    table = {1: one_to_two, 2: two_to_three}
    out = settings_file.migrate({"version": 1, "colour": "dark"}, migrations=table, target=3)
    assert out == {"version": 3, "ui": {"theme": "dark"}, "steps": [3]}
    with pytest.raises(SettingsError, match="not supported"):
        settings_file.migrate({"version": 1}, migrations={2: two_to_three}, target=3)
    with pytest.raises(SettingsError, match="version"):
        settings_file.migrate({"version": True}, migrations=table, target=3)


def test_a_migration_that_breaks_is_refused_and_the_file_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def needs_a_field(doc: settings_document.JsonObject) -> settings_document.JsonObject:
        doc["ui"] = {"theme": doc["colour"]}  # KeyError: this file has no "colour"
        return doc

    monkeypatch.setitem(settings_file.MIGRATIONS, 0, needs_a_field)
    path = write(tmp_path / "settings.json", {"version": 0})
    with pytest.raises(validation.SettingsFileError, match="could not be upgraded: KeyError"):
        load_settings(path)
    assert json.loads(path.read_text()) == {"version": 0}


def test_a_migration_upgrades_an_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def zero_to_one(doc: settings_document.JsonObject) -> settings_document.JsonObject:
        doc["ui"] = {"theme": doc.pop("colour")}
        return doc

    monkeypatch.setitem(settings_file.MIGRATIONS, 0, zero_to_one)
    path = write(tmp_path / "settings.json", {"version": 0, "colour": "dark"})
    assert load_settings(path) == LoadResult(Settings().with_option("ui.theme", "dark"))


def test_the_migration_table_covers_every_old_version() -> None:
    assert set(range(1, settings_document.CURRENT_VERSION)) <= set(settings_file.MIGRATIONS)


def test_invalid_values_fall_back_alone(tmp_path: Path) -> None:
    doc = settings_document.encode(full_settings())
    doc["network"] = {**doc["network"], "max_retries": "lots", "read_timeout": -1}  # type: ignore[dict-item]
    doc["ui"] = {"theme": "neon", "send_with_ctrl_enter": True}
    doc["endpoints"] = [
        *doc["endpoints"],  # type: ignore[misc]
        {"name": "Bad", "protocol": "gemini", "base_url": "http://x"},
        {"name": "work", "protocol": "openai", "base_url": "http://dupe"},
        "not an endpoint",
    ]
    result = load_settings(write(tmp_path / "settings.json", doc))
    s = result.settings
    assert s.network.max_retries == 3
    assert s.network.read_timeout == 60.0
    assert s.network.proxy_url == "http://proxy.example:3128"  # the rest is kept
    assert (s.ui.theme, s.ui.send_with_ctrl_enter) == ("system", True)
    assert [e.name for e in s.endpoints] == ["Work", "Local"]
    assert s.active_endpoint == "Work"
    notice = result.notice or ""
    for part in (
        "network.max_retries",
        "network.read_timeout",
        "ui.theme",
        "'Bad'",
        "second",
        "#5",
    ):
        assert part in notice


def test_dangling_references_are_repaired(tmp_path: Path) -> None:
    doc = {
        "version": 1,
        "endpoints": [{"name": "A", "protocol": "openai", "base_url": "http://a"}],
        "active_endpoint": "Gone",
        "active_model": "m",
        "models_cache": {"A": ["x"], "Gone": ["y"], "A2": "not a list"},
        "network": [],
    }
    result = load_settings(write(tmp_path / "settings.json", doc))
    assert (result.settings.active_endpoint, result.settings.active_model) == (None, None)
    assert result.settings.models_cache == {"A": ("x",)}
    assert "Gone" in (result.notice or "")
    assert "network: not an object" in (result.notice or "")


def test_key_like_fields_are_dropped_on_load_and_never_saved(tmp_path: Path) -> None:
    doc = settings_document.encode(full_settings())
    doc["openai_api_key"] = SECRET
    doc["endpoints"][0]["api_key"] = SECRET  # type: ignore[index]
    doc["endpoints"][0]["extra_headers"] = {"Authorization": f"Bearer {SECRET}", "X-Ok": "1"}  # type: ignore[index]
    doc["network"]["token"] = SECRET  # type: ignore[index]
    doc["ui"]["sidebar"] = "left"  # type: ignore[index]
    path = write(tmp_path / "settings.json", doc)
    result = load_settings(path)
    notice = result.notice or ""
    assert SECRET not in notice
    for field in ("'openai_api_key'", "'api_key'", "'Authorization'", "'token'"):
        assert field in notice
    assert "keyring" in notice
    assert "ignored the unknown field 'sidebar'" in notice
    assert result.settings.endpoints[0].extra_headers == {"X-Ok": "1"}
    save_settings(result.settings, path)
    assert SECRET not in path.read_text(encoding="utf-8")


def test_a_saved_file_contains_no_secret(tmp_path: Path) -> None:
    """Whatever the settings hold, no field of the file is named like a credential."""
    path = save_settings(full_settings(), tmp_path / "settings.json")
    names: list[str] = []

    def walk(node: object, header_names: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                names.append(key)
                walk(value, key == "extra_headers")
        elif isinstance(node, list):
            for item in node:
                walk(item)

    doc = json.loads(path.read_text(encoding="utf-8"))
    walk({k: v for k, v in doc.items() if k != "models_cache"})  # cache keys are endpoint names
    assert "max_retries" in names
    assert "X-Team" in names
    assert not [n for n in names if validation.looks_secret(n)]
    assert not any(validation.looks_secret(k) for k in settings_document.encode(Settings()))


# --- tools ----------------------------------------------------------------------------------------


def test_a_file_without_a_tools_section_loads_unchanged(tmp_path: Path) -> None:
    doc = settings_document.encode(full_settings())
    del doc["tools"]
    result = load_settings(write(tmp_path / "settings.json", doc))
    assert result.notice is None
    assert result.settings.tools == ToolSettings()
    assert result.settings == full_settings().with_tools(ToolSettings())


def test_tools_round_trip(tmp_path: Path) -> None:
    path = save_settings(full_settings(), tmp_path / "settings.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["tools"]["mcp_servers"][0]["args"] == ["mcp-server-time"]
    assert doc["tools"]["mcp_servers"][1]["url"] == "https://mcp.example/mcp/"  # slash kept
    loaded = load_settings(path).settings.tools
    assert loaded == full_settings().tools
    assert loaded.mcp_server("TIME") is not None
    assert loaded.mcp_servers[0].transport == "stdio"
    assert loaded.mcp_servers[1].transport == "http"
    assert doc["tools"]["mcp_servers"][1]["keyring_headers"] == ["Authorization"]


def test_a_server_saved_before_keyring_headers_loads_with_none(tmp_path: Path) -> None:
    doc = settings_document.encode(full_settings())
    for server in doc["tools"]["mcp_servers"]:  # type: ignore[index]
        del server["keyring_headers"]
    result = load_settings(write(tmp_path / "settings.json", doc))
    assert result.notice is None
    assert [s.keyring_headers for s in result.settings.tools.mcp_servers] == [(), ()]


def test_replacing_a_server_keeps_its_place() -> None:
    a, b = (
        McpServer("a", command="x"),
        McpServer("b", url="http://h/mcp"),
    )
    tools = ToolSettings(mcp_servers=(a, b))
    changed = McpServer("A", command="y")
    assert tools.with_mcp_server(changed).mcp_servers == (changed, b)
    assert tools.with_mcp_server(McpServer("c", command="z")).mcp_servers[-1].name == "c"


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"name": "has space", "command": "x"}, "1-64 letters"),
        ({"command": "x", "url": "http://h/mcp"}, "either a command or a URL"),
        ({}, "either a command or a URL"),
        ({"url": "ftp://h/mcp"}, "http"),
        ({"url": "https://u:pw@h/mcp"}, "password"),
        ({"command": "x", "env": {"GITHUB_TOKEN": "ghp_x"}}, "pass it from the environment"),
        ({"command": "x", "env": {"OPTS": "Bearer abc"}}, "would store a secret"),
        ({"command": "x", "env": {"1BAD": "v"}}, "not a valid environment variable name"),
        ({"command": "x", "pass_env": ("A B",)}, "not a valid environment variable name"),
        ({"url": "http://h/mcp", "headers": {"Authorization": "Bearer x"}}, "keyring"),
        ({"url": "http://h/mcp", "headers": {"X-Team": "Bearer x"}}, "--keyring-header X-Team"),
        ({"command": "x", "keyring_headers": ("Authorization",)}, "only a server with a URL"),
        ({"url": "http://h/mcp", "keyring_headers": ("Bad Name",)}, "not a valid HTTP header"),
        ({"url": "http://h/mcp", "keyring_headers": "Authorization"}, "a list of header names"),
        ({"url": "http://h/mcp", "keyring_headers": ("A", "a")}, "given twice"),
        (
            {"url": "http://h/mcp", "headers": {"X-Team": "b"}, "keyring_headers": ("x-team",)},
            "given twice",
        ),
        ({"command": "x", "args": (1,)}, "must be text"),
    ],
)
def test_mcp_server_refuses_invalid_values(kwargs: dict[str, object], why: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(why)):
        McpServer(**{"name": "srv", **kwargs})  # type: ignore[arg-type]


def test_a_refused_secret_names_the_value_that_holds_it() -> None:
    with pytest.raises(SecretValueError) as env:
        McpServer("gh", command="gh-mcp", env={"GITHUB_TOKEN": "abc"})
    assert (env.value.kind, env.value.name) == ("env", "GITHUB_TOKEN")
    assert str(env.value).endswith("(--env GITHUB_TOKEN without a value)")
    with pytest.raises(SecretValueError) as header:
        McpServer("web", url="https://mcp.example/mcp", headers={"X-Auth": "Bearer abc"})
    assert (header.value.kind, header.value.name) == ("header", "X-Auth")
    in_other_words = header.value.with_remedy("press a button")
    assert str(in_other_words) == f"{header.value.refusal} (press a button)"
    assert (in_other_words.kind, in_other_words.name) == ("header", "X-Auth")


def test_a_secret_can_be_passed_on_by_name() -> None:
    server = McpServer("gh", command="gh-mcp", pass_env=("GITHUB_TOKEN", "GITHUB_TOKEN"))
    assert server.pass_env == ("GITHUB_TOKEN",)


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"name": "a.b"}, "1-64 letters"),
        ({"name": "x" * 65}, "1-64 letters"),
        ({"name": "ok", "parameters": {"type": "string"}}, '"type": "object"'),
        ({"name": "ok", "description": 5}, "must be text"),
    ],
)
def test_user_tool_refuses_invalid_values(kwargs: dict[str, object], why: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(why)):
        UserTool(**kwargs)  # type: ignore[arg-type]


def test_tool_settings_helpers() -> None:
    a, b = UserTool("a"), McpServer("s", command="x")
    tools = ToolSettings().with_user_tool(a).with_mcp_server(b).with_always_allow("user:a")
    assert tools.with_always_allow("user:a").always_allow == ("user:a",)
    replaced = tools.with_user_tool(UserTool("A", "new"))
    assert [(t.name, t.description) for t in replaced.user_tools] == [("A", "new")]
    assert tools.without_user_tool("A").user_tools == ()
    assert tools.without_mcp_server("S").mcp_servers == ()
    assert tools.user_tool("missing") is None
    with pytest.raises(SettingsError, match="same name"):
        ToolSettings(user_tools=(a, UserTool("A")))


def test_bad_tool_entries_are_dropped_alone(tmp_path: Path) -> None:
    doc = settings_document.encode(full_settings())
    doc["tools"] = {
        "user_tools": [
            {"name": "lookup", "description": "Ask me", "parameters": {"type": "object"}},
            {"name": "lookup", "description": "again"},
            {"name": "bad name"},
            "not an object",
        ],
        "mcp_servers": [
            {"name": "time", "command": "uvx", "args": ["mcp-server-time"], "api_key": SECRET},
            {"name": "leaky", "command": "x", "env": {"OPENAI_API_KEY": SECRET}},
            {"name": "odd", "command": "x", "colour": "red"},
        ],
        "always_allow": "everything",
        "extra": 1,
    }
    result = load_settings(write(tmp_path / "settings.json", doc))
    tools = result.settings.tools
    assert [t.name for t in tools.user_tools] == ["lookup"]
    assert [s.name for s in tools.mcp_servers] == ["time", "odd"]
    assert tools.always_allow == ()
    notice = result.notice or ""
    assert SECRET not in notice
    for part in (
        "a second entry named 'lookup'",
        "user_tools #3: dropped",
        "user_tools #4: not an object",
        "removed the field 'api_key'",
        "mcp_servers #2: dropped",
        "ignored the unknown field 'colour'",
        "always_allow: not a list",
        "tools: ignored the unknown field 'extra'",
    ):
        assert part in notice
    assert result.settings.network == full_settings().network  # the rest is kept


def test_a_tools_section_of_the_wrong_shape_gives_defaults(tmp_path: Path) -> None:
    doc = settings_document.encode(Settings())
    doc["tools"] = {"user_tools": {}, "mcp_servers": "x"}
    result = load_settings(write(tmp_path / "settings.json", doc))
    assert result.settings.tools == ToolSettings()
    assert "user_tools: not a list" in (result.notice or "")
    doc["tools"] = []
    result = load_settings(write(tmp_path / "settings.json", doc))
    assert "tools: not an object" in (result.notice or "")
