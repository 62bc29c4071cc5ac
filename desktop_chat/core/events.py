"""The typed events of one streamed turn: the single union every consumer matches on.

Providers turn SSE events into these; the engine adds attempt and retry events; the accumulator,
the CLI and the window all consume the same objects and never see HTTP, SSE or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop_chat.core.errors import ChatError


@dataclass(frozen=True, slots=True)
class AttemptStarted:
    """An HTTP attempt begins; everything streamed by earlier attempts is void from here on."""

    attempt: int
    max_attempts: int


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """Reasoning/thinking text (OpenAI-compatible `reasoning_content`, Anthropic thinking).

    `block` tells the thinking blocks of one turn apart and orders them: Anthropic's content
    block index; always 0 for a provider with a single stream of reasoning.
    """

    text: str
    block: int = 0


@dataclass(frozen=True, slots=True)
class ReasoningSignature:
    """Anthropic's signature of thinking block `block`, needed to send that block back."""

    signature: str
    block: int = 0


@dataclass(frozen=True, slots=True)
class RedactedThinking:
    """An Anthropic thinking block sent encrypted: nothing to show, but it must go back as is."""

    data: str
    block: int = 0


@dataclass(frozen=True, slots=True)
class ToolCallStart:
    """A tool call is known: `index` identifies it for the deltas that follow."""

    index: int
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call's JSON arguments, exactly as streamed."""

    index: int
    arguments: str


@dataclass(frozen=True, slots=True)
class ToolCallEnd:
    index: int


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as last reported; None means "not reported (yet)".

    `input_tokens` counts the whole prompt, cached parts included, whatever the protocol
    (Anthropic reports the uncached rest alone; its parser adds the cached counts back), so
    figures and costs mean the same for every endpoint. `cached_input_tokens` of them were read
    from the provider's prompt cache, `cache_write_tokens` were written to it (Anthropic).
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Stop:
    """The provider's own stop reason ("stop", "tool_calls", "end_turn", "max_tokens", ...)."""

    reason: str | None


@dataclass(frozen=True, slots=True)
class StreamError:
    """An error reported inside the stream; the engine retries or raises it."""

    error: ChatError


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """Attempt `attempt` failed with `cause`; the next attempt starts after `delay` seconds."""

    attempt: int
    max_attempts: int
    cause: ChatError
    delay: float
    partial_text: bool  # True when the failed attempt had already streamed text


@dataclass(frozen=True, slots=True)
class RequestSent:
    """Trace only: the HTTP request of an attempt, with the key redacted from its headers."""

    attempt: int
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str  # the JSON body exactly as sent


@dataclass(frozen=True, slots=True)
class ResponseStarted:
    """Trace only: the status line and headers arrived `elapsed` seconds after the request."""

    status: int
    headers: tuple[tuple[str, str], ...]
    elapsed: float


@dataclass(frozen=True, slots=True)
class WireEvent:
    """Trace only: one raw SSE event, `elapsed` seconds after the request; parsed events follow."""

    event: str
    data: str
    id: str
    elapsed: float


StreamEvent = (
    AttemptStarted
    | TextDelta
    | ReasoningDelta
    | ReasoningSignature
    | RedactedThinking
    | ToolCallStart
    | ToolCallDelta
    | ToolCallEnd
    | Usage
    | Stop
    | StreamError
    | RetryScheduled
    | RequestSent
    | ResponseStarted
    | WireEvent
)
