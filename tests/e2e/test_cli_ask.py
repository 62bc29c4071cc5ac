"""`desktop-chat ask` as a user runs it: a subprocess streaming from the scripted server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.support.keyring_session import RealKeyring
from tests.support.sse_server import Reply, ScriptedServer, gzipped, redirect
from tests.support.streams import (
    anthropic_stream,
    openai_max_tokens_refusal,
    openai_stream,
    sse,
)

KEY = "sk-e2e-secret-0123456789"
FAIL_BACKEND = "keyring.backends.fail.Keyring"


def ask(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", "ask", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def openai_args(server: ScriptedServer, *extra: str) -> list[str]:
    return ["--protocol", "openai", "--base-url", server.url + "/v1", "--model", "m", *extra]


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout


def test_streams_text_to_stdout(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["Hello", ", ", "world 你好"])))
    result = ask(*openai_args(sse_server), "hi", env={"DESKTOP_CHAT_API_KEY": KEY})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello, world 你好\n"
    assert result.stderr == ""
    (request,) = sse_server.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.body)
    assert body["stream"] is True
    assert body["max_tokens"] == 1024
    assert body["messages"] == [{"role": "user", "content": "hi"}]


def test_text_is_flushed_as_it_arrives(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["early ", "late"]), stall=3.0, stall_after=2))
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop_chat", "ask", *openai_args(sse_server), "hi"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        started = time.monotonic()
        first = process.stdout.read(6)  # blocks until the child flushes "early "
        assert first == b"early "
        assert time.monotonic() - started < 2.9  # before the stall ends
        rest, _ = process.communicate(timeout=15)
        assert rest == b"late\n"
    finally:
        process.kill()
        process.wait(5)


def test_json_with_parallel_tool_calls(sse_server: ScriptedServer, tmp_path: Path) -> None:
    calls = [
        {"id": "call_a", "name": "now", "argument_pieces": ['{"tz":', ' "UTC"', "}"]},
        {"id": "call_b", "name": "calc", "argument_pieces": ['{"expr"', ': "2+2"}']},
    ]
    sse_server.script(
        Reply(
            chunks=openai_stream(
                [], tool_calls=calls, interleave_tool_calls=True, finish_reason="tool_calls"
            )
        )
    )
    tools = tmp_path / "tools.json"
    tools.write_text(
        json.dumps(
            [
                {"type": "function", "function": {"name": "now", "parameters": {"type": "object"}}},
                {"type": "function", "function": {"name": "calc", "description": "math"}},
            ]
        )
    )
    result = ask(*openai_args(sse_server, "--json", "--tools", str(tools)), "time?")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output == {
        "text": "",
        "reasoning": "",
        "tool_calls": [
            {"id": "call_a", "name": "now", "arguments": '{"tz": "UTC"}'},
            {"id": "call_b", "name": "calc", "arguments": '{"expr": "2+2"}'},
        ],
        "stop_reason": "tool_calls",
        "usage": {
            "input_tokens": 12,
            "output_tokens": 34,
            "cached_input_tokens": 0,
            "cache_write_tokens": None,
        },
        "attempts": 1,
    }
    sent = json.loads(sse_server.requests[0].body)
    assert [tool["function"]["name"] for tool in sent["tools"]] == ["now", "calc"]


def test_anthropic_json_with_thinking_and_converted_tools(
    sse_server: ScriptedServer, tmp_path: Path
) -> None:
    sse_server.script(
        Reply(chunks=anthropic_stream(["Sure."], thinking_pieces=["Let me", " think"]))
    )
    tools = tmp_path / "tools.json"
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    tools.write_text(
        json.dumps([{"type": "function", "function": {"name": "search", "parameters": schema}}])
    )
    result = ask(
        "--protocol", "anthropic", "--base-url", sse_server.url, "--model", "claude",
        "--system", "terse", "--max-tokens", "77", "--tools", str(tools), "--json", "q",
        env={"DESKTOP_CHAT_API_KEY": KEY},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert (output["text"], output["reasoning"], output["stop_reason"]) == (
        "Sure.",
        "Let me think",
        "end_turn",
    )
    request = sse_server.requests[0]
    assert request.headers["x-api-key"] == KEY
    body = json.loads(request.body)
    assert body["tools"] == [{"name": "search", "description": "", "input_schema": schema}]
    assert (body["system"], body["max_tokens"], body["stream"]) == ("terse", 77, True)


def test_restart_after_partial_text_is_announced(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(chunks=openai_stream(["half an ", "answer", " lost"]), drop_after=3),
        Reply(chunks=openai_stream(["the whole answer"])),
    )
    result = ask(*openai_args(sse_server, "--backoff-base", "0.01"), "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "half an answer\nthe whole answer\n"
    (notice,) = result.stderr.splitlines()
    assert notice.startswith("desktop-chat: connection lost — retrying in")
    assert "(attempt 2 of 4)" in notice
    assert notice.endswith("the answer restarts below")


def test_json_reports_only_the_successful_attempt(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(status=503, body=b"{}"),
        Reply(chunks=openai_stream(["partial "]), drop_after=2),
        Reply(chunks=openai_stream(["final"])),
    )
    result = ask(*openai_args(sse_server, "--json", "--backoff-base", "0.01"), "hi")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert (output["text"], output["attempts"]) == ("final", 3)


def test_401_is_one_human_line(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(status=401, body=b'{"error":{"message":"Incorrect API key"}}'))
    result = ask(*openai_args(sse_server), "hi", env={"DESKTOP_CHAT_API_KEY": KEY})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "desktop-chat: The API key was rejected: check the key for this endpoint (HTTP 401): "
        "Incorrect API key\n"
    )
    assert len(sse_server.requests) == 1
    assert KEY not in result.stderr


def test_openai_refusing_max_tokens_says_how_to_fix_it(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(status=400, body=openai_max_tokens_refusal()))
    result = ask(*openai_args(sse_server), "hi")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "desktop-chat: The model wants max_completion_tokens instead of max_tokens: set the "
        "endpoint's output limit field to max_completion_tokens (Settings → Endpoints, or "
        "`desktop-chat endpoint edit NAME --output-limit-field max_completion_tokens`) (HTTP 400): "
        "Unsupported parameter: 'max_tokens'"
    )
    assert len(result.stderr.splitlines()) == 1


def test_output_limit_field_with_base_url(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["ok"])), Reply(chunks=openai_stream(["ok"])))
    assert ask(*openai_args(sse_server), "hi").returncode == 0  # auto: a local host
    chosen = openai_args(sse_server, "--output-limit-field", "max_completion_tokens")
    assert ask(*chosen, "--max-tokens", "99", "hi").returncode == 0
    first, second = (json.loads(r.body) for r in sse_server.requests)
    assert (first["max_tokens"], "max_completion_tokens" in first) == (1024, False)
    assert (second["max_completion_tokens"], "max_tokens" in second) == (99, False)


def test_saved_output_limit_field_reaches_the_wire(sse_server: ScriptedServer) -> None:
    env = {**os.environ, "DESKTOP_CHAT_API_KEY": KEY, "PYTHON_KEYRING_BACKEND": FAIL_BACKEND}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop_chat", *args],
            capture_output=True, text=True, timeout=30, env=env, check=False,
        )  # fmt: skip

    added = cli(
        "endpoint", "add", "reasoning", "--protocol", "openai", "--base-url",
        sse_server.url + "/v1", "--model", "o3-mini",
        "--output-limit-field", "max_completion_tokens",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = cli("endpoint", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)["endpoints"]
    assert row["output_limit_field"] == "max_completion_tokens"

    sse_server.script(
        Reply(chunks=openai_stream(["thought it over"])), Reply(chunks=openai_stream(["x"]))
    )
    result = cli("ask", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "thought it over\n"
    body = json.loads(sse_server.requests[0].body)
    assert (body["model"], body["max_completion_tokens"]) == ("o3-mini", 1024)
    assert "max_tokens" not in body

    overridden = cli("ask", "--output-limit-field", "max_tokens", "hi")  # the flag wins
    assert overridden.returncode == 0, overridden.stderr
    body = json.loads(sse_server.requests[1].body)
    assert (body["max_tokens"], "max_completion_tokens" in body) == (1024, False)


def test_failure_in_json_mode_still_prints_one_object(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(status=400, body=b'{"error":{"message":"bad max_tokens"}}'))
    result = ask(*openai_args(sse_server, "--json"), "hi")
    assert result.returncode == 1
    output = json.loads(result.stdout)
    assert output["error"] == {
        "type": "BadRequestError",
        "message": "The provider rejected the request (HTTP 400): bad max_tokens",
        "status": 400,
        "provider_message": "bad max_tokens",
    }
    assert output["text"] == ""
    no_traceback(result)


def test_stall_past_read_timeout_gives_up_readably(sse_server: ScriptedServer) -> None:
    sse_server.script(*[Reply(chunks=openai_stream(["x"]), stall=3.0, stall_after=1)] * 2)
    result = ask(
        *openai_args(sse_server, "--read-timeout", "0.3", "--max-retries", "1"),
        "--backoff-base", "0.01", "hi",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"desktop-chat: {sse_server.url.split('//')[1]} stopped sending data (read timeout)"
    )
    no_traceback(result)


def test_connection_refused(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = ask(
        "--protocol", "openai", "--base-url", f"http://127.0.0.1:{port}/v1", "--model", "m",
        "--max-retries", "0", "hi",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(f"desktop-chat: Could not connect to 127.0.0.1:{port}")
    no_traceback(result)


def test_malformed_stream(sse_server: ScriptedServer) -> None:
    good = openai_stream(["kept "])
    sse_server.script(Reply(chunks=[*good[:2], b"data: {oops\n\n"]))
    result = ask(*openai_args(sse_server), "hi")
    assert result.returncode == 1
    assert result.stdout == "kept \n"
    assert "not valid JSON" in result.stderr
    no_traceback(result)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "http://127.0.0.1:9/v1", "--model", "m"], "--base-url needs --protocol"),
        (["--protocol", "openai", "--base-url", "http://127.0.0.1:9/v1"], "--model is required"),
        (["--demo", "--tools", "/nonexistent/tools.json"], "cannot read the tools file"),
        (["--demo", "--max-tokens", "0"], "--max-tokens must be at least 1"),
        (["--endpoint", "nowhere"], "no saved endpoint named 'nowhere'"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = ask(*args, "hi")
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    no_traceback(result)


def test_bad_tools_file(tmp_path: Path) -> None:
    tools = tmp_path / "tools.json"
    tools.write_text('[{"name": "not openai format"}]')
    result = ask("--demo", "--tools", str(tools), "hi")
    assert result.returncode == 2
    assert 'must look like {"type": "function"' in result.stderr


def test_demo_answers_with_nothing_configured() -> None:
    result = ask("hello there", env={"DESKTOP_CHAT_DEMO_TPS": "0"})
    assert result.returncode == 0, result.stderr
    assert "```python" in result.stdout
    assert "你好" in result.stdout
    assert "hello there" in result.stdout


def test_ask_never_loads_qt() -> None:
    code = (
        "import sys\n"
        "from desktop_chat.cli import main\n"
        "assert main(['ask', '--demo', '--json', 'hi']) == 0\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'qasync'))]\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "DESKTOP_CHAT_DEMO_TPS": "0"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stop_reason"] == "stop"


def test_saved_endpoint_with_its_key_in_the_real_keyring(
    sse_server: ScriptedServer, real_keyring: RealKeyring
) -> None:
    env = real_keyring.env()
    name = f"saved-{uuid.uuid4().hex[:8]}"

    def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop_chat", *args],
            input=stdin, capture_output=True, text=True, timeout=30, env=env, check=False,
        )  # fmt: skip

    added = cli(
        "endpoint", "add", name, "--protocol", "openai", "--base-url", sse_server.url + "/v1",
        "--model", "saved-model",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    try:
        assert cli("endpoint", "set-key", name, stdin=KEY).returncode == 0
        sse_server.script(Reply(chunks=openai_stream(["from the keyring"])))
        result = cli("ask", "hi")
        assert result.returncode == 0, result.stderr
        assert result.stdout == "from the keyring\n"
        request = sse_server.requests[0]
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert json.loads(request.body)["model"] == "saved-model"
        assert KEY not in result.stdout + result.stderr
    finally:
        cli("endpoint", "remove", name)


# --- redirects and hostile servers ----------------------------------------------------------------


def test_a_redirect_is_reported_once_with_exit_1(sse_server: ScriptedServer) -> None:
    with ScriptedServer() as other:
        target = other.url + "/v1/chat/completions"
        sse_server.script(redirect(target), Reply(chunks=openai_stream(["never"])))
        result = ask(*openai_args(sse_server), "hi", env={"DESKTOP_CHAT_API_KEY": KEY})
        assert other.requests == []
    assert result.returncode == 1
    assert result.stderr.startswith(f"desktop-chat: The server redirected to {target} (HTTP 307)")
    assert len(result.stderr.splitlines()) == 1  # no retry notice
    assert len(sse_server.requests) == 1
    no_traceback(result)


def _peak_rss_mib(*args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run `ask` in a child of a child and return its result and its peak resident memory."""
    code = (
        "import json, resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[2:], capture_output=True, text=True,"
        " timeout=float(sys.argv[1]))\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024\n"
        "print(json.dumps([done.returncode, done.stdout, done.stderr, peak]))\n"
    )
    child = [sys.executable, "-m", "desktop_chat", "ask", *args]
    command = [sys.executable, "-c", code, str(timeout), *child]
    outer = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout + 10, check=True
    )
    returncode, stdout, stderr, peak = json.loads(outer.stdout)
    return subprocess.CompletedProcess(args, returncode, stdout, stderr), peak


def test_a_gzip_bomb_keeps_memory_bounded(sse_server: ScriptedServer) -> None:
    """Measured here: 2,095 MiB and 19 s before bodies were inflated a piece at a time; 50 MiB
    and 1 s after."""
    head = b"".join(openai_stream(["kept "])[:2])
    mib = 1024 * 1024
    bomb = gzipped([head, b"data: ", *[b"\0" * mib] * 1024])  # 1 GiB in about 1 MiB
    assert len(bomb.body or b"") < 1.1 * mib
    sse_server.script(bomb)
    result, peak = _peak_rss_mib(*openai_args(sse_server, "--max-retries", "0"), "hi")
    assert result.returncode == 1
    assert result.stdout == "kept \n"
    assert "one line of the event stream is longer than 16 MiB" in result.stderr
    assert peak < 150, f"peak resident memory {peak} MiB"
    no_traceback(result)


def test_keep_alives_alone_end_with_a_message(sse_server: ScriptedServer) -> None:
    head = openai_stream(["kept "])[:2]
    sse_server.script(Reply(chunks=[*head, *[b": keep-alive\n\n"] * 300], delay=0.02))
    result = ask(*openai_args(sse_server, "--idle-timeout", "1"), "hi")
    assert result.returncode == 1
    assert result.stdout == "kept \n"
    assert "No answer content for 1 s (the server sent only keep-alives)" in result.stderr
    no_traceback(result)


def test_the_saved_idle_limit_reaches_the_engine(sse_server: ScriptedServer) -> None:
    saved = subprocess.run(
        [sys.executable, "-m", "desktop_chat", "config", "set", "network.idle_timeout", "1"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    sse_server.script(Reply(chunks=[b": keep-alive\n\n"] * 300, delay=0.02))
    result = ask(*openai_args(sse_server), "hi")
    assert result.returncode == 1
    assert "No answer content for 1 s" in result.stderr


def test_a_key_echoed_in_a_data_line_reaches_neither_stderr_nor_json(
    sse_server: ScriptedServer,
) -> None:
    echo = Reply(chunks=[sse(f"unknown key {KEY}")])
    sse_server.script(echo, echo)
    env = {"DESKTOP_CHAT_API_KEY": KEY}
    plain = ask(*openai_args(sse_server), "hi", env=env)
    as_json = ask(*openai_args(sse_server, "--json"), "hi", env=env)
    assert (plain.returncode, as_json.returncode) == (1, 1)
    assert "unknown key [redacted]" in plain.stderr
    assert "unknown key [redacted]" in json.loads(as_json.stdout)["error"]["message"]
    for result in (plain, as_json):
        assert KEY not in result.stdout + result.stderr


def test_a_long_retry_after_says_so(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(status=429, headers={"Retry-After": "300"}, body=b"{}"))
    result = ask(*openai_args(sse_server), "hi")
    assert result.returncode == 1
    assert result.stderr.rstrip().endswith("the server asked to wait 5 min; not retrying")
    assert len(sse_server.requests) == 1


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--max-retries", "5000", "--max-retries must be between 0 and 20"),
        ("--max-retries", "-1", "--max-retries must be between 0 and 20"),
        ("--idle-timeout", "0", "--idle-timeout must be between 1 and 86400"),
        ("--read-timeout", "1e9", "--read-timeout must be between 0.1 and 3600"),
    ],
)
def test_network_flags_are_range_checked(flag: str, value: str, message: str) -> None:
    result = ask("--demo", flag, value, "hi", env={"DESKTOP_CHAT_DEMO_TPS": "0"})
    assert result.returncode == 2
    assert result.stderr == f"desktop-chat: {message}\n"
    no_traceback(result)
