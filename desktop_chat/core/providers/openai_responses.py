"""OpenAI Responses API over SSE: typed events, conversation state sent as input items.

Nothing is stored on the server (`store: false`): every request carries the whole conversation
as input items, user and assistant messages, `function_call` and `function_call_output` items
for the tool loop, and the reasoning items of earlier turns. A reasoning item can only go back
when the API returned its `encrypted_content` (with `store: false` the server keeps nothing to
look an id up in), so only those are kept for resending; the summary is for people to read.

A reasoning item travels in the conversation as a `ThinkingBlock` whose signature is the item's
id and encrypted content as one small JSON object (`reasoning_item`); the other protocols'
renderers leave such blocks out, as this one leaves out their signatures.

Event shapes follow the official `openai` SDK's `types/responses` (ResponseStreamEvent).
"""

from __future__ import annotations

import json
from typing import Any

from desktop_chat.core.attachment import ImageFitter, data_url, outgoing
from desktop_chat.core.conversation import Conversation, Message, ThinkingBlock, Tool
from desktop_chat.core.errors import BadRequestError, ChatError
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
from desktop_chat.i18n import _

# `response.failed` codes the client may retry; every other code (an invalid prompt or image,
# a policy refusal) fails the same way again.
_RETRYABLE_FAILURES = {"server_error", "rate_limit_exceeded", "vector_store_timeout"}


def reasoning_item(item_id: str, encrypted_content: str) -> str:
    """The signature that stands for a reasoning item: what it takes to send it back."""
    return json.dumps(
        {"type": "reasoning", "id": item_id, "encrypted_content": encrypted_content},
        separators=(",", ":"),
    )


def parse_reasoning_item(signature: str) -> tuple[str, str] | None:
    """(id, encrypted content) of a signature made by `reasoning_item`; None for any other."""
    if not signature.startswith("{"):  # Anthropic's signatures are base64, never JSON
        return None
    try:
        value = json.loads(signature)
    except ValueError:
        return None
    if not isinstance(value, dict) or value.get("type") != "reasoning":
        return None
    item_id, content = value.get("id"), value.get("encrypted_content")
    if isinstance(item_id, str) and isinstance(content, str) and item_id and content:
        return item_id, content
    return None


def _reasoning_items(message: Message) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for block in message.thinking_blocks:
        found = parse_reasoning_item(block.signature)
        if found is None:
            continue  # readable only, or another protocol's: the API would refuse it
        item_id, content = found
        summary = [{"type": "summary_text", "text": block.text}] if block.text else []
        items.append(
            {"type": "reasoning", "id": item_id, "summary": summary, "encrypted_content": content}
        )
    return items


def user_content(message: Message, fitter: ImageFitter | None = None) -> object:
    """A user message's content: its text, or `input_image`/`input_file` parts and the text."""
    out = outgoing(message, "openai-responses", fitter)
    if not out.has_parts:
        return out.text
    parts: list[dict[str, object]] = [
        {"type": "input_image", "image_url": data_url(image)} for image in out.images
    ]
    parts.extend(
        {"type": "input_file", "filename": pdf.name, "file_data": data_url(pdf)} for pdf in out.pdfs
    )
    if out.text:
        parts.append({"type": "input_text", "text": out.text})
    return parts


def render_input(
    conversation: Conversation, fitter: ImageFitter | None = None
) -> list[dict[str, object]]:
    """The history as input items; the system prompt goes in `instructions`, not here."""
    items: list[dict[str, object]] = []
    for message in conversation.messages:
        if message.role == "user":
            items.append({"role": "user", "content": user_content(message, fitter)})
        elif message.role == "assistant":
            if message.text or message.tool_calls:  # reasoning alone is refused: it must lead
                items.extend(_reasoning_items(message))  # to the output that followed it
            if message.text:  # a stopped answer with nothing in it is left out
                items.append({"role": "assistant", "content": message.text})
            items.extend(
                {
                    "type": "function_call",
                    "call_id": call.id,
                    "name": call.name,
                    "arguments": call.arguments or "{}",
                }
                for call in message.tool_calls
            )
        else:
            items.extend(
                {"type": "function_call_output", "call_id": r.call_id, "output": r.content}
                for r in message.tool_results
            )
    return items


def render_tool(tool: Tool) -> dict[str, object]:
    # Strict mode would refuse the many user and MCP schemas that do not list every property as
    # required and forbid the rest, so it is off, as Chat Completions has it by default.
    return {
        "type": "function",
        "name": tool.name,
        "description": tool.description,
        "parameters": tool.parameters,
        "strict": False,
    }


def _failure(response: object) -> ChatError:
    """The ChatError of a `response.failed` event, in the provider's words."""
    error = response.get("error") if isinstance(response, dict) else None
    if not isinstance(error, dict):
        return stream_error("the response failed without saying why")
    code = error.get("code")
    if code in _RETRYABLE_FAILURES or not isinstance(code, str):
        return stream_error(error)
    message = str(error.get("message") or code)
    return BadRequestError(_("The provider could not answer"), provider_message=message)


class ResponsesParser:
    """Typed `response.*` events to engine events; the response's end event ends the stream.

    Items are told apart by `output_index`: it is the tool call's index and the thinking
    block's, so parallel calls and several reasoning items never mix.
    """

    __slots__ = ("_argued", "_calls", "_summaries", "_thought", "complete", "done", "error")

    def __init__(self) -> None:
        self.done = False
        self.complete = False
        self.error: ChatError | None = None
        self._calls: set[int] = set()  # open function calls
        self._argued: set[int] = set()  # calls whose arguments came as deltas
        self._thought: set[int] = set()  # reasoning items whose text came as deltas
        self._summaries: dict[int, int] = {}  # the last summary part seen, per reasoning item

    def parse(self, event: SSEEvent, out: list[StreamEvent]) -> None:
        if event.data == "[DONE]":  # a compatible server's extra end marker
            self.done = self.complete
            return
        payload = loads(event.data)
        kind = payload.get("type", event.event)
        if kind == "response.output_text.delta" or kind == "response.refusal.delta":
            out.append(TextDelta(str(payload.get("delta", ""))))
        elif kind == "response.reasoning_summary_text.delta":
            index = _index(payload)
            part = payload.get("summary_index", 0)
            last = self._summaries.setdefault(index, part)
            if part != last:  # a new summary part: keep the parts apart as paragraphs
                self._summaries[index] = part
                out.append(ReasoningDelta("\n\n", index))
            self._thought.add(index)
            out.append(ReasoningDelta(str(payload.get("delta", "")), index))
        elif kind == "response.reasoning_text.delta":
            self._thought.add(_index(payload))
            out.append(ReasoningDelta(str(payload.get("delta", "")), _index(payload)))
        elif kind == "response.function_call_arguments.delta":
            self._argued.add(_index(payload))
            out.append(ToolCallDelta(_index(payload), str(payload.get("delta", ""))))
        elif kind == "response.output_item.added":
            self._item_added(_index(payload), payload.get("item") or {}, out)
        elif kind == "response.output_item.done":
            self._item_done(_index(payload), payload.get("item") or {}, out)
        elif kind in ("response.completed", "response.incomplete"):
            self._finish(payload.get("response") or {}, out)
        elif kind == "response.failed":
            self._fail(_failure(payload.get("response")), out)
        elif kind == "error":
            nested = payload.get("error")
            self._fail(stream_error(nested if isinstance(nested, dict) else payload), out)
        # response.created, *.done, content parts and event types added later carry nothing new

    def _item_added(self, index: int, item: dict[str, Any], out: list[StreamEvent]) -> None:
        if item.get("type") == "function_call" and index not in self._calls:
            self._calls.add(index)
            call_id, name = str(item.get("call_id", "")), str(item.get("name", ""))
            out.append(ToolCallStart(index, call_id, name))

    def _item_done(self, index: int, item: dict[str, Any], out: list[StreamEvent]) -> None:
        """Close a call; keep a reasoning item's encrypted content, now that it is whole."""
        kind = item.get("type")
        if kind == "function_call":
            self._item_added(index, item, out)  # a server that sends the call only when done
            arguments = item.get("arguments")
            if arguments and index not in self._argued:
                out.append(ToolCallDelta(index, str(arguments)))
            if index in self._calls:
                self._calls.discard(index)
                out.append(ToolCallEnd(index))
        elif kind == "reasoning":
            if index not in self._thought:  # sent whole rather than as deltas
                parts = item.get("summary") or item.get("content") or []
                text = "\n\n".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
                if text:
                    out.append(ReasoningDelta(text, index))
            content = item.get("encrypted_content")
            if content and item.get("id"):
                out.append(ReasoningSignature(reasoning_item(str(item["id"]), str(content)), index))

    def _finish(self, response: dict[str, Any], out: list[StreamEvent]) -> None:
        usage = response.get("usage") or {}
        if usage:
            out.append(Usage(usage.get("input_tokens"), usage.get("output_tokens")))
        details = response.get("incomplete_details") or {}
        reason = details.get("reason") if isinstance(details, dict) else None
        out.append(Stop(str(reason or response.get("status") or "completed")))
        self.done = self.complete = True

    def _fail(self, error: ChatError, out: list[StreamEvent]) -> None:
        self.error = error
        out.append(StreamError(error))


def _index(payload: dict[str, Any]) -> int:
    index = payload.get("output_index")
    return index if isinstance(index, int) else 0


class OpenAIResponses:
    def chat_request(self, endpoint: EndpointConfig, request: ChatRequest) -> HTTPRequest:
        body: dict[str, object] = {
            "model": request.model,
            "input": render_input(request.conversation, request.image_fitter),
            "stream": True,
            "store": False,
            "max_output_tokens": request.max_tokens,
        }
        if request.conversation.system:
            body["instructions"] = request.conversation.system
        if request.temperature is not None:
            body["temperature"] = request.temperature
        effort = reasoning_of(endpoint, request).effort
        if effort:
            # A summary is asked for only with an effort chosen: models that do not reason may
            # refuse the parameter, and "none" has nothing to summarise.
            body["reasoning"] = {"effort": effort} | (
                {"summary": "auto"} if effort != "none" else {}
            )
        if request.tools:
            body["tools"] = [render_tool(tool) for tool in request.tools]
        headers = {"Accept": "text/event-stream", **self._auth(endpoint)}
        return HTTPRequest("POST", join_url(endpoint.base_url, "/responses"), headers, body)

    def models_request(self, endpoint: EndpointConfig) -> HTTPRequest:
        return HTTPRequest("GET", join_url(endpoint.base_url, "/models"), self._auth(endpoint))

    def parser(self) -> ResponsesParser:
        return ResponsesParser()

    @staticmethod
    def _auth(endpoint: EndpointConfig) -> dict[str, str]:
        headers = dict(endpoint.extra_headers)
        if endpoint.api_key:
            headers["Authorization"] = f"Bearer {endpoint.api_key}"
        return headers


def is_reasoning_item(block: ThinkingBlock) -> bool:
    """True for a Responses reasoning item: other protocols must not send it as their own."""
    return parse_reasoning_item(block.signature) is not None
