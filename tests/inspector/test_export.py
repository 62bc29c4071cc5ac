"""cURL commands and JSON Lines made from requests the real engine sent to the scripted server."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil

import pytest

from desktop_chat.inspector.export import curl_command, jsonl_lines, key_variable
from desktop_chat.inspector.inspection import Inspection
from desktop_chat.inspector.trace import RequestTrace
from tests.inspector.recording import (
    ANTHROPIC,
    KEY,
    OPENAI,
    Recording,
    Wire,
    make_engine,
    request,
    run_turn,
)
from tests.support.sse_server import ScriptedServer

BOTH = pytest.mark.parametrize("wire", [OPENAI, ANTHROPIC], ids=["openai", "anthropic"])
TIMEOUT = 15
TRICKY = 'it\'s $HOME, `date` and \\n "quoted" — ünïcode'


async def recorded(wire: Wire, server: ScriptedServer) -> Inspection:
    server.script(wire.text("Hi", " there"))
    recording = Recording()
    await asyncio.wait_for(
        run_turn(make_engine(), wire.endpoint(server), recording, request(TRICKY)), TIMEOUT
    )
    return recording.inspection


def words(command: str) -> list[str]:
    """Split a command as a POSIX shell would (line continuations joined first)."""
    return shlex.split(command.replace("\\\n", " "))


@BOTH
async def test_curl_command_has_the_parts_and_a_variable_for_the_key(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    inspection = await recorded(wire, sse_server)
    trace = inspection.requests[0]
    command = curl_command(trace)
    assert KEY not in command
    variable = "OPENAI_API_KEY" if wire is OPENAI else "ANTHROPIC_API_KEY"
    assert key_variable(trace) == variable
    parts = words(command)
    assert parts[:3] == ["curl", "-N", trace.url]
    headers = [parts[i + 1] for i, part in enumerate(parts) if part == "-H"]
    if wire is OPENAI:
        assert "Authorization: Bearer ${OPENAI_API_KEY}" in headers
    else:
        assert "x-api-key: ${ANTHROPIC_API_KEY}" in headers
        assert "anthropic-version: 2023-06-01" in headers
    assert "Content-Type: application/json" in headers
    assert parts[-2] == "--data-raw"
    assert parts[-1] == trace.body
    assert json.loads(parts[-1])["stream"] is True


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@BOTH
async def test_the_curl_command_runs_and_sends_the_same_request(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    inspection = await recorded(wire, sse_server)
    trace = inspection.requests[0]
    reply = wire.text("again")
    sse_server.script(reply)
    variable = key_variable(trace)
    process = await asyncio.create_subprocess_exec(
        "sh",
        "-c",
        curl_command(trace),
        env={"PATH": os.environ["PATH"], variable: KEY},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode == 0, err
    assert out == b"".join(reply.chunks)
    original, repeated = sse_server.requests
    assert repeated.path == original.path
    assert repeated.body == original.body
    if wire is OPENAI:
        assert repeated.headers["Authorization"] == f"Bearer {KEY}"
    else:
        assert repeated.headers["x-api-key"] == KEY
        assert repeated.headers["anthropic-version"] == original.headers["anthropic-version"]


def test_other_secret_headers_stay_redacted_and_methods_are_kept() -> None:
    trace = RequestTrace(0, 1, 1, 1, 0.0, method="GET", url="http://127.0.0.1:9/v1/models")
    trace.headers = (
        ("Cookie", "session=abc123"),
        ("X-Auth-Token", "tok-secret"),
        ("api-key", "[redacted]"),
        ("Accept", "text/event-stream"),
    )
    command = curl_command(trace, variable="AZURE_KEY")
    assert "abc123" not in command
    assert "tok-secret" not in command
    parts = words(command)
    assert parts[:4] == ["curl", "-N", "-X", "GET"]
    headers = [parts[i + 1] for i, part in enumerate(parts) if part == "-H"]
    assert headers == [
        "Cookie: [redacted]",
        "X-Auth-Token: [redacted]",
        "api-key: ${AZURE_KEY}",
        "Accept: text/event-stream",
    ]
    assert "--data-raw" not in parts
    with pytest.raises(ValueError, match="not a shell variable"):
        curl_command(trace, variable="$(rm -rf ~)")


@BOTH
async def test_jsonl_has_one_object_per_event_with_time_kind_raw_and_parsed(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    inspection = await recorded(wire, sse_server)
    trace = inspection.requests[0]
    text = jsonl_lines(trace)
    assert KEY not in text
    assert text.endswith("\n")
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == len(trace.entries)
    assert [line["kind"] for line in lines] == [entry.kind for entry in trace.entries]
    assert {"t", "since_start", "kind", "type", "raw", "parsed", "summary"} <= set(lines[0])
    first_request = next(line for line in lines if line["kind"] == "request")
    assert first_request["parsed"]["body"] == json.loads(trace.body)
    assert first_request["parsed"]["body"]["messages"][-1]["content"] == TRICKY
    sse_lines = [line for line in lines if line["kind"] == "sse"]
    assert [line["t"] for line in sse_lines] == sorted(line["t"] for line in sse_lines)
    for line in sse_lines:
        data = line["raw"].split("data: ", 1)[1]
        assert line["parsed"] == (data if data == "[DONE]" else json.loads(data))
    texts = [line["raw"] for line in lines if line["kind"] == "text"]
    assert "".join(texts) == "Hi there"
    assert all(line["step"] == 1 and line["attempt"] == 1 for line in lines)
    whole = jsonl_lines(inspection)
    assert whole.count("\n") == len(inspection.entries)
