"""Follow each tool call through the tool loop: checked, approved or denied, run, answered.

The streamed part of a call (its start, argument deltas and end) is recorded by the Inspection
as it arrives; the loop's events find the call again by id here and say what became of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from desktop_chat.i18n import _, ngettext
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
            summary = ngettext(
                "Step limit of {steps} reached; {count} call not run",
                "Step limit of {steps} reached; {count} calls not run",
                count,
            ).format(steps=event.max_steps, count=count)
            return None, summary, event
        if isinstance(event, ToolCallReady):
            call = self.find(event.call.id, event.call.name, step)
            return call, self._ready(call, event), event
        call = self.find(event.call_id, "?", step)
        if isinstance(event, ToolCallApproved):
            call.approval = event.how
            summary = _("{name} approved ({how})").format(name=call.name, how=event.how)
            if event.how == "edited":
                call.edited_arguments = self._scrub(event.arguments)
                event = dataclasses.replace(event, arguments=call.edited_arguments)
                summary += _(" with arguments {arguments}").format(
                    arguments=call.edited_arguments[:SUMMARY_CHARS]
                )
            return call, summary, event
        if isinstance(event, ToolCallDenied):
            call.approval = "denied"
            call.denial_reason = event.reason
            denied = _("{name} denied: {reason}").format(name=call.name, reason=event.reason)
            return call, denied, event
        if isinstance(event, ToolCallStarted):
            call.running = True
            return call, _("{name} running").format(name=call.name), event
        call.running = False
        content = self._scrub(event.result.content)
        if content != event.result.content:
            event = dataclasses.replace(
                event, result=dataclasses.replace(event.result, content=content)
            )
        call.result, call.is_error, call.duration = content, event.is_error, event.duration
        took = format_seconds(event.duration)
        template = (
            _("{name} error result after {took}: {content!r}")
            if event.is_error
            else _("{name} result after {took}: {content!r}")
        )
        summary = template.format(name=call.name, took=took, content=content[:SUMMARY_CHARS])
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
            verdict = _("no such tool is offered")
        elif call.parse_error is not None:
            verdict = _("arguments not JSON: {problem}").format(problem=call.parse_error)
        elif call.schema_problems:
            count = len(call.schema_problems)
            verdict = ngettext(
                "{count} schema problem: {problems}", "{count} schema problems: {problems}", count
            ).format(count=count, problems="; ".join(call.schema_problems))
        else:
            verdict = _("arguments match the schema")
        return _("{name} checked: {verdict}").format(name=call.name, verdict=verdict)
