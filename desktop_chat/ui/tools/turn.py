"""Render one turn of the tool loop into the transcript, the approval panel and the status bar.

A tool turn becomes several transcript entries, one Message each, the same messages the loop
sends: per step an assistant entry (its text, and the tool calls it asked for) and a tool entry
(the calls with their state and results), then the assistant entry of the final answer. The
calls, their states and results are kept by a `ToolStep` (session/tool_step.py); this view adds
the entries, and redraws the tool entry once per batch of events while its calls are approved,
run and finish.

Imported when a tool turn starts; the tool loop's event types load with the first one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_chat.core.accumulator import Accumulator
from desktop_chat.core.conversation import AssistantTurn, Message, ToolCall
from desktop_chat.core.events import ToolCallDelta, ToolCallStart
from desktop_chat.i18n import _, ngettext
from desktop_chat.session.tool_step import ToolStep, closing_message

if TYPE_CHECKING:
    from desktop_chat.session.chat import ChatSession
    from desktop_chat.tools.events import StepLimitReached, ToolCallReady
    from desktop_chat.ui.chat.status_bar import StatusBar
    from desktop_chat.ui.chat.transcript import Transcript
    from desktop_chat.ui.tools.session import ToolSession


class ToolTurnView:
    """The window's side of one tool-loop turn: entries, approval panel, status.

    `chat` is the conversation (its messages change through it); no call goes to the controller.
    """

    def __init__(
        self, chat: ChatSession, transcript: Transcript, status: StatusBar, session: ToolSession
    ) -> None:
        from desktop_chat.tools import events

        self._events = events
        self._loop_events = (
            events.StepStarted,
            events.ToolCallReady,
            events.ToolCallApproved,
            events.ToolCallDenied,
            events.ToolCallStarted,
            events.ToolCallFinished,
            events.StepLimitReached,
        )
        self.chat = chat
        self.transcript = transcript
        self.status = status
        self.session = session
        self.step_limit = ""
        self._accumulator = Accumulator()
        self._entry: int | None = None  # the current step's tool entry
        self._step = ToolStep()  # the current step's calls (none until they are ready)
        self._dirty = False
        self._preparing: dict[int, tuple[str, int]] = {}  # stream index -> (name, characters)
        self._ready: dict[str, ToolCallReady] = {}
        self._starting: list[str] = []  # started calls the panel has not shown running yet

    # --- events ---------------------------------------------------------------------------------

    def see(self, event: object) -> None:
        """Take one event of the turn, in order (stream events go on to the controller too)."""
        events = self._events
        if not isinstance(event, self._loop_events):
            self._accumulator.feed(event)  # type: ignore[arg-type]
            if isinstance(event, ToolCallStart | ToolCallDelta):
                self._show_preparing(event)
            return
        if isinstance(event, events.StepStarted):
            if event.step > 1:
                self._next_step()
        elif isinstance(event, events.ToolCallReady):
            self._on_ready(event)
        elif isinstance(event, events.StepLimitReached):
            self._on_step_limit(event)
        else:
            self._on_call_event(event)

    def flush(self) -> None:
        """Redraw the tool entry if its calls changed (once per batch of events).

        A call still running at the end of a batch gets a card with Cancel and its elapsed
        time, even one that needed no approval; a quick call never shows one.
        """
        starting, self._starting = self._starting, []
        running = {record.call_id: record for record in self._step.calls}
        for call_id in starting:
            view = running.get(call_id)
            ready = self._ready.get(call_id)
            if view is not None and ready is not None and view.state == "running":
                call = ToolCall(call_id, view.name, view.arguments)
                pending = self._events.PendingCall(ready.step, call, ready.tool, ready.arguments)
                self.session.approval.call_started(pending)
        if self._dirty and self._entry is not None:
            self._dirty = False
            self.transcript.refresh(self._entry)

    def end(self, outcome: str, turn: AssistantTurn) -> Message:
        """Close the turn: unanswered calls get error results; return the live entry's message."""
        message = closing_message(turn, outcome)
        if self._step.end(outcome):
            self._dirty = True
        self.flush()
        self.session.approval.clear()
        if self._entry is not None and self._entry == self.transcript.count() - 1:
            self.transcript.offer_regenerate()
        return message

    # --- steps ----------------------------------------------------------------------------------

    def _next_step(self) -> None:
        self.flush()
        self._accumulator = Accumulator()
        self._entry = None
        self._step = ToolStep()
        self._ready.clear()
        self._preparing.clear()
        self.chat.begin_answer()  # the next step's assistant entry streams
        self.status.set_state(_("Waiting…"))

    def _show_preparing(self, event: ToolCallStart | ToolCallDelta) -> None:
        if isinstance(event, ToolCallStart):
            self._preparing[event.index] = (event.name, 0)
        else:
            name, size = self._preparing.get(event.index, (_("a tool"), 0))
            self._preparing[event.index] = (name, size + len(event.arguments))
        names = ", ".join(name for name, _size in self._preparing.values())
        size = sum(size for _name, size in self._preparing.values())
        self.transcript.set_notice(
            ngettext(
                "Preparing a call to {names}… ({n} character of arguments so far)",
                "Preparing a call to {names}… ({n} characters of arguments so far)",
                size,
            ).format(names=names, n=size)
        )

    def _open_entry(self) -> None:
        """The step's stream ended with calls: finish its assistant entry, add the tool entry."""
        self._step = step = ToolStep.open(self._accumulator.turn, self.session.origin_of)
        assert step.assistant is not None  # an opened step has both its messages
        assert step.results is not None
        self.chat.end_answer(step.assistant, self._accumulator.turn)
        self.transcript.finish("")  # its calls follow in their own entry
        self._entry = self.transcript.add_tool_calls(step.calls)
        self.chat.add_tool_results(step.results, step.calls)

    def _on_ready(self, event: ToolCallReady) -> None:
        from desktop_chat.tools.schema import describe_problems

        if self._entry is None:
            self._open_entry()
        self._ready[event.call.id] = event
        problem = event.parse_error or (
            describe_problems(event.schema_errors) if event.schema_errors else ""
        )
        origin = event.tool.origin if event.tool is not None else None
        self._step.ready(event.call, origin, problem)
        self._dirty = True
        self.status.set_state(_("Waiting for approval…"))

    def _on_call_event(self, event: object) -> None:
        panel, events, step = self.session.approval, self._events, self._step
        if isinstance(event, events.ToolCallApproved):
            step.approved(event.call_id, event.how, event.arguments)
        elif isinstance(event, events.ToolCallDenied):
            step.denied(event.call_id)
        elif isinstance(event, events.ToolCallStarted):
            step.started(event.call_id)
            self._starting.append(event.call_id)
            self.status.set_state(_("Running tools…"))
        elif isinstance(event, events.ToolCallFinished):
            cancelled = event.is_error and self.session.was_cancelled(event.call_id)
            step.finished(
                event.call_id,
                event.result.content,
                event.is_error,
                event.duration,
                cancelled=cancelled,
            )
            panel.call_finished(event.call_id)
        self._dirty = True

    def _on_step_limit(self, event: StepLimitReached) -> None:
        if self._entry is None:
            self._open_entry()
        self.step_limit = self._step.limit_reached(event.max_steps, event.unanswered)
        if self._entry is not None:  # saved with the entry, to show again when reopened
            self.chat.node(self._entry).meta["step_limit"] = self.step_limit
        self.transcript.refresh(self._entry or 0, notice=self.step_limit)
        self._dirty = False
