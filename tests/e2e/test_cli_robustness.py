"""The command line against a damaged settings file, an interrupting user and a vanishing reader.

Each runs `python -m desktop_chat` as a user would, against the scripted server on 127.0.0.1,
and reads stderr for a traceback: whatever happens, one line and an exit status, never a trace.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_chat import paths
from desktop_chat.storage.settings import Endpoint, Settings
from desktop_chat.storage.settings_file import load_settings, save_settings
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream

# Ctrl-C ends the process by SIGINT, which a shell reports as 130 (see desktop_chat.__main__).
INTERRUPTED = -signal.SIGINT if os.name == "posix" else 130
BROKEN = '{"version": 1,\n "endpoints": [}\n'
BROKEN_SAYS = "desktop-chat: settings.json line 2 column 16: Expecting value"


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "desktop_chat", *args]


def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args), capture_output=True, text=True, timeout=timeout, check=False
    )


def no_traceback(stderr: str | bytes) -> None:
    text = stderr if isinstance(stderr, str) else stderr.decode(errors="replace")
    assert "Traceback" not in text
    assert "Exception ignored" not in text


def write_settings(text: str) -> Path:
    path = paths.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def openai_args(server: ScriptedServer) -> list[str]:
    return ["--protocol", "openai", "--base-url", server.url + "/v1", "--model", "m"]


# --- a settings file that does not parse ---------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("endpoint", "list"),
        ("endpoint", "list", "--json"),
        ("config", "show"),
        ("config", "set", "ui.theme", "dark"),
        ("endpoint", "add", "X", "--preset", "Ollama"),
        ("tool", "list"),
        ("ask", "hi"),
        ("ask", "--demo", "hi"),
    ],
)
def test_every_command_names_the_broken_spot_and_leaves_the_file(args: tuple[str, ...]) -> None:
    path = write_settings(BROKEN)
    for _ in range(2):  # and again: nothing was moved aside by the first
        result = run(*args)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(BROKEN_SAYS), result.stderr
        assert result.stderr.count("\n") == 1
        assert result.stdout == ""
        no_traceback(result.stderr)
    assert path.read_text(encoding="utf-8") == BROKEN
    assert sorted(p.name for p in path.parent.iterdir() if "settings" in p.name) == [
        "settings.json"
    ] + (["settings.json.lock"] if (path.parent / "settings.json.lock").exists() else [])


def test_deep_nesting_is_a_clear_error_not_a_recursion_traceback() -> None:
    write_settings('{"version": 1, "ui": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = run("config", "show")
    assert result.returncode == 2
    assert result.stderr.startswith("desktop-chat: settings.json: it is nested more than 100")
    no_traceback(result.stderr)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_in_the_files_place_does_not_hang() -> None:
    path = paths.settings_path()
    path.parent.mkdir(parents=True)
    os.mkfifo(path)  # no writer: a blocking open would wait for ever
    started = time.monotonic()
    result = run("endpoint", "list", timeout=20)
    assert time.monotonic() - started < 20
    assert result.returncode == 2
    assert result.stderr.startswith("desktop-chat: settings.json: is not a regular file")
    no_traceback(result.stderr)


def test_an_invalid_entry_is_kept_aside_before_a_save_drops_it() -> None:
    good = {"name": "Good", "protocol": "openai", "base_url": "http://127.0.0.1:9/v1"}
    bad = {"name": "Bad", "protocol": "gemini", "base_url": "http://127.0.0.1:9"}
    text = json.dumps({"version": 1, "endpoints": [good, bad], "active_endpoint": "Good"})
    path = write_settings(text)
    shown = run("endpoint", "list")  # reading says what is ignored, and changes nothing
    assert shown.returncode == 0
    assert "'Bad'" in shown.stderr
    assert path.read_text(encoding="utf-8") == text
    changed = run("config", "set", "ui.theme", "dark")
    assert changed.returncode == 0, changed.stderr
    (copy,) = path.parent.glob("settings.json.kept-*")
    assert copy.read_text(encoding="utf-8") == text  # "Bad" is still there, word for word
    assert f"kept as {copy}" in changed.stderr
    assert load_settings().settings.ui.theme == "dark"
    again = run("config", "set", "ui.theme", "light")  # nothing left to lose: no second copy
    assert again.stderr == ""
    assert len(list(path.parent.glob("settings.json.kept-*"))) == 1


# --- the demo only when chosen -------------------------------------------------------------------


def test_with_endpoints_but_none_active_ask_says_so_instead_of_asking_the_demo() -> None:
    first = Endpoint("Alpha", "openai", "http://127.0.0.1:9/v1", "m")
    second = Endpoint("Beta", "openai", "http://127.0.0.1:9/v1", "m")
    # As after `endpoint remove Alpha` of the active Alpha: Beta is left, and nothing is active.
    save_settings(Settings((first, second), "Alpha").without_endpoint("Alpha"))
    result = run("ask", "hi")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "no endpoint is active" in result.stderr
    assert "'Beta'" in result.stderr
    assert "endpoint use" in result.stderr
    demo = run("ask", "--demo", "hi")
    assert demo.returncode == 0, demo.stderr
    assert "demo" in demo.stdout


def test_a_profile_without_endpoints_still_gets_the_demo() -> None:
    result = run("ask", "hi")
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout


# --- no traceback, ever --------------------------------------------------------------------------


def test_a_reader_that_goes_away_ends_ask_quietly(sse_server: ScriptedServer) -> None:
    pieces = [f"piece {i} " for i in range(200)]
    sse_server.script(Reply(chunks=openai_stream(pieces), stall=1.0, stall_after=3))
    process = subprocess.Popen(
        command("ask", *openai_args(sse_server), "hi"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.read(1) == b"p"  # `head -c1`: one byte, then the reader is gone
        process.stdout.close()
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait(5)
    no_traceback(stderr)
    assert stderr == b""
    assert process.returncode == 141


def started(*args: str) -> subprocess.Popen[bytes]:
    """Start the command and return once the app's own code runs (its CLI package is loaded).

    What comes before is the interpreter's own start-up (site, runpy): a Ctrl-C there is
    Python's to report, before any line of the app has run.
    """
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "desktop_chat", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    for _ in range(10_000):
        line = process.stderr.readline()
        if not line or line.rstrip().endswith(b"| desktop_chat.cli"):
            break
    assert line, "the command ended before its CLI package was loaded"
    return process


@pytest.mark.parametrize("delay", [0.0, 0.005, 0.02, 0.05, 0.08, 0.11, 0.15, 0.25])
def test_ctrl_c_while_ask_starts_up_is_one_line(sse_server: ScriptedServer, delay: float) -> None:
    sse_server.script(Reply(chunks=openai_stream(["late"]), stall=5.0))
    process = started("ask", *openai_args(sse_server), "hi")
    try:
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait(5)
    said = b"".join(line for line in stderr.splitlines(True) if b"import time:" not in line)
    no_traceback(said)
    assert said == b"desktop-chat: interrupted\n"
    assert process.returncode == INTERRUPTED


def test_ask_json_interrupted_prints_its_object_with_the_partial_text(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(chunks=openai_stream(["partial ", "never"]), stall=10.0, stall_after=2))
    process = subprocess.Popen(
        command("ask", "--json", *openai_args(sse_server), "hi"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        sse_server.wait_for_requests(1, timeout=20)
        time.sleep(1.0)  # the first chunks have arrived; the server is stalling
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait(5)
    no_traceback(stderr)
    assert process.returncode == INTERRUPTED
    doc = json.loads(stdout)
    assert doc["text"] == "partial "
    assert doc["error"]["type"] == "interrupted"
    assert stderr == "desktop-chat: interrupted\n"
