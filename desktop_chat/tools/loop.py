"""Run a conversation with tools: a turn, approval of each call, the calls, the next turn.

Per step: stream one turn with `Engine.run`; if it ended with tool calls, check each (parse the
raw arguments, validate them against the tool's schema), ask the approver (unless the tool is
always allowed; about every call at once with `ask_together`, else one after another), run the
approved calls concurrently, each within the timeout, then append the assistant message and one
tool message holding every result, and go on. Denials, bad arguments,
failures and timeouts all become error results the model reads, with a reason for a person.

The conversation of the request is extended in place, so a window can show it as it grows.
Cancelling the task that runs the loop cancels the turn or every running call at once;
`cancel_call` stops a single call, which then reports an error result.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from desktop_chat.core.conversation import AssistantTurn, Message, ToolCall, ToolResult
from desktop_chat.core.engine import ChatRequest, EndpointConfig, Engine
from desktop_chat.core.events import StreamEvent
from desktop_chat.i18n import _
from desktop_chat.tools.events import (
    AlwaysAllow,
    CallRecord,
    Decision,
    Deny,
    Edit,
    LoopEvent,
    LoopResult,
    PendingCall,
    Step,
    StepLimitReached,
    StepStarted,
    ToolCallApproved,
    ToolCallDenied,
    ToolCallFinished,
    ToolCallReady,
    ToolCallStarted,
)
from desktop_chat.tools.registry import ToolFailure, ToolOutput, ToolRegistry, clip
from desktop_chat.tools.schema import (
    SchemaProblem,
    describe_problems,
    parse_arguments,
    validate_arguments,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_STEPS = 8
DEFAULT_TIMEOUT = 60.0

Approver = Callable[[PendingCall], Awaitable[Decision]]
PersonAnswer = Callable[[PendingCall], Awaitable[str | None]]
EventSink = Callable[[StreamEvent | LoopEvent], object]


async def ask_nobody(pending: PendingCall) -> Decision:
    """The approver when nobody is there to ask: deny."""
    return Deny(_("no one was there to approve it"))


class ToolLoop:
    """Runs turns and tool calls until the model answers without calls, or the step limit."""

    def __init__(
        self,
        engine: Engine,
        endpoint: EndpointConfig,
        registry: ToolRegistry,
        *,
        approve: Approver = ask_nobody,
        answer: PersonAnswer | None = None,
        always_allowed: Iterable[str] = (),
        on_always_allow: Callable[[str], object] | None = None,
        max_steps: int = DEFAULT_MAX_STEPS,
        timeout: float = DEFAULT_TIMEOUT,
        ask_together: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_steps < 1:
            raise ValueError("max_steps must be at least 1")
        self.engine = engine
        self.endpoint = endpoint
        self.registry = registry
        self.approve = approve
        self.answer = answer
        self.always_allowed = set(always_allowed)
        self.on_always_allow = on_always_allow
        self.max_steps = max_steps
        self.timeout = timeout
        self.ask_together = (
            ask_together  # a window shows every call's card at once; a terminal asks in turn
        )
        self.steps: list[Step] = []  # kept up to date, so a failed run still shows its steps
        self._clock = clock
        self._running: dict[str, asyncio.Task[ToolOutput]] = {}
        self._cancelled: set[str] = set()
        self._emit: EventSink = _ignore

    async def run(
        self, request: ChatRequest, on_event: EventSink | None = None, *, trace: bool = False
    ) -> LoopResult:
        """Run to the final answer; raises ChatError (with `.partial`) when a turn fails."""
        self._emit = on_event or _ignore
        request = dataclasses.replace(request, tools=self.registry.tools())
        messages = request.conversation.messages
        for step in range(1, self.max_steps + 1):
            self._emit(StepStarted(step, self.max_steps))
            turn = await self.engine.run(self.endpoint, request, self._emit, trace=trace)
            record = Step(turn)
            self.steps.append(record)
            if not turn.tool_calls:
                messages.append(turn.to_message())
                return LoopResult(turn, self.steps)
            if step == self.max_steps:
                record.calls = self._unanswered(turn.tool_calls)
                self._emit(StepLimitReached(self.max_steps, tuple(turn.tool_calls)))
            else:
                record.calls = await self._run_calls(step, turn)
            message = turn.to_message()
            message.tool_calls = [call.call for call in record.calls]
            messages.append(message)
            messages.append(Message("tool", tool_results=[call.result for call in record.calls]))
        return LoopResult(turn, self.steps, step_limit_reached=True)

    def cancel_call(self, call_id: str) -> bool:
        """Stop one running call; it reports "cancelled". False if it is not running."""
        task = self._running.get(call_id)
        if task is None or task.done():
            return False
        self._cancelled.add(call_id)
        task.cancel()
        return True

    def prepare(self, step: int, call: ToolCall) -> PendingCall:
        """Check a call: its tool, its raw arguments, and those against the tool's schema."""
        entry = self.registry.get(call.name)
        parsed = parse_arguments(call.arguments)
        problems: tuple[SchemaProblem, ...] = ()
        if entry is not None and parsed.value is not None:
            problems = validate_arguments(entry.tool.parameters, parsed.value)
        return PendingCall(step, call, entry, parsed.value, parsed.error, problems)

    async def _run_calls(self, step: int, turn: AssistantTurn) -> list[CallRecord]:
        records: list[CallRecord] = []
        runnable: list[tuple[CallRecord, PendingCall]] = []
        for record, pending in await self._decide_all(step, turn.tool_calls):
            records.append(record)
            if record.approved and pending.valid:
                runnable.append((record, pending))
            elif record.approved or pending.tool is None:
                self._finish(record, self._invalid(pending), 0.0)
        async with asyncio.TaskGroup() as group:
            for record, pending in runnable:
                group.create_task(self._execute(record, pending))
        return records

    async def _decide_all(
        self, step: int, calls: list[ToolCall]
    ) -> list[tuple[CallRecord, PendingCall]]:
        """Check every call and get its decision: all asked at once, or one after another."""
        if not self.ask_together:
            decided = []
            for call in calls:
                decided.append(await self._decide(self._ready(step, call)))
            return decided
        pending = [self._ready(step, call) for call in calls]
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._decide(one)) for one in pending]
        return [task.result() for task in tasks]

    def _ready(self, step: int, call: ToolCall) -> PendingCall:
        pending = self.prepare(step, call)
        self._emit(ToolCallReady(step, call, pending.tool, pending.arguments,
                                 pending.parse_error, pending.schema_errors))  # fmt: skip
        return pending

    async def _decide(self, pending: PendingCall) -> tuple[CallRecord, PendingCall]:
        call, entry = pending.call, pending.tool
        record = CallRecord(call, entry, approved=False, result=ToolResult(call.id, ""))
        if entry is None:
            return record, pending
        decision: Decision
        if entry.key in self.always_allowed:
            decision, how = AlwaysAllow(), "always"
        else:
            decision, how = await self.approve(pending), "asked"
        if isinstance(decision, Deny):
            self._emit(ToolCallDenied(call.id, decision.reason))
            self._finish(
                record,
                ToolOutput(_("Not run: {reason}.").format(reason=decision.reason), True),
                0.0,
            )
            return record, pending
        if isinstance(decision, Edit):
            edited = ToolCall(call.id, call.name, decision.arguments)
            pending = self.prepare(pending.step, edited)
            record.call, how = edited, "edited"
        elif isinstance(decision, AlwaysAllow) and entry.key not in self.always_allowed:
            self.always_allowed.add(entry.key)
            if self.on_always_allow is not None:
                self.on_always_allow(entry.key)
        record.approved = True
        self._emit(ToolCallApproved(call.id, record.call.arguments, how))
        return record, pending

    async def _execute(self, record: CallRecord, pending: PendingCall) -> None:
        call_id = pending.call.id
        self._emit(ToolCallStarted(call_id))
        started = self._clock()
        task = asyncio.ensure_future(self._invoke(pending))
        self._running[call_id] = task
        try:
            # A person typing an answer is not held to the tool timeout.
            limit = None if pending.tool is None or pending.tool.needs_person else self.timeout
            async with asyncio.timeout(limit):
                output = await task
        except TimeoutError:
            late = _("The tool did not finish within {seconds} s.")
            output = ToolOutput(late.format(seconds=f"{self.timeout:g}"), True)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if call_id not in self._cancelled or (current and current.cancelling()):
                raise
            output = ToolOutput(_("The user cancelled this call."), True)
        except ToolFailure as exc:
            output = ToolOutput(str(exc), True)
        except Exception as exc:  # a tool's bug must reach the model as a result, not end the loop
            log.warning("tool %s failed", pending.call.name, exc_info=True)
            failed = _("The tool failed: {kind}: {reason}")
            output = ToolOutput(failed.format(kind=type(exc).__name__, reason=exc), True)
        finally:
            self._running.pop(call_id, None)
        self._finish(record, output, self._clock() - started)

    async def _invoke(self, pending: PendingCall) -> ToolOutput:
        entry, arguments = pending.tool, pending.arguments
        # Only valid calls get here.
        assert entry is not None
        assert arguments is not None
        if entry.run is not None:
            return await entry.run(arguments)
        answer = None if self.answer is None else await self.answer(pending)
        if answer is None:
            return ToolOutput(
                _("Not run: {name} needs a person to type its result, and none did.").format(
                    name=entry.name
                ),
                True,
            )
        return ToolOutput(answer)

    def _invalid(self, pending: PendingCall) -> ToolOutput:
        if pending.tool is None:
            offered = ", ".join(e.name for e in self.registry.entries()) or _("none")
            text = _("There is no tool named {name!r}; tools offered: {offered}.").format(
                name=pending.call.name, offered=offered
            )
        elif pending.parse_error is not None:
            text = _("Not run: {reason}.").format(reason=pending.parse_error)
        else:
            text = _("Not run: {reason}.").format(reason=describe_problems(pending.schema_errors))
        return ToolOutput(text, True)

    def _finish(self, record: CallRecord, output: ToolOutput, duration: float) -> None:
        record.result = ToolResult(record.call.id, clip(output.content), output.is_error)
        record.duration = duration
        self._emit(ToolCallFinished(record.call.id, record.result, duration, output.is_error))

    def _unanswered(self, calls: list[ToolCall]) -> list[CallRecord]:
        reason = _("Not run: the limit of {count} steps was reached.").format(count=self.max_steps)
        return [
            CallRecord(call, self.registry.get(call.name), False, ToolResult(call.id, reason, True))
            for call in calls
        ]


def _ignore(event: StreamEvent | LoopEvent) -> None:
    pass
