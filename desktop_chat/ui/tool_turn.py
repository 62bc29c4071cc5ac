"""Render one turn of the tool loop into the transcript and the controller's messages.

A tool turn becomes several transcript entries, one Message each, the same messages the loop
sends: per step an assistant entry (its text, and the tool calls it asked for) and a tool entry
(the calls with their state and results), then the assistant entry of the final answer. The
tool entry is created when the first call of the step is ready and redrawn once per batch of
events while its calls are approved, run and finish. When the turn is stopped or fails with
calls unanswered, they get error results, so the conversation stays valid for the next request.

Imported when a tool turn starts; the tool loop's event types load with the first one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_chat.core.accumulator import Accumulator, AssistantTurn
from desktop_chat.core.conversation import Message, ToolCall, ToolResult
from desktop_chat.core.events import ToolCallDelta, ToolCallStart
from desktop_chat.ui.tool_call_html import ToolCallView

if TYPE_CHECKING:
    from desktop_chat.tools.events import StepLimitReached, ToolCallReady
    from desktop_chat.ui.chat_controller import ChatController
    from desktop_chat.ui.tool_session import ToolSession


class ToolTurnView:
    """The window's side of one tool-loop turn: entries, messages, approval panel, status."""

    def __init__(self, chat: ChatController, session: ToolSession) -> None:
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
        self.session = session
        self.step_limit = ""
        self._accumulator = Accumulator()
        self._entry: int | None = None  # the current step's tool entry
        self._calls: list[ToolCallView] = []
        self._by_id: dict[str, ToolCallView] = {}
        self._assistant: Message | None = None  # the current step's message with the calls
        self._results: Message | None = None  # the current step's tool message
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
        for call_id in starting:
            view = self._by_id.get(call_id)
            ready = self._ready.get(call_id)
            if view is not None and ready is not None and view.state == "running":
                call = ToolCall(call_id, view.name, view.arguments)
                pending = self._events.PendingCall(ready.step, call, ready.tool, ready.arguments)
                self.session.approval.call_started(pending)
        if self._dirty and self._entry is not None:
            self._dirty = False
            self.chat.transcript.refresh(self._entry)

    def end(self, outcome: str, turn: AssistantTurn) -> Message:
        """Close the turn: unanswered calls get error results; return the live entry's message."""
        message = turn.to_message()
        if outcome != "finished":
            message.tool_calls = []  # calls that were never answered cannot be sent back
        unanswered = [view for view in self._calls if not view.finished]
        for view in unanswered:
            view.state = "stopped" if outcome == "stopped" else "not run"
            view.is_error = True
            view.result = (
                "Not run: the user stopped the answer."
                if outcome == "stopped"
                else "Not run: the answer failed before this call ran."
            )
            self._dirty = True
        if unanswered:
            self._store_results()
        self.flush()
        self.session.approval.clear()
        if self._entry is not None and self._entry == self.chat.transcript.count() - 1:
            self.chat.transcript.offer_regenerate()
        return message

    # --- steps ----------------------------------------------------------------------------------

    def _next_step(self) -> None:
        self.flush()
        self._accumulator = Accumulator()
        self._entry = None
        self._calls, self._by_id = [], {}
        self._ready.clear()
        self._assistant = self._results = None
        self._preparing.clear()
        self.chat.begin_step()

    def _show_preparing(self, event: ToolCallStart | ToolCallDelta) -> None:
        if isinstance(event, ToolCallStart):
            self._preparing[event.index] = (event.name, 0)
        else:
            name, size = self._preparing.get(event.index, ("a tool", 0))
            self._preparing[event.index] = (name, size + len(event.arguments))
        names = ", ".join(name for name, _size in self._preparing.values())
        size = sum(size for _name, size in self._preparing.values())
        self.chat.transcript.set_notice(
            f"Preparing a call to {names}… ({size} characters of arguments so far)"
        )

    def _open_entry(self) -> None:
        """The step's stream ended with calls: finish its assistant entry, add the tool entry."""
        chat = self.chat
        turn = self._accumulator.turn
        self._assistant = turn.to_message()
        chat.close_live(self._assistant)
        origin = self.session.origin_of
        self._calls = [
            ToolCallView(call.id, call.name, origin(call.name), call.arguments)
            for call in turn.tool_calls
        ]
        self._by_id = {view.call_id: view for view in self._calls}
        self._entry = chat.transcript.add_tool_calls(self._calls)
        self._results = Message("tool")
        chat.session.add_tool_results(self._results)

    def _view(self, call_id: str, name: str = "", arguments: str = "") -> ToolCallView:
        view = self._by_id.get(call_id)
        if view is None:  # a call the stream did not show (should not happen): show it anyway
            view = self._by_id[call_id] = ToolCallView(call_id, name, arguments=arguments)
            self._calls.append(view)
        return view

    def _on_ready(self, event: ToolCallReady) -> None:
        from desktop_chat.tools.schema import describe_problems

        if self._entry is None:
            self._open_entry()
        self._ready[event.call.id] = event
        view = self._view(event.call.id, event.call.name, event.call.arguments)
        view.origin = event.tool.origin if event.tool is not None else "not offered"
        if event.parse_error:
            view.problem = event.parse_error
        elif event.schema_errors:
            view.problem = describe_problems(event.schema_errors)
        view.state = "waiting" if event.tool is not None else "queued"
        self._dirty = True
        self.chat.status.set_state("Waiting for approval…")

    def _on_call_event(self, event: object) -> None:
        panel, events = self.session.approval, self._events
        if isinstance(event, events.ToolCallApproved):
            view = self._view(event.call_id)
            if event.how == "edited":
                view.arguments, view.problem = event.arguments, ""
                self._mirror_edit(event.call_id, event.arguments)
            view.how = event.how if event.how != "asked" else ""
            view.state = "approved"
        elif isinstance(event, events.ToolCallDenied):
            self._view(event.call_id).state = "denied"
        elif isinstance(event, events.ToolCallStarted):
            self._view(event.call_id).state = "running"
            self._starting.append(event.call_id)
            self.chat.status.set_state("Running tools…")
        elif isinstance(event, events.ToolCallFinished):
            view = self._view(event.call_id)
            view.result, view.is_error = event.result.content, event.is_error
            if view.state == "running":
                view.duration = event.duration
                cancelled = event.is_error and self.session.was_cancelled(event.call_id)
                view.state = "cancelled" if cancelled else ("failed" if event.is_error else "done")
            elif view.state != "denied":
                view.state = "not run"
            panel.call_finished(event.call_id)
            self._store_results()
        self._dirty = True

    def _on_step_limit(self, event: StepLimitReached) -> None:
        if self._entry is None:
            self._open_entry()
        reason = f"Not run: the limit of {event.max_steps} steps was reached."
        for call in event.unanswered:
            view = self._view(call.id, call.name, call.arguments)
            view.state, view.result, view.is_error = "not run", reason, True
        self._store_results()
        names = ", ".join(dict.fromkeys(call.name for call in event.unanswered))
        self.step_limit = (
            f"Stopped after {event.max_steps} steps: the model still wanted to call {names}. "
            "Those calls were not run; send a message to let it continue."
        )
        self.chat.transcript.refresh(self._entry or 0, notice=self.step_limit)
        self._dirty = False

    def _mirror_edit(self, call_id: str, arguments: str) -> None:
        """The loop sends edited arguments back as the call's own: keep the message the same."""
        if self._assistant is not None:
            for call in self._assistant.tool_calls:
                if call.id == call_id:
                    call.arguments = arguments

    def _store_results(self) -> None:
        if self._results is not None:
            self._results.tool_results = [
                ToolResult(view.call_id, view.result, view.is_error)
                for view in self._calls
                if view.finished
            ]
