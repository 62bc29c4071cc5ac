"""Anthropic Messages over SSE: content blocks of text, thinking, redacted_thinking and tool_use.

Thinking goes back to the API as it came: every `thinking` block with its own signature and every
`redacted_thinking` block with its data, in their order, before the text and tool_use blocks.
The API rejects the next request of a tool loop when one is missing, merged or altered, so the
parser tags each piece with its content block index and the accumulator keeps blocks apart.

The request follows the API's rules rather than letting it refuse the turn: extended thinking
needs a budget of at least 1,024 tokens below `max_tokens` and no temperature but 1 (a request
that breaks one fails here with a message saying what to change); a final assistant turn (a
prefill, to continue a cut answer) must not end in whitespace and cannot be combined with
thinking, so its trailing whitespace is stripped and thinking is left out of that request.
With prompt caching, `cache_control` marks the system prompt and the last two user turns: the
newest writes the conversation so far, the one before reads what the previous turn wrote.
"""

from __future__ import annotations

import json
from typing import Any

from desktop_chat.core.attachment import ImageFitter, base64_text, outgoing
from desktop_chat.core.conversation import Conversation, Message, ThinkingBlock, Tool
from desktop_chat.core.errors import ChatError, ConfigurationError
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
    reasoning_of,
    stream_error,
)
from desktop_chat.core.providers.openai_responses import is_reasoning_item
from desktop_chat.core.sse import SSEEvent
from desktop_chat.i18n import _

API_VERSION = "2023-06-01"
MIN_THINKING_BUDGET = 1024
CACHE = {"type": "ephemeral"}


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


def user_content(message: Message, fitter: ImageFitter | None = None) -> object:
    """A user message's content: its text, or `image` and `document` blocks and the text.

    Blocks are base64 sources; a PDF's block carries the file name as its title. Images and
    documents come before the text, as Anthropic's guides advise.
    """
    out = outgoing(message, "anthropic", fitter)
    if not out.has_parts:
        return out.text
    blocks: list[dict[str, object]] = [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": image.media_type,
                "data": base64_text(image),
            },
        }
        for image in out.images
    ]
    blocks.extend(
        {
            "type": "document",
            "source": {"type": "base64", "media_type": pdf.media_type, "data": base64_text(pdf)},
            "title": pdf.name,
        }
        for pdf in out.pdfs
    )
    if out.text:
        blocks.append({"type": "text", "text": out.text})
    return blocks


def render_messages(
    conversation: Conversation, fitter: ImageFitter | None = None
) -> list[dict[str, object]]:
    """The history as Messages API turns; tool results travel in a user turn.

    A final assistant turn is a prefill: the API refuses one that ends in whitespace.
    """
    messages: list[dict[str, object]] = []
    for message in conversation.messages:
        if message.role == "user":
            messages.append({"role": "user", "content": user_content(message, fitter)})
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
    if messages and messages[-1]["role"] == "assistant":
        _strip_prefill(messages)
    return messages


def _strip_prefill(messages: list[dict[str, object]]) -> None:
    """End the final assistant turn without whitespace; drop it if nothing else is left."""
    blocks = messages[-1]["content"]
    assert isinstance(blocks, list)
    last = blocks[-1]
    if last["type"] != "text":
        return
    text = str(last["text"]).rstrip()
    if text:
        blocks[-1] = {**last, "text": text}
    elif len(blocks) > 1:
        del blocks[-1]
    else:
        del messages[-1]


def mark_cacheable(messages: list[dict[str, object]]) -> None:
    """Put a cache breakpoint on the last block of the last two user turns."""
    users = [m for m in messages if m["role"] == "user"][-2:]
    for message in users:
        content = message["content"]
        if isinstance(content, str):
            message["content"] = [{"type": "text", "text": content, "cache_control": CACHE}]
        elif isinstance(content, list) and content:
            content[-1] = {**content[-1], "cache_control": CACHE}


def thinking_problem(budget: int, request: ChatRequest) -> str | None:
    """Why the API would refuse extended thinking with `budget` in `request`, or None."""
    if budget < MIN_THINKING_BUDGET:
        return _(
            "Anthropic's extended thinking needs a budget of at least {minimum:,} tokens, not "
            "{budget:,}: raise the thinking budget, or set it to 0 for no thinking"
        ).format(minimum=MIN_THINKING_BUDGET, budget=budget)
    if budget >= request.max_tokens:
        return _(
            "The thinking budget ({budget:,} tokens) must be below the maximum tokens "
            "({max_tokens:,}), which count the thinking too: raise the max tokens "
            "(Max tokens, --max-tokens) or lower the budget"
        ).format(budget=budget, max_tokens=request.max_tokens)
    if request.temperature is not None and request.temperature != 1:
        return _(
            "Anthropic's extended thinking accepts no temperature but 1, not {temperature:g}: "
            "leave the temperature at its default, or turn thinking off"
        ).format(temperature=request.temperature)
    return None


def render_tool(tool: Tool) -> dict[str, object]:
    return {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}


def _block_index(payload: dict[str, Any]) -> int:
    """The content block a thinking piece belongs to; 0 for a server that leaves it out."""
    index = payload.get("index")
    return index if isinstance(index, int) else 0


def _usage(usage: dict[str, Any]) -> Usage:
    """Anthropic counts cached prompt tokens apart from `input_tokens`: add them back in."""
    read, written = usage.get("cache_read_input_tokens"), usage.get("cache_creation_input_tokens")
    read = read if isinstance(read, int) else None
    written = written if isinstance(written, int) else None
    uncached = usage.get("input_tokens")
    total = None if uncached is None else uncached + (read or 0) + (written or 0)
    return Usage(total, usage.get("output_tokens"), read, written)


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
            out.append(_usage(payload.get("message", {}).get("usage") or {}))
        elif kind == "message_delta":
            usage = payload.get("usage") or {}
            if usage:
                out.append(_usage(usage))
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
        messages = render_messages(request.conversation, request.image_fitter)
        body: dict[str, object] = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
            "stream": True,
        }
        system = request.conversation.system
        if system:
            cached = [{"type": "text", "text": system, "cache_control": CACHE}]
            body["system"] = cached if endpoint.prompt_caching else system
        if endpoint.prompt_caching:
            mark_cacheable(messages)
        if request.temperature is not None:
            body["temperature"] = request.temperature
        budget = reasoning_of(endpoint, request).thinking_budget
        prefill = bool(messages) and messages[-1]["role"] == "assistant"
        if budget > 0 and not prefill:
            problem = thinking_problem(budget, request)
            if problem is not None:
                raise ConfigurationError(problem)
            body["thinking"] = {"type": "enabled", "budget_tokens": budget}
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
