"""Reasoning controls, prompt caching and cached-token usage, on the wire of both protocols."""

from __future__ import annotations

import dataclasses

import pytest

from desktop_chat.core.conversation import Conversation, Message
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.errors import ConfigurationError
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from tests.support.engine import Sleeps
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream, openai_stream, responses_stream

KEY = "sk-test-0123456789abcdef"
HISTORY = Conversation(
    "Be brief.",
    [Message("user", "one"), Message("assistant", "1"), Message("user", "two")],
)


def engine() -> Engine:
    return Engine(
        TransportConfig(connect_timeout=2.0, read_timeout=5.0),
        RetryPolicy(max_retries=0),
        sleep=Sleeps(),
    )


async def body_sent(
    server: ScriptedServer, endpoint: EndpointConfig, request: ChatRequest
) -> dict[str, object]:
    chat = engine()
    try:
        await chat.run(endpoint, request)
    finally:
        await chat.aclose()
    body = server.requests[-1].json()
    assert isinstance(body, dict)
    return body


def openai(server: ScriptedServer, **fields: object) -> EndpointConfig:
    return EndpointConfig("openai", server.url + "/v1", KEY, **fields)  # type: ignore[arg-type]


def anthropic(server: ScriptedServer, **fields: object) -> EndpointConfig:
    return EndpointConfig("anthropic", server.url, KEY, **fields)  # type: ignore[arg-type]


# --- OpenAI reasoning_effort ----------------------------------------------------------------


async def test_openai_sends_the_endpoints_effort_unless_the_conversation_chooses(
    sse_server: ScriptedServer,
) -> None:
    for _ in range(3):
        sse_server.script(Reply(chunks=openai_stream(["ok"])))
    request = ChatRequest("o4", HISTORY)
    plain = await body_sent(sse_server, openai(sse_server), request)
    assert "reasoning_effort" not in plain
    default = await body_sent(sse_server, openai(sse_server, reasoning_effort="low"), request)
    assert default["reasoning_effort"] == "low"
    chosen = dataclasses.replace(request, reasoning_effort="high")
    body = await body_sent(sse_server, openai(sse_server, reasoning_effort="low"), chosen)
    assert body["reasoning_effort"] == "high"


async def test_the_responses_api_sends_reasoning_effort_with_a_summary(
    sse_server: ScriptedServer,
) -> None:
    for _ in range(3):
        sse_server.script(Reply(chunks=responses_stream(["ok"])))
    request = ChatRequest("o4", HISTORY)
    responses = EndpointConfig("openai-responses", sse_server.url + "/v1", KEY)
    plain = await body_sent(sse_server, responses, request)
    assert "reasoning" not in plain
    default = dataclasses.replace(responses, reasoning_effort="low")
    body = await body_sent(sse_server, default, request)
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    off = await body_sent(
        sse_server, default, dataclasses.replace(request, reasoning_effort="none")
    )
    assert off["reasoning"] == {"effort": "none"}


async def test_openai_cached_tokens_reach_the_turn(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=openai_stream(["ok"], usage=(2000, 10), cached_tokens=1536)))
    chat = engine()
    try:
        turn = await chat.run(openai(sse_server), ChatRequest("m", HISTORY))
    finally:
        await chat.aclose()
    assert (turn.input_tokens, turn.cached_input_tokens, turn.output_tokens) == (2000, 1536, 10)


# --- Anthropic extended thinking ------------------------------------------------------------


async def test_anthropic_thinking_goes_on_the_wire(sse_server: ScriptedServer) -> None:
    sse_server.script(
        Reply(chunks=anthropic_stream(["ok"])), Reply(chunks=anthropic_stream(["ok"]))
    )
    request = ChatRequest("claude", HISTORY, max_tokens=8000)
    body = await body_sent(sse_server, anthropic(sse_server, thinking_budget=2048), request)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    off = dataclasses.replace(request, thinking_budget=0)  # the conversation turns it off
    body = await body_sent(sse_server, anthropic(sse_server, thinking_budget=2048), off)
    assert "thinking" not in body


@pytest.mark.parametrize(
    ("budget", "max_tokens", "temperature", "words"),
    [
        (512, 8000, None, "at least 1,024"),
        (4096, 4096, None, r"below the maximum tokens \(4,096\)"),
        (2048, 8000, 0.2, "no temperature but 1"),
    ],
)
async def test_anthropic_thinking_rules_refuse_before_sending(
    sse_server: ScriptedServer, budget: int, max_tokens: int, temperature: float | None, words: str
) -> None:
    request = ChatRequest("claude", HISTORY, max_tokens, temperature, thinking_budget=budget)
    chat = engine()
    try:
        with pytest.raises(ConfigurationError, match=words):
            await chat.run(anthropic(sse_server), request)
    finally:
        await chat.aclose()
    assert sse_server.requests == []


async def test_temperature_one_is_allowed_with_thinking(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=anthropic_stream(["ok"])))
    request = ChatRequest("claude", HISTORY, 8000, 1.0, thinking_budget=1024)
    body = await body_sent(sse_server, anthropic(sse_server), request)
    assert body["temperature"] == 1.0
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}


async def test_a_prefill_is_stripped_and_sent_without_thinking(sse_server: ScriptedServer) -> None:
    sse_server.script(Reply(chunks=anthropic_stream(["ld"])))
    cut = Conversation("", [Message("user", "say hello"), Message("assistant", "Hello wor \n")])
    request = ChatRequest("claude", cut, 8000, thinking_budget=2048)
    body = await body_sent(sse_server, anthropic(sse_server), request)
    assert body["messages"][-1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Hello wor"}],
    }  # type: ignore[index]
    assert "thinking" not in body


# --- Anthropic prompt caching ---------------------------------------------------------------


async def test_prompt_caching_marks_the_system_prompt_and_the_last_two_user_turns(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(
        Reply(chunks=anthropic_stream(["ok"])), Reply(chunks=anthropic_stream(["ok"]))
    )
    request = ChatRequest("claude", HISTORY)
    body = await body_sent(sse_server, anthropic(sse_server, prompt_caching=True), request)
    cache = {"type": "ephemeral"}
    assert body["system"] == [{"type": "text", "text": "Be brief.", "cache_control": cache}]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "one", "cache_control": cache}]},
        {"role": "assistant", "content": [{"type": "text", "text": "1"}]},
        {"role": "user", "content": [{"type": "text", "text": "two", "cache_control": cache}]},
    ]
    plain = await body_sent(sse_server, anthropic(sse_server), request)
    assert plain["system"] == "Be brief."
    assert "cache_control" not in str(plain["messages"])


async def test_anthropic_cache_counts_are_parsed_and_added_to_the_input(
    sse_server: ScriptedServer,
) -> None:
    sse_server.script(Reply(chunks=anthropic_stream(["ok"], usage=(12, 34), cache=(3000, 200))))
    chat = engine()
    try:
        turn = await chat.run(anthropic(sse_server), ChatRequest("claude", HISTORY))
    finally:
        await chat.aclose()
    assert turn.input_tokens == 12 + 3000 + 200
    assert (turn.cached_input_tokens, turn.cache_write_tokens) == (3000, 200)
