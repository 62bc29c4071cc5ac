"""What the inspector records of the wire: keyless endpoints in full, echoed keys nowhere."""

from __future__ import annotations

import asyncio
import json

import pytest

from desktop_chat.core.engine import EndpointConfig
from desktop_chat.core.errors import MalformedStreamError
from desktop_chat.inspector.export import curl_command, jsonl_lines
from tests.inspector.recording import (
    ANTHROPIC,
    KEY,
    OPENAI,
    Recording,
    Wire,
    everything,
    make_engine,
    run_turn,
)
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import openai_stream, sse

BOTH = pytest.mark.parametrize("wire", [OPENAI, ANTHROPIC], ids=["openai", "anthropic"])
TIMEOUT = 15


@BOTH
async def test_a_keyless_endpoint_is_recorded_like_a_keyed_one(
    wire: Wire, sse_server: ScriptedServer
) -> None:
    """The demo, Ollama and LM Studio have no key: their wire is shown all the same."""
    reply = wire.text("local ", "answer")
    sse_server.script(reply)
    base = sse_server.url + "/v1" if wire is OPENAI else sse_server.url
    recording = Recording()
    endpoint = EndpointConfig(wire.protocol, base)
    await asyncio.wait_for(run_turn(make_engine(), endpoint, recording), TIMEOUT)
    (trace,) = recording.inspection.requests
    path = "/v1/chat/completions" if wire is OPENAI else "/v1/messages"
    assert (trace.method, trace.url, trace.status) == ("POST", sse_server.url + path, 200)
    assert dict(trace.headers)["Accept"] == "text/event-stream"
    assert json.loads(trace.body) == sse_server.requests[0].json()
    assert dict(trace.response_headers)["content-type"].startswith("text/event-stream")
    sse_entries = [entry for entry in trace.entries if entry.kind == "sse"]
    assert [entry.raw() + "\n\n" for entry in sse_entries] == [c.decode() for c in reply.chunks]
    curl = curl_command(trace)
    assert curl.startswith(f"curl -N \\\n  {sse_server.url}{path} \\\n")
    assert "--data-raw" in curl
    assert "API_KEY" not in curl  # no key header to fill in
    assert len(jsonl_lines(recording.inspection).splitlines()) == len(trace.entries)


async def test_a_key_echoed_in_a_response_header_is_in_no_export(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(headers={"X-Debug": f"key={KEY}"}, chunks=openai_stream(["ok"])))
    recording = Recording()  # no secrets given: the engine redacts before anything records
    await asyncio.wait_for(run_turn(make_engine(), OPENAI.endpoint(sse_server), recording), TIMEOUT)
    (trace,) = recording.inspection.requests
    assert dict(trace.response_headers)["x-debug"] == "key=[redacted]"
    assert KEY not in everything(recording.inspection)


async def test_a_key_echoed_in_a_non_json_data_line_is_in_no_export(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(chunks=[*openai_stream(["par"])[:2], sse(f"bad key {KEY}")]))
    recording = Recording()
    with pytest.raises(MalformedStreamError) as caught:
        await asyncio.wait_for(
            run_turn(make_engine(), OPENAI.endpoint(sse_server), recording), TIMEOUT
        )
    recording.inspection.finish(caught.value)
    exported = jsonl_lines(recording.inspection)
    assert "bad key [redacted]" in exported
    assert KEY not in everything(recording.inspection)


async def test_secrets_given_to_the_inspection_are_scrubbed_from_response_headers(
    sse_server: ScriptedServer,
) -> None:
    """A second line of defence: a secret the engine did not know of (an MCP header's)."""
    sse_server.script(Reply(headers={"X-Echo": "other-secret-42"}, chunks=openai_stream(["ok"])))
    recording = Recording(secrets=["other-secret-42"])
    await asyncio.wait_for(run_turn(make_engine(), OPENAI.endpoint(sse_server), recording), TIMEOUT)
    assert "other-secret-42" not in everything(recording.inspection)
