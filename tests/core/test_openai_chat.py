"""OpenAI Chat Completions adapter: the request it renders and the events it parses."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pytest

from desktop_chat.core.accumulator import Accumulator
from desktop_chat.core.conversation import Conversation, Message, Tool, ToolCall, ToolResult
from desktop_chat.core.errors import (
    AuthenticationError,
    BadRequestError,
    ChatError,
    MalformedStreamError,
    OverloadedError,
    RateLimitError,
    ServerError,
)
from desktop_chat.core.events import (
    ReasoningDelta,
    Stop,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    Usage,
)
from desktop_chat.core.providers.base import ChatRequest, EndpointConfig
from desktop_chat.core.providers.openai_chat import OpenAIChat, OpenAIChatParser, limit_field
from desktop_chat.core.sse import SSEDecoder, SSEEvent
from tests.support.streams import openai_error_chunk, openai_stream, split_bytes, sse

KEY = "sk-test-not-a-real-key"
BASE = "https://api.openai.com/v1"


def endpoint(base: str = BASE, key: str | None = KEY, **extra: str) -> EndpointConfig:
    return EndpointConfig("openai", base, key, extra)


def request(conversation: Conversation | None = None, **fields: object) -> ChatRequest:
    conversation = conversation or Conversation(messages=[Message("user", "hi")])
    return ChatRequest("gpt-test", conversation, **fields)  # type: ignore[arg-type]


def parse(chunks: Iterable[bytes]) -> tuple[list[StreamEvent], OpenAIChatParser]:
    """Decode the bytes as SSE and parse every event, as the engine does."""
    decoder = SSEDecoder()
    parser = OpenAIChat().parser()
    out: list[StreamEvent] = []
    for chunk in chunks:
        for event in decoder.feed(chunk):
            parser.parse(event, out)
    return out, parser


def parse_data(*payloads: object) -> tuple[list[StreamEvent], OpenAIChatParser]:
    return parse(sse(json.dumps(p)) for p in payloads)


def chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


# --- request ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base",
    ["https://api.openai.com/v1", "https://api.openai.com/v1/", "http://127.0.0.1:8000/v1"],
)
def test_url_joins_with_or_without_trailing_slash(base: str) -> None:
    http = OpenAIChat().chat_request(endpoint(base), request())
    assert http.method == "POST"
    assert http.url == base.rstrip("/") + "/chat/completions"
    assert "//chat" not in http.url


def test_bearer_header_when_a_key_is_set() -> None:
    http = OpenAIChat().chat_request(endpoint(), request())
    assert http.headers["Authorization"] == f"Bearer {KEY}"
    assert http.headers["Accept"] == "text/event-stream"


@pytest.mark.parametrize("key", [None, ""])
def test_no_authorization_header_without_a_key(key: str | None) -> None:
    http = OpenAIChat().chat_request(endpoint(key=key), request())
    assert not any(name.lower() == "authorization" for name in http.headers)


def test_extra_headers_are_sent() -> None:
    http = OpenAIChat().chat_request(endpoint(**{"HTTP-Referer": "x", "X-Title": "t"}), request())
    assert http.headers["HTTP-Referer"] == "x"
    assert http.headers["X-Title"] == "t"
    assert http.headers["Authorization"] == f"Bearer {KEY}"


def test_body_streams_with_usage_and_max_tokens() -> None:
    http = OpenAIChat().chat_request(endpoint("https://api.deepseek.com"), request(max_tokens=77))
    body = http.json
    assert body is not None
    assert body["model"] == "gpt-test"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 77
    assert "temperature" not in body
    assert "tools" not in body
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    json.dumps(body)  # what httpx will send must be plain JSON


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://api.openai.com/v1", "max_completion_tokens"),
        ("https://API.OpenAI.com:443/v1/", "max_completion_tokens"),
        ("https://my-team.openai.azure.com/openai/v1", "max_completion_tokens"),
        ("http://localhost:11434/v1", "max_tokens"),
        ("http://127.0.0.1:8000/v1", "max_tokens"),
        ("https://api.deepseek.com", "max_tokens"),
        ("https://openrouter.ai/api/v1", "max_tokens"),
        ("https://api.openai.com.evil.example/v1", "max_tokens"),
        ("https://notopenai.azure.com/v1", "max_tokens"),
    ],
)
def test_auto_chooses_the_limit_field_by_host(base: str, expected: str) -> None:
    assert limit_field(base) == limit_field(base, "auto") == expected


@pytest.mark.parametrize("choice", ["max_tokens", "max_completion_tokens"])
@pytest.mark.parametrize("base", ["https://api.openai.com/v1", "http://localhost:11434/v1"])
def test_an_explicit_limit_field_wins_over_the_host(base: str, choice: str) -> None:
    assert limit_field(base, choice) == choice


def test_body_carries_the_limit_in_the_chosen_field_only() -> None:
    auto = OpenAIChat().chat_request(endpoint(), request(max_tokens=77)).json
    assert auto is not None
    assert (auto["max_completion_tokens"], "max_tokens" in auto) == (77, False)
    config = EndpointConfig("openai", BASE, KEY, {}, "max_tokens")
    chosen = OpenAIChat().chat_request(config, request(max_tokens=77)).json
    assert chosen is not None
    assert (chosen["max_tokens"], "max_completion_tokens" in chosen) == (77, False)


@pytest.mark.parametrize("temperature", [0.0, 0.7, 2.0])
def test_temperature_is_sent_when_set_even_zero(temperature: float) -> None:
    body = OpenAIChat().chat_request(endpoint(), request(temperature=temperature)).json
    assert body is not None
    assert body["temperature"] == temperature


def test_tools_are_converted() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    tools = (Tool("get_weather", "Weather for a city", schema), Tool("now"))
    body = OpenAIChat().chat_request(endpoint(), request(tools=tools)).json
    assert body is not None
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": schema,
            },
        },
        {
            "type": "function",
            "function": {
                "name": "now",
                "description": "",
                "parameters": {"type": "object", "properties": {}},
            },
        },
    ]


def test_tool_from_openai_spec_round_trips_through_the_request() -> None:
    spec = {
        "type": "function",
        "function": {"name": "f", "description": "d", "parameters": {"type": "object"}},
    }
    body = OpenAIChat().chat_request(endpoint(), request(tools=(Tool.from_openai(spec),))).json
    assert body is not None
    assert body["tools"] == [spec]


def test_history_with_system_tool_calls_and_results() -> None:
    conversation = Conversation(
        system="Be brief.",
        messages=[
            Message("user", "Weather in Paris and Rome?"),
            Message(
                "assistant",
                text="",
                reasoning="I should call the tool twice.",
                reasoning_signature="sig",
                tool_calls=[
                    ToolCall("call_1", "get_weather", '{"city":"Paris"}'),
                    ToolCall("call_2", "get_weather", ""),
                ],
            ),
            Message(
                "tool",
                tool_results=[
                    ToolResult("call_1", "18C"),
                    ToolResult("call_2", "city missing", is_error=True),
                ],
            ),
            Message("assistant", "Paris is 18C.", reasoning="thinking"),
            Message("user", "Thanks"),
        ],
    )
    body = OpenAIChat().chat_request(endpoint(), request(conversation)).json
    assert body is not None
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and Rome?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
        {"role": "tool", "tool_call_id": "call_2", "content": "city missing"},
        {"role": "assistant", "content": "Paris is 18C."},
        {"role": "user", "content": "Thanks"},
    ]
    assert "thinking" not in json.dumps(body)
    assert "I should call" not in json.dumps(body)


def test_tool_call_arguments_are_sent_back_exactly_as_streamed() -> None:
    raw = '{ "q" : "a\\u00e9" ,"n":1 }'
    conversation = Conversation(
        messages=[Message("user", "x"), Message("assistant", tool_calls=[ToolCall("c", "f", raw)])]
    )
    body = OpenAIChat().chat_request(endpoint(), request(conversation)).json
    assert body is not None
    assert body["messages"][1]["tool_calls"][0]["function"]["arguments"] == raw  # type: ignore[index]


def test_no_system_message_when_system_is_empty() -> None:
    body = OpenAIChat().chat_request(endpoint(), request(Conversation(system=""))).json
    assert body is not None
    assert body["messages"] == []


def test_models_request() -> None:
    http = OpenAIChat().models_request(endpoint(BASE + "/"))
    assert (http.method, http.url, http.json) == ("GET", BASE + "/models", None)
    assert http.headers["Authorization"] == f"Bearer {KEY}"
    assert "Authorization" not in OpenAIChat().models_request(endpoint(key=None)).headers


def test_endpoint_repr_hides_the_key() -> None:
    text = repr(endpoint())
    assert KEY not in text
    assert "api_key=<set>" in text
    assert "api_key=<none>" in repr(endpoint(key=None))


# --- parser -------------------------------------------------------------------------------------


def test_plain_text_stream() -> None:
    events, parser = parse(openai_stream(["Hel", "lo", ", 世界 😀"]))
    assert events == [
        TextDelta("Hel"),
        TextDelta("lo"),
        TextDelta(", 世界 😀"),
        Stop("stop"),
        Usage(12, 34, 0),
    ]
    assert parser.done
    assert parser.complete
    assert parser.error is None


@pytest.mark.parametrize("null_first", [False, True])
def test_role_only_chunk_yields_nothing(null_first: bool) -> None:
    chunks = openai_stream(
        [], finish_reason=None, usage=None, done=False, null_content_first=null_first
    )
    assert len(chunks) == 1
    events, parser = parse(chunks)
    assert events == []
    assert not parser.done
    assert not parser.complete


def test_content_null_and_empty_yield_nothing() -> None:
    events, _ = parse_data(chunk({"content": None}), chunk({"content": ""}), chunk({}))
    assert events == []


def test_usage_chunk_with_empty_choices() -> None:
    events, parser = parse_data(
        {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14}}
    )
    assert events == [Usage(5, 9)]
    assert not parser.complete


def test_usage_null_on_ordinary_chunks_is_ignored() -> None:
    events, _ = parse_data({**chunk({"content": "a"}), "usage": None})
    assert events == [TextDelta("a")]


def test_usage_and_finish_in_the_same_chunk() -> None:
    payload = {**chunk({}, "length"), "usage": {"prompt_tokens": 1, "completion_tokens": 2}}
    events, parser = parse_data(payload)
    assert events == [Stop("length"), Usage(1, 2)]
    assert parser.complete


def test_split_at_any_byte_gives_the_same_events() -> None:
    chunks = openai_stream(
        ["日本語", "😀", " ok"],
        reasoning_pieces=["思考"],
        tool_calls=[{"id": "call_1", "name": "f", "argument_pieces": ['{"a":', '"é"}']}],
    )
    whole, _ = parse(chunks)
    for sizes in (1, 2, 5, [3, 1, 7], 100):
        assert parse(split_bytes(chunks, sizes))[0] == whole, sizes


def test_parallel_tool_calls_interleaved_by_index() -> None:
    calls = [
        {"id": "call_a", "name": "get_weather", "argument_pieces": ['{"ci', 'ty": "Par', 'is"}']},
        {"id": "call_b", "name": "get_time", "argument_pieces": ["{", '"tz":', ' "CET"', "}"]},
    ]
    events, parser = parse(
        openai_stream([], tool_calls=calls, interleave_tool_calls=True, finish_reason="tool_calls")
    )
    assert events == [
        ToolCallStart(0, "call_a", "get_weather"),
        ToolCallStart(1, "call_b", "get_time"),
        ToolCallDelta(0, '{"ci'),
        ToolCallDelta(1, "{"),
        ToolCallDelta(0, 'ty": "Par'),
        ToolCallDelta(1, '"tz":'),
        ToolCallDelta(0, 'is"}'),
        ToolCallDelta(1, ' "CET"'),
        ToolCallDelta(1, "}"),
        ToolCallEnd(0),
        ToolCallEnd(1),
        Stop("tool_calls"),
        Usage(12, 34, 0),
    ]
    assert parser.done


def test_sequential_tool_calls_accumulate_raw_arguments() -> None:
    calls = [
        {"id": "call_1", "name": "a", "argument_pieces": ["{", '"x"', ":", " 1", "}"]},
        {"id": "call_2", "name": "b", "argument_pieces": ['{"y": "\\u00e9\\n"}']},
    ]
    events, _ = parse(
        openai_stream(["Let me check."], tool_calls=calls, finish_reason="tool_calls")
    )
    accumulator = Accumulator()
    for event in events:
        accumulator.feed(event)
    turn = accumulator.turn
    assert turn.text == "Let me check."
    assert [(c.id, c.name, c.arguments) for c in turn.tool_calls] == [
        ("call_1", "a", '{"x": 1}'),
        ("call_2", "b", '{"y": "\\u00e9\\n"}'),
    ]
    assert turn.tool_calls[1].parsed_arguments() == {"y": "é\n"}
    assert turn.stop_reason == "tool_calls"


def test_first_tool_fragment_may_carry_arguments() -> None:
    events, _ = parse_data(
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"a":1}'},
                    }
                ]
            }
        ),
        chunk({}, "tool_calls"),
    )
    assert events == [
        ToolCallStart(0, "c1", "f"),
        ToolCallDelta(0, '{"a":1}'),
        ToolCallEnd(0),
        Stop("tool_calls"),
    ]


def test_several_calls_in_one_delta_and_repeated_ids_start_once() -> None:
    events, _ = parse_data(
        chunk(
            {
                "tool_calls": [
                    {"index": 0, "id": "c0", "function": {"name": "f", "arguments": ""}},
                    {"index": 1, "id": "c1", "function": {"name": "g", "arguments": "{}"}},
                ]
            }
        ),
        chunk(
            {"tool_calls": [{"index": 0, "id": "c0", "function": {"name": "f", "arguments": "{"}}]}
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]}),
    )
    assert events == [
        ToolCallStart(0, "c0", "f"),
        ToolCallStart(1, "c1", "g"),
        ToolCallDelta(1, "{}"),
        ToolCallDelta(0, "{"),
        ToolCallDelta(0, "}"),
    ]


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_deltas(field: str) -> None:
    events, _ = parse(
        openai_stream(["Answer"], reasoning_pieces=["Let me ", "think."], reasoning_field=field)
    )
    assert events[:3] == [ReasoningDelta("Let me "), ReasoningDelta("think."), TextDelta("Answer")]


def test_done_sets_done_and_complete() -> None:
    events, parser = parse([sse("[DONE]")])
    assert events == []
    assert parser.done
    assert parser.complete


def test_finish_reason_without_done_is_complete_but_not_done() -> None:
    events, parser = parse(openai_stream(["a"], done=False))
    assert events[-2:] == [Stop("stop"), Usage(12, 34, 0)]
    assert parser.complete
    assert not parser.done


def test_stream_without_finish_reason_or_done_is_not_complete() -> None:
    _, parser = parse(openai_stream(["a", "b"], finish_reason=None, usage=None, done=False))
    assert not parser.complete
    assert not parser.done


def error_of(events: list[StreamEvent], parser: OpenAIChatParser) -> ChatError:
    assert parser.error is not None
    assert events == [StreamError(parser.error)]
    return parser.error


def test_in_stream_server_error() -> None:
    error = error_of(*parse([openai_error_chunk()]))
    assert type(error) is ServerError
    assert error.retryable
    assert "The server had an error" in str(error)


@pytest.mark.parametrize(
    ("error", "cls"),
    [
        ({"message": "slow down", "type": "rate_limit_exceeded", "code": None}, RateLimitError),
        ({"message": "slow down", "type": None, "code": "rate_limit_exceeded"}, RateLimitError),
        ({"message": "slow down", "type": "rate_limit_error"}, RateLimitError),
        ({"message": "busy", "type": "overloaded_error"}, OverloadedError),
        ({"message": "bad", "type": "invalid_request_error"}, BadRequestError),
        ({"message": "who", "type": "authentication_error"}, AuthenticationError),
        ({"message": "odd", "type": "something_new"}, ServerError),
    ],
)
def test_in_stream_error_types(error: dict[str, object], cls: type[ChatError]) -> None:
    found = error_of(*parse_data({"error": error}))
    assert type(found) is cls
    assert found.provider_message == error["message"]


@pytest.mark.parametrize(
    "error",
    [
        # OpenAI's own rate-limit body: the kind of limit in "type", the reason in "code".
        {
            "message": "Rate limit reached",
            "type": "tokens",
            "param": None,
            "code": "rate_limit_exceeded",
        },
        {
            "message": "Rate limit reached",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        },
        # An OpenAI-compatible gateway in front of Anthropic.
        {
            "message": "would exceed the rate limit",
            "type": "invalid_request_error",
            "code": "rate_limit_error",
        },
    ],
)
def test_in_stream_rate_limit_named_by_code(error: dict[str, object]) -> None:
    found = error_of(*parse_data({"error": error}))
    assert type(found) is RateLimitError
    assert found.retryable


@pytest.mark.parametrize(
    ("code", "cls", "retryable"),
    [
        (429, RateLimitError, True),
        (500, ServerError, True),
        (502, ServerError, True),
        (529, OverloadedError, True),
        (401, AuthenticationError, False),
        (400, BadRequestError, False),
    ],
)
def test_in_stream_error_with_int_code(code: int, cls: type[ChatError], retryable: bool) -> None:
    # OpenRouter-style: {"error": {"code": 429, "message": ...}} inside a 200 stream.
    found = error_of(*parse_data({"error": {"code": code, "message": "upstream said no"}}))
    assert type(found) is cls
    assert found.status == code
    assert found.retryable is retryable
    assert "upstream said no" in str(found)


def test_in_stream_error_as_a_bare_string() -> None:
    found = error_of(*parse_data({"error": "upstream exploded"}))
    assert isinstance(found, ServerError)
    assert "upstream exploded" in str(found)


def test_error_after_text_keeps_the_text_events() -> None:
    events, parser = parse(
        [
            *openai_stream(["partial"], finish_reason=None, usage=None, done=False),
            openai_error_chunk(),
        ]
    )
    assert events[0] == TextDelta("partial")
    assert isinstance(events[-1], StreamError)
    assert parser.error is events[-1].error
    assert not parser.complete


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ('{"choices": [', "not valid JSON"),
        ("not json", "not valid JSON"),
        ("[1, 2]", "unexpected value"),
        ('"text"', "unexpected value"),
        ("null", "unexpected value"),
    ],
)
def test_invalid_json_raises_malformed_stream_error(data: str, words: str) -> None:
    parser = OpenAIChatParser()
    out: list[StreamEvent] = []
    with pytest.raises(MalformedStreamError, match=words) as caught:
        parser.parse(SSEEvent(data=data), out)
    assert out == []
    assert not caught.value.retryable
    assert data in str(caught.value)  # the offending data, for a person debugging a gateway


def test_tool_calls_without_index_are_kept_apart_by_id() -> None:
    from desktop_chat.core.accumulator import Accumulator
    from desktop_chat.core.providers.openai_chat import OpenAIChatParser
    from desktop_chat.core.sse import SSEEvent

    def fragment(call: dict[str, object]) -> SSEEvent:
        return SSEEvent(data=json.dumps({"choices": [{"delta": {"tool_calls": [call]}}]}))

    parser = OpenAIChatParser()
    out: list[object] = []
    for call in (
        {"id": "a", "function": {"name": "one", "arguments": '{"x":'}},
        {"function": {"arguments": "1}"}},
        {"id": "b", "function": {"name": "two", "arguments": "{}"}},
        {"id": "b", "function": {"arguments": ""}},
    ):
        parser.parse(fragment(call), out)  # type: ignore[arg-type]
    accumulator = Accumulator()
    for event in out:
        accumulator.feed(event)  # type: ignore[arg-type]
    assert [(c.id, c.name, c.arguments) for c in accumulator.turn.tool_calls] == [
        ("a", "one", '{"x":1}'),
        ("b", "two", "{}"),
    ]
