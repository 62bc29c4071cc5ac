"""Check the scripted SSE server and the canned provider streams the other tests rely on."""

from __future__ import annotations

import gzip
import json
import threading
import time

import httpx
import httpx_sse
import pytest

from tests.support.sse_server import Reply, ScriptedServer, gzipped, redirect
from tests.support.streams import (
    anthropic_error_event,
    anthropic_stream,
    openai_error_chunk,
    openai_stream,
    responses_error_event,
    responses_failed_event,
    responses_stream,
    split_bytes,
    sse,
)

TIMEOUT = httpx.Timeout(5.0)


def read_raw(server: ScriptedServer, timeout: httpx.Timeout = TIMEOUT) -> list[bytes]:
    with (
        httpx.Client(timeout=timeout) as client,
        client.stream("GET", server.url + "/stream") as response,
    ):
        return list(response.iter_raw())


def parse_events(chunks: list[bytes]) -> list[tuple[str | None, str]]:
    """Return (event, data) pairs; a deliberately small parser, independent of the app's."""
    events = []
    for block in b"".join(chunks).decode().split("\n\n"):
        if not block:
            continue
        event, data = None, []
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        events.append((event, "\n".join(data)))
    return events


# -- the server ---------------------------------------------------------------------------


def test_chunks_arrive_one_by_one(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=[b"data: a\n\n", b"data: b\n\n", b"data: c\n\n"], delay=0.05))
    assert read_raw(sse_server) == [b"data: a\n\n", b"data: b\n\n", b"data: c\n\n"]


def test_stream_defaults_to_event_stream_and_keeps_extra_headers(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(headers={"X-Request-Id": "req_1"}, chunks=[b"data: x\n\n"]))
    response = httpx.get(sse_server.url + "/", timeout=TIMEOUT)
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["x-request-id"] == "req_1"
    assert response.headers["transfer-encoding"] == "chunked"
    assert response.content == b"data: x\n\n"


def test_drop_after_ends_without_terminating_chunk(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=[b"data: a\n\n", b"data: b\n\n"], drop_after=1))
    received: list[bytes] = []
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream("GET", sse_server.url) as response,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        received.extend(response.iter_raw())
    assert received == [b"data: a\n\n"]


def test_stall_trips_a_read_timeout(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=[b"data: a\n\n", b"data: b\n\n"], stall=3.0, stall_after=1))
    received: list[bytes] = []
    started = time.monotonic()
    with (
        httpx.Client(timeout=httpx.Timeout(5.0, read=0.3)) as client,
        client.stream("GET", sse_server.url) as response,
        pytest.raises(httpx.ReadTimeout),
    ):
        received.extend(response.iter_raw())
    assert received == [b"data: a\n\n"]
    assert time.monotonic() - started < 2.5


def test_stall_then_continues(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=[b"data: a\n\n", b"data: b\n\n"], stall=0.3, stall_after=1))
    started = time.monotonic()
    assert b"".join(read_raw(sse_server)) == b"data: a\n\ndata: b\n\n"
    assert time.monotonic() - started >= 0.3


def test_replies_are_taken_in_order_then_500(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(body=b"one"), Reply(status=429, headers={"Retry-After": "1"}))
    with httpx.Client(base_url=sse_server.url, timeout=TIMEOUT) as client:
        first, second, third = (client.post("/v1/chat/completions") for _ in range(3))
    assert (first.status_code, first.text) == (200, "one")
    assert (second.status_code, second.headers["retry-after"], second.content) == (429, "1", b"")
    assert third.status_code == 500
    assert third.headers["content-type"] == "application/json"
    assert "no scripted reply" in third.json()["error"]["message"]
    assert sse_server.unused == 0


def test_routes_answer_every_time_ahead_of_the_queue(sse_server: ScriptedServer) -> None:
    models = json.dumps({"object": "list", "data": [{"id": "m"}]}).encode()
    sse_server.route("GET", "/v1/models", Reply(body=models))
    sse_server.script(Reply(body=b"<html>queued</html>", status=502))
    with httpx.Client(base_url=sse_server.url, timeout=TIMEOUT) as client:
        listed = [client.get("/v1/models", params={"limit": "5"}).json() for _ in range(2)]
        queued = client.post("/v1/models")
    assert listed == [{"object": "list", "data": [{"id": "m"}]}] * 2
    assert queued.status_code == 502
    assert queued.headers["content-type"].startswith("text/html")


def test_requests_are_recorded(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=[sse("[DONE]")]))
    httpx.post(
        sse_server.url + "/v1/messages?beta=true",
        json={"model": "m", "stream": True},
        headers={"X-Api-Key": "test-key"},
        timeout=TIMEOUT,
    )
    (request,) = sse_server.wait_for_requests(1)
    assert (request.method, request.path, request.query) == ("POST", "/v1/messages", "beta=true")
    assert request.headers["x-api-key"] == request.headers["X-API-KEY"] == "test-key"
    assert "Content-Type" in request.headers
    assert request.headers.get("missing") is None
    assert request.json() == {"model": "m", "stream": True}


def test_chunked_request_bodies_are_read(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(body=b"{}"))
    httpx.post(sse_server.url, content=iter([b'{"a":', b"1}"]), timeout=TIMEOUT)
    assert sse_server.requests[0].json() == {"a": 1}


def test_wait_for_requests_times_out(sse_server: ScriptedServer) -> None:
    with pytest.raises(TimeoutError, match="0 of 1"):
        sse_server.wait_for_requests(1, timeout=0.1)


def test_client_hang_up_is_silent(
    sse_server: ScriptedServer, capfd: pytest.CaptureFixture[str]
) -> None:
    sse_server.script(Reply(chunks=[b"data: x\n\n"] * 50, delay=0.02), Reply(body=b"ok"))
    with httpx.Client(timeout=TIMEOUT) as client:
        with client.stream("GET", sse_server.url) as response:
            next(response.iter_raw())
        # The server keeps serving after the broken stream.
        assert client.get(sse_server.url).text == "ok"
    time.sleep(0.3)  # Let the abandoned handler hit the broken pipe.
    assert capfd.readouterr().err == ""


def test_close_during_a_stall_returns_quickly() -> None:
    server = ScriptedServer()
    server.script(Reply(chunks=[b"data: a\n\n", b"data: b\n\n"], stall=60.0, stall_after=1))
    outcome: list[BaseException | bytes] = []

    def consume() -> None:
        try:
            outcome.append(b"".join(read_raw(server, httpx.Timeout(30.0))))
        except httpx.HTTPError as error:
            outcome.append(error)

    client = threading.Thread(target=consume, daemon=True)
    client.start()
    server.wait_for_requests(1)
    time.sleep(0.1)
    started = time.monotonic()
    server.close()
    assert time.monotonic() - started < 2.0
    client.join(5.0)
    assert not client.is_alive()
    assert isinstance(outcome[0], httpx.RemoteProtocolError)


def test_close_is_fast_with_an_idle_keep_alive_connection() -> None:
    with ScriptedServer() as server:
        server.script(Reply(body=b"ok"))
        client = httpx.Client(timeout=TIMEOUT)
        assert client.get(server.url).text == "ok"
        started = time.monotonic()
    assert time.monotonic() - started < 2.0
    port = server.url.rsplit(":", 1)[1]
    assert [t.name for t in threading.enumerate() if t.name.startswith(f"http-{port}")] == []
    client.close()


def test_openai_stream_parses_with_an_independent_sse_client(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=split_bytes(openai_stream(["Hi", " 你好"]), 3)))
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        httpx_sse.connect_sse(client, "POST", sse_server.url) as source,
    ):
        data = [event.data for event in source.iter_sse()]
    assert data[-1] == "[DONE]"
    deltas = [json.loads(d)["choices"] for d in data[:-1]]
    assert "".join(c[0]["delta"].get("content") or "" for c in deltas if c) == "Hi 你好"


# -- the canned streams --------------------------------------------------------------------


def test_sse_encodes_event_and_multiline_data() -> None:
    assert sse("a\nb", event="ping") == b"event: ping\ndata: a\ndata: b\n\n"
    assert sse("[DONE]") == b"data: [DONE]\n\n"


def test_split_bytes_rejoins_and_cycles_sizes() -> None:
    pieces = split_bytes([b"abcdef", b"ghij"], [1, 3])
    assert pieces == [b"a", b"bcd", b"e", b"fgh", b"i", b"j"]
    assert split_bytes([b"abcde"], 2) == [b"ab", b"cd", b"e"]
    with pytest.raises(ValueError, match="positive"):
        split_bytes([b"abc"], [0])
    with pytest.raises(ValueError, match="empty"):
        split_bytes([b"abc"], [])


def test_openai_stream_has_the_real_shape() -> None:
    chunks = openai_stream(["Hel", "lo"], reasoning_pieces=["hm"], model="gpt-x")
    assert all(c.startswith(b"data: ") and c.endswith(b"\n\n") for c in chunks)
    assert chunks[-1] == b"data: [DONE]\n\n"
    payloads = [json.loads(c[6:]) for c in chunks[:-1]]
    assert {p["object"] for p in payloads} == {"chat.completion.chunk"}
    assert {p["model"] for p in payloads} == {"gpt-x"}
    assert payloads[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert payloads[1]["choices"][0]["delta"] == {"content": None, "reasoning_content": "hm"}
    assert [p["choices"][0]["delta"] for p in payloads[2:4]] == [
        {"content": "Hel"},
        {"content": "lo"},
    ]
    assert payloads[4]["choices"][0] == {
        "index": 0,
        "delta": {},
        "logprobs": None,
        "finish_reason": "stop",
    }
    assert payloads[5]["choices"] == []
    assert payloads[5]["usage"]["total_tokens"] == 46
    assert all(p["usage"] is None for p in payloads[:5])


def test_openai_stream_options() -> None:
    chunks = openai_stream(
        ["x"],
        null_content_first=True,
        reasoning_pieces=["r"],
        reasoning_field="reasoning",
        usage=None,
        done=False,
        finish_reason=None,
    )
    payloads = [json.loads(c[6:]) for c in chunks]
    assert len(payloads) == 3
    assert payloads[0]["choices"][0]["delta"]["content"] is None
    assert payloads[1]["choices"][0]["delta"]["reasoning"] == "r"
    assert all("usage" not in p for p in payloads)


@pytest.mark.parametrize("interleave", [False, True])
def test_openai_tool_calls_reassemble_by_index(interleave: bool) -> None:
    calls = [
        {"id": "call_a", "name": "get_time", "argument_pieces": ['{"tz"', ': "UTC"}']},
        {"id": "call_b", "name": "calc", "argument_pieces": ['{"e', 'xpr": "2+2"', "}"]},
    ]
    chunks = openai_stream(
        [], tool_calls=calls, interleave_tool_calls=interleave, finish_reason="tool_calls"
    )
    fragments = [
        fragment
        for c in chunks[:-1]
        for choice in json.loads(c[6:])["choices"]
        for fragment in choice["delta"].get("tool_calls", [])
    ]
    assembled: dict[int, dict[str, str]] = {}
    for fragment in fragments:
        slot = assembled.setdefault(fragment["index"], {"arguments": ""})
        if "id" in fragment:
            assert fragment["type"] == "function"
            slot.update(id=fragment["id"], name=fragment["function"]["name"])
        slot["arguments"] += fragment["function"]["arguments"]
    assert assembled == {
        0: {"id": "call_a", "name": "get_time", "arguments": '{"tz": "UTC"}'},
        1: {"id": "call_b", "name": "calc", "arguments": '{"expr": "2+2"}'},
    }
    order = [f["index"] for f in fragments]
    assert order == ([0, 1, 0, 1, 0, 1, 1] if interleave else [0, 0, 0, 1, 1, 1, 1])
    assert json.loads(chunks[-3][6:])["choices"][0]["finish_reason"] == "tool_calls"


def test_anthropic_stream_has_the_real_shape() -> None:
    chunks = anthropic_stream(
        ["Hi"],
        thinking_pieces=["Let me", " think"],
        signature="sig1",
        tool_uses=[{"id": "toolu_1", "name": "get_time", "json_pieces": ['{"tz":', ' "UTC"}']}],
        stop_reason="tool_use",
        usage=(7, 9),
    )
    events = parse_events(chunks)
    payloads = [json.loads(data) for _, data in events]
    assert all(kind == p["type"] for (kind, _), p in zip(events, payloads, strict=True))
    assert [kind for kind, _ in events] == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * 3,
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        *["content_block_delta"] * 2,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert payloads[0]["message"]["usage"]["input_tokens"] == 7
    assert payloads[1]["content_block"]["type"] == "thinking"
    assert [p["delta"]["type"] for p in payloads[3:6]] == [
        "thinking_delta",
        "thinking_delta",
        "signature_delta",
    ]
    assert payloads[5]["delta"]["signature"] == "sig1"
    assert payloads[8]["delta"] == {"type": "text_delta", "text": "Hi"}
    assert payloads[10]["content_block"] == {
        "type": "tool_use",
        "id": "toolu_1",
        "name": "get_time",
        "input": {},
    }
    partial = "".join(p["delta"]["partial_json"] for p in payloads[11:13])
    assert json.loads(partial) == {"tz": "UTC"}
    assert payloads[-2]["delta"]["stop_reason"] == "tool_use"
    assert payloads[-2]["usage"] == {"output_tokens": 9}


def test_anthropic_stream_can_end_without_message_stop() -> None:
    kinds = [
        kind for kind, _ in parse_events(anthropic_stream(["a"], stop_reason=None, ping=False))
    ]
    assert kinds == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
    ]


def test_error_events() -> None:
    ((kind, data),) = parse_events([anthropic_error_event()])
    assert kind == "error"
    assert json.loads(data) == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    ((kind, data),) = parse_events([openai_error_chunk("Rate limit", "rate_limit_error", "rl")])
    assert kind is None
    assert json.loads(data)["error"] == {
        "message": "Rate limit",
        "type": "rate_limit_error",
        "param": None,
        "code": "rl",
    }


def test_redirect_sends_the_status_and_location(sse_server: ScriptedServer) -> None:
    sse_server.script(redirect("/v2/chat", 308), redirect("http://elsewhere.invalid/x"))
    with httpx.Client(base_url=sse_server.url, timeout=TIMEOUT) as client:
        first, second = (client.post("/v1/chat") for _ in range(2))
    assert (first.status_code, first.headers["location"], first.content) == (308, "/v2/chat", b"")
    assert (second.status_code, second.headers["location"]) == (307, "http://elsewhere.invalid/x")


def test_gzipped_is_sent_compressed_and_built_piece_by_piece(sse_server: ScriptedServer) -> None:
    sse_server.script(gzipped([b"data: a\n\n"] * 1000, "text/event-stream"))
    with (
        httpx.Client(timeout=TIMEOUT) as client,
        client.stream("GET", sse_server.url) as response,
    ):
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"] == "text/event-stream"
    assert len(raw) < 200
    assert gzip.decompress(raw) == b"data: a\n\n" * 1000


def test_responses_streams_are_what_the_openai_sdk_expects() -> None:
    from openai.types.responses import ResponseStreamEvent
    from pydantic import TypeAdapter

    calls = [{"id": "call_1", "name": "calc", "argument_pieces": ['{"a"', ": 1}"]}]
    chunks = [
        *responses_stream(["Hel", "lo"], summary_parts=[["a", "b"], ["c"]], tool_calls=calls),
        *responses_stream(["cut"], status="incomplete"),
        responses_error_event("Too fast", "rate_limit_exceeded"),
        responses_failed_event(),
    ]
    adapter = TypeAdapter(ResponseStreamEvent)
    for kind, data in parse_events(chunks):
        assert adapter.validate_python(json.loads(data)).type == kind
    kinds = [kind for kind, _ in parse_events(responses_stream(["a"], status=None))]
    assert kinds[-1] == "response.output_item.done"  # cut before the response's end


def test_the_openai_sdk_reads_a_responses_stream_from_the_server(
    sse_server: ScriptedServer,
) -> None:
    from openai import OpenAI

    calls = [{"id": "call_1", "name": "calc", "argument_pieces": ['{"a"', ": 1}"]}]
    chunks = responses_stream(["Hi", " 你好"], summary_parts=[["hm"]], tool_calls=calls)
    sse_server.script(Reply(chunks=split_bytes(chunks, 5)))
    client = OpenAI(base_url=sse_server.url + "/v1", api_key="x", max_retries=0, timeout=5.0)
    with client.responses.create(model="m", input="hi", stream=True) as stream:
        events = list(stream)
    client.close()
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "Hi 你好"
    final = events[-1]
    assert final.type == "response.completed"
    assert [item.type for item in final.response.output] == [
        "reasoning",
        "message",
        "function_call",
    ]
    assert final.response.usage is not None
    assert final.response.usage.output_tokens == 34
    assert sse_server.requests[0].path == "/v1/responses"
