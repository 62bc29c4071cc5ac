"""`desktop-chat history` and `ask`'s saving, as a user runs them: subprocesses on real files."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_chat.storage.history import HistoryStore
from tests.support.chatgpt_export import export
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream
from tests.support.wire import OPENAI

KEY = "sk-history-e2e-0123456789"
ENV = {"DESKTOP_CHAT_API_KEY": KEY}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", *args],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, **ENV, **(env or {})}, check=False,
    )  # fmt: skip


def ask(server: ScriptedServer, *args: str) -> subprocess.CompletedProcess[str]:
    base = ["--protocol", "openai", "--base-url", server.url + "/v1", "--model", "m"]
    return run("ask", *base, *args)


def listed(*extra: str) -> list[dict[str, object]]:
    result = run("history", "list", "--json", *extra)
    assert result.returncode == 0, result.stderr
    conversations = json.loads(result.stdout)["conversations"]
    assert isinstance(conversations, list)
    return conversations


def shown(conversation_id: str) -> list[dict[str, object]]:
    result = run("history", "show", conversation_id, "--json")
    assert result.returncode == 0, result.stderr
    messages = json.loads(result.stdout)["conversations"][0]["messages"]
    assert isinstance(messages, list)
    return messages


@pytest.fixture
def profile() -> Path:
    """The profile directory every test gets (see tests/conftest.py)."""
    return Path(os.environ["DESKTOP_CHAT_HOME"])


def history_file(profile: Path) -> Path:
    return profile / "history.sqlite3"


def test_ask_saves_the_exchange_and_list_shows_it(
    sse_server: ScriptedServer, profile: Path
) -> None:
    sse_server.script(Reply(chunks=openai_stream(["今天", "天气很好"])))
    result = ask(sse_server, "天气怎么样?", "--temperature", "0.5")
    assert result.returncode == 0, result.stderr
    (conversation,) = listed()
    assert conversation["title"] == "天气怎么样?"
    assert conversation["messages"] == 2
    assert set(conversation) >= {"id", "title", "created", "updated", "messages"}
    question, answer = shown(str(conversation["id"]))
    assert question["role"] == "user"
    assert question["text"] == "天气怎么样?"
    assert answer["text"] == "今天天气很好"
    assert answer["state"] == "complete"
    meta = answer["meta"]
    assert isinstance(meta, dict)
    assert meta["model"] == "m"
    assert meta["options"]["temperature"] == 0.5
    assert meta["usage"] == {
        "input_tokens": 12, "output_tokens": 34,
        "cached_input_tokens": 0, "cache_write_tokens": None,
    }  # fmt: skip
    assert meta["stop_reason"] == "stop"
    found = listed("--search", "天气")
    assert [c["id"] for c in found] == [conversation["id"]]
    assert listed("--search", "雨") == []
    raw = b"".join(p.read_bytes() for p in profile.iterdir() if p.is_file())
    assert KEY.encode() not in raw


def test_continue_sends_the_earlier_messages(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(chunks=openai_stream(["first answer"])),
        Reply(chunks=openai_stream(["second answer"])),
        Reply(chunks=openai_stream(["third answer"])),
    )
    assert ask(sse_server, "first", "--system", "be brief").returncode == 0
    result = ask(sse_server, "-c", "second")
    assert result.returncode == 0, result.stderr
    (conversation,) = listed()
    prefix = str(conversation["id"])[:8]
    result = ask(sse_server, "--conversation", prefix, "third")
    assert result.returncode == 0, result.stderr
    bodies = [request.json() for request in sse_server.requests]
    assert bodies[2]["messages"] == [  # type: ignore[index]
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "second"},
        {"role": "assistant", "content": "second answer"},
        {"role": "user", "content": "third"},
    ]
    assert listed()[0]["messages"] == 6


def test_continue_takes_the_conversation_changed_last_even_beside_a_pinned_one(
    sse_server: ScriptedServer, profile: Path
) -> None:
    sse_server.script(*(Reply(chunks=openai_stream([f"answer {n}"])) for n in range(3)))
    assert ask(sse_server, "pinned one").returncode == 0
    (pinned,) = listed()
    store = HistoryStore.open(history_file(profile))
    try:
        store.pin(str(pinned["id"]))
    finally:
        store.close()
    assert ask(sse_server, "latest one").returncode == 0
    result = ask(sse_server, "-c", "go on")
    assert result.returncode == 0, result.stderr
    sent = sse_server.requests[2].json()["messages"]  # type: ignore[index]
    assert [m["content"] for m in sent] == ["latest one", "answer 1", "go on"]


def test_no_history_saves_nothing_and_continue_needs_a_conversation(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    assert ask(sse_server, "--no-history", "hi").returncode == 0
    assert listed() == []
    result = ask(sse_server, "-c", "hi")
    assert result.returncode == 1
    assert result.stderr == "desktop-chat: there is no saved conversation to continue\n"
    result = ask(sse_server, "--no-history", "-c", "hi")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_an_answer_killed_mid_stream_is_kept_and_shown_interrupted(
    sse_server: ScriptedServer,
) -> None:
    pieces = [f"word{i:03d} " for i in range(200)]
    sse_server.script(Reply(chunks=openai_stream(pieces), delay=0.02))
    base = ["--protocol", "openai", "--base-url", sse_server.url + "/v1", "--model", "m"]
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_chat", "ask", *base, "count"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **ENV},
    )  # fmt: skip
    assert process.stdout is not None
    printed = b""
    deadline = time.monotonic() + 20
    while len(printed) < 400 and time.monotonic() < deadline:  # ~50 pieces, about 1 s in
        printed += os.read(process.stdout.fileno(), 4096)
    process.send_signal(signal.SIGKILL)
    printed += process.stdout.read()
    process.wait(timeout=10)
    process.stderr.close()  # type: ignore[union-attr]
    process.stdout.close()
    text = printed.decode()
    (conversation,) = listed()
    question, answer = shown(str(conversation["id"]))
    assert question["text"] == "count"
    assert answer["state"] == "interrupted"
    saved = str(answer["text"])
    assert text.startswith(saved)
    assert saved  # some of it was saved
    lost = len(text) - len(saved)
    # At 20 ms a piece of 8 characters, 150 ms of flushing interval is ~60 characters; allow
    # for a loaded machine, but far less than what was printed.
    print(f"\nkilled after {len(text)} chars printed; saved {len(saved)}; lost {lost}")
    assert lost <= 8 * 40
    markdown = run("history", "show", str(conversation["id"]), "--markdown")
    assert "## Assistant (m) — interrupted" in markdown.stdout


def test_export_import_round_trip_between_profiles(
    sse_server: ScriptedServer, tmp_path: Path
) -> None:
    sse_server.script(
        Reply(chunks=openai_stream(["one"], reasoning_pieces=["hmm"])),
        Reply(chunks=openai_stream(["two"])),
    )
    assert ask(sse_server, "first").returncode == 0
    assert ask(sse_server, "second").returncode == 0
    everything = tmp_path / "all.json"
    assert run("history", "export", "--all", str(everything)).returncode == 0
    again = run("history", "export", "--all", str(everything))
    assert again.returncode == 1
    assert "already exists" in again.stderr
    other = tmp_path / "other-profile"
    imported = run("--profile-dir", str(other), "history", "import", str(everything))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "imported 2 conversation(s)\n"
    back = tmp_path / "back.json"
    assert run("--profile-dir", str(other), "history", "export", "--all", str(back)).returncode == 0
    assert json.loads(back.read_text()) == json.loads(everything.read_text())
    assert KEY not in everything.read_text()
    conversation_id = str(listed()[0]["id"])
    md = tmp_path / "one.md"
    assert run("history", "export", conversation_id, str(md)).returncode == 0
    assert md.read_text().startswith("# second\n")


def test_delete_and_unknown_ids(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    assert ask(sse_server, "hi").returncode == 0
    conversation_id = str(listed()[0]["id"])
    missing = run("history", "show", "ffffffffffff")
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1
    deleted = run("history", "delete", conversation_id)
    assert deleted.returncode == 0, deleted.stderr
    assert listed() == []


def test_a_newer_history_is_refused_untouched_with_exit_2(profile: Path) -> None:
    path = history_file(profile)
    profile.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    before = path.read_bytes()
    result = run("history", "list")
    assert result.returncode == 2
    assert result.stderr.startswith("desktop-chat: the history file")
    assert "newer version" in result.stderr
    assert result.stderr.count("\n") == 1
    assert path.read_bytes() == before


def test_a_damaged_history_is_kept_aside_and_said_once(profile: Path) -> None:
    profile.mkdir(parents=True, exist_ok=True)
    history_file(profile).write_bytes(b"garbage" * 1000)
    result = run("history", "list")
    assert result.returncode == 0, result.stderr
    assert "could not be read" in result.stderr
    assert result.stderr.count("\n") == 1
    (aside,) = profile.glob("history.sqlite3.damaged-*")
    assert aside.read_bytes() == b"garbage" * 1000
    assert run("history", "list").stderr == ""


def test_import_reads_a_chatgpt_export(tmp_path: Path) -> None:
    source = tmp_path / "conversations.json"
    source.write_text(json.dumps(export(), ensure_ascii=False), encoding="utf-8")
    result = run("history", "import", str(source))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "imported 1 conversation(s)\n"
    (conversation,) = listed("--search", "诗")
    assert conversation["title"] == "Poems"
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = run("history", "import", str(broken))
    assert result.returncode == 1
    assert result.stderr.startswith(f"desktop-chat: {broken} is not valid JSON")


def test_ask_run_tools_saves_its_steps_with_their_approvals(sse_server: ScriptedServer) -> None:
    sse_server.script(
        OPENAI.calls(("call_1", "calculator", ['{"expression": "6*7"}']), text=["Computing."]),
        OPENAI.text("The answer is 42."),
    )
    result = ask(sse_server, "--run-tools", "--approve", "all", "what is 6*7?")
    assert result.returncode == 0, result.stderr
    (conversation,) = listed()
    question, step, tools, final = shown(str(conversation["id"]))
    assert question["text"] == "what is 6*7?"
    assert step["text"] == "Computing."
    assert step["tool_calls"] == [
        {"id": "call_1", "name": "calculator", "arguments": '{"expression": "6*7"}'}
    ]
    assert tools["tool_results"] == [{"call_id": "call_1", "content": "42", "is_error": False}]
    (call,) = tools["meta"]["calls"]  # type: ignore[index]
    assert (call["state"], call["origin"]) == ("done", "built-in")
    assert final["text"] == "The answer is 42."
    assert (final["state"], final["meta"]["model"]) == ("complete", "m")  # type: ignore[index]
    assert final["parent_id"] == tools["id"]
