"""OpenAI Chat Completions over SSE, as OpenAI and every compatible gateway speak it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from desktop_chat.core.attachment import ImageFitter, data_url, outgoing
from desktop_chat.core.conversation import Conversation, Message, Tool
from desktop_chat.core.errors import ChatError
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
from desktop_chat.core.providers.base import (
    ChatRequest,
    EndpointConfig,
    HTTPRequest,
    join_url,
    loads,
    reasoning_of,
    stream_error,
)
from desktop_chat.core.sse import SSEEvent


def user_content(message: Message, fitter: ImageFitter | None = None) -> object:
    """A user message's content: its text, or parts when it has images or PDFs.

    Images are `image_url` parts with a data: URL, PDFs `file` parts with the file's name and a
    data: URL (OpenAI's file inputs; a compatible server without them answers 400, which names
    the file, see errors.attachment_refused). The parts come before the text they go with.
    """
    out = outgoing(message, "openai", fitter)
    if not out.has_parts:
        return out.text
    parts: list[dict[str, object]] = [
        {"type": "image_url", "image_url": {"url": data_url(image)}} for image in out.images
    ]
    parts.extend(
        {"type": "file", "file": {"filename": pdf.name, "file_data": data_url(pdf)}}
        for pdf in out.pdfs
    )
    if out.text:
        parts.append({"type": "text", "text": out.text})
    return parts


def render_messages(
    conversation: Conversation, fitter: ImageFitter | None = None
) -> list[dict[str, object]]:
    """The history as Chat Completions messages (reasoning is not sent back: servers reject it)."""
    messages: list[dict[str, object]] = []
    if conversation.system:
        messages.append({"role": "system", "content": conversation.system})
    for message in conversation.messages:
        if message.role == "user":
            messages.append({"role": "user", "content": user_content(message, fitter)})
        elif message.role == "assistant":
            if not (message.text or message.tool_calls):
                continue  # a stopped answer with nothing in it: providers reject empty turns
            rendered: dict[str, object] = {"role": "assistant", "content": message.text or None}
            if message.tool_calls:
                rendered["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments or "{}"},
                    }
                    for call in message.tool_calls
                ]
            messages.append(rendered)
        else:
            messages.extend(
                {"role": "tool", "tool_call_id": result.call_id, "content": result.content}
                for result in message.tool_results
            )
    return messages


def render_tool(tool: Tool) -> dict[str, object]:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def limit_field(base_url: str, choice: str = "auto") -> str:
    """The body field for the answer's length limit: `choice`, unless it is "auto".

    OpenAI's own API deprecated `max_tokens` and its reasoning models refuse it, while many
    compatible servers (vLLM, Ollama, LM Studio, DeepSeek) know only `max_tokens`; so "auto"
    means `max_completion_tokens` for OpenAI's and Azure OpenAI's hosts, `max_tokens` elsewhere.
    """
    if choice != "auto":
        return choice
    host = (urlsplit(base_url).hostname or "").lower()
    openai_host = host == "api.openai.com" or host.endswith(".openai.azure.com")
    return "max_completion_tokens" if openai_host else "max_tokens"


# Hosts that refuse `stream_options` and send usage in the last chunk unasked: Mistral answers
# 422 "Extra inputs are not permitted" (avante.nvim#2347, anon-kode#53); Zhipu's GLM API, in
# China and as Z.ai, does not support the field (AgentScope's GLM notes strip it).
_NO_STREAM_OPTIONS = {"api.mistral.ai", "open.bigmodel.cn", "api.z.ai"}


def usage_option(base_url: str) -> dict[str, object]:
    """The request fields that ask for usage in the stream: none where a host refuses them."""
    host = (urlsplit(base_url).hostname or "").lower()
    return {} if host in _NO_STREAM_OPTIONS else {"stream_options": {"include_usage": True}}


class OpenAIChatParser:
    """Chunks of `chat.completion.chunk` to typed events.

    `[DONE]` ends the stream; a stream that closes after a finish_reason without it is complete too.
    """

    __slots__ = ("_ids", "_open_calls", "complete", "done", "error")

    def __init__(self) -> None:
        self.done = False
        self.complete = False
        self.error: ChatError | None = None
        self._open_calls: dict[int, bool] = {}
        self._ids: dict[str, int] = {}

    def parse(self, event: SSEEvent, out: list[StreamEvent]) -> None:
        data = event.data
        if data == "[DONE]":
            self.done = self.complete = True
            return
        chunk = loads(data)
        error = chunk.get("error")
        if error is not None:
            self.error = stream_error(error)
            out.append(StreamError(self.error))
            return
        choices = chunk.get("choices")
        if choices:
            choice = choices[0]
            delta = choice.get("delta")
            if delta:
                self._delta(delta, out)
            reason = choice.get("finish_reason")
            if reason:
                for index in self._open_calls:
                    out.append(ToolCallEnd(index))
                self._open_calls.clear()
                out.append(Stop(reason))
                self.complete = True
        # Moonshot (Kimi) puts the usage in the last chunk's choice instead (go-moonshot#17).
        usage = chunk.get("usage") or (choices[0].get("usage") if choices else None)
        if usage:
            out.append(_usage(usage))

    def _delta(self, delta: dict[str, Any], out: list[StreamEvent]) -> None:
        content = delta.get("content")
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if reasoning and isinstance(reasoning, str):
            out.append(ReasoningDelta(reasoning))
        if content:
            out.append(TextDelta(content))
        tool_calls = delta.get("tool_calls")
        if tool_calls:
            for call in tool_calls:
                index = call.get("index")
                if index is None:
                    index = self._index_without_index(call.get("id"))
                function = call.get("function") or {}
                if index not in self._open_calls:
                    self._open_calls[index] = True
                    out.append(
                        ToolCallStart(index, call.get("id") or "", function.get("name") or "")
                    )
                arguments = function.get("arguments")
                if arguments:
                    out.append(ToolCallDelta(index, arguments))

    def _index_without_index(self, call_id: str | None) -> int:
        """Gateways that omit `index`: a new id opens a new call, no id continues the last."""
        if call_id:
            return self._ids.setdefault(call_id, len(self._ids))
        return max(len(self._ids) - 1, 0)


def _usage(usage: dict[str, Any]) -> Usage:
    """OpenAI's `prompt_tokens` already include `prompt_tokens_details.cached_tokens`."""
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return Usage(
        usage.get("prompt_tokens"),
        usage.get("completion_tokens"),
        cached if isinstance(cached, int) else None,
    )


class OpenAIChat:
    def chat_request(self, endpoint: EndpointConfig, request: ChatRequest) -> HTTPRequest:
        body: dict[str, object] = {
            "model": request.model,
            "messages": render_messages(request.conversation, request.image_fitter),
            "stream": True,
            **usage_option(endpoint.base_url),
            limit_field(endpoint.base_url, endpoint.output_limit_field): request.max_tokens,
        }
        if request.temperature is not None:
            body["temperature"] = request.temperature
        effort = reasoning_of(endpoint, request).effort
        if effort:
            body["reasoning_effort"] = effort
        if request.tools:
            body["tools"] = [render_tool(tool) for tool in request.tools]
        headers = {"Accept": "text/event-stream", **self._auth(endpoint)}
        return HTTPRequest("POST", join_url(endpoint.base_url, "/chat/completions"), headers, body)

    def models_request(self, endpoint: EndpointConfig) -> HTTPRequest:
        return HTTPRequest("GET", join_url(endpoint.base_url, "/models"), self._auth(endpoint))

    def parser(self) -> OpenAIChatParser:
        return OpenAIChatParser()

    @staticmethod
    def _auth(endpoint: EndpointConfig) -> dict[str, str]:
        headers = dict(endpoint.extra_headers)
        if endpoint.api_key:
            headers["Authorization"] = f"Bearer {endpoint.api_key}"
        return headers
