"""Follow each tool call through the tool loop: checked, approved or denied, run, answered.

The streamed part of a call (its start, argument deltas and end) is recorded by the Inspection
as it arrives; the loop's events find the call again by id here and say what became of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from desktop_chat.inspector.trace import (
    ParseProblem,
    RequestTrace,
    ToolCallTrace,
    format_seconds,
    parse_arguments,
)
from desktop_chat.tools.events import (
    StepLimitReached,
    ToolCallApproved,
    ToolCallDenied,
    ToolCallFinished,
    ToolCallReady,
    ToolCallStarted,
)

SUMMARY_CHARS = 160

LoopCallEvent = (
    ToolCallReady
    | ToolCallApproved
    | ToolCallDenied
    | ToolCallStarted
    | ToolCallFinished
    | StepLimitReached
)


class ToolCallBook:
    """Every tool call of one answer, in the order they began, findable by id."""

    def __init__(self, scrub: Callable[[str], str]) -> None:
        self.calls: list[ToolCallTrace] = []
        self._by_id: dict[str, ToolCallTrace] = {}
        self._scrub = scrub

    def begin(
        self, call_id: str, name: str, index: int, step: int, request: RequestTrace | None, t: float
    ) -> ToolCallTrace:
        """A call's name and id are known: start following it."""
        call = ToolCallTrace(call_id, name, index, step, request, t)
        self.calls.append(call)
        self._by_id[call_id] = call  # a retried attempt's call of the same id is replaced
        return call

    def find(self, call_id: str, name: str, step: int) -> ToolCallTrace:
        """The call with `call_id`; a loop run without a trace of the stream gets one here."""
        call = self._by_id.get(call_id)
        if call is None:
            call = self.begin(call_id, name, len(self.calls), step, None, 0.0)
            call.complete = True
        return call

    def apply(
        self, event: LoopCallEvent, step: int
    ) -> tuple[ToolCallTrace | None, str, LoopCallEvent]:
        """Record a loop event; return its call, a summary line and the event as stored."""
        if isinstance(event, StepLimitReached):
            for unanswered in event.unanswered:
                self.find(unanswered.id, unanswered.name, step).not_run = "step limit"
            count = len(event.unanswered)
            return None, f"Step limit of {event.max_steps} reached; {count} call(s) not run", event
        if isinstance(event, ToolCallReady):
            call = self.find(event.call.id, event.call.name, step)
            return call, self._ready(call, event), event
        call = self.find(event.call_id, "?", step)
        if isinstance(event, ToolCallApproved):
            call.approval = event.how
            summary = f"{call.name} approved ({event.how})"
            if event.how == "edited":
                call.edited_arguments = self._scrub(event.arguments)
                event = dataclasses.replace(event, arguments=call.edited_arguments)
                summary += f" with arguments {call.edited_arguments[:SUMMARY_CHARS]}"
            return call, summary, event
        if isinstance(event, ToolCallDenied):
            call.approval = "denied"
            call.denial_reason = event.reason
            return call, f"{call.name} denied: {event.reason}", event
        if isinstance(event, ToolCallStarted):
            call.running = True
            return call, f"{call.name} running", event
        call.running = False
        content = self._scrub(event.result.content)
        if content != event.result.content:
            event = dataclasses.replace(
                event, result=dataclasses.replace(event.result, content=content)
            )
        call.result, call.is_error, call.duration = content, event.is_error, event.duration
        outcome = "error result" if event.is_error else "result"
        took = format_seconds(event.duration)
        summary = f"{call.name} {outcome} after {took}: {content[:SUMMARY_CHARS]!r}"
        return call, summary, event

    def _ready(self, call: ToolCallTrace, event: ToolCallReady) -> str:
        if not call.pieces:
            call.pieces.append(self._scrub(event.call.arguments))
        call.complete = True
        call.parsed, call.parse_error = parse_arguments(call.arguments)
        if event.parse_error is not None and call.parse_error is None:
            call.parse_error = ParseProblem(event.parse_error, 1, 1, 0)
        call.checked = True
        call.known_tool = event.tool is not None
        call.schema_problems = tuple(str(problem) for problem in event.schema_errors)
        if not call.known_tool:
            verdict = "no such tool is offered"
        elif call.parse_error is not None:
            verdict = f"arguments not JSON: {call.parse_error}"
        elif call.schema_problems:
            problems = "; ".join(call.schema_problems)
            verdict = f"{len(call.schema_problems)} schema problem(s): {problems}"
        else:
            verdict = "arguments match the schema"
        return f"{call.name} checked: {verdict}"
