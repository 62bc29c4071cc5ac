"""Anthropic Messages adapter: the request it renders and the events it parses."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pytest

from desktop_chat.core.accumulator import Accumulator
from desktop_chat.core.conversation import (
    Conversation,
    Message,
    ThinkingBlock,
    Tool,
    ToolCall,
    ToolResult,
)
from desktop_chat.core.errors import (
    AuthenticationError,
    BadRequestError,
    ChatError,
    MalformedStreamError,
    NotFoundError,
    OverloadedError,
    RateLimitError,
    ServerError,
)
from desktop_chat.core.events import (
    ReasoningDelta,
    ReasoningSignature,
    RedactedThinking,
    Stop,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    Usage,
)
from desktop_chat.core.providers.anthropic_messages import (
    API_VERSION,
    AnthropicMessages,
    AnthropicParser,
)
from desktop_chat.core.providers.base import ChatRequest, EndpointConfig
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.sse import SSEDecoder, SSEEvent
from tests.support.streams import anthropic_error_event, anthropic_stream, split_bytes, sse

KEY = "sk-ant-test-not-a-real-key"
BASE = "https://api.anthropic.com"


def endpoint(base: str = BASE, key: str | None = KEY, **extra: str) -> EndpointConfig:
    return EndpointConfig("anthropic", base, key, extra)


def request(conversation: Conversation | None = None, **fields: object) -> ChatRequest:
    conversation = conversation or Conversation(messages=[Message("user", "hi")])
    return ChatRequest("claude-test", conversation, **fields)  # type: ignore[arg-type]


def body_of(conversation: Conversation | None = None, **fields: object) -> dict[str, object]:
    body = AnthropicMessages().chat_request(endpoint(), request(conversation, **fields)).json
    assert body is not None
    json.dumps(body)  # what httpx will send must be plain JSON
    return body


def parse(chunks: Iterable[bytes]) -> tuple[list[StreamEvent], AnthropicParser]:
    """Decode the bytes as SSE and parse every event, as the engine does."""
    decoder = SSEDecoder()
    parser = AnthropicMessages().parser()
    out: list[StreamEvent] = []
    for chunk in chunks:
        for event in decoder.feed(chunk):
            parser.parse(event, out)
    return out, parser


def event(kind: str, **payload: object) -> bytes:
    return sse(json.dumps({"type": kind, **payload}), event=kind)


# --- request ------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [BASE, BASE + "/", "http://127.0.0.1:9000"])
def test_url_is_v1_messages(base: str) -> None:
    http = AnthropicMessages().chat_request(endpoint(base), request())
    assert http.method == "POST"
    assert http.url == base.rstrip("/") + "/v1/messages"


def test_headers() -> None:
    headers = AnthropicMessages().chat_request(endpoint(), request()).headers
    assert headers["x-api-key"] == KEY
    assert headers["anthropic-version"] == API_VERSION == "2023-06-01"
    assert headers["Accept"] == "text/event-stream"
    assert not any(name.lower() == "authorization" for name in headers)


@pytest.mark.parametrize("key", [None, ""])
def test_no_key_header_without_a_key(key: str | None) -> None:
    headers = AnthropicMessages().chat_request(endpoint(key=key), request()).headers
    assert "x-api-key" not in headers
    assert headers["anthropic-version"] == API_VERSION


def test_extra_headers_are_sent_and_may_add_a_beta() -> None:
    extra = {"anthropic-beta": "interleaved-thinking-2025-05-14"}
    headers = AnthropicMessages().chat_request(endpoint(**extra), request()).headers
    assert headers["anthropic-beta"] == "interleaved-thinking-2025-05-14"
    assert headers["x-api-key"] == KEY


def test_body_basics() -> None:
    body = body_of(max_tokens=321)
    assert body["model"] == "claude-test"
    assert body["max_tokens"] == 321
    assert body["stream"] is True
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    for absent in ("system", "temperature", "tools", "stream_options"):
        assert absent not in body


def test_system_is_top_level_not_a_message() -> None:
    body = body_of(Conversation(system="Be brief.", messages=[Message("user", "hi")]))
    assert body["system"] == "Be brief."
    assert all(m["role"] != "system" for m in body["messages"])  # type: ignore[attr-defined,index]


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_temperature_when_set(temperature: float) -> None:
    assert body_of(temperature=temperature)["temperature"] == temperature


def test_tools_use_input_schema() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    body = body_of(tools=(Tool("get_weather", "Weather", schema), Tool("now")))
    assert body["tools"] == [
        {"name": "get_weather", "description": "Weather", "input_schema": schema},
        {
            "name": "now",
            "description": "",
            "input_schema": {"type": "object", "properties": {}},
        },
    ]


def test_history_with_thinking_tool_use_and_results() -> None:
    conversation = Conversation(
        messages=[
            Message("user", "Weather in Paris?"),
            Message(
                "assistant",
                text="Checking.",
                reasoning="Need the tool.",
                reasoning_signature="EqQBCkYIARgCKkD",
                tool_calls=[
                    ToolCall("toolu_1", "get_weather", '{"city": "Paris"}'),
                    ToolCall("toolu_2", "now", ""),
                ],
            ),
            Message(
                "tool",
                tool_results=[
                    ToolResult("toolu_1", "18C"),
                    ToolResult("toolu_2", "clock broken", is_error=True),
                ],
            ),
            Message("assistant", "It is 18C."),
        ]
    )
    assert body_of(conversation)["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Need the tool.", "signature": "EqQBCkYIARgCKkD"},
                {"type": "text", "text": "Checking."},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Paris"},
                },
                {"type": "tool_use", "id": "toolu_2", "name": "now", "input": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_2",
                    "content": "clock broken",
                    "is_error": True,
                },
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "It is 18C."}]},
    ]


def test_reasoning_without_signature_is_not_sent_back() -> None:
    conversation = Conversation(
        messages=[Message("user", "q"), Message("assistant", "a", reasoning="unsigned thoughts")]
    )
    assert body_of(conversation)["messages"][1] == {  # type: ignore[index]
        "role": "assistant",
        "content": [{"type": "text", "text": "a"}],
    }


def test_thinking_blocks_go_back_in_order_each_with_its_own_signature() -> None:
    conversation = Conversation(
        messages=[
            Message("user", "What time is it?"),
            Message(
                "assistant",
                text="Checking.",
                reasoning="First thought.Second thought.",
                reasoning_signature="",
                tool_calls=[ToolCall("toolu_1", "now", "{}")],
                thinking_blocks=(
                    ThinkingBlock("First thought.", "sig-A"),
                    ThinkingBlock(redacted_data="EmwKAhgBEgy3va3pzix/LafPsn4a"),
                    ThinkingBlock("Second thought.", "sig-B"),
                ),
            ),
            Message("tool", tool_results=[ToolResult("toolu_1", "12:00")]),
        ]
    )
    assert body_of(conversation)["messages"][1]["content"] == [  # type: ignore[index]
        {"type": "thinking", "thinking": "First thought.", "signature": "sig-A"},
        {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix/LafPsn4a"},
        {"type": "thinking", "thinking": "Second thought.", "signature": "sig-B"},
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "now", "input": {}},
    ]


def test_thinking_blocks_take_the_place_of_the_single_signature() -> None:
    message = Message(
        "assistant",
        "a",
        reasoning="joined",
        reasoning_signature="old",
        thinking_blocks=(ThinkingBlock("joined", "new"),),
    )
    content = body_of(Conversation(messages=[Message("user", "q"), message]))["messages"][1]
    assert content["content"][0] == {  # type: ignore[index]
        "type": "thinking",
        "thinking": "joined",
        "signature": "new",
    }


def test_unsigned_thinking_blocks_are_not_sent_back() -> None:
    message = Message(
        "assistant",
        "a",
        reasoning="from another provider",
        thinking_blocks=(ThinkingBlock("from another provider"), ThinkingBlock("", "only-sig")),
    )
    content = body_of(Conversation(messages=[Message("user", "q"), message]))["messages"][1]
    assert content["content"] == [  # type: ignore[index]
        {"type": "thinking", "thinking": "", "signature": "only-sig"},
        {"type": "text", "text": "a"},
    ]


def test_malformed_tool_arguments_become_an_empty_input() -> None:
    conversation = Conversation(
        messages=[
            Message("user", "q"),
            Message("assistant", tool_calls=[ToolCall("t1", "f", '{"cut": ')]),
            Message("tool", tool_results=[ToolResult("t1", "ok")]),
        ]
    )
    blocks = body_of(conversation)["messages"][1]["content"]  # type: ignore[index]
    assert blocks == [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}]


def test_models_request() -> None:
    http = AnthropicMessages().models_request(endpoint(BASE + "/"))
    assert (http.method, http.url, http.json) == ("GET", BASE + "/v1/models", None)
    assert http.headers["x-api-key"] == KEY
    assert http.headers["anthropic-version"] == API_VERSION


# --- parser -------------------------------------------------------------------------------------


def test_text_stream() -> None:
    events, parser = parse(anthropic_stream(["Hello", ", 世界 😀"]))
    assert events == [
        Usage(12, 1),
        TextDelta("Hello"),
        TextDelta(", 世界 😀"),
        Usage(None, 34),
        Stop("end_turn"),
    ]
    assert parser.done
    assert parser.complete
    assert parser.error is None


def test_thinking_then_signature_then_text() -> None:
    events, _ = parse(
        anthropic_stream(["Yes."], thinking_pieces=["Let me ", "think."], signature="c2ln")
    )
    assert events[1:5] == [
        ReasoningDelta("Let me "),
        ReasoningDelta("think."),
        ReasoningSignature("c2ln"),
        TextDelta("Yes."),
    ]


def test_several_thinking_blocks_and_a_redacted_one_are_told_apart() -> None:
    extra = [
        {"redacted": "b3BhcXVl"},
        {"thinking_pieces": ["Now ", "the tool."], "signature": "s2"},
    ]
    uses = [{"id": "toolu_1", "name": "now", "json_pieces": ["{}"]}]
    events, _ = parse(
        anthropic_stream(
            [],
            thinking_pieces=["First."],
            signature="s0",
            thinking_blocks=extra,
            tool_uses=uses,
            stop_reason="tool_use",
        )
    )
    assert events[1:8] == [
        ReasoningDelta("First.", 0),
        ReasoningSignature("s0", 0),
        RedactedThinking("b3BhcXVl", 1),
        ReasoningDelta("Now ", 2),
        ReasoningDelta("the tool.", 2),
        ReasoningSignature("s2", 2),
        ToolCallStart(3, "toolu_1", "now"),
    ]


def test_a_thinking_delta_without_an_index_belongs_to_block_zero() -> None:
    events, _ = parse(
        [
            event("content_block_delta", delta={"type": "thinking_delta", "thinking": "a"}),
            event("content_block_delta", delta={"type": "signature_delta", "signature": "s"}),
        ]
    )
    assert events == [ReasoningDelta("a", 0), ReasoningSignature("s", 0)]


def test_tool_use_with_input_json_delta() -> None:
    uses = [
        {"id": "toolu_a", "name": "get_weather", "json_pieces": ['{"ci', 'ty": "Pa', 'ris"}']},
        {"id": "toolu_b", "name": "now", "json_pieces": []},
    ]
    events, parser = parse(anthropic_stream(["Checking."], tool_uses=uses, stop_reason="tool_use"))
    assert events == [
        Usage(12, 1),
        TextDelta("Checking."),
        ToolCallStart(1, "toolu_a", "get_weather"),
        ToolCallDelta(1, '{"ci'),
        ToolCallDelta(1, 'ty": "Pa'),
        ToolCallDelta(1, 'ris"}'),
        ToolCallEnd(1),
        ToolCallStart(2, "toolu_b", "now"),
        ToolCallEnd(2),
        Usage(None, 34),
        Stop("tool_use"),
    ]
    assert parser.done


def test_whole_turn_accumulates() -> None:
    uses = [{"id": "toolu_a", "name": "f", "json_pieces": ['{"q": ', '"é"}']}]
    events, _ = parse(
        split_bytes(
            anthropic_stream(["Hi"], thinking_pieces=["hmm"], signature="s1", tool_uses=uses), 3
        )
    )
    accumulator = Accumulator()
    for item in events:
        accumulator.feed(item)
    turn = accumulator.turn
    assert (turn.text, turn.reasoning, turn.reasoning_signature) == ("Hi", "hmm", "s1")
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("toolu_a", "f", '{"q": "é"}')
    ]
    assert (turn.input_tokens, turn.output_tokens, turn.stop_reason) == (12, 34, "end_turn")
    # The message built from the turn renders back into a request Anthropic accepts.
    again = body_of(Conversation(messages=[Message("user", "q"), turn.to_message()]))
    assert again["messages"][1]["content"][0] == {  # type: ignore[index]
        "type": "thinking",
        "thinking": "hmm",
        "signature": "s1",
    }
    assert again["messages"][1]["content"][2]["input"] == {"q": "é"}  # type: ignore[index]


def test_split_at_any_byte_gives_the_same_events() -> None:
    chunks = anthropic_stream(
        ["日本", "語 😀"],
        thinking_pieces=["考え"],
        tool_uses=[{"id": "t", "name": "f", "json_pieces": ['{"a":', "1}"]}],
    )
    whole, _ = parse(chunks)
    for sizes in (1, 2, 7, [5, 1, 3], 200):
        assert parse(split_bytes(chunks, sizes))[0] == whole, sizes


def test_ping_is_ignored() -> None:
    events, parser = parse([sse('{"type": "ping"}', event="ping")])
    assert events == []
    assert not parser.complete


def test_unknown_event_types_are_ignored() -> None:
    events, _ = parse(
        [
            event("future_event", data=1),
            event("content_block_start", index=0, content_block={"type": "server_tool_use_v9"}),
        ]
    )
    assert events == []


def test_type_comes_from_payload_or_event_line() -> None:
    events, parser = parse([sse("{}", event="message_stop")])
    assert events == []
    assert parser.done


def test_message_delta_carries_stop_reason_and_usage() -> None:
    events, parser = parse(
        [
            event(
                "message_delta",
                delta={"stop_reason": "max_tokens", "stop_sequence": None},
                usage={"output_tokens": 1024},
            )
        ]
    )
    assert events == [Usage(None, 1024), Stop("max_tokens")]
    assert parser.complete
    assert not parser.done


def test_message_stop_sets_done() -> None:
    events, parser = parse([event("message_stop")])
    assert events == []
    assert parser.done
    assert parser.complete


def test_stream_cut_before_message_delta_is_not_complete() -> None:
    events, parser = parse(anthropic_stream(["half"], stop_reason=None))
    assert TextDelta("half") in events
    assert not parser.complete
    assert not parser.done


def test_block_start_with_initial_content() -> None:
    events, _ = parse(
        [
            event("content_block_start", index=0, content_block={"type": "text", "text": "Hi"}),
            event(
                "content_block_start",
                index=1,
                content_block={"type": "thinking", "thinking": "hm", "signature": "whole"},
            ),
            event(
                "content_block_start",
                index=3,
                content_block={"type": "redacted_thinking", "data": "opaque"},
            ),
            event(
                "content_block_start",
                index=2,
                content_block={"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}},
            ),
            event("content_block_stop", index=2),
            event("content_block_stop", index=0),
        ]
    )
    assert events == [
        TextDelta("Hi"),
        ReasoningDelta("hm", 1),
        ReasoningSignature("whole", 1),
        RedactedThinking("opaque", 3),
        ToolCallStart(2, "t", "f"),
        ToolCallDelta(2, '{"a": 1}'),
        ToolCallEnd(2),
    ]


def error_of(chunks: list[bytes]) -> ChatError:
    events, parser = parse(chunks)
    assert parser.error is not None
    assert events[-1] == StreamError(parser.error)
    assert not parser.done
    return parser.error


def test_overloaded_error_is_retryable() -> None:
    error = error_of([anthropic_error_event("overloaded_error", "Overloaded")])
    assert type(error) is OverloadedError
    assert error.retryable
    assert error.cause_label == "server overloaded"
    assert RetryPolicy().should_retry(error, 1)


def test_api_error_is_a_retryable_server_error() -> None:
    error = error_of([anthropic_error_event("api_error", "Internal server error")])
    assert type(error) is ServerError
    assert error.retryable
    assert "Internal server error" in str(error)


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("invalid_request_error", BadRequestError),
        ("authentication_error", AuthenticationError),
        ("permission_error", AuthenticationError),
        ("not_found_error", NotFoundError),
    ],
)
def test_client_errors_in_the_stream_are_not_retryable(kind: str, cls: type[ChatError]) -> None:
    error = error_of([anthropic_error_event(kind, "prompt is too long")])
    assert type(error) is cls
    assert not error.retryable
    assert not RetryPolicy().should_retry(error, 1)
    assert "prompt is too long" in str(error)


def test_rate_limit_error_in_the_stream() -> None:
    error = error_of([anthropic_error_event("rate_limit_error", "slow down")])
    assert type(error) is RateLimitError
    assert error.retryable


def test_error_mid_stream_after_text() -> None:
    chunks = anthropic_stream(["partial"], stop_reason=None)
    error = error_of([*chunks, anthropic_error_event()])
    assert isinstance(error, OverloadedError)


@pytest.mark.parametrize("data", ["{", "[]", "not json"])
def test_invalid_json_raises_malformed_stream_error(data: str) -> None:
    out: list[StreamEvent] = []
    with pytest.raises(MalformedStreamError):
        AnthropicParser().parse(SSEEvent("content_block_delta", data), out)
    assert out == []
