"""`ask` as people use it: the prompt from stdin, --system-file and saved presets (`preset ...`)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_chat import paths
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

KEY = "sk-e2e-input-0123456789"


def desktop_chat(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command; `stdin` None gives it /dev/null, as a script with nothing piped."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    result = subprocess.run(
        [sys.executable, "-m", "desktop_chat", *args],
        input=data, stdin=None if data is not None else subprocess.DEVNULL,
        capture_output=True, timeout=30, check=False,
        env={**os.environ, "DESKTOP_CHAT_API_KEY": KEY},
    )  # fmt: skip
    done = subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode(), result.stderr.decode()
    )
    assert "Traceback" not in done.stdout + done.stderr
    return done


def ask(server: ScriptedServer, *args: str, stdin: str | bytes | None = None) -> object:
    """Ask the scripted server; return the request body it received."""
    server.script(Reply(chunks=openai_stream(["ok"])))
    where = ["--protocol", "openai", "--base-url", server.url + "/v1", "--no-history"]
    result = desktop_chat("ask", *where, *args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    return server.requests[-1].json()


def messages(body: object) -> list[dict[str, object]]:
    assert isinstance(body, dict)
    found = body["messages"]
    assert isinstance(found, list)
    return found


def test_the_prompt_comes_from_stdin_when_none_is_given(sse_server: ScriptedServer) -> None:
    body = ask(sse_server, "--model", "m", stdin="Why is the sky blue?\n")
    assert messages(body) == [{"role": "user", "content": "Why is the sky blue?"}]


def test_with_both_stdin_is_the_material_and_the_argument_the_instruction(
    sse_server: ScriptedServer,
) -> None:
    body = ask(sse_server, "--model", "m", "summarize", stdin="line one\nline two\n")
    assert messages(body) == [{"role": "user", "content": "line one\nline two\n\nsummarize"}]


def test_an_empty_stdin_leaves_the_argument_alone(sse_server: ScriptedServer) -> None:
    body = ask(sse_server, "--model", "m", "hi", stdin="")
    assert messages(body) == [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (None, "nothing to ask: give the prompt as an argument or on stdin"),
        ("  \n", "nothing to ask"),
        (b"\xff\xfe", "stdin is not UTF-8 text (byte 0)"),
    ],
    ids=["nothing", "blank", "binary"],
)
def test_nothing_to_ask_is_a_usage_error(stdin: str | bytes | None, message: str) -> None:
    result = desktop_chat("ask", "--demo", stdin=stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"desktop-chat: {message}")
    assert result.stderr.count("\n") == 1


def test_system_file(sse_server: ScriptedServer, tmp_path: Path) -> None:
    prompt = tmp_path / "terse.md"
    prompt.write_text("Answer in one line.\n", encoding="utf-8")
    body = ask(sse_server, "--model", "m", "--system-file", str(prompt), "hi")
    assert messages(body)[0] == {"role": "system", "content": "Answer in one line."}

    missing = desktop_chat("ask", "--demo", "--system-file", str(tmp_path / "none.md"), "hi")
    assert missing.returncode == 2
    assert missing.stderr.startswith("desktop-chat: cannot read the system prompt file")
    both = desktop_chat("ask", "--demo", "--system", "x", "--system-file", str(prompt), "hi")
    assert both.returncode == 2
    assert "either --system or --system-file" in both.stderr


def test_presets_are_added_listed_used_and_removed(sse_server: ScriptedServer) -> None:
    added = desktop_chat(
        "preset", "add", "terse", "--system", "Answer in one line.", "--model", "m-small",
        "--temperature", "0.2", "--max-tokens", "50",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Saved the preset 'terse'.\n"
    taken = desktop_chat("preset", "add", "Terse", "--system", "other")
    assert taken.returncode == 2
    assert "already a preset named 'Terse'" in taken.stderr

    listed = desktop_chat("preset", "list", "--json")
    assert json.loads(listed.stdout) == {
        "presets": [{"name": "terse", "system": "Answer in one line.", "model": "m-small",
                     "temperature": 0.2, "max_tokens": 50}]
    }  # fmt: skip
    assert desktop_chat("preset", "list").stdout == (
        "terse: Answer in one line.  (model m-small, temperature 0.2, max tokens 50)\n"
    )

    body = ask(sse_server, "--preset", "terse", "hi")
    assert isinstance(body, dict)
    assert (body["model"], body["temperature"], body["max_tokens"]) == ("m-small", 0.2, 50)
    assert messages(body)[0] == {"role": "system", "content": "Answer in one line."}
    # What the command line gives wins over the preset.
    body = ask(sse_server, "--preset", "terse", "--model", "m-big", "--system", "Be long.", "hi")
    assert isinstance(body, dict)
    assert (body["model"], body["max_tokens"]) == ("m-big", 50)
    assert messages(body)[0] == {"role": "system", "content": "Be long."}

    unknown = desktop_chat("ask", "--demo", "--preset", "nope", "hi")
    assert unknown.returncode == 2
    assert "no preset named 'nope'" in unknown.stderr

    removed = desktop_chat("preset", "remove", "TERSE")
    assert removed.returncode == 0, removed.stderr
    assert desktop_chat("preset", "list", "--json").stdout.count("terse") == 0
    again = desktop_chat("preset", "remove", "terse")
    assert again.returncode == 2
    assert again.stderr == "desktop-chat: no preset named 'terse'\n"


def test_ask_v_logs_each_attempt_to_stderr_and_a_private_log_file(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    where = ["--protocol", "openai", "--base-url", sse_server.url + "/v1", "--model", "m"]
    result = desktop_chat("ask", "-v", *where, "--no-history", "hi")
    assert result.returncode == 0, result.stderr
    assert "INFO desktop_chat.core.engine: POST" in result.stderr
    profile = paths.profile_dir()
    assert profile is not None
    log_file = profile / "logs" / "cli.log"
    text = log_file.read_text(encoding="utf-8")
    assert "/v1/chat/completions (attempt 1)" in text
    assert KEY not in text
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
