"""What a protocol adapter provides: a request for a turn, and a parser for its stream."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop_chat.core.attachment import ImageFitter
from desktop_chat.core.conversation import Conversation, Tool
from desktop_chat.core.errors import (
    AuthenticationError,
    BadRequestError,
    ChatError,
    MalformedStreamError,
    NotFoundError,
    OverloadedError,
    RateLimitError,
    ServerError,
    error_for_status,
)
from desktop_chat.core.events import StreamEvent
from desktop_chat.core.sse import SSEEvent
from desktop_chat.i18n import N_, _


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    protocol: str  # "openai" | "openai-responses" | "anthropic" (see providers.PROTOCOLS)
    base_url: str
    api_key: str | None = None
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    # Chat Completions only: "auto", "max_tokens" or "max_completion_tokens" (limit_field)
    output_limit_field: str = "auto"
    # Defaults of the endpoint's reasoning, used when a request leaves its own unset (None):
    # an effort word for OpenAI-style protocols ("" sends none), a thinking budget in tokens
    # for Anthropic (0: no extended thinking).
    reasoning_effort: str = ""
    thinking_budget: int = 0
    prompt_caching: bool = False  # Anthropic: mark the system prompt and older turns cacheable

    def __repr__(self) -> str:  # the key must never reach a log or a traceback
        key = "set" if self.api_key else "none"
        return f"EndpointConfig({self.protocol!r}, {self.base_url!r}, api_key=<{key}>)"


@dataclass(frozen=True, slots=True)
class ChatRequest:
    model: str
    conversation: Conversation
    max_tokens: int = 1024
    temperature: float | None = None
    tools: tuple[Tool, ...] = ()
    # This conversation's reasoning choice; None: the endpoint's default (see `reasoning_of`).
    reasoning_effort: str | None = None
    thinking_budget: int | None = None
    # Downscales an attached image over the protocol's limits (core/attachment.py); None: an
    # image goes as it is when within the hard limits, else the request is refused.
    image_fitter: ImageFitter | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Reasoning:
    """The reasoning a request asks for, the conversation's choice over the endpoint's default.

    Every protocol reads it here, so the window, `ask` and each provider agree on what was asked.
    """

    effort: str  # "" sends no effort
    thinking_budget: int  # 0: no extended thinking


def reasoning_of(endpoint: EndpointConfig, request: ChatRequest) -> Reasoning:
    effort, budget = request.reasoning_effort, request.thinking_budget
    return Reasoning(
        endpoint.reasoning_effort if effort is None else effort,
        endpoint.thinking_budget if budget is None else budget,
    )


@dataclass(frozen=True, slots=True)
class HTTPRequest:
    method: str
    url: str
    headers: dict[str, str]
    json: dict[str, object] | None = None


class StreamParser(Protocol):
    done: bool  # the terminal marker arrived: nothing more will follow
    complete: bool  # the answer is whole: the stream may close here without being cut
    error: ChatError | None  # an error the stream itself reported (also emitted as StreamError)

    def parse(self, event: SSEEvent, out: list[StreamEvent]) -> None:
        """Append the typed events that one SSE event carries to `out`."""


class Provider(Protocol):
    def chat_request(self, endpoint: EndpointConfig, request: ChatRequest) -> HTTPRequest: ...

    def parser(self) -> StreamParser: ...

    def models_request(self, endpoint: EndpointConfig) -> HTTPRequest: ...


def join_url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


_decode = json.JSONDecoder().raw_decode


def loads(data: str) -> dict[str, Any]:
    """Parse one data line; the message names the position for a person debugging a gateway.

    Wire JSON is dynamic by nature; the parsers check what they read. `raw_decode` skips the
    per-call wrapper of json.loads (a third of the cost per chunk); anything unusual, such as
    surrounding whitespace or trailing data, takes the ordinary path and its error message.
    """
    try:
        value, end = _decode(data)
        if end == len(data) and isinstance(value, dict):
            return value
    except ValueError:
        pass
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise MalformedStreamError(
            _("The server sent data that is not valid JSON ({reason}): {data!r}").format(
                reason=exc, data=data[:120]
            )
        ) from exc
    if not isinstance(value, dict):
        raise MalformedStreamError(
            _("The server sent an unexpected value: {data!r}").format(data=data[:120])
        )
    return value


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def provider_message(body: bytes) -> str | None:
    """The provider's own words from an error body: JSON `error.message`, an HTML title, or text."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if isinstance(value, dict):
        error = value.get("error", value)
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail") or error.get("type")
            if message:
                return str(message)
        elif isinstance(error, str):
            return error
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        text = title.group(1) if title else _TAG.sub(" ", text)
    return " ".join(text.split())[:300] or None


_ERROR_TYPES: dict[str, type[ChatError]] = {
    "overloaded_error": OverloadedError,
    "api_error": ServerError,
    "server_error": ServerError,
    "rate_limit_error": RateLimitError,
    "rate_limit_exceeded": RateLimitError,
    "authentication_error": AuthenticationError,
    "permission_error": AuthenticationError,
    "not_found_error": NotFoundError,
    "invalid_request_error": BadRequestError,
}


IN_STREAM = N_("The provider reported an error in the stream")


def stream_error(error: object) -> ChatError:
    """An error object found inside a stream, as the ChatError a person should read."""
    if not isinstance(error, dict):
        return ServerError(_(IN_STREAM), provider_message=str(error))
    message = str(error.get("message") or "") or None
    code = error.get("code")
    if isinstance(code, int) and 400 <= code < 600:
        return error_for_status(code, message)
    cls = _ERROR_TYPES.get(code) if isinstance(code, str) else None
    if cls is None:
        cls = _ERROR_TYPES.get(str(error.get("type") or ""), ServerError)
    if cls is OverloadedError:
        return OverloadedError(_("The provider is overloaded"), provider_message=message)
    return cls(_(IN_STREAM), provider_message=message)
