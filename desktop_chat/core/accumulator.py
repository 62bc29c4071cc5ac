"""Fold the events of a turn into the final assistant message.

A new attempt voids everything the failed one streamed, so the result never holds duplicated or
half-repeated text. Text pieces are kept in lists and joined once: per-token work stays constant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop_chat.core.conversation import Message, ToolCall
from desktop_chat.core.events import (
    AttemptStarted,
    ReasoningDelta,
    ReasoningSignature,
    Stop,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallStart,
    Usage,
)


@dataclass(slots=True)
class AssistantTurn:
    text: str = ""
    reasoning: str = ""
    reasoning_signature: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    stop_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    attempts: int = 0

    def to_message(self) -> Message:
        return Message(
            "assistant",
            text=self.text,
            reasoning=self.reasoning,
            reasoning_signature=self.reasoning_signature,
            tool_calls=list(self.tool_calls),
        )


class _Call:
    __slots__ = ("id", "name", "pieces")

    def __init__(self, call_id: str, name: str) -> None:
        self.id = call_id
        self.name = name
        self.pieces: list[str] = []


class Accumulator:
    """Feed every event of a turn; read `turn` at any time."""

    def __init__(self) -> None:
        self.attempts = 0
        self._reset()

    def _reset(self) -> None:
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._signature: list[str] = []
        self._calls: dict[int, _Call] = {}
        self._stop: str | None = None
        self._input: int | None = None
        self._output: int | None = None

    def feed(self, event: StreamEvent) -> None:
        match event:
            case TextDelta(text=text):
                self._text.append(text)
            case ToolCallDelta(index=index, arguments=arguments):
                call = self._calls.get(index)
                if call is None:  # arguments before the start: keep them rather than lose them
                    call = self._calls[index] = _Call("", "")
                call.pieces.append(arguments)
            case ReasoningDelta(text=text):
                self._reasoning.append(text)
            case ToolCallStart(index=index, id=call_id, name=name):
                known = self._calls.get(index)
                if known is None:
                    self._calls[index] = _Call(call_id, name)
                else:
                    known.id = known.id or call_id
                    known.name = known.name or name
            case ReasoningSignature(signature=signature):
                self._signature.append(signature)
            case Usage(input_tokens=input_tokens, output_tokens=output_tokens):
                if input_tokens is not None:
                    self._input = input_tokens
                if output_tokens is not None:
                    self._output = output_tokens
            case Stop(reason=reason):
                self._stop = reason
            case AttemptStarted(attempt=attempt):
                self.attempts = attempt
                self._reset()
            case _:
                pass

    @property
    def has_text(self) -> bool:
        return bool(self._text or self._reasoning or self._calls)

    @property
    def turn(self) -> AssistantTurn:
        return AssistantTurn(
            text="".join(self._text),
            reasoning="".join(self._reasoning),
            reasoning_signature="".join(self._signature),
            tool_calls=[
                ToolCall(call.id, call.name, "".join(call.pieces))
                for _, call in sorted(self._calls.items())
            ],
            stop_reason=self._stop,
            input_tokens=self._input,
            output_tokens=self._output,
            attempts=self.attempts,
        )
