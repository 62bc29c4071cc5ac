"""Saving the settings keeps what another process wrote since they were read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desktop_chat import paths
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_document import encode
from desktop_chat.storage.settings_file import load_settings, save_settings
from desktop_chat.storage.settings_update import kept_notice, locked, merge, save_merged
from desktop_chat.storage.tool_settings import McpServer, ToolSettings
from desktop_chat.storage.validation import SettingsError, SettingsFileError

ROOT = Path(__file__).resolve().parents[2]
A, B, C = (Endpoint(n, "openai", f"http://{n.lower()}.example/v1") for n in "ABC")


def test_each_side_keeps_its_own_changes() -> None:
    base = Settings((A,), "A")
    ours = base.with_option("ui.theme", "dark").with_endpoint(B)
    theirs = base.with_option("network.max_retries", 7).with_endpoint(C)
    merged = merge(base, ours, theirs)
    assert [e.name for e in merged.endpoints] == ["A", "C", "B"]
    assert merged.ui.theme == "dark"
    assert merged.network.max_retries == 7
    assert merged.active_endpoint == "A"


def test_removals_and_edits_meet_by_name() -> None:
    base = Settings((A, B), "A")
    ours = base.without_endpoint("B").with_endpoint(Endpoint("A", "openai", "http://a.example/v2"))
    theirs = base.with_endpoint(Endpoint("b", "anthropic", "https://b.example"))  # B edited
    merged = merge(base, ours, theirs)
    assert [(e.name, e.base_url) for e in merged.endpoints] == [("A", "http://a.example/v2")]


def test_the_same_value_changed_on_both_sides_is_ours() -> None:
    base = Settings()
    merged = merge(
        base, base.with_option("ui.theme", "dark"), base.with_option("ui.theme", "light")
    )
    assert merged.ui.theme == "dark"


def test_always_allow_is_merged_as_a_set_and_servers_by_name() -> None:
    time_server = McpServer("time", command="uvx", args=("mcp-server-time",))
    base = Settings(tools=ToolSettings(always_allow=("builtin:calculator", "user:x")))
    ours = Settings(
        tools=ToolSettings(mcp_servers=(time_server,), always_allow=("builtin:calculator",))
    )
    theirs = Settings(
        tools=ToolSettings(
            mcp_servers=(McpServer("web", url="http://h/mcp"),),
            always_allow=("builtin:calculator", "user:x", "mcp:web:shout"),
        )
    )
    merged = merge(base, ours, theirs)
    assert [s.name for s in merged.tools.mcp_servers] == ["web", "time"]
    assert merged.tools.always_allow == ("builtin:calculator", "mcp:web:shout")


def test_an_active_endpoint_removed_elsewhere_is_not_kept() -> None:
    base = Settings((A, B), "A")
    merged = merge(base, base.with_active("B", "m"), base.without_endpoint("B"))
    assert [e.name for e in merged.endpoints] == ["A"]
    assert merged.active_endpoint is None


def test_save_merged_reads_the_file_again(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    base = Settings((A,))
    save_settings(base, path)
    save_settings(base.with_endpoint(C), path)  # another process, meanwhile
    saved = save_merged(base, base.with_option("ui.theme", "dark"), path)
    assert load_settings(path).settings == saved
    assert [e.name for e in saved.endpoints] == ["A", "C"]
    assert saved.ui.theme == "dark"


def test_an_unreadable_file_is_never_saved_over(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{ broken", encoding="utf-8")
    with pytest.raises(SettingsFileError, match="line 1 column 3"):
        save_merged(Settings((B,)), Settings((A,), "A"), path)
    assert path.read_text(encoding="utf-8") == "{ broken"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json", "settings.json.lock"]


def test_entries_a_save_would_drop_are_copied_aside_first(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    bad = {"name": "Bad", "protocol": "gemini", "base_url": "http://bad.example"}
    text = json.dumps({"version": 1, "endpoints": [encode(Settings((A,)))["endpoints"][0], bad]})
    path.write_text(text, encoding="utf-8")
    base = load_settings(path).settings
    assert [e.name for e in base.endpoints] == ["A"]
    copies: list[Path] = []
    save_merged(base, base.with_option("ui.theme", "dark"), path, kept=copies.append)
    (copy,) = copies
    assert copy.name.startswith("settings.json.kept-")
    assert copy.read_text(encoding="utf-8") == text  # "Bad" kept word for word
    assert str(copy) in kept_notice(copy)
    again: list[Path] = []
    save_merged(base, base.with_option("ui.theme", "light"), path, kept=again.append)
    assert again == []  # the file on disk has nothing left to lose
    assert len(list(tmp_path.glob("settings.json.kept-*"))) == 1


def test_a_held_lock_makes_the_next_writer_wait_then_give_up(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    order: list[str] = []
    with locked(path):
        thread = threading.Thread(target=lambda: (locked_briefly(path), order.append("second")))
        thread.start()
        time.sleep(0.2)
        order.append("first")
        with pytest.raises(SettingsError, match=r"did not finish within 0\.1 s"), locked(path, 0.1):
            pass
    thread.join(10)
    assert order == ["first", "second"]


def locked_briefly(path: Path) -> None:
    with locked(path):
        pass


def test_commands_run_at_once_lose_nothing() -> None:
    """Eight `endpoint add` commands at the same time: every endpoint is kept."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    names = [f"Parallel {i}" for i in range(8)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "desktop_chat", "endpoint", "add", name, "--preset", "Ollama"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    for process in processes:
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    saved = load_settings(paths.settings_path()).settings
    assert sorted(e.name for e in saved.endpoints) == sorted(names)
