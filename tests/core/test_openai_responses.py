"""OpenAI Responses adapter: the input items it renders and the typed events it parses."""

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
    BadRequestError,
    ChatError,
    MalformedStreamError,
    RateLimitError,
    ServerError,
)
from desktop_chat.core.events import (
    ReasoningDelta,
    ReasoningSignature,
    Stop,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    Usage,
)
from desktop_chat.core.providers import PROTOCOLS, provider_for
from desktop_chat.core.providers.anthropic_messages import render_messages as anthropic_messages
from desktop_chat.core.providers.base import ChatRequest, EndpointConfig
from desktop_chat.core.providers.openai_responses import (
    OpenAIResponses,
    ResponsesParser,
    parse_reasoning_item,
    reasoning_item,
)
from desktop_chat.core.sse import SSEDecoder
from tests.support.streams import (
    responses_error_event,
    responses_failed_event,
    responses_stream,
    split_bytes,
    sse,
)

KEY = "sk-test-not-a-real-key"
BASE = "https://api.openai.com/v1"


def endpoint(base: str = BASE, key: str | None = KEY, **extra: str) -> EndpointConfig:
    return EndpointConfig("openai-responses", base, key, extra)


def request(conversation: Conversation | None = None, **fields: object) -> ChatRequest:
    conversation = conversation or Conversation(messages=[Message("user", "hi")])
    return ChatRequest("gpt-test", conversation, **fields)  # type: ignore[arg-type]


def body(req: ChatRequest | None = None) -> dict[str, object]:
    http = OpenAIResponses().chat_request(endpoint(), req or request())
    assert http.json is not None
    return http.json


def parse(chunks: Iterable[bytes]) -> tuple[list[StreamEvent], ResponsesParser]:
    decoder = SSEDecoder()
    parser = OpenAIResponses().parser()
    out: list[StreamEvent] = []
    for chunk in chunks:
        for event in decoder.feed(chunk):
            parser.parse(event, out)
    return out, parser


def parse_data(*payloads: dict[str, object]) -> tuple[list[StreamEvent], ResponsesParser]:
    return parse(sse(json.dumps(p), event=str(p["type"])) for p in payloads)


# --- request ------------------------------------------------------------------------------------


def test_the_protocol_is_registered_by_its_settings_name() -> None:
    assert isinstance(provider_for("openai-responses"), OpenAIResponses)
    assert list(PROTOCOLS) == ["openai", "openai-responses", "anthropic"]


@pytest.mark.parametrize("base", [BASE, BASE + "/", "http://127.0.0.1:8000/v1"])
def test_posts_to_responses_with_a_bearer_key(base: str) -> None:
    http = OpenAIResponses().chat_request(endpoint(base, **{"X-Team": "blue"}), request())
    assert (http.method, http.url) == ("POST", base.rstrip("/") + "/responses")
    assert http.headers["Authorization"] == f"Bearer {KEY}"
    assert http.headers["Accept"] == "text/event-stream"
    assert http.headers["X-Team"] == "blue"


def test_no_authorization_without_a_key() -> None:
    http = OpenAIResponses().chat_request(endpoint(key=None), request())
    assert "Authorization" not in http.headers


def test_body_streams_without_storing_and_limits_output() -> None:
    conversation = Conversation("be brief", [Message("user", "hi")])
    sent = body(request(conversation, max_tokens=77, temperature=0.0))
    assert sent == {
        "model": "gpt-test",
        "input": [{"role": "user", "content": "hi"}],
        "stream": True,
        "store": False,
        "max_output_tokens": 77,
        "instructions": "be brief",
        "temperature": 0.0,
    }


def test_tools_are_flat_functions_without_strict_mode() -> None:
    tool = Tool("now", "current time", {"type": "object", "properties": {"tz": {}}})
    assert body(request(tools=(tool,)))["tools"] == [
        {
            "type": "function",
            "name": "now",
            "description": "current time",
            "parameters": {"type": "object", "properties": {"tz": {}}},
            "strict": False,
        }
    ]


def test_history_becomes_input_items_with_calls_results_and_reasoning() -> None:
    signature = reasoning_item("rs_1", "gAAAA-secret-thoughts")
    conversation = Conversation(
        "sys",
        [
            Message("user", "what time is it?"),
            Message(
                "assistant",
                text="Let me look.",
                reasoning="Need the clock",
                thinking_blocks=(ThinkingBlock("Need the clock", signature),),
                tool_calls=[ToolCall("call_1", "now", '{"tz":"UTC"}'), ToolCall("call_2", "x")],
            ),
            Message("tool", tool_results=[ToolResult("call_1", "12:00"), ToolResult("call_2", "")]),
            Message("assistant", text="It is noon."),
            Message("assistant"),  # stopped before anything came: left out
            Message("user", "thanks"),
        ],
    )
    assert body(request(conversation))["input"] == [
        {"role": "user", "content": "what time is it?"},
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [{"type": "summary_text", "text": "Need the clock"}],
            "encrypted_content": "gAAAA-secret-thoughts",
        },
        {"role": "assistant", "content": "Let me look."},
        {"type": "function_call", "call_id": "call_1", "name": "now", "arguments": '{"tz":"UTC"}'},
        {"type": "function_call", "call_id": "call_2", "name": "x", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "12:00"},
        {"type": "function_call_output", "call_id": "call_2", "output": ""},
        {"role": "assistant", "content": "It is noon."},
        {"role": "user", "content": "thanks"},
    ]


def test_reasoning_without_encrypted_content_or_from_anthropic_is_not_sent() -> None:
    blocks = (
        ThinkingBlock("read only"),  # reasoning_content of a compatible server
        ThinkingBlock("anthropic thought", "EqQBCkgIARABGAIiQL"),
        ThinkingBlock("", "", "redacted-data"),
        ThinkingBlock("", reasoning_item("rs_2", "enc")),  # no summary: still goes back
    )
    conversation = Conversation(messages=[Message("assistant", "a", thinking_blocks=blocks)])
    assert body(request(conversation))["input"] == [
        {"type": "reasoning", "id": "rs_2", "summary": [], "encrypted_content": "enc"},
        {"role": "assistant", "content": "a"},
    ]


def test_reasoning_of_an_answer_stopped_before_any_output_is_left_out() -> None:
    stopped = Message("assistant", thinking_blocks=(ThinkingBlock("t", reasoning_item("r", "e")),))
    conversation = Conversation(messages=[Message("user", "q"), stopped, Message("user", "again")])
    assert body(request(conversation))["input"] == [
        {"role": "user", "content": "q"},
        {"role": "user", "content": "again"},
    ]


def test_anthropic_leaves_out_a_responses_reasoning_item() -> None:
    blocks = (ThinkingBlock("t", reasoning_item("rs_1", "enc")), ThinkingBlock("u", "sig"))
    conversation = Conversation(messages=[Message("assistant", "a", thinking_blocks=blocks)])
    (message,) = anthropic_messages(conversation)
    assert message["content"] == [
        {"type": "thinking", "thinking": "u", "signature": "sig"},
        {"type": "text", "text": "a"},
    ]
    single = Message("assistant", "a", reasoning="t", reasoning_signature=reasoning_item("r", "e"))
    (message,) = anthropic_messages(Conversation(messages=[single]))
    assert message["content"] == [{"type": "text", "text": "a"}]


@pytest.mark.parametrize(
    "signature",
    ["", "sig", "{", "[]", '{"type": "thinking"}', '{"type": "reasoning", "id": "r"}'],
)
def test_only_reasoning_item_signatures_parse(signature: str) -> None:
    assert parse_reasoning_item(signature) is None
    assert parse_reasoning_item(reasoning_item("rs_9", "e+/=")) == ("rs_9", "e+/=")


def test_models_request() -> None:
    http = OpenAIResponses().models_request(endpoint())
    assert (http.method, http.url, http.headers["Authorization"]) == (
        "GET",
        BASE + "/models",
        f"Bearer {KEY}",
    )


# --- stream -------------------------------------------------------------------------------------


def test_text_usage_and_stop() -> None:
    out, parser = parse(responses_stream(["Hel", "lo 你好"], usage=(5, 7)))
    assert out == [TextDelta("Hel"), TextDelta("lo 你好"), Usage(5, 7), Stop("completed")]
    assert parser.done
    assert parser.complete
    assert parser.error is None


def test_split_at_any_byte_gives_the_same_events() -> None:
    chunks = responses_stream(["añ", "—b"], summary_parts=[["x"]], tool_calls=[
        {"id": "c", "name": "n", "argument_pieces": ['{"a"', ": 1}"]}
    ])  # fmt: skip
    whole, _ = parse(chunks)
    for size in (1, 2, 7, 64):
        assert parse(split_bytes(chunks, size))[0] == whole


def test_reasoning_summary_parts_become_paragraphs_and_the_item_its_signature() -> None:
    out, _ = parse(responses_stream(["ok"], summary_parts=[["Thinking ", "hard"], ["Done"]]))
    assert out[:5] == [
        ReasoningDelta("Thinking ", 0),
        ReasoningDelta("hard", 0),
        ReasoningDelta("\n\n", 0),
        ReasoningDelta("Done", 0),
        ReasoningSignature(reasoning_item("rs_test0001", "gAAAA-encrypted"), 0),
    ]
    accumulator = Accumulator()
    for event in out:
        accumulator.feed(event)
    turn = accumulator.turn
    assert (turn.reasoning, turn.text) == ("Thinking hard\n\nDone", "ok")
    (block,) = turn.thinking_blocks
    assert parse_reasoning_item(block.signature) == ("rs_test0001", "gAAAA-encrypted")


def test_a_reasoning_item_without_encrypted_content_has_no_signature() -> None:
    out, _ = parse(responses_stream(["ok"], summary_parts=[["hm"]], encrypted_content=None))
    assert not [e for e in out if isinstance(e, ReasoningSignature)]


def test_reasoning_sent_whole_in_the_done_item_and_raw_reasoning_text() -> None:
    item = {"type": "reasoning", "id": "rs", "summary": [{"type": "summary_text", "text": "S"}]}
    out, _ = parse_data(
        {"type": "response.reasoning_text.delta", "output_index": 1, "delta": "raw"},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
    )
    assert out == [ReasoningDelta("raw", 1), ReasoningDelta("S", 0)]


def test_parallel_function_calls_by_output_index() -> None:
    out, _ = parse(
        responses_stream(
            ["Let me check."],
            tool_calls=[
                {"id": "call_a", "name": "calc", "argument_pieces": ['{"e"', ': "1+1"}']},
                {"id": "call_b", "name": "nap", "argument_pieces": ["{}"]},
            ],
        )
    )
    assert out[1:-2] == [
        ToolCallStart(1, "call_a", "calc"),
        ToolCallDelta(1, '{"e"'),
        ToolCallDelta(1, ': "1+1"}'),
        ToolCallEnd(1),
        ToolCallStart(2, "call_b", "nap"),
        ToolCallDelta(2, "{}"),
        ToolCallEnd(2),
    ]


def test_a_call_sent_only_when_done_is_still_whole() -> None:
    item = {"type": "function_call", "call_id": "c1", "name": "now", "arguments": '{"a":1}'}
    out, _ = parse_data({"type": "response.output_item.done", "output_index": 3, "item": item})
    assert out == [ToolCallStart(3, "c1", "now"), ToolCallDelta(3, '{"a":1}'), ToolCallEnd(3)]


def test_incomplete_gives_its_reason_and_completes() -> None:
    out, parser = parse(responses_stream(["cut"], status="incomplete"))
    assert out[-1] == Stop("max_output_tokens")
    assert parser.done
    assert parser.complete


def test_a_stream_without_its_end_event_is_not_complete() -> None:
    _, parser = parse(responses_stream(["a"], status=None))
    assert not parser.complete
    assert not parser.done


def test_done_marker_ends_only_a_complete_response() -> None:
    _, parser = parse([*responses_stream(["a"], status=None), sse("[DONE]")])
    assert not parser.done
    _, parser = parse([*responses_stream(["a"]), sse("[DONE]")])
    assert parser.done


@pytest.mark.parametrize(
    ("chunk", "cls", "words"),
    [
        (responses_error_event("Too fast", "rate_limit_exceeded"), RateLimitError, "Too fast"),
        (responses_error_event("Upstream hiccup"), ServerError, "Upstream hiccup"),
        (responses_failed_event("server_error", "It broke"), ServerError, "It broke"),
        (responses_failed_event("rate_limit_exceeded", "Slow down"), RateLimitError, "Slow down"),
        (responses_failed_event("invalid_prompt", "Prompt refused"), BadRequestError, "refused"),
        (sse('{"type": "error", "error": {"type": "server_error", "message": "n"}}'), ServerError,
         "n"),
        (sse('{"type": "response.failed", "response": {}}'), ServerError, "without saying why"),
    ],
)  # fmt: skip
def test_errors_in_the_stream_carry_the_providers_words(
    chunk: bytes, cls: type[ChatError], words: str
) -> None:
    out, parser = parse([*responses_stream(["par"], status=None)[:6], chunk])
    assert out[0] == TextDelta("par")
    assert isinstance(parser.error, cls)
    assert words in str(parser.error)
    assert out[-1] == StreamError(parser.error)
    assert parser.error.retryable is (cls is not BadRequestError)


def test_event_types_without_content_are_ignored() -> None:
    out, _ = parse_data(
        {"type": "response.output_text.annotation.added", "output_index": 0},
        {"type": "response.web_search_call.searching", "output_index": 0},
        {"type": "response.something_new", "output_index": 0},
    )
    assert out == []


def test_refusals_are_shown_as_text() -> None:
    out, _ = parse_data({"type": "response.refusal.delta", "output_index": 0, "delta": "No."})
    assert out == [TextDelta("No.")]


@pytest.mark.parametrize("data", ["{", "[]", "not json"])
def test_invalid_json_raises_malformed_stream_error(data: str) -> None:
    with pytest.raises(MalformedStreamError):
        parse([sse(data)])
