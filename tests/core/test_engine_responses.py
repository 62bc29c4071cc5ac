"""The engine speaking the Responses API to the scripted server: the same faults, the same rules."""

from __future__ import annotations

import json

import pytest

from desktop_chat.core.conversation import Conversation, Message, Tool
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import (
    AuthenticationError,
    BadRequestError,
    ServerError,
    StreamCutError,
    TimeoutError_,
)
from desktop_chat.core.events import RequestSent, RetryScheduled, StreamEvent, WireEvent
from desktop_chat.core.providers.openai_responses import parse_reasoning_item
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from tests.support.engine import REQUEST, Sleeps
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import (
    responses_error_event,
    responses_failed_event,
    responses_stream,
    split_bytes,
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


async def run(engine: Engine, endpoint: EndpointConfig, request: ChatRequest = REQUEST):
    events: list[StreamEvent] = []
    try:
        return await engine.run(endpoint, request, events.append), events
    finally:
        await engine.aclose()


def responses(server: ScriptedServer) -> EndpointConfig:
    return EndpointConfig("openai-responses", server.url + "/v1", KEY)


async def test_text_reasoning_and_tool_calls_with_the_request_shape(
    sse_server: ScriptedServer,
) -> None:
    chunks = responses_stream(
        ["Let me ", "check."],
        summary_parts=[["Hmm", ", time"]],
        tool_calls=[{"id": "call_1", "name": "now", "argument_pieces": ['{"tz"', ': "UTC"}']}],
    )
    sse_server.script(Reply(chunks=split_bytes(chunks, 7)))
    tool = Tool("now", "current time", {"type": "object", "properties": {"tz": {"type": "string"}}})
    request = ChatRequest("gpt-test", REQUEST.conversation, max_tokens=50, tools=(tool,))
    turn, _ = await run(make_engine(), responses(sse_server), request)
    assert (turn.text, turn.reasoning) == ("Let me check.", "Hmm, time")
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("call_1", "now", '{"tz": "UTC"}')
    ]
    assert (turn.stop_reason, turn.input_tokens, turn.output_tokens) == ("completed", 12, 34)
    (block,) = turn.thinking_blocks
    assert parse_reasoning_item(block.signature) == ("rs_test0001", "gAAAA-encrypted")
    (seen,) = sse_server.requests
    assert seen.path == "/v1/responses"
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    body = json.loads(seen.body)
    assert (body["stream"], body["store"], body["max_output_tokens"]) == (True, False, 50)
    assert body["instructions"] == "be brief"
    assert body["input"] == [{"role": "user", "content": "hi"}]
    assert body["tools"][0]["name"] == "now"


async def test_the_reasoning_item_goes_back_in_the_next_request(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(chunks=responses_stream(["Four."], summary_parts=[["Add them"]])),
        Reply(chunks=responses_stream(["Eight."])),
    )
    conversation = Conversation(messages=[Message("user", "2+2?")])
    engine = make_engine()
    try:
        first = await engine.run(responses(sse_server), ChatRequest("m", conversation))
        conversation.messages += [first.to_message(), Message("user", "and 4+4?")]
        await engine.run(responses(sse_server), ChatRequest("m", conversation))
    finally:
        await engine.aclose()
    assert json.loads(sse_server.requests[1].body)["input"] == [
        {"role": "user", "content": "2+2?"},
        {
            "type": "reasoning",
            "id": "rs_test0001",
            "summary": [{"type": "summary_text", "text": "Add them"}],
            "encrypted_content": "gAAAA-encrypted",
        },
        {"role": "assistant", "content": "Four."},
        {"role": "user", "content": "and 4+4?"},
    ]


async def test_drop_mid_stream_then_success_keeps_only_the_good_attempt(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(
        Reply(chunks=responses_stream(["first ", "attempt ", "never ends"]), drop_after=6),
        Reply(chunks=responses_stream(["second ", "attempt"])),
    )
    sleeps = Sleeps()
    turn, events = await run(make_engine(sleeps), responses(sse_server))
    assert (turn.text, turn.attempts) == ("second attempt", 2)
    (retry,) = [e for e in events if isinstance(e, RetryScheduled)]
    assert retry.partial_text is True
    assert retry.cause.cause_label == "connection lost"
    assert sleeps.delays == [0.25]


async def test_clean_close_before_the_end_event_is_a_cut(sse_server: ScriptedServer) -> None:
    cut = Reply(chunks=responses_stream(["cut"], status=None))
    sse_server.script(cut, cut)
    with pytest.raises(StreamCutError) as caught:
        await run(make_engine(max_retries=1), responses(sse_server))
    assert caught.value.partial is not None
    assert caught.value.partial.text == "cut"
    assert len(sse_server.requests) == 2


@pytest.mark.parametrize(
    "fault",
    [responses_failed_event("server_error", "It broke"), responses_error_event("Upstream hiccup")],
    ids=["response.failed", "error"],
)
async def test_a_server_error_in_the_stream_is_retried(
    sse_server: ScriptedServer, fault: bytes
) -> None:
    sse_server.script(
        Reply(chunks=[*responses_stream(["par"], status=None)[:6], fault]),
        Reply(chunks=responses_stream(["whole"])),
    )
    turn, events = await run(make_engine(), responses(sse_server))
    assert turn.text == "whole"
    (retry,) = [e for e in events if isinstance(e, RetryScheduled)]
    assert isinstance(retry.cause, ServerError)


async def test_a_refused_prompt_is_not_retried_and_says_why(sse_server: ScriptedServer) -> None:
    refusal = responses_failed_event("invalid_prompt", "Your prompt was flagged")
    sse_server.script(Reply(chunks=[*responses_stream([], status=None)[:2], refusal]))
    with pytest.raises(BadRequestError, match="Your prompt was flagged"):
        await run(make_engine(), responses(sse_server))
    assert len(sse_server.requests) == 1


async def test_429_honours_retry_after_and_401_is_final(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(status=429, headers={"Retry-After": "2"}, body=b'{"error":{"message":"slow"}}'),
        Reply(chunks=responses_stream(["ok"])),
        Reply(status=401, body=b'{"error":{"message":"Incorrect API key provided"}}'),
    )
    sleeps = Sleeps()
    turn, _ = await run(make_engine(sleeps), responses(sse_server))
    assert (turn.text, sleeps.delays) == ("ok", [2.0])
    with pytest.raises(AuthenticationError, match="Incorrect API key"):
        await run(make_engine(), responses(sse_server))


async def test_stall_past_read_timeout_is_retried(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(chunks=responses_stream(["slow"]), stall=3.0, stall_after=3),
        Reply(chunks=responses_stream(["quick"])),
    )
    turn, events = await run(make_engine(read_timeout=0.3), responses(sse_server))
    assert turn.text == "quick"
    (retry,) = [e for e in events if isinstance(e, RetryScheduled)]
    assert isinstance(retry.cause, TimeoutError_)


async def test_total_timeout_keeps_the_partial_answer(sse_server: ScriptedServer) -> None:
    chunks = responses_stream(["a", "b", "c"])
    sse_server.script(Reply(chunks=chunks, stall=5, stall_after=5))
    with pytest.raises(TimeoutError_, match="total timeout") as caught:
        await run(make_engine(total_timeout=0.5), responses(sse_server))
    assert caught.value.partial is not None
    assert caught.value.partial.text == "a"


async def test_incomplete_reports_its_reason(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=responses_stream(["cut sh"], status="incomplete")))
    turn, _ = await run(make_engine(), responses(sse_server))
    assert (turn.text, turn.stop_reason, turn.attempts) == ("cut sh", "max_output_tokens", 1)


async def test_trace_shows_the_wire_with_the_key_redacted(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=responses_stream(["a", "b"])))
    engine = make_engine()
    events: list[object] = []
    try:
        await engine.run(responses(sse_server), REQUEST, events.append, trace=True)
    finally:
        await engine.aclose()
    sent = next(e for e in events if isinstance(e, RequestSent))
    assert dict(sent.headers)["Authorization"] == "[redacted]"
    assert KEY not in repr(events)
    wire = [e for e in events if isinstance(e, WireEvent)]
    assert [w.event for w in wire][-1] == "response.completed"
    assert len(wire) == len(responses_stream(["a", "b"]))


async def test_list_models(sse_server: ScriptedServer) -> None:
    sse_server.route("GET", "/v1/models", Reply(body=b'{"data": [{"id": "b"}, {"id": "a"}]}'))
    engine = make_engine()
    try:
        assert await engine.list_models(responses(sse_server)) == ["a", "b"]
    finally:
        await engine.aclose()
