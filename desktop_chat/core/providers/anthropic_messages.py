"""Anthropic Messages over SSE: content blocks of text, thinking, redacted_thinking and tool_use.

Thinking goes back to the API as it came: every `thinking` block with its own signature and every
`redacted_thinking` block with its data, in their order, before the text and tool_use blocks.
The API rejects the next request of a tool loop when one is missing, merged or altered, so the
parser tags each piece with its content block index and the accumulator keeps blocks apart.
"""

from __future__ import annotations

import json
from typing import Any

from desktop_chat.core.conversation import Conversation, Message, ThinkingBlock, Tool
from desktop_chat.core.errors import ChatError
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
from desktop_chat.core.providers.base import (
    ChatRequest,
    EndpointConfig,
    HTTPRequest,
    join_url,
    loads,
    stream_error,
)
from desktop_chat.core.providers.openai_responses import is_reasoning_item
from desktop_chat.core.sse import SSEEvent

API_VERSION = "2023-06-01"


def _thinking_blocks(message: Message) -> list[dict[str, object]]:
    """The message's thinking as content blocks; unsigned thinking is not sent (it is rejected),
    nor an OpenAI Responses reasoning item (another API's, rejected too)."""
    blocks = message.thinking_blocks
    if not blocks and message.reasoning and message.reasoning_signature:
        blocks = (ThinkingBlock(message.reasoning, message.reasoning_signature),)  # as before
    return [
        _thinking_block(block)
        for block in blocks
        if block.redacted or (block.signature and not is_reasoning_item(block))
    ]


def _thinking_block(block: ThinkingBlock) -> dict[str, object]:
    if block.redacted:
        return {"type": "redacted_thinking", "data": block.redacted_data}
    return {"type": "thinking", "thinking": block.text, "signature": block.signature}


def _assistant_blocks(message: Message) -> list[dict[str, object]]:
    blocks = _thinking_blocks(message)
    if message.text:
        blocks.append({"type": "text", "text": message.text})
    for call in message.tool_calls:
        try:
            arguments = call.parsed_arguments()
        except ValueError:
            arguments = {}  # the model's malformed arguments cannot be sent back as input
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": arguments})
    return blocks


def render_messages(conversation: Conversation) -> list[dict[str, object]]:
    """The history as Messages API turns; tool results travel in a user turn."""
    messages: list[dict[str, object]] = []
    for message in conversation.messages:
        if message.role == "user":
            messages.append({"role": "user", "content": message.text})
        elif message.role == "assistant":
            blocks = _assistant_blocks(message)
            if blocks:  # a stopped answer with nothing in it: the API rejects empty content
                messages.append({"role": "assistant", "content": blocks})
        else:
            results: list[dict[str, object]] = []
            for result in message.tool_results:
                block: dict[str, object] = {
                    "type": "tool_result",
                    "tool_use_id": result.call_id,
                    "content": result.content,
                }
                if result.is_error:
                    block["is_error"] = True
                results.append(block)
            messages.append({"role": "user", "content": results})
    return messages


def render_tool(tool: Tool) -> dict[str, object]:
    return {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}


def _block_index(payload: dict[str, Any]) -> int:
    """The content block a thinking piece belongs to; 0 for a server that leaves it out."""
    index = payload.get("index")
    return index if isinstance(index, int) else 0


class AnthropicParser:
    """message_start .. message_stop to typed events; message_stop ends the stream."""

    __slots__ = ("_tool_blocks", "complete", "done", "error")

    def __init__(self) -> None:
        self.done = False
        self.complete = False
        self.error: ChatError | None = None
        self._tool_blocks: set[int] = set()

    def parse(self, event: SSEEvent, out: list[StreamEvent]) -> None:
        payload = loads(event.data)
        kind = payload.get("type", event.event)
        if kind == "content_block_delta":
            delta = payload["delta"]
            delta_type = delta.get("type")
            if delta_type == "text_delta":
                out.append(TextDelta(delta["text"]))
            elif delta_type == "input_json_delta":
                out.append(ToolCallDelta(payload["index"], delta["partial_json"]))
            elif delta_type == "thinking_delta":
                out.append(ReasoningDelta(delta["thinking"], _block_index(payload)))
            elif delta_type == "signature_delta":
                out.append(ReasoningSignature(delta["signature"], _block_index(payload)))
        elif kind == "content_block_start":
            self._block_start(payload, out)
        elif kind == "content_block_stop":
            index = payload.get("index")
            if index in self._tool_blocks:
                self._tool_blocks.discard(index)
                out.append(ToolCallEnd(index))
        elif kind == "message_start":
            usage = payload.get("message", {}).get("usage") or {}
            out.append(Usage(usage.get("input_tokens"), usage.get("output_tokens")))
        elif kind == "message_delta":
            usage = payload.get("usage") or {}
            if usage:
                out.append(Usage(usage.get("input_tokens"), usage.get("output_tokens")))
            reason = (payload.get("delta") or {}).get("stop_reason")
            if reason:
                out.append(Stop(reason))
                self.complete = True
        elif kind == "message_stop":
            self.done = self.complete = True
        elif kind == "error":
            self.error = stream_error(payload.get("error"))
            out.append(StreamError(self.error))
        # "ping" and event types added later carry nothing to show

    def _block_start(self, payload: dict[str, Any], out: list[StreamEvent]) -> None:
        index = payload["index"]
        block = payload.get("content_block") or {}
        block_type = block.get("type")
        if block_type == "tool_use":
            self._tool_blocks.add(index)
            out.append(ToolCallStart(index, str(block.get("id", "")), str(block.get("name", ""))))
            initial = block.get("input")
            if initial:  # a server that sends the input whole instead of as deltas
                out.append(ToolCallDelta(index, json.dumps(initial)))
        elif block_type == "text" and block.get("text"):
            out.append(TextDelta(str(block["text"])))
        elif block_type == "thinking":  # whole when a server sends it so; empty when streamed
            if block.get("thinking"):
                out.append(ReasoningDelta(str(block["thinking"]), index))
            if block.get("signature"):
                out.append(ReasoningSignature(str(block["signature"]), index))
        elif block_type == "redacted_thinking":
            out.append(RedactedThinking(str(block.get("data", "")), index))


class AnthropicMessages:
    def chat_request(self, endpoint: EndpointConfig, request: ChatRequest) -> HTTPRequest:
        body: dict[str, object] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": render_messages(request.conversation),
            "stream": True,
        }
        if request.conversation.system:
            body["system"] = request.conversation.system
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.tools:
            body["tools"] = [render_tool(tool) for tool in request.tools]
        headers = {"Accept": "text/event-stream", **self._auth(endpoint)}
        return HTTPRequest("POST", join_url(endpoint.base_url, "/v1/messages"), headers, body)

    def models_request(self, endpoint: EndpointConfig) -> HTTPRequest:
        return HTTPRequest("GET", join_url(endpoint.base_url, "/v1/models"), self._auth(endpoint))

    def parser(self) -> AnthropicParser:
        return AnthropicParser()

    @staticmethod
    def _auth(endpoint: EndpointConfig) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION, **endpoint.extra_headers}
        if endpoint.api_key:
            headers["x-api-key"] = endpoint.api_key
        return headers
