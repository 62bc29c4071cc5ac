"""The Responses API from the command line: `ask --protocol openai-responses`, saved endpoints and
presets, run as a user runs them (subprocesses against the scripted server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import responses_failed_event, responses_stream
from tests.support.wire import RESPONSES

KEY = "sk-e2e-secret-0123456789"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desktop_chat", *args],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "DESKTOP_CHAT_API_KEY": KEY},
    )  # fmt: skip


def ask(server: ScriptedServer, *extra: str) -> subprocess.CompletedProcess[str]:
    base = server.url + "/v1"
    return cli("ask", "--protocol", "openai-responses", "--base-url", base, "--model", "m", *extra)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr


def test_json_with_reasoning_tool_calls_and_usage(
    sse_server: ScriptedServer, tmp_path: Path
) -> None:
    calls = [{"id": "call_a", "name": "now", "argument_pieces": ['{"tz":', ' "UTC"}']}]
    chunks = responses_stream(["Let me look."], summary_parts=[["Time", " zone"]], tool_calls=calls)
    sse_server.script(Reply(chunks=chunks))
    tools = tmp_path / "tools.json"
    schema = {"type": "object", "properties": {"tz": {"type": "string"}}}
    tools.write_text(
        json.dumps([{"type": "function", "function": {"name": "now", "parameters": schema}}])
    )
    result = ask(
        sse_server,
        "--system",
        "terse",
        "--max-tokens",
        "77",
        "--tools",
        str(tools),
        "--json",
        "time?",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "text": "Let me look.",
        "reasoning": "Time zone",
        "tool_calls": [{"id": "call_a", "name": "now", "arguments": '{"tz": "UTC"}'}],
        "stop_reason": "completed",
        "usage": {
            "input_tokens": 12,
            "output_tokens": 34,
            "cached_input_tokens": None,
            "cache_write_tokens": None,
        },
        "attempts": 1,
    }
    (request,) = sse_server.requests
    assert request.path == "/v1/responses"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.body)
    assert (body["instructions"], body["max_output_tokens"], body["store"]) == ("terse", 77, False)
    assert body["input"] == [{"role": "user", "content": "time?"}]
    assert body["tools"] == [
        {
            "type": "function",
            "name": "now",
            "description": "",
            "parameters": schema,
            "strict": False,
        }
    ]
    assert KEY not in result.stdout + result.stderr


def test_run_tools_sends_calls_and_results_back_as_items(sse_server: ScriptedServer) -> None:
    sse_server.script(
        RESPONSES.calls(
            ("call_1", "calculator", ['{"expression":', ' "6*7"}']), text=["Computing."]
        ),
        RESPONSES.text("The answer is 42."),
    )
    result = ask(sse_server, "--run-tools", "--approve", "all", "--json", "what is 6*7?")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["text"] == "The answer is 42."
    assert output["steps"][0]["tool_calls"][0]["result"] == "42"
    second = sse_server.requests[1].json()
    assert second["input"] == [  # type: ignore[index]
        {"role": "user", "content": "what is 6*7?"},
        {"role": "assistant", "content": "Computing."},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "calculator",
            "arguments": '{"expression": "6*7"}',
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "42"},
    ]


def test_a_failed_response_is_one_object_and_exit_1(sse_server: ScriptedServer) -> None:
    refused = responses_failed_event("invalid_prompt", "Your prompt was flagged")
    sse_server.script(Reply(chunks=[*responses_stream([], status=None)[:2], refused]))
    result = ask(sse_server, "--json", "hi")
    assert result.returncode == 1
    output = json.loads(result.stdout)
    assert output["error"]["type"] == "BadRequestError"
    assert output["error"]["provider_message"] == "Your prompt was flagged"
    assert len(sse_server.requests) == 1
    no_traceback(result)


def test_base_url_without_a_protocol_names_all_three() -> None:
    result = cli("ask", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "hi")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "desktop-chat: --base-url needs --protocol (openai, openai-responses, anthropic)"
    )


def test_a_saved_responses_endpoint_from_its_preset(sse_server: ScriptedServer) -> None:
    added = cli("endpoint", "add", "R", "--preset", "openai-responses", "--model", "gpt-x")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith(
        "Added endpoint 'R' (openai-responses, https://api.openai.com/v1)"
    )
    moved = cli("endpoint", "edit", "R", "--base-url", sse_server.url + "/v1")
    assert moved.returncode == 0, moved.stderr
    listed = cli("endpoint", "list")
    assert listed.stdout.startswith(f"* R  openai-responses  {sse_server.url}/v1  model: gpt-x")
    sse_server.script(Reply(chunks=responses_stream(["saved ", "answer"])))
    result = cli("ask", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "saved answer\n"
    assert sse_server.requests[0].path == "/v1/responses"
    assert json.loads(sse_server.requests[0].body)["model"] == "gpt-x"


def test_new_presets_are_found_by_their_letters() -> None:
    for preset, url in [
        ("moonshot-kimi", "https://api.moonshot.cn/v1"),
        ("Qwen DashScope", "https://dashscope.aliyuncs.com/compatible-mode/v1"),
        ("z.ai glm", "https://api.z.ai/api/paas/v4"),
        ("googlegemini", "https://generativelanguage.googleapis.com/v1beta/openai"),
    ]:
        added = cli("endpoint", "add", preset, "--preset", preset)
        assert added.returncode == 0, added.stderr
        assert f"(openai, {url})" in added.stdout
    unknown = cli("endpoint", "add", "X", "--preset", "gemini")
    assert unknown.returncode == 2
    assert "unknown preset 'gemini'; presets: OpenAI, OpenAI Responses, Anthropic" in unknown.stderr
