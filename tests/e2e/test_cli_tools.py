"""`ask --run-tools` and the `mcp` / `tool` commands, run as a user runs them: subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from desktop_chat import paths
from desktop_chat.storage.secrets import MCP_HEADER_SERVICE, KeyStore, mcp_header_entry
from tests.support.keyring_session import RealKeyring
from tests.support.mcp_http import http_mcp_server
from tests.support.sse_server import ScriptedServer
from tests.support.wire import ANTHROPIC, OPENAI, Wire

KEY = "sk-e2e-secret-0123456789"


def cli(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", *args],
        input=stdin, capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, "DESKTOP_CHAT_API_KEY": KEY},
    )  # fmt: skip


def ask(
    wire: Wire, server: ScriptedServer, *extra: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    base = server.url + "/v1" if wire is OPENAI else server.url
    return cli(
        "ask", "--protocol", wire.protocol, "--base-url", base, "--model", "m", *extra, stdin=stdin
    )


def saved_settings() -> dict[str, object]:
    data = json.loads(paths.settings_path().read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_run_tools_json_openai(sse_server: ScriptedServer) -> None:
    sse_server.script(
        OPENAI.calls(("call_1", "calculator", ['{"expression":', ' "6*7"}']), text=["Computing."]),
        OPENAI.text("The answer is 42."),
    )
    result = ask(OPENAI, sse_server, "--run-tools", "--approve", "all", "--json", "what is 6*7?")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["text"] == "The answer is 42."
    assert output["steps"] == [
        {
            "text": "Computing.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "name": "calculator",
                    "arguments": '{"expression": "6*7"}',
                    "result": "42",
                    "is_error": False,
                    "approved": True,
                }
            ],
        }
    ]
    assert output["step_limit_reached"] is False
    for field in ("reasoning", "tool_calls", "stop_reason", "usage", "attempts"):
        assert field in output
    assert (output["tool_calls"], output["stop_reason"], output["attempts"]) == ([], "stop", 1)
    first, second = (request.json() for request in sse_server.requests)
    assert [tool["function"]["name"] for tool in first["tools"]] == [  # type: ignore[index]
        "current_time", "calculator", "read_text_file",
    ]  # fmt: skip
    assert second["messages"][1:] == [  # type: ignore[index]
        {
            "role": "assistant",
            "content": "Computing.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "calculator", "arguments": '{"expression": "6*7"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    ]
    assert KEY not in result.stdout + result.stderr


def test_run_tools_plain_anthropic_with_a_refused_read(sse_server: ScriptedServer) -> None:
    sse_server.script(
        ANTHROPIC.calls(
            ("toolu_1", "read_text_file", ['{"path": "/etc/hostname"}']),
            ("toolu_2", "calculator", ['{"expression": "2**10"}']),
        ),
        ANTHROPIC.text("I may not read files; 2**10 is 1024."),
    )
    result = ask(ANTHROPIC, sse_server, "--run-tools", "--approve", "all", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "I may not read files; 2**10 is 1024.\n"
    lines = result.stderr.splitlines()
    assert lines[:2] == [
        'tool call: read_text_file({"path": "/etc/hostname"}) [built-in]',
        'tool call: calculator({"expression": "2**10"}) [built-in]',
    ]
    assert sorted(lines[2:]) == [  # the calls run concurrently: either may finish first
        "tool error: read_text_file -> reading files is not allowed: the user has not allowed "
        "any directory for this tool",
        "tool result: calculator -> 1024",
    ]
    second = sse_server.requests[1].json()
    assert second["messages"][2] == {  # type: ignore[index]
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "toolu_1",
                "content": "reading files is not allowed: the user has not allowed any "
                "directory for this tool",
                "is_error": True,
            },
            {"type": "tool_result", "tool_use_id": "toolu_2", "content": "1024"},
        ],
    }


def test_allow_dir_lets_the_model_read_a_file(sse_server: ScriptedServer, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("buy milk", encoding="utf-8")
    sse_server.script(
        OPENAI.calls(("c", "read_text_file", ['{"path": "notes.txt"}'])), OPENAI.text("Milk.")
    )
    result = ask(
        OPENAI, sse_server, "--run-tools", "--approve", "all", "--allow-dir", str(tmp_path), "hi"
    )
    assert result.returncode == 0, result.stderr
    assert OPENAI.results(sse_server.requests[1]) == [("c", "buy milk", False)]


def test_approve_none_denies(sse_server: ScriptedServer) -> None:
    sse_server.script(
        OPENAI.calls(("c", "current_time", ["{}"])), OPENAI.text("I could not check.")
    )
    result = ask(OPENAI, sse_server, "--run-tools", "--approve", "none", "--json", "time?")
    assert result.returncode == 0, result.stderr
    (call,) = json.loads(result.stdout)["steps"][0]["tool_calls"]
    assert (call["approved"], call["is_error"]) == (False, True)
    assert call["result"] == "Not run: calls are not allowed (--approve none)."


def test_approve_ask_always_is_saved_and_not_asked_again(sse_server: ScriptedServer) -> None:
    sse_server.script(
        OPENAI.calls(("c1", "calculator", ['{"expression": "1+1"}'])), OPENAI.text("2.")
    )
    result = ask(OPENAI, sse_server, "--run-tools", "hi", stdin="nonsense\nalways\n")
    assert result.returncode == 0, result.stderr
    assert "Please answer r, d, a or e." in result.stderr
    assert "tool result: calculator -> 2" in result.stderr
    assert saved_settings()["tools"]["always_allow"] == ["builtin:calculator"]  # type: ignore[index]
    sse_server.script(
        OPENAI.calls(
            ("c2", "calculator", ['{"expression": "2+2"}']), ("c3", "current_time", ["{}"])
        ),
        OPENAI.text("4."),
    )
    again = ask(OPENAI, sse_server, "--run-tools", "hi", stdin="")  # nobody answers
    assert again.returncode == 0, again.stderr
    assert OPENAI.results(sse_server.requests[3]) == [
        ("c2", "4", False),
        ("c3", "Not run: no answer came on stdin.", False),
    ]
    listed = cli("tool", "list")
    assert "Always allowed: builtin:calculator" in listed.stdout
    assert cli("tool", "disallow", "builtin:calculator").returncode == 0
    assert saved_settings()["tools"]["always_allow"] == []  # type: ignore[index]


def test_step_limit_exits_1_and_says_so(sse_server: ScriptedServer) -> None:
    sse_server.script(OPENAI.calls(("c1", "calculator", ['{"expression": "1"}'])))
    result = ask(
        OPENAI, sse_server, "--run-tools", "--approve", "all", "--max-steps", "1", "--json", "hi"
    )
    assert result.returncode == 1
    output = json.loads(result.stdout)
    assert output["step_limit_reached"] is True
    assert output["tool_calls"] == [
        {"id": "c1", "name": "calculator", "arguments": '{"expression": "1"}'}
    ]
    assert (
        "stopped after 1 steps (--max-steps); the model still asked for: calculator"
        in result.stderr
    )


def test_mcp_server_round_trip_through_ask(sse_server: ScriptedServer) -> None:
    added = cli(
        "mcp", "add", "clock", "--command", sys.executable, "--arg=-m", "--arg", "mcp_server_time"
    )
    assert added.returncode == 0, added.stderr
    listed = cli("mcp", "list", "--json")
    (row,) = json.loads(listed.stdout)["mcp_servers"]
    assert (row["name"], row["transport"], row["args"]) == (
        "clock",
        "stdio",
        ["-m", "mcp_server_time"],
    )
    tools = cli("mcp", "tools", "clock", "--json")
    assert tools.returncode == 0, tools.stderr
    assert "get_current_time" in [t["name"] for t in json.loads(tools.stdout)["tools"]]
    sse_server.script(
        OPENAI.calls(("t1", "get_current_time", ['{"timezone": "Europe/Paris"}'])),
        OPENAI.text("It is evening in Paris."),
    )
    result = ask(OPENAI, sse_server, "--run-tools", "--approve", "all", "paris time?")
    assert result.returncode == 0, result.stderr
    assert "[MCP server 'clock']" in result.stderr
    ((call_id, content, _),) = OPENAI.results(sse_server.requests[1])
    assert call_id == "t1"
    assert '"timezone": "Europe/Paris"' in content
    removed = cli("mcp", "remove", "clock")
    assert removed.returncode == 0
    assert saved_settings()["tools"]["mcp_servers"] == []  # type: ignore[index]


def test_a_broken_mcp_server_is_one_line_and_never_stops_ask(sse_server: ScriptedServer) -> None:
    code = "import sys; sys.stderr.write('no token configured\\n'); sys.exit(1)"
    assert (
        cli(
            "mcp", "add", "broken", "--command", sys.executable, "--arg=-c", f"--arg={code}"
        ).returncode
        == 0
    )
    tools = cli("mcp", "tools", "broken")
    assert tools.returncode == 1
    assert tools.stderr == (
        "desktop-chat: MCP server 'broken' could not start: the server closed the connection "
        "(it may have exited) — its last output: no token configured\n"
    )
    sse_server.script(OPENAI.text("Still here."))
    result = ask(OPENAI, sse_server, "--run-tools", "--approve", "all", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Still here.\n"
    assert result.stderr.startswith("desktop-chat: warning: MCP server 'broken' could not start")
    assert result.stderr.rstrip().endswith("its tools are left out")


def test_mcp_add_errors() -> None:
    both = cli("mcp", "add", "x", "--command", "a", "--url", "http://h/mcp")
    assert (both.returncode, both.stderr) == (
        2,
        "desktop-chat: give either --command CMD or --url URL\n",
    )
    leaky = cli("mcp", "add", "x", "--command", "a", "--env", "API_KEY=abc")
    assert leaky.returncode == 2
    assert "pass it from the environment instead (--env API_KEY without a value)" in leaky.stderr
    assert (
        cli("mcp", "add", "web", "--url", "http://h/mcp", "--header", "X-Team:blue").returncode == 0
    )
    again = cli("mcp", "add", "web", "--url", "http://h/mcp")
    assert (again.returncode, again.stderr) == (
        2,
        "desktop-chat: an MCP server named 'web' exists; remove it first\n",
    )
    missing = cli("mcp", "remove", "nope")
    assert missing.returncode == 2
    assert "no MCP server named 'nope' (servers: web)" in missing.stderr
    assert cli("mcp", "list").stdout == "web  http   http://h/mcp\n"


def test_user_defined_tools(sse_server: ScriptedServer, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"city": {"type": "string"}}}))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"type": "object", "properties": {"city": {"type": "strng"}}}))
    added = cli("tool", "add", "weather", "--description", "Ask the user", "--schema", str(schema))
    assert added.returncode == 0, added.stderr
    refused = cli("tool", "add", "w2", "--description", "x", "--schema", str(bad))
    assert refused.returncode == 2
    assert refused.stderr.startswith(
        "desktop-chat: not a valid JSON Schema at $.properties.city.type"
    )
    assert (
        cli("tool", "add", "calculator", "--description", "x", "--schema", str(schema)).returncode
        == 2
    )
    assert (
        cli("tool", "add", "bad name", "--description", "x", "--schema", str(schema)).returncode
        == 2
    )
    listing = json.loads(cli("tool", "list", "--json").stdout)
    assert [t["name"] for t in listing["user_tools"]] == ["weather"]
    assert [t["name"] for t in listing["builtin"]] == [
        "current_time",
        "calculator",
        "read_text_file",
    ]
    sse_server.script(
        OPENAI.calls(("w1", "weather", ['{"city": "Oslo"}'])), OPENAI.text("Sunny in Oslo.")
    )
    result = ask(OPENAI, sse_server, "--run-tools", "hi", stdin="r\nsunny\n")
    assert result.returncode == 0, result.stderr
    assert OPENAI.results(sse_server.requests[1]) == [("w1", "sunny", False)]
    assert "Result of weather (one line): " in result.stderr
    assert cli("tool", "remove", "weather").returncode == 0
    assert cli("tool", "remove", "weather").returncode == 2


def test_usage_errors() -> None:
    result = cli("ask", "--demo", "--run-tools", "--max-steps", "0", "hi")
    assert result.returncode == 2
    assert (
        result.stderr
        == "desktop-chat: --max-steps must be at least 1 and --tool-timeout positive\n"
    )


def test_a_failed_turn_mid_loop_keeps_the_steps(sse_server: ScriptedServer) -> None:
    from tests.support.sse_server import Reply

    sse_server.script(
        OPENAI.calls(("c1", "calculator", ['{"expression": "1+2"}'])),
        Reply(status=400, body=b'{"error": {"message": "tool messages not supported"}}'),
    )
    result = ask(OPENAI, sse_server, "--run-tools", "--approve", "all", "--json", "hi")
    assert result.returncode == 1
    output = json.loads(result.stdout)
    assert output["error"]["status"] == 400
    assert output["steps"][0]["tool_calls"][0]["result"] == "3"
    assert result.stderr.splitlines()[-1] == (
        "desktop-chat: The provider rejected the request (HTTP 400): tool messages not supported"
    )


def test_a_secret_mcp_header_lives_in_the_keyring_only(
    real_keyring: RealKeyring, sse_server: ScriptedServer
) -> None:
    token = f"tok-{uuid.uuid4().hex}"
    name = f"web{uuid.uuid4().hex[:8]}"
    entry = mcp_header_entry(name, "Authorization")
    store = KeyStore(real_keyring.backend)
    env = {**real_keyring.env(), "DESKTOP_CHAT_API_KEY": KEY}

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop_chat", *args],
            input=stdin, capture_output=True, text=True, timeout=60, check=False, env=env,
        )  # fmt: skip

    outputs: list[str] = []
    try:
        with http_mcp_server(token) as url:
            refused = run(
                "mcp", "add", name, "--url", url, "--header", f"Authorization:Bearer {token}"
            )
            assert refused.returncode == 2
            assert "--keyring-header Authorization" in refused.stderr
            assert token not in refused.stderr
            added = run(
                "mcp", "add", name, "--url", url, "--header", "X-Team:blue",
                "--keyring-header", "Authorization",
            )  # fmt: skip
            assert added.returncode == 0, added.stderr
            assert f"desktop-chat mcp set-header {name} Authorization" in added.stdout
            missing = run("mcp", "tools", name)
            assert missing.returncode == 1
            assert "its Authorization header has no value in the keyring" in missing.stderr
            stray = run("mcp", "set-header", name, "Authorization", f"Bearer {token}")
            assert (stray.returncode, token in stray.stderr) == (2, False)
            saved = run("mcp", "set-header", name, "authorization", stdin=f"Bearer {token}\n")
            assert saved.returncode == 0, saved.stderr
            assert saved.stdout == (
                f"Saved the Authorization header of {name!r} in the Secret Service.\n"
            )
            assert store.get(entry, service=MCP_HEADER_SERVICE) == f"Bearer {token}"
            tools = run("mcp", "tools", name, "--json")
            assert tools.returncode == 0, tools.stderr
            assert [t["name"] for t in json.loads(tools.stdout)["tools"]] == ["shout"]
            (row,) = json.loads(run("mcp", "list", "--json").stdout)["mcp_servers"]
            assert (row["headers"], row["keyring_headers"]) == (
                {"X-Team": "blue"},
                ["Authorization"],
            )

            sse_server.script(
                OPENAI.calls(("c1", "shout", ['{"text": "hi"}'])),
                OPENAI.text("Done."),
            )
            asked = run(
                "ask", "--protocol", "openai", "--base-url", sse_server.url + "/v1",
                "--model", "m", "--run-tools", "--approve", "all", "shout hi",
            )  # fmt: skip
            outputs += [r.stdout + r.stderr for r in (refused, added, missing, saved, tools, asked)]
            assert asked.returncode == 0, asked.stderr
            ((_, content, _),) = OPENAI.results(sse_server.requests[1])
            assert content == "HI"

            store.set(entry, "Bearer wrong", service=MCP_HEADER_SERVICE)
            wrong = run("mcp", "tools", name)
            assert wrong.returncode == 1
            assert "refused the request" in wrong.stderr
        profile = paths.profile_dir()
        assert profile is not None
        assert [
            p for p in profile.rglob("*") if p.is_file() and token.encode() in p.read_bytes()
        ] == []
        assert not [text for text in outputs if token in text]

        removed = run("mcp", "remove", name)
        assert removed.returncode == 0, removed.stderr
        assert "and its header values from the keyring" in removed.stdout
        assert store.get(entry, service=MCP_HEADER_SERVICE) is None
    finally:
        store.delete(entry, service=MCP_HEADER_SERVICE)


def test_delete_header_stops_sending_it(real_keyring: RealKeyring) -> None:
    env = real_keyring.env()
    name = f"web{uuid.uuid4().hex[:8]}"
    store = KeyStore(real_keyring.backend)
    entry = mcp_header_entry(name, "X-Api-Key")

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop_chat", *args],
            input=stdin, capture_output=True, text=True, timeout=60, check=False, env=env,
        )  # fmt: skip

    try:
        assert run("mcp", "add", name, "--url", "http://127.0.0.1:9/mcp").returncode == 0
        set_ = run("mcp", "set-header", name, "X-Api-Key", stdin="abc123\n")
        assert set_.returncode == 0, set_.stderr
        listed = run("mcp", "list").stdout
        assert listed.endswith("/mcp  (secret headers: X-Api-Key)\n"), listed
        assert saved_settings()["tools"]["mcp_servers"][0]["keyring_headers"] == ["X-Api-Key"]  # type: ignore[index]
        deleted = run("mcp", "delete-header", name, "x-api-key")
        assert deleted.returncode == 0, deleted.stderr
        assert deleted.stdout == (
            f"{name!r} no longer sends X-Api-Key and its value from the Secret Service.\n"
        )
        assert store.get(entry, service=MCP_HEADER_SERVICE) is None
        assert saved_settings()["tools"]["mcp_servers"][0]["keyring_headers"] == []  # type: ignore[index]
        again = run("mcp", "delete-header", name, "X-Api-Key")
        assert (again.returncode, again.stderr) == (
            2,
            f"desktop-chat: {name!r} has no keyring header 'X-Api-Key' (has: none)\n",
        )
        stdio = run("mcp", "add", "local", "--command", "x", "--keyring-header", "A")
        assert stdio.returncode == 2
        assert "only apply to --url servers" in stdio.stderr
    finally:
        store.delete(entry, service=MCP_HEADER_SERVICE)


def test_a_calculator_call_hiding_a_huge_power_ends_at_once(sse_server: ScriptedServer) -> None:
    sse_server.script(
        OPENAI.calls(("h1", "calculator", ['{"expression": "round(1, -10**7)"}'])),
        OPENAI.text("Zero."),
    )
    started = time.monotonic()
    result = ask(
        OPENAI, sse_server, "--run-tools", "--approve", "all", "--tool-timeout", "3", "round it"
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "tool result: calculator -> 0" in result.stderr.splitlines()
    assert OPENAI.results(sse_server.requests[1]) == [("h1", "0", False)]
    assert took < 3  # the whole command, start-up included


def start_ask(server: ScriptedServer, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_chat", "ask", "--protocol", "openai",
         "--base-url", server.url + "/v1", "--model", "m", *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "DESKTOP_CHAT_API_KEY": KEY},
    )  # fmt: skip


def add_sleepy() -> None:
    root = str(Path(__file__).resolve().parents[2])
    added = cli("mcp", "add", "sleepy", "--command", sys.executable,
                "--arg=-m", "--arg=tests.ui.sleepy_mcp_server", "--cwd", root)  # fmt: skip
    assert added.returncode == 0, added.stderr


def test_the_tool_timeout_ends_a_slow_call_on_time(sse_server: ScriptedServer) -> None:
    add_sleepy()
    sse_server.script(OPENAI.calls(("n1", "nap", ['{"seconds": 60}'])), OPENAI.text("Too slow."))
    process = start_ask(sse_server, "--run-tools", "--approve", "all", "--tool-timeout", "1", "hi")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out == "Too slow.\n"
    assert "tool error: nap -> The tool did not finish within 1 s." in err.splitlines()
    assert OPENAI.results(sse_server.requests[1]) == [
        ("n1", "The tool did not finish within 1 s.", False)
    ]


def test_ctrl_c_during_a_slow_call_ends_ask_at_once(sse_server: ScriptedServer) -> None:
    add_sleepy()
    sse_server.script(OPENAI.calls(("n1", "nap", ['{"seconds": 60}'])), OPENAI.text("never"))
    process = start_ask(sse_server, "--run-tools", "--approve", "all", "hi")
    assert process.stderr is not None
    line = ""
    deadline = time.monotonic() + 60
    while not line.startswith("tool call: nap") and time.monotonic() < deadline:
        line = process.stderr.readline()
    assert line.startswith("tool call: nap"), line
    time.sleep(0.3)  # the call is running
    asked = time.monotonic()
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    took = time.monotonic() - asked
    assert process.returncode != 0
    assert "Traceback" not in err
    assert took < 3, f"ask took {took:.2f} s to stop"
    assert len(sse_server.requests) == 1


NOISY_LINE = (
    "desktop-chat: warning: MCP server 'noisy' printed text on stdout, where only MCP messages "
    "belong: 'Noisy MCP server 1.2 starting on stdio; reading the config from /etc/noisy/serv…'; "
    "it was ignored"
)


def test_a_server_printing_on_stdout_is_one_line_in_mcp_tools_and_ask(
    sse_server: ScriptedServer,
) -> None:
    root = str(Path(__file__).resolve().parents[2])
    for name, extra in (("noisy", ()), ("usage", ("--arg=--usage",))):
        added = cli("mcp", "add", name, "--command", sys.executable, "--arg=-m",
                    "--arg=tests.tools.noisy_mcp_server", *extra, "--cwd", root)  # fmt: skip
        assert added.returncode == 0, added.stderr
    tools = cli("mcp", "tools", "noisy")
    assert tools.returncode == 0, tools.stderr
    assert tools.stderr == NOISY_LINE + "\n"
    assert tools.stdout == "echo  Return the text unchanged.\n"
    failed = cli("mcp", "tools", "usage")
    assert failed.returncode == 1
    assert failed.stderr == (
        "desktop-chat: MCP server 'usage' could not start: the server closed the connection "
        "(it may have exited); it printed on stdout: 'usage: noisy-server [--port PORT] "
        "--config FILE' (and 1 more line)\n"
    )
    sse_server.script(OPENAI.calls(("e1", "echo", ['{"text": "hi"}'])), OPENAI.text("Echoed."))
    result = ask(OPENAI, sse_server, "--run-tools", "--approve", "all", "echo hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Echoed.\n"
    lines = result.stderr.splitlines()
    assert lines[0].startswith("desktop-chat: warning: MCP server 'usage' could not start")
    assert lines[1] == NOISY_LINE
    assert "tool result: echo -> hi" in lines
    assert "Traceback" not in result.stderr
    assert "Failed to parse" not in result.stderr
