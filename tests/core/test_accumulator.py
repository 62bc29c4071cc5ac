"""Accumulator: events of a turn folded into the final message, attempts voiding earlier ones."""

from __future__ import annotations

from collections.abc import Iterable

from desktop_chat.core.accumulator import Accumulator
from desktop_chat.core.conversation import AssistantTurn, Message, ThinkingBlock, ToolCall
from desktop_chat.core.errors import OverloadedError, StreamCutError
from desktop_chat.core.events import (
    AttemptStarted,
    ReasoningDelta,
    ReasoningSignature,
    RedactedThinking,
    RetryScheduled,
    Stop,
    StreamError,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    Usage,
)


def fold(events: Iterable[StreamEvent]) -> Accumulator:
    accumulator = Accumulator()
    for event in events:
        accumulator.feed(event)
    return accumulator


def calls(turn: AssistantTurn) -> list[tuple[str, str, str]]:
    return [(call.id, call.name, call.arguments) for call in turn.tool_calls]


def test_empty_turn() -> None:
    accumulator = Accumulator()
    assert accumulator.turn == AssistantTurn()
    assert accumulator.attempts == 0
    assert not accumulator.has_text


def test_text_and_reasoning_are_concatenated_in_order() -> None:
    turn = fold(
        [
            AttemptStarted(1, 4),
            ReasoningDelta("Let "),
            ReasoningDelta("me think."),
            TextDelta("Hel"),
            TextDelta(""),
            TextDelta("lo 世界 😀"),
        ]
    ).turn
    assert turn.reasoning == "Let me think."
    assert turn.text == "Hello 世界 😀"
    assert turn.attempts == 1


def test_signature_pieces_are_joined() -> None:
    turn = fold([ReasoningSignature("abc"), ReasoningSignature("def")]).turn
    assert turn.reasoning_signature == "abcdef"
    assert turn.thinking_blocks == (ThinkingBlock("", "abcdef"),)


def test_thinking_blocks_keep_their_order_and_their_own_signatures() -> None:
    turn = fold(
        [
            AttemptStarted(1, 1),
            ReasoningDelta("First, ", 0),
            ReasoningDelta("the date.", 0),
            ReasoningSignature("sig-A", 0),
            RedactedThinking("ENCRYPTED==", 1),
            ReasoningDelta("Then the tool.", 2),
            ReasoningSignature("sig-B", 2),
            TextDelta("Checking."),
            ToolCallStart(3, "toolu_1", "now"),
            ToolCallDelta(3, "{}"),
            ToolCallEnd(3),
        ]
    ).turn
    assert turn.thinking_blocks == (
        ThinkingBlock("First, the date.", "sig-A"),
        ThinkingBlock(redacted_data="ENCRYPTED=="),
        ThinkingBlock("Then the tool.", "sig-B"),
    )
    assert turn.reasoning == "First, the date.Then the tool."  # what people read
    assert turn.reasoning_signature == ""  # no one signature signs the joined text
    message = turn.to_message()
    assert message.thinking_blocks == turn.thinking_blocks
    assert [block.redacted for block in message.thinking_blocks] == [False, True, False]


def test_blocks_are_ordered_by_index_not_by_arrival() -> None:
    turn = fold([ReasoningDelta("b", 4), ReasoningDelta("a", 1), ReasoningSignature("s4", 4)]).turn
    assert turn.thinking_blocks == (ThinkingBlock("a"), ThinkingBlock("b", "s4"))


def test_reasoning_without_a_block_index_is_one_unsigned_block() -> None:
    turn = fold([ReasoningDelta("Let "), ReasoningDelta("me think.")]).turn
    assert turn.thinking_blocks == (ThinkingBlock("Let me think."),)
    assert turn.reasoning_signature == ""


def test_a_lone_redacted_block_has_no_reasoning_signature() -> None:
    turn = fold([RedactedThinking("opaque")]).turn
    assert turn.thinking_blocks == (ThinkingBlock(redacted_data="opaque"),)
    assert (turn.reasoning, turn.reasoning_signature) == ("", "")


def test_tool_call_arguments_are_kept_exactly_as_streamed() -> None:
    pieces = ["{", ' "city" ', ":", ' "Par', 'is" ,', '"n":1e3', "}"]
    turn = fold(
        [
            ToolCallStart(0, "call_1", "get_weather"),
            *(ToolCallDelta(0, piece) for piece in pieces),
            ToolCallEnd(0),
        ]
    ).turn
    assert calls(turn) == [("call_1", "get_weather", "".join(pieces))]
    assert turn.tool_calls[0].parsed_arguments() == {"city": "Paris", "n": 1000.0}


def test_parallel_calls_interleaved_are_ordered_by_index() -> None:
    turn = fold(
        [
            ToolCallStart(2, "c2", "second"),
            ToolCallStart(0, "c0", "first"),
            ToolCallDelta(2, '{"b":'),
            ToolCallDelta(0, '{"a":'),
            ToolCallDelta(2, "2}"),
            ToolCallDelta(0, "1}"),
            ToolCallEnd(2),
            ToolCallEnd(0),
        ]
    ).turn
    assert calls(turn) == [("c0", "first", '{"a":1}'), ("c2", "second", '{"b":2}')]


def test_call_without_arguments_has_empty_arguments() -> None:
    turn = fold([ToolCallStart(0, "c", "now"), ToolCallEnd(0)]).turn
    assert calls(turn) == [("c", "now", "")]
    assert turn.tool_calls[0].parsed_arguments() == {}


def test_arguments_before_the_start_are_kept() -> None:
    turn = fold(
        [ToolCallDelta(0, '{"a"'), ToolCallStart(0, "c", "f"), ToolCallDelta(0, ":1}")]
    ).turn
    assert calls(turn) == [("c", "f", '{"a":1}')]


def test_a_repeated_start_does_not_drop_arguments_or_rename() -> None:
    turn = fold(
        [
            ToolCallStart(0, "c", "f"),
            ToolCallDelta(0, "{"),
            ToolCallStart(0, "other", "g"),
            ToolCallDelta(0, "}"),
        ]
    ).turn
    assert calls(turn) == [("c", "f", "{}")]


def test_usage_is_replaced_field_by_field() -> None:
    accumulator = fold([Usage(12, 1)])
    assert (accumulator.turn.input_tokens, accumulator.turn.output_tokens) == (12, 1)
    accumulator.feed(Usage(None, 34))
    assert (accumulator.turn.input_tokens, accumulator.turn.output_tokens) == (12, 34)
    accumulator.feed(Usage(20, None))
    assert (accumulator.turn.input_tokens, accumulator.turn.output_tokens) == (20, 34)
    accumulator.feed(Usage(0, 0))
    assert (accumulator.turn.input_tokens, accumulator.turn.output_tokens) == (0, 0)


def test_stop_reason_last_one_wins() -> None:
    assert fold([Stop("tool_calls")]).turn.stop_reason == "tool_calls"
    assert fold([Stop("length"), Stop("stop")]).turn.stop_reason == "stop"
    assert fold([Stop("stop"), Stop(None)]).turn.stop_reason is None


def test_retry_voids_what_the_failed_attempt_streamed() -> None:
    cause = StreamCutError("cut")
    accumulator = fold(
        [
            AttemptStarted(1, 4),
            ReasoningDelta("first thoughts"),
            ReasoningSignature("sig1"),
            RedactedThinking("data", 1),
            TextDelta("Hello, wor"),
            ToolCallStart(0, "c_old", "old"),
            ToolCallDelta(0, '{"half'),
            Usage(10, 5),
            Stop("stop"),
            StreamError(cause),
            RetryScheduled(1, 4, cause, 0.5, partial_text=True),
            AttemptStarted(2, 4),
            TextDelta("Hello, "),
            TextDelta("world"),
        ]
    )
    turn = accumulator.turn
    assert turn.text == "Hello, world"  # not "Hello, worHello, world"
    assert turn.reasoning == ""
    assert turn.reasoning_signature == ""
    assert turn.thinking_blocks == ()
    assert turn.tool_calls == []
    assert (turn.input_tokens, turn.output_tokens, turn.stop_reason) == (None, None, None)
    assert turn.attempts == 2
    assert accumulator.attempts == 2


def test_attempts_are_counted_across_several_retries() -> None:
    events: list[StreamEvent] = []
    for attempt in (1, 2, 3):
        events += [AttemptStarted(attempt, 3), TextDelta(f"try {attempt}")]
    accumulator = fold([*events, Stop("stop")])
    assert accumulator.turn.text == "try 3"
    assert accumulator.turn.attempts == 3
    assert accumulator.turn.stop_reason == "stop"


def test_tool_call_index_reused_after_a_retry_starts_fresh() -> None:
    turn = fold(
        [
            AttemptStarted(1, 2),
            ToolCallStart(0, "c1", "f"),
            ToolCallDelta(0, '{"a":'),
            AttemptStarted(2, 2),
            ToolCallStart(0, "c2", "f"),
            ToolCallDelta(0, '{"a":1}'),
        ]
    ).turn
    assert calls(turn) == [("c2", "f", '{"a":1}')]


def test_events_that_carry_nothing_to_keep_change_nothing() -> None:
    before = fold([TextDelta("x")]).turn
    accumulator = fold([TextDelta("x")])
    for event in (
        ToolCallEnd(5),
        StreamError(OverloadedError("busy")),
        RetryScheduled(1, 2, OverloadedError("busy"), 1.0, partial_text=False),
    ):
        accumulator.feed(event)
    assert accumulator.turn == before


def test_has_text() -> None:
    assert fold([TextDelta("a")]).has_text
    assert fold([ReasoningDelta("a")]).has_text
    assert fold([ToolCallStart(0, "c", "f")]).has_text
    assert not fold([Usage(1, 2), Stop("stop"), AttemptStarted(1, 1)]).has_text
    assert not fold([TextDelta("a"), AttemptStarted(2, 2)]).has_text


def test_turn_is_a_snapshot() -> None:
    accumulator = fold([TextDelta("a"), ToolCallStart(0, "c", "f"), ToolCallDelta(0, "{")])
    snapshot = accumulator.turn
    accumulator.feed(TextDelta("b"))
    accumulator.feed(ToolCallDelta(0, "}"))
    assert snapshot.text == "a"
    assert snapshot.tool_calls[0].arguments == "{"
    snapshot.tool_calls[0].arguments = "changed"
    assert accumulator.turn.text == "ab"
    assert accumulator.turn.tool_calls[0].arguments == "{}"


def test_to_message() -> None:
    turn = fold(
        [
            AttemptStarted(1, 1),
            ReasoningDelta("why"),
            ReasoningSignature("sig"),
            TextDelta("answer"),
            ToolCallStart(0, "c", "f"),
            ToolCallDelta(0, "{}"),
            Usage(1, 2),
            Stop("tool_use"),
        ]
    ).turn
    message = turn.to_message()
    assert message == Message(
        "assistant",
        text="answer",
        reasoning="why",
        reasoning_signature="sig",
        tool_calls=[ToolCall("c", "f", "{}")],
        thinking_blocks=(ThinkingBlock("why", "sig"),),
    )
    assert message.tool_results == []
    message.tool_calls.append(ToolCall("x", "y"))
    assert len(turn.tool_calls) == 1  # the message owns its own list
