"""Fold the events of a turn into the final assistant message.

A new attempt voids everything the failed one streamed, so the result never holds duplicated or
half-repeated text. Text pieces are kept in lists and joined once: per-token work stays constant.

Thinking is kept twice: joined into `reasoning` for people, and block by block (ordered by the
events' `block`, each with its own signature, redacted blocks included) for the provider, which
accepts them back only exactly as sent.
"""

from __future__ import annotations

from desktop_chat.core.conversation import AssistantTurn, ThinkingBlock, ToolCall
from desktop_chat.core.events import (
    AttemptStarted,
    ReasoningDelta,
    ReasoningSignature,
    RedactedThinking,
    Stop,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallStart,
    Usage,
)


class _Call:
    __slots__ = ("id", "name", "pieces")

    def __init__(self, call_id: str, name: str) -> None:
        self.id = call_id
        self.name = name
        self.pieces: list[str] = []


class _Thinking:
    __slots__ = ("pieces", "redacted", "signature")

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.signature: list[str] = []
        self.redacted: list[str] = []

    def block(self) -> ThinkingBlock:
        return ThinkingBlock("".join(self.pieces), "".join(self.signature), "".join(self.redacted))


class Accumulator:
    """Feed every event of a turn; read `turn` at any time."""

    def __init__(self) -> None:
        self.attempts = 0
        self._reset()

    def _reset(self) -> None:
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._thinking: dict[int, _Thinking] = {}
        self._calls: dict[int, _Call] = {}
        self._stop: str | None = None
        self._input: int | None = None
        self._output: int | None = None
        self._cached: int | None = None
        self._cache_write: int | None = None

    def feed(self, event: StreamEvent) -> None:
        match event:
            case TextDelta(text=text):
                self._text.append(text)
            case ToolCallDelta(index=index, arguments=arguments):
                call = self._calls.get(index)
                if call is None:  # arguments before the start: keep them rather than lose them
                    call = self._calls[index] = _Call("", "")
                call.pieces.append(arguments)
            case ReasoningDelta(text=text, block=block):
                self._reasoning.append(text)
                self._thinking_block(block).pieces.append(text)
            case ToolCallStart(index=index, id=call_id, name=name):
                known = self._calls.get(index)
                if known is None:
                    self._calls[index] = _Call(call_id, name)
                else:
                    known.id = known.id or call_id
                    known.name = known.name or name
            case ReasoningSignature(signature=signature, block=block):
                self._thinking_block(block).signature.append(signature)
            case RedactedThinking(data=data, block=block):
                self._thinking_block(block).redacted.append(data)
            case Usage():
                self._usage(event)
            case Stop(reason=reason):
                self._stop = reason
            case AttemptStarted(attempt=attempt):
                self.attempts = attempt
                self._reset()
            case _:
                pass

    def _usage(self, usage: Usage) -> None:
        if usage.input_tokens is not None:
            self._input = usage.input_tokens
        if usage.output_tokens is not None:
            self._output = usage.output_tokens
        if usage.cached_input_tokens is not None:
            self._cached = usage.cached_input_tokens
        if usage.cache_write_tokens is not None:
            self._cache_write = usage.cache_write_tokens

    def _thinking_block(self, index: int) -> _Thinking:
        block = self._thinking.get(index)
        if block is None:
            block = self._thinking[index] = _Thinking()
        return block

    @property
    def has_text(self) -> bool:
        return bool(self._text or self._reasoning or self._calls)

    @property
    def turn(self) -> AssistantTurn:
        blocks = tuple(block.block() for _, block in sorted(self._thinking.items()))
        only = blocks[0] if len(blocks) == 1 and not blocks[0].redacted else None
        return AssistantTurn(
            text="".join(self._text),
            reasoning="".join(self._reasoning),
            reasoning_signature=only.signature if only is not None else "",
            tool_calls=[
                ToolCall(call.id, call.name, "".join(call.pieces))
                for _, call in sorted(self._calls.items())
            ],
            stop_reason=self._stop,
            input_tokens=self._input,
            output_tokens=self._output,
            attempts=self.attempts,
            thinking_blocks=blocks,
            cached_input_tokens=self._cached,
            cache_write_tokens=self._cache_write,
        )
