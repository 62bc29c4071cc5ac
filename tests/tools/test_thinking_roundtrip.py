"""Anthropic thinking through the tool loop: the next request carries every block exactly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from desktop_chat.core.conversation import Conversation, Message, ThinkingBlock
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.retry import RetryPolicy
from desktop_chat.core.transport import TransportConfig
from desktop_chat.tools.builtin import builtin_entries
from desktop_chat.tools.events import Decision, PendingCall, Run
from desktop_chat.tools.loop import ToolLoop
from desktop_chat.tools.registry import ToolRegistry
from tests.support.sse_server import Reply, ScriptedServer
from tests.support.streams import anthropic_stream

# Shaped like real signatures and redacted data: base64, with "+", "/" and "=" to keep intact.
SIGNATURE_A = "EqQBCkYIBRgCKkCk+/first=="
SIGNATURE_B = "ErUBCkYIBRgCIkDx/second+"
REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP=="


@pytest.fixture
async def engine() -> AsyncIterator[Engine]:
    engine = Engine(TransportConfig(read_timeout=10), RetryPolicy(max_retries=0))
    yield engine
    await engine.aclose()


async def run_all(pending: PendingCall) -> Decision:
    return Run()


def thinking_then_tool_use() -> Reply:
    """Two signed thinking blocks with a redacted one between them, then a tool_use."""
    return Reply(
        chunks=anthropic_stream(
            [],
            thinking_pieces=["The user wants ", "an expression computed."],
            signature=SIGNATURE_A,
            thinking_blocks=[
                {"redacted": REDACTED},
                {"thinking_pieces": ["I will use ", "the calculator."], "signature": SIGNATURE_B},
            ],
            tool_uses=[
                {
                    "id": "toolu_01",
                    "name": "calculator",
                    "json_pieces": ['{"expr', 'ession": "6*7"}'],
                }
            ],
            stop_reason="tool_use",
        )
    )


async def test_second_request_carries_each_thinking_block_exactly(
    sse_server: ScriptedServer, engine: Engine
) -> None:
    sse_server.script(thinking_then_tool_use(), Reply(chunks=anthropic_stream(["It is 42."])))
    endpoint = EndpointConfig("anthropic", sse_server.url, "test-key")
    loop = ToolLoop(engine, endpoint, ToolRegistry(builtin_entries()), approve=run_all)
    request = ChatRequest("claude-test", Conversation("", [Message("user", "What is 6*7?")]))

    result = await asyncio.wait_for(loop.run(request), 15)

    assert result.turn.text == "It is 42."
    first, second = sse_server.requests
    user, assistant, tool_results = second.json()["messages"]  # type: ignore[index]
    assert user == first.json()["messages"][0]  # type: ignore[index]
    assert assistant == {
        "role": "assistant",
        "content": [
            {
                "type": "thinking",
                "thinking": "The user wants an expression computed.",
                "signature": SIGNATURE_A,
            },
            {"type": "redacted_thinking", "data": REDACTED},
            {
                "type": "thinking",
                "thinking": "I will use the calculator.",
                "signature": SIGNATURE_B,
            },
            {
                "type": "tool_use",
                "id": "toolu_01",
                "name": "calculator",
                "input": {"expression": "6*7"},
            },
        ],
    }
    assert tool_results == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "42"}],
    }
    # The conversation keeps what people read next to what goes back to the API.
    kept = request.conversation.messages[1]
    assert kept.reasoning == "The user wants an expression computed.I will use the calculator."
    assert kept.thinking_blocks == (
        ThinkingBlock("The user wants an expression computed.", SIGNATURE_A),
        ThinkingBlock(redacted_data=REDACTED),
        ThinkingBlock("I will use the calculator.", SIGNATURE_B),
    )
