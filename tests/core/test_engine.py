"""The engine against the real scripted SSE server on 127.0.0.1: every success and fault path."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket

import pytest

from desktop_chat.core.conversation import Tool
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import (
    AuthenticationError,
    BadRequestError,
    ChatError,
    ConnectionFailedError,
    MalformedStreamError,
    NotFoundError,
    ServerError,
    TimeoutError_,
)
from desktop_chat.core.events import (
    AttemptStarted,
    RetryScheduled,
    StreamEvent,
    TextDelta,
)
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from tests.support.engine import REQUEST, Sleeps
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import (
    anthropic_error_event,
    anthropic_stream,
    openai_error_chunk,
    openai_max_tokens_refusal,
    openai_stream,
    sse,
)

KEY = "sk-test-0123456789abcdef"


def make_engine(
    sleeps: Sleeps | None = None, *, read_timeout: float = 5.0, max_retries: int = 3, **kw: float
) -> Engine:
    return Engine(
        TransportConfig(connect_timeout=2.0, read_timeout=read_timeout, **kw),  # type: ignore[arg-type]
        RetryPolicy(max_retries=max_retries, base_delay=0.5, max_delay=4.0),
        sleep=sleeps or Sleeps(),
        rng=lambda: 0.5,
    )


def openai(server: ScriptedServer) -> EndpointConfig:
    return EndpointConfig("openai", server.url + "/v1", KEY)


def anthropic(server: ScriptedServer) -> EndpointConfig:
    return EndpointConfig("anthropic", server.url, KEY)


async def run(engine: Engine, endpoint: EndpointConfig, request: ChatRequest = REQUEST):
    events: list[StreamEvent] = []
    try:
        return await engine.run(endpoint, request, events.append), events
    finally:
        await engine.aclose()


async def test_openai_text_stream_and_request_shape(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["Hel", "lo ", "wörld 你好"])))
    turn, events = await run(make_engine(), openai(sse_server))
    assert turn.text == "Hello wörld 你好"
    assert (turn.stop_reason, turn.input_tokens, turn.output_tokens, turn.attempts) == (
        "stop",
        12,
        34,
        1,
    )
    assert events[0] == AttemptStarted(1, 4)
    (request,) = sse_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(request.body)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"][0] == {"role": "system", "content": "be brief"}


async def test_anthropic_thinking_and_tool_use(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(
            chunks=anthropic_stream(
                ["Let me ", "check."],
                thinking_pieces=["Hmm", ", time"],
                tool_uses=[{"id": "toolu_1", "name": "now", "json_pieces": ['{"tz"', ': "UTC"}']}],
                stop_reason="tool_use",
            )
        )
    )
    tool = Tool("now", "current time", {"type": "object", "properties": {"tz": {"type": "string"}}})
    request = ChatRequest("claude", REQUEST.conversation, tools=(tool,))
    turn, _ = await run(make_engine(), anthropic(sse_server), request)
    assert turn.text == "Let me check."
    assert turn.reasoning == "Hmm, time"
    assert turn.reasoning_signature == "sig"
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("toolu_1", "now", '{"tz": "UTC"}')
    ]
    assert turn.stop_reason == "tool_use"
    (request_seen,) = sse_server.requests
    assert request_seen.path == "/v1/messages"
    assert request_seen.headers["x-api-key"] == KEY
    assert request_seen.headers["anthropic-version"] == "2023-06-01"
    body = json.loads(request_seen.body)
    assert body["system"] == "be brief"
    assert body["tools"][0]["input_schema"]["properties"] == {"tz": {"type": "string"}}
    assert body["stream"] is True


async def test_drop_mid_stream_then_success_keeps_only_the_good_attempt(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(
        Reply(chunks=openai_stream(["first ", "attempt ", "never ends"]), drop_after=3),
        Reply(chunks=openai_stream(["second ", "attempt"])),
    )
    sleeps = Sleeps()
    turn, events = await run(make_engine(sleeps), openai(sse_server))
    assert turn.text == "second attempt"
    assert turn.attempts == 2
    (retry,) = [e for e in events if isinstance(e, RetryScheduled)]
    assert retry.attempt == 1
    assert retry.partial_text is True
    assert retry.cause.cause_label == "connection lost"
    assert sleeps.delays == [0.25]  # full jitter: min(4, 0.5 * 2**0) * rng 0.5


async def test_429_honours_retry_after(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(status=429, headers={"Retry-After": "3"}, body=b'{"error":{"message":"slow down"}}'),
        Reply(chunks=openai_stream(["ok"])),
    )
    sleeps = Sleeps()
    turn, events = await run(make_engine(sleeps), openai(sse_server))
    assert turn.text == "ok"
    assert sleeps.delays == [3.0]
    (retry,) = [e for e in events if isinstance(e, RetryScheduled)]
    assert "slow down" in str(retry.cause)
    assert retry.cause.status == 429


async def test_retry_after_ms_wins(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(status=429, headers={"retry-after-ms": "1500", "Retry-After": "9"}, body=b"{}"),
        Reply(chunks=openai_stream(["ok"])),
    )
    sleeps = Sleeps()
    await run(make_engine(sleeps), openai(sse_server))
    assert sleeps.delays == [1.5]


async def test_503_twice_then_success(sse_server: ScriptedServer) -> None:
    busy = Reply(status=503, body=b'{"error":{"message":"busy"}}')
    sse_server.script(busy, busy, Reply(chunks=openai_stream(["fine"])))
    sleeps = Sleeps()
    turn, _ = await run(make_engine(sleeps), openai(sse_server))
    assert (turn.text, turn.attempts) == ("fine", 3)
    assert sleeps.delays == [0.25, 0.5]
    assert len(sse_server.requests) == 3


async def test_401_is_not_retried(sse_server: ScriptedServer) -> None:
    body = b'{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}'
    sse_server.script(Reply(status=401, body=body), Reply(chunks=openai_stream(["no"])))
    with pytest.raises(AuthenticationError) as caught:
        await run(make_engine(), openai(sse_server))
    assert len(sse_server.requests) == 1
    assert caught.value.status == 401
    assert "Incorrect API key provided" in str(caught.value)
    assert KEY not in str(caught.value)


async def test_400_carries_the_provider_message(sse_server: ScriptedServer) -> None:
    body = (
        b'{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: too big"}}'
    )
    sse_server.script(Reply(status=400, body=body))
    with pytest.raises(BadRequestError) as caught:
        await run(make_engine(), anthropic(sse_server))
    assert caught.value.provider_message == "max_tokens: too big"
    assert len(sse_server.requests) == 1


async def test_the_chosen_limit_field_goes_on_the_wire(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    config = EndpointConfig("openai", sse_server.url + "/v1", KEY, {}, "max_completion_tokens")
    await run(make_engine(), config)
    body = json.loads(sse_server.requests[0].body)
    assert body["max_completion_tokens"] == 50
    assert "max_tokens" not in body


async def test_a_local_server_gets_max_tokens_by_default(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["ok"])))
    await run(make_engine(), openai(sse_server))
    body = json.loads(sse_server.requests[0].body)
    assert body["max_tokens"] == 50
    assert "max_completion_tokens" not in body


async def test_openai_refusing_max_tokens_says_how_to_fix_it(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(status=400, body=openai_max_tokens_refusal()))
    with pytest.raises(BadRequestError) as caught:
        await run(make_engine(), openai(sse_server))
    assert len(sse_server.requests) == 1
    message = str(caught.value)
    assert "set the endpoint's output limit field to max_completion_tokens" in message
    assert "desktop-chat endpoint edit NAME --output-limit-field max_completion_tokens" in message
    assert "Unsupported parameter: 'max_tokens'" in message


async def test_404_model_not_found(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(status=404, body=b'{"error":{"message":"model nope does not exist"}}'))
    with pytest.raises(NotFoundError, match="model nope does not exist"):
        await run(make_engine(), openai(sse_server))


async def test_502_html_body_is_retried_then_reported_readably(sse_server: ScriptedServer) -> None:
    html = b"<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    sse_server.script(*[Reply(status=502, headers={"Content-Type": "text/html"}, body=html)] * 3)
    with pytest.raises(ServerError) as caught:
        await run(make_engine(max_retries=2), openai(sse_server))
    assert str(caught.value) == "The provider's server failed (HTTP 502): 502 Bad Gateway"
    assert len(sse_server.requests) == 3


async def test_stall_past_read_timeout_is_retried(sse_server: ScriptedServer) -> None:
    chunks = openai_stream(["slow"])
    sse_server.script(
        Reply(chunks=chunks, stall=3.0, stall_after=1),
        Reply(chunks=openai_stream(["quick"])),
    )
    turn, events = await run(make_engine(read_timeout=0.3), openai(sse_server))
    assert turn.text == "quick"
    (retry,) = [e for e in events if isinstance(e, RetryScheduled)]
    assert isinstance(retry.cause, TimeoutError_)
    assert "read timeout" in str(retry.cause)


async def test_anthropic_overloaded_mid_stream_is_retried(sse_server: ScriptedServer) -> None:
    full = anthropic_stream(["Hello ", "there"])
    sse_server.script(
        Reply(chunks=[*full[:4], anthropic_error_event("overloaded_error", "Overloaded")]),
        Reply(chunks=full),
    )
    turn, events = await run(make_engine(), anthropic(sse_server))
    assert turn.text == "Hello there"
    (retry,) = [e for e in events if isinstance(e, RetryScheduled)]
    assert retry.cause.cause_label == "server overloaded"


async def test_openai_error_payload_in_stream(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(chunks=[*openai_stream(["par"])[:2], openai_error_chunk("upstream failed")]),
        Reply(chunks=openai_stream(["whole"])),
    )
    turn, _ = await run(make_engine(), openai(sse_server))
    assert turn.text == "whole"


async def test_invalid_json_is_not_retried_and_keeps_partial_text(
    sse_server: ScriptedServer,
) -> None:
    good = openai_stream(["kept "])
    sse_server.script(Reply(chunks=[*good[:2], sse("{not json"), *good[2:]]))
    with pytest.raises(MalformedStreamError, match="not valid JSON") as caught:
        await run(make_engine(), openai(sse_server))
    assert caught.value.partial is not None
    assert caught.value.partial.text == "kept "
    assert len(sse_server.requests) == 1


async def test_finish_reason_without_done_is_complete(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["end"], done=False)))
    turn, _ = await run(make_engine(), openai(sse_server))
    assert (turn.text, turn.stop_reason, turn.attempts) == ("end", "stop", 1)


async def test_clean_close_before_terminal_marker_is_a_cut(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(chunks=openai_stream(["cut"], finish_reason=None, usage=None, done=False)),
        Reply(chunks=openai_stream(["whole"])),
    )
    turn, events = await run(make_engine(), openai(sse_server))
    assert turn.text == "whole"
    assert [e.cause.cause_label for e in events if isinstance(e, RetryScheduled)] == [
        "connection lost"
    ]


async def test_connection_refused(unused_port: int) -> None:
    sleeps = Sleeps()
    endpoint = EndpointConfig("openai", f"http://127.0.0.1:{unused_port}/v1")
    with pytest.raises(ConnectionFailedError, match=r"Could not connect to 127\.0\.0\.1"):
        await run(make_engine(sleeps, max_retries=2), endpoint)
    assert len(sleeps.delays) == 2


async def test_total_timeout_is_final_and_keeps_partial(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["a", "b", "c", "d"]), stall=5, stall_after=2))
    with pytest.raises(TimeoutError_, match=r"total timeout of 0\.5 s") as caught:
        await run(make_engine(total_timeout=0.5), openai(sse_server))
    assert not caught.value.retryable
    assert caught.value.partial is not None
    assert caught.value.partial.text == "a"
    assert len(sse_server.requests) == 1


async def test_cancel_closes_the_connection_at_once(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream([f"{i} " for i in range(200)]), delay=0.05))
    engine = make_engine()
    seen: list[str] = []
    first_text = asyncio.Event()

    def on_event(event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            seen.append(event.text)
            first_text.set()

    task = asyncio.create_task(engine.run(openai(sse_server), REQUEST, on_event))
    await asyncio.wait_for(first_text.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1)
    pool = engine._client._transport._pool  # type: ignore[attr-defined]
    assert pool.connections == []
    assert 0 < len(seen) < 200
    await engine.aclose()


async def test_many_early_stops_do_not_exhaust_the_pool(sse_server: ScriptedServer) -> None:
    engine = make_engine()
    for _ in range(12):
        sse_server.script(Reply(chunks=openai_stream([f"{i} " for i in range(50)]), delay=0.02))
        async with asyncio.timeout(5):
            async for event in engine.stream(openai(sse_server), REQUEST):
                if isinstance(event, TextDelta):
                    break
    sse_server.script(Reply(chunks=openai_stream(["still fine"])))
    turn = await asyncio.wait_for(engine.run(openai(sse_server), REQUEST), 5)
    assert turn.text == "still fine"
    await engine.aclose()


async def test_list_models(sse_server: ScriptedServer) -> None:
    sse_server.route(
        "GET", "/v1/models", Reply(body=b'{"data":[{"id":"b-model"},{"id":"a-model"}]}')
    )
    engine = make_engine()
    try:
        assert await engine.list_models(openai(sse_server)) == ["a-model", "b-model"]
        assert await engine.list_models(anthropic(sse_server)) == ["a-model", "b-model"]
    finally:
        await engine.aclose()
    assert sse_server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert sse_server.requests[1].headers["x-api-key"] == KEY


async def test_a_key_echoed_by_the_provider_is_redacted(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(status=500, body=b'{"error":{"message":"bad key ' + KEY.encode() + b'"}}')
    )
    with pytest.raises(ChatError) as caught:
        await run(make_engine(max_retries=0), openai(sse_server))
    assert "bad key [redacted]" in str(caught.value)
    assert KEY not in str(caught.value)
    assert KEY not in repr(openai(sse_server))


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_trace_shows_the_wire_with_the_key_redacted(sse_server: ScriptedServer) -> None:
    from desktop_chat.core.events import RequestSent, ResponseStarted, WireEvent

    sse_server.script(Reply(chunks=openai_stream(["a", "b"])))
    engine = make_engine()
    events: list[StreamEvent] = []
    try:
        turn = await engine.run(openai(sse_server), REQUEST, events.append, trace=True)
    finally:
        await engine.aclose()
    assert turn.text == "ab"
    sent, started = events[1], events[2]
    assert isinstance(sent, RequestSent)
    assert dict(sent.headers)["Authorization"] == "[redacted]"
    assert KEY not in repr(events)
    assert json.loads(sent.body) == json.loads(sse_server.requests[0].body)
    assert isinstance(started, ResponseStarted)
    assert started.status == 200
    wire = [e for e in events if isinstance(e, WireEvent)]
    assert [w.data for w in wire][-1] == "[DONE]"
    assert len(wire) == len(openai_stream(["a", "b"]))
    assert all(a.elapsed <= b.elapsed for a, b in itertools.pairwise(wire))
    text_index = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert isinstance(events[text_index - 1], WireEvent)  # each raw event precedes what it carried


async def test_no_trace_events_by_default(sse_server: ScriptedServer) -> None:
    from desktop_chat.core.events import RequestSent, ResponseStarted, WireEvent

    sse_server.script(Reply(chunks=openai_stream(["a"])))
    _, events = await run(make_engine(), openai(sse_server))
    assert not [e for e in events if isinstance(e, RequestSent | ResponseStarted | WireEvent)]
